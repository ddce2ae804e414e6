/**
 * Graph changes made in the product on real data (the WebVoyager GitHub run as a rollout whose
 * environment verdict is success): a first path becomes version 1, an approved path merges into
 * version 2 with metrics snapshots before and after, rescoring evaluates only what is new, and an
 * LF save refuses a stale base and rescoring runs just the new version.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsSnapshot, strategyGraphVersion, task, trajectory } from '@/server/db/schema';
import { createLabelFunctionRunner, type LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import {
  listMetricsSnapshots,
  mergePathIntoTask,
  saveLabelFunctionVersion,
  type PathNodeDraft,
} from '@/server/services/graph-change-service';
import { getPoolNodes } from '@/server/services/graph-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { scoreTasks } from '@/server/services/scoring-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const lf = (body: string) => `def label_function(trajectory):\n    return ${body}\n`;
const TYPE: PathNodeDraft = {
  description: "Type text 'climate change data visualization' into the search box",
  code: lf("validate_type_action(trajectory, 'climate change data visualization', None)"),
  nodeId: null,
};
const MISSING: PathNodeDraft = {
  description: 'Click on a UI element that does not exist',
  code: lf("validate_click(trajectory, None, 'No such button anywhere')"),
  nodeId: null,
};
const STARS: PathNodeDraft = {
  description: "Click on a UI element 'Most stars' on the screen.",
  code: lf("validate_click(trajectory, None, 'Most stars')"),
  nodeId: null,
};
const ANSWER: PathNodeDraft = {
  description: "Answer user's question naming resource-watch",
  code: lf("validate_answer(trajectory, 'resource-watch')"),
  nodeId: null,
};
const actor = { userId: null, label: 'test' };

describe('graph changes: merges, snapshots, LF saves and targeted rescoring', () => {
  let world: TestWorld;
  let runner: LabelFunctionRunner;
  let taskId: string;

  beforeAll(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'rollout' });
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
    taskId = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!.id;
    world.db.update(trajectory).set({ envSuccess: true }).where(eq(trajectory.taskId, taskId)).run();
    runner = await createLabelFunctionRunner();
  }, 120_000);

  afterAll(async () => {
    await runner.close();
    await world.cleanup();
  });

  const rollout = () => world.db.select().from(trajectory).where(eq(trajectory.taskId, taskId)).get()!;

  it('rejects an empty path, an unknown pool node and a blank description, writing nothing', () => {
    const params = { taskId, sourceTrajectoryId: null, actor, iterationId: null };
    expect(() => mergePathIntoTask(world.db, { ...params, nodes: [] })).toThrow(/at least one node/);
    expect(() =>
      mergePathIntoTask(world.db, { ...params, nodes: [TYPE, { ...STARS, nodeId: '999' }] }),
    ).toThrow(/nodes\[1\]\.nodeId: pool node 999 not found/);
    expect(() => mergePathIntoTask(world.db, { ...params, nodes: [{ ...TYPE, description: '  ' }] })).toThrow(
      /nodes\[0\]\.description is empty/,
    );
    expect(getPoolNodes(world.db, ['1', '2'])).toEqual([]);
    expect(world.db.select().from(strategyGraphVersion).all()).toEqual([]);
  });

  it('makes a first path version 1 (init, no snapshots); the rollout is Partially Passed on it', async () => {
    const outcome = mergePathIntoTask(world.db, {
      taskId,
      nodes: [TYPE, MISSING],
      sourceTrajectoryId: null,
      actor,
      iterationId: null,
    });
    expect(outcome).toMatchObject({
      changed: true,
      version: 1,
      nodeIds: ['1', '2'],
      createdNodeIds: ['1', '2'],
    });
    expect(await scoreTasks(world.db, runner, [taskId])).toMatchObject({ evaluated: 2, reused: 0 });
    expect(rollout()).toMatchObject({ graphVerdict: false, category: 'partially_passed' });
    expect(listMetricsSnapshots(world.db, taskId)).toEqual([]);
  }, 60_000);

  it('merges an approved path into version 2 with before/after snapshots; rescoring runs only the new nodes', async () => {
    const outcome = mergePathIntoTask(world.db, {
      taskId,
      // The first node differs only in case and spacing: it reuses pool node 1.
      nodes: [{ ...TYPE, description: `  ${TYPE.description.toUpperCase()} ` }, STARS, ANSWER],
      sourceTrajectoryId: rollout().id,
      actor,
      iterationId: null,
    });
    expect(outcome).toMatchObject({
      changed: true,
      version: 2,
      nodeIds: ['1', '3', '4'],
      createdNodeIds: ['3', '4'],
    });
    expect(outcome.diff.addedNodes).toEqual(['3', '4']);
    const version2 = world.db
      .select()
      .from(strategyGraphVersion)
      .where(and(eq(strategyGraphVersion.taskId, taskId), eq(strategyGraphVersion.version, 2)))
      .get()!;
    expect(version2).toMatchObject({ reason: 'merge', sourceTrajectoryId: rollout().id });
    expect(version2.graph['1']!.child_node_id).toEqual(['2', '3']);

    // Before: the rollout succeeded but the graph said no — one false negative.
    const before = listMetricsSnapshots(world.db, taskId);
    expect(before.map((s) => s.type)).toEqual(['before']);
    expect(before[0]!.metrics).toMatchObject({ TP: 0, FN: 1, pairs: 1, recall: 0 });

    const summary = await scoreTasks(world.db, runner, [taskId]);
    expect(summary).toMatchObject({ evaluated: 2, reused: 2 });
    expect(rollout()).toMatchObject({
      graphVerdict: true,
      category: 'fully_passed',
      matchedPath: ['1', '3', '4'],
    });

    const snapshots = listMetricsSnapshots(world.db, taskId);
    expect(snapshots.map((s) => [s.type, s.graphVersionId])).toEqual([
      ['before', version2.id],
      ['after', version2.id],
    ]);
    expect(snapshots[1]!.metrics).toMatchObject({ TP: 1, FN: 0, recall: 1, f1: 1 });
    // Overall snapshots too (the CORE label_function_results.json records), one pair each.
    expect(listMetricsSnapshots(world.db, null).map((s) => s.type)).toEqual(['before', 'after']);
    // Scoring again writes no second `after`.
    await scoreTasks(world.db, runner, [taskId]);
    expect(world.db.select().from(metricsSnapshot).all()).toHaveLength(4);
  }, 60_000);

  it('merging a path already in the graph creates no version', () => {
    const outcome = mergePathIntoTask(world.db, {
      taskId,
      nodes: [TYPE, STARS, ANSWER],
      sourceTrajectoryId: null,
      actor,
      iterationId: null,
    });
    expect(outcome).toMatchObject({ changed: false, version: 2 });
  });

  it('saves an LF version only from the current base, and rescoring evaluates just that version', async () => {
    const [node] = getPoolNodes(world.db, ['3']);
    const stale = { nodeId: '3', code: lf("validate_click(trajectory, None, 'Most Stars')"), reason: 'case' };
    expect(() => saveLabelFunctionVersion(world.db, { ...stale, basedOnVersionId: 'old', actor })).toThrow(
      /changed since you opened it/,
    );
    expect(() =>
      saveLabelFunctionVersion(world.db, {
        ...stale,
        code: node!.code!,
        basedOnVersionId: node!.lfVersionId,
        actor,
      }),
    ).toThrow(/unchanged/);
    const saved = saveLabelFunctionVersion(world.db, {
      ...stale,
      basedOnVersionId: node!.lfVersionId,
      actor,
    });
    expect(saved).toMatchObject({ version: 2, affectedTaskIds: [taskId] });
    expect(await scoreTasks(world.db, runner, saved.affectedTaskIds)).toMatchObject({
      evaluated: 1,
      reused: 3,
    });
    expect(rollout()).toMatchObject({ graphVerdict: true });
  }, 60_000);
});
