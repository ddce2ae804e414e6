/**
 * The pipeline stages as jobs on the real WebVoyager runs with the offline `heuristic` provider and
 * the real sandbox: abstraction initialises graphs whose label functions pass on their own demos;
 * then, with the demos turned into rollouts of known outcome, categorisation feeds proposed paths
 * (Partially Passed), extrapolated intents (Failed) and proposed tasks (Fully Passed). A run whose
 * model is unreachable records the failed call and resumes once the settings are fixed.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extrapolatedIntent,
  job,
  keyStep,
  lfAttempt,
  modelCall,
  pipelineItem,
  pipelineRun,
  proposedPath,
  proposedTask,
  strategyGraphVersion,
  task,
  trajectory,
  type PipelineStage,
} from '@/server/db/schema';
import { inTransaction } from '@/server/db/client';
import { updateLlmSettings } from '@/server/llm/settings-service';
import { resolvePathNodes } from '@/server/services/graph-change-service';
import { addGraphVersion, getLatestGraphVersion } from '@/server/services/graph-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import type { PipelineRunStats } from '@/server/services/pipeline-query-service';
import { resumePipelineRun, startPipelineRun } from '@/server/services/pipeline-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';
import { linearPath } from '@/lib/core/strategy-graph/merge';

const TASKS = ['webvoyager:GitHub--0', 'webvoyager:Allrecipes--4', 'webvoyager:Amazon--0'];
const actor = { userId: null, label: 'test' };
const heuristicProviders = () => ({
  coder: { provider: 'heuristic' as const, model: 'heuristic-v1' },
  agent: { provider: 'heuristic' as const, model: 'heuristic-v1' },
});

describe('pipeline stages on WebVoyager runs with the heuristic provider', () => {
  let world: TestWorld;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    world = createTestWorld();
    const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES);
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
    for (const externalId of TASKS) {
      ids[externalId] = world.db.select().from(task).where(eq(task.externalId, externalId)).get()!.id;
    }
  }, 120_000);

  afterAll(async () => {
    await world.cleanup();
  });

  async function run(stage: PipelineStage, taskIds: string[]) {
    const { runId, jobId } = startPipelineRun(world.db, world.jobs, {
      stage,
      scope: { taskIds, iterationId: null },
      actor,
      providers: heuristicProviders,
    });
    await world.jobs.idle();
    const jobRow = world.db.select().from(job).where(eq(job.id, jobId)).get()!;
    expect(jobRow.error).toBeNull();
    expect(jobRow.status).toBe('succeeded');
    const runRow = world.db.select().from(pipelineRun).where(eq(pipelineRun.id, runId)).get()!;
    return { runId, stats: runRow.stats as PipelineRunStats, runRow };
  }

  const demoOf = (externalId: string) =>
    world.db.select().from(trajectory).where(eq(trajectory.taskId, ids[externalId]!)).get()!;

  it('abstracts the demos: key steps, every attempt, graphs v1 whose LFs pass on their own demos', async () => {
    const { runId, stats, runRow } = await run(
      'abstract',
      TASKS.map((t) => ids[t]!),
    );
    expect(runRow.providers).toEqual(heuristicProviders());
    expect(Object.keys(runRow.promptVersions)).toEqual(
      expect.arrayContaining(['key_steps', 'label_function', 'intent_candidate', 'intent_refine', 'augment']),
    );
    expect(stats.units).toEqual({ done: 3, failed: 0, skipped: 0 });
    expect(stats.synthesis!.keySteps).toBeGreaterThanOrEqual(6);
    expect(stats.synthesis!.osr).toBeGreaterThan(0.5);

    for (const externalId of TASKS) {
      const graph = getLatestGraphVersion(world.db, ids[externalId]!)!;
      expect(graph).toMatchObject({ version: 1, reason: 'init' });
      const steps = world.db.select().from(keyStep).where(eq(keyStep.taskId, ids[externalId]!)).all();
      expect(steps.length).toBeGreaterThan(0);
      // Every passing key step became a node; flagged ones stay stored, outside the graph.
      for (const s of steps) expect(s.nodeId === null).toBe(s.status === 'flagged');
    }
    const attempts = world.db.select().from(lfAttempt).all();
    expect(attempts.length).toBeGreaterThanOrEqual(stats.synthesis!.keySteps);
    const calls = world.db.select().from(modelCall).where(eq(modelCall.runId, runId)).all();
    expect(new Set(calls.map((c) => c.provider))).toEqual(new Set(['heuristic']));
    expect(calls.filter((c) => c.purpose === 'key_steps')).toHaveLength(3);

    // The run scored the tasks on their new graphs: every demo passes its own graph. (Its progress
    // score can be below 1: a heuristic click check without an element name matches the demo's
    // first click, which may come before the previous key step's evidence.)
    for (const externalId of TASKS) {
      expect(demoOf(externalId)).toMatchObject({ graphVerdict: true, category: 'fully_passed' });
      expect(demoOf(externalId).progress).toBeGreaterThan(0);
    }

    // Abstracting again keeps the graphs (no silent rewrite).
    const again = await run('abstract', [ids['webvoyager:GitHub--0']!]);
    expect(again.stats.units.done).toBe(1);
    expect(getLatestGraphVersion(world.db, ids['webvoyager:GitHub--0']!)!.version).toBe(1);
  }, 300_000);

  it('turns categories into proposals: a path, an intent and task variants, each for review', async () => {
    // GitHub and Allrecipes get a version 2 that needs a node their runs never satisfy; all three
    // demos become rollouts with a known outcome.
    inTransaction(world.db, (tx) => {
      for (const externalId of ['webvoyager:GitHub--0', 'webvoyager:Allrecipes--4']) {
        const taskId = ids[externalId]!;
        const first = tx
          .select({ nodeId: keyStep.nodeId })
          .from(keyStep)
          .where(and(eq(keyStep.taskId, taskId), eq(keyStep.status, 'passed')))
          .get()!.nodeId!;
        const { nodeIds } = resolvePathNodes(
          tx,
          [
            {
              description: `Click on a UI element 'No such thing on ${externalId}' on the screen.`,
              code: "def label_function(trajectory):\n    return validate_click(trajectory, None, 'No such thing')\n",
              nodeId: null,
            },
          ],
          { actor, iterationId: null },
        );
        addGraphVersion(tx, {
          taskId,
          graph: linearPath([first, nodeIds[0]!]),
          diff: { addedNodes: [], addedEdges: [] },
          reason: 'edit',
          createdBy: 'test',
          iterationId: null,
        });
      }
      const outcome = {
        'webvoyager:GitHub--0': true,
        'webvoyager:Allrecipes--4': false,
        'webvoyager:Amazon--0': true,
      };
      for (const [externalId, envSuccess] of Object.entries(outcome)) {
        tx.update(trajectory)
          .set({ kind: 'rollout', envSuccess })
          .where(eq(trajectory.taskId, ids[externalId]!))
          .run();
      }
    });
    const taskIds = TASKS.map((t) => ids[t]!);

    const paths = await run('propose_paths', taskIds);
    expect(demoOf('webvoyager:GitHub--0').category).toBe('partially_passed');
    expect(paths.stats.units.done).toBe(1);
    const [proposal] = world.db.select().from(proposedPath).all();
    expect(proposal).toMatchObject({ taskId: ids['webvoyager:GitHub--0'], status: 'pending' });
    // Its key steps are the demo's own, so every node is reused from the pool by description.
    expect(proposal!.nodes.length).toBeGreaterThan(0);
    expect(proposal!.nodes.every((n) => n.nodeId !== null)).toBe(true);
    // Proposals are not merged.
    expect(
      world.db
        .select()
        .from(strategyGraphVersion)
        .where(eq(strategyGraphVersion.taskId, proposal!.taskId))
        .all(),
    ).toHaveLength(2);

    const intents = await run('infer_intents', taskIds);
    expect(demoOf('webvoyager:Allrecipes--4').category).toBe('failed');
    const [intent] = world.db.select().from(extrapolatedIntent).all();
    expect(intent).toMatchObject({ taskId: ids['webvoyager:Allrecipes--4'], status: 'pending' });
    expect(intent!.intent!.split(/\s+/).length).toBeGreaterThan(2);
    expect(intents.stats.intents).toMatchObject({ total: 1, invalidRate: 0, warning: false });

    const augmented = await run('augment', taskIds);
    expect(demoOf('webvoyager:Amazon--0').category).toBe('fully_passed');
    const variants = world.db.select().from(proposedTask).all();
    expect(variants.length).toBeGreaterThan(0);
    expect(augmented.stats.proposedTasks).toBe(variants.length);
    for (const v of variants) {
      expect(v).toMatchObject({ parentTaskId: ids['webvoyager:Amazon--0'], status: 'pending' });
      expect(v.intent.toLowerCase()).not.toBe(
        world.db.select().from(task).where(eq(task.id, v.parentTaskId)).get()!.intent.toLowerCase(),
      );
    }
  }, 300_000);

  it('records the failed model call of an unreachable server, and resumes after the settings are fixed', async () => {
    const pi = world.makeUser('pi');
    const settings = {
      role: 'agent' as const,
      provider: 'openai' as const,
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'nobody-home',
      timeoutMs: 2000,
      maxRetries: 0,
      concurrency: 1,
    };
    updateLlmSettings(world.db, world.dataDir, pi, settings);
    world.db.delete(extrapolatedIntent).run();
    const { runId, jobId } = startPipelineRun(world.db, world.jobs, {
      stage: 'infer_intents',
      scope: { taskIds: [ids['webvoyager:Allrecipes--4']!], iterationId: null },
      actor,
      providers: heuristicProviders,
    });
    await world.jobs.idle();
    expect(world.db.select().from(job).where(eq(job.id, jobId)).get()!.status).toBe('succeeded');
    const [failed] = world.db.select().from(pipelineItem).where(eq(pipelineItem.runId, runId)).all();
    expect(failed).toMatchObject({ status: 'failed' });
    const call = world.db.select().from(modelCall).where(eq(modelCall.id, failed!.failedModelCallId!)).get()!;
    expect(call).toMatchObject({ provider: 'openai', model: 'nobody-home', purpose: 'intent_candidate' });
    expect(call.error).toBeTruthy();

    updateLlmSettings(world.db, world.dataDir, pi, { ...settings, provider: 'heuristic' });
    resumePipelineRun(world.db, world.jobs, runId, actor);
    await world.jobs.idle();
    const [resumed] = world.db.select().from(pipelineItem).where(eq(pipelineItem.runId, runId)).all();
    expect(resumed).toMatchObject({ status: 'done', failedModelCallId: null });
    expect(world.db.select().from(extrapolatedIntent).all()).toHaveLength(1);
  }, 120_000);
});
