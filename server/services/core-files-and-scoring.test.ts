/**
 * The CORE loop's data path end to end on real data: import the WebVoyager runs, attach a strategy
 * graph from CORE files to taskGitHub--0, score with the sandboxed label functions, read verdict,
 * category, progress and matched path, and export the CORE files again (round trip).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCoreTasksText } from '@/lib/core/core-format/tasks';
import {
  KEY_NODES_TEXT,
  LABEL_FUNCTION_RESULTS_TEXT,
  TASKS_TEXT,
} from '@/lib/core/core-format/test-fixtures';
import { lfResult, strategyGraphVersion, task, trajectory } from '@/server/db/schema';
import { createLabelFunctionRunner, type LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { exportCoreDir, importCoreDir } from '@/server/services/core-files-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { scoreTasks } from '@/server/services/scoring-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const GITHUB_NODES = [
  {
    id: '101',
    description: "Type text 'climate change data visualization' into the search box",
    label_function:
      "def label_function(trajectory):\n    return validate_type_action(trajectory, 'climate change data visualization', None)\n",
  },
  {
    id: '102',
    description: "Click on a UI element 'Most stars' on the screen.",
    label_function:
      "def label_function(trajectory):\n    return validate_click(trajectory, None, 'Most stars')\n",
  },
  {
    id: '103',
    description: "Answer user's question naming resource-watch",
    label_function:
      "def label_function(trajectory):\n    return validate_answer(trajectory, 'resource-watch')\n",
  },
  {
    id: '104',
    description: 'Click on a UI element that does not exist',
    label_function:
      "def label_function(trajectory):\n    return validate_click(trajectory, None, 'No such button anywhere')\n",
  },
];

/** 101 → 102 → 103 is the demo's path; 101 → 104 → 103 a branch its demo did not take. */
const GITHUB_GRAPH = {
  '101': { parent_node_id: ['0'], child_node_id: ['102', '104'] },
  '102': { parent_node_id: ['101'], child_node_id: ['103'] },
  '104': { parent_node_id: ['101'], child_node_id: ['103'] },
  '103': { parent_node_id: ['102', '104'], child_node_id: ['-1'] },
};

function writeCoreDir(dir: string, opts: { withFixtures: boolean }) {
  fs.mkdirSync(dir, { recursive: true });
  const fixtureNodes = opts.withFixtures ? (JSON.parse(KEY_NODES_TEXT) as unknown[]) : [];
  const fixtureTasks = opts.withFixtures ? (JSON.parse(TASKS_TEXT) as Record<string, unknown>) : {};
  fs.writeFileSync(
    path.join(dir, 'key_nodes.json'),
    JSON.stringify([...fixtureNodes, ...GITHUB_NODES], null, 4),
  );
  fs.writeFileSync(
    path.join(dir, 'tasks.json'),
    JSON.stringify(
      {
        ...fixtureTasks,
        'webvoyager:GitHub--0': {
          objective: 'GitHub climate search',
          template: null,
          key_nodes: GITHUB_GRAPH,
        },
      },
      null,
      4,
    ),
  );
  if (opts.withFixtures)
    fs.writeFileSync(path.join(dir, 'label_function_results.json'), LABEL_FUNCTION_RESULTS_TEXT);
}

describe('CORE files and scoring', () => {
  let world: TestWorld;
  let runner: LabelFunctionRunner;
  let tmp: string;

  beforeAll(async () => {
    world = createTestWorld();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-core-'));
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
    await importBundle(world.db, world.dataDir, bundle, {
      format: 'webvoyager',
      actor: { userId: null, label: 'test' },
    });
    runner = await createLabelFunctionRunner();
  }, 120_000);

  afterAll(async () => {
    await runner.close();
    await world.cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('imports CORE files, attaching a graph to an existing task and creating core: tasks for the rest', () => {
    const dir = path.join(tmp, 'in');
    writeCoreDir(dir, { withFixtures: true });
    const summary = importCoreDir(world.db, dir, { userId: null, label: 'test' });
    const fixtureTaskCount = Object.keys(parseCoreTasksText(TASKS_TEXT)).length;
    expect(summary.tasks).toEqual({ created: fixtureTaskCount, updated: 1, unchanged: 0 });
    expect(summary.graphVersions).toBe(fixtureTaskCount + 1);
    expect(summary.metricsSnapshots).toBeGreaterThan(0);
    const github = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!;
    expect(github.intent).toContain('climate change data visualization'); // its own intent is kept
    // Importing the same files again changes nothing.
    const again = importCoreDir(world.db, dir, { userId: null, label: 'test' });
    expect(again).toMatchObject({ graphVersions: 0, metricsSnapshots: 0, tasks: { created: 0, updated: 0 } });
    expect(again.nodes.created + again.nodes.updated).toBe(0);
  });

  it('refuses a graph naming a node that key_nodes.json lacks, writing nothing', () => {
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'key_nodes.json'), JSON.stringify(GITHUB_NODES.slice(0, 1)));
    fs.writeFileSync(
      path.join(dir, 'tasks.json'),
      JSON.stringify({
        lonely: { objective: 'x', key_nodes: { '101': { parent_node_id: ['0'], child_node_id: ['999'] } } },
      }),
    );
    const before = world.db.select().from(strategyGraphVersion).all().length;
    expect(() => importCoreDir(world.db, dir, { userId: null, label: 'test' })).toThrow(
      /tasks\.json.*node 999 is not in key_nodes\.json/,
    );
    expect(world.db.select().from(strategyGraphVersion).all().length).toBe(before);
  });

  it('scores the GitHub demo in the sandbox: verdict true on 101 → 102 → 103, Fully Passed, progress 1', async () => {
    const github = world.db.select().from(task).where(eq(task.externalId, 'webvoyager:GitHub--0')).get()!;
    const summary = await scoreTasks(world.db, runner, [github.id]);
    expect(summary).toMatchObject({ tasks: 1, trajectories: 1, evaluated: 4, reused: 0 });
    const scored = world.db.select().from(trajectory).where(eq(trajectory.taskId, github.id)).get()!;
    expect(scored).toMatchObject({
      graphVerdict: true,
      category: 'fully_passed',
      progress: 1,
      matchedPath: ['101', '102', '103'],
    });
    const results = world.db.select().from(lfResult).where(eq(lfResult.trajectoryId, scored.id)).all();
    const byNode = Object.fromEntries(results.map((r) => [r.nodeId, r]));
    expect(byNode['101']).toMatchObject({ result: true, outcome: 'ok', evidenceStep: 1 });
    expect(byNode['102']).toMatchObject({ result: true, outcome: 'ok', evidenceStep: 3 });
    expect(byNode['103']).toMatchObject({ result: true, outcome: 'ok', evidenceStep: 4 });
    expect(byNode['104']).toMatchObject({ result: false, outcome: 'ok' });

    // Scoring again reuses every stored result and runs nothing.
    expect(await scoreTasks(world.db, runner, [github.id])).toMatchObject({ evaluated: 0, reused: 4 });

    // A stored result that cannot be trusted (forged, as before issue 14) is overwritten on request.
    world.db
      .update(lfResult)
      .set({ result: false, evidenceStep: null })
      .where(eq(lfResult.nodeId, '101'))
      .run();
    expect(await scoreTasks(world.db, runner, [github.id], { reevaluate: true })).toMatchObject({
      evaluated: 4,
      reused: 0,
    });
    const again = world.db.select().from(lfResult).where(eq(lfResult.trajectoryId, scored.id)).all();
    expect(again.find((r) => r.nodeId === '101')).toMatchObject({ result: true, evidenceStep: 1 });
    expect(again).toHaveLength(4);
  }, 120_000);

  it('exports CORE files equal to what was imported', () => {
    const dir = path.join(tmp, 'out');
    const files = exportCoreDir(world.db, dir);
    expect(files.map((f) => path.basename(f))).toEqual([
      'key_nodes.json',
      'tasks.json',
      'label_function_results.json',
    ]);
    const original = path.join(tmp, 'in');
    for (const name of ['key_nodes.json', 'tasks.json', 'label_function_results.json']) {
      expect(JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'))).toEqual(
        JSON.parse(fs.readFileSync(path.join(original, name), 'utf8')),
      );
    }
  });
});
