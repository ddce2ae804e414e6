/**
 * The embedded demo: one pass of the CORE loop on the bundled State-API apps (`environments/shop`,
 * `environments/contacts`), so a fresh installation opens on real data.
 *
 * Stages (job kind `demo`, progress over all of them):
 * 1. register both apps and import their tasks (`env add`);
 * 2. record every task's expert demo in Chromium (scripted replay, judged by the app's verifier);
 * 3. abstract the demos into label functions and strategy graphs with the offline `heuristic`
 *    provider (the Models page's settings are not used here: the demo must run offline);
 * 4. sample DEMO_SAMPLES_PER_TASK `noisy-expert` rollouts per task and score them (categories);
 * 5. propose paths from Partially Passed rollouts and infer intents of Failed ones (heuristic), and
 *    fill the review queues.
 *
 * It starts by itself when the server starts on a database without tasks (unless
 * `CORE_CURATOR_DEMO=0`), at most once per database (a `demo` job row of any status means it was
 * tried; start it again with `npx core-curator demo`). Without Chromium it fails at once with the fix.
 */
import { eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { job, task } from '@/server/db/schema';
import { createHeuristicClient } from '@/server/llm/heuristic-client';
import type { LlmClients } from '@/server/llm/clients';
import { assertChromiumAvailable } from '@/server/rollouts/browser';
import type { RolloutBrowser } from '@/server/rollouts/browser';
import {
  addStateApiApp,
  BUNDLED_APP_IDS,
  BUNDLED_APPS_DIR,
  listAppTaskIds,
} from '@/server/services/environment-service';
import { createPipelineRun, executePipelineRun } from '@/server/services/pipeline-service';
import { executeRolloutJob } from '@/server/services/rollout-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import type { LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import path from 'node:path';

export const DEMO_JOB_KIND = 'demo';
export const DEMO_SAMPLES_PER_TASK = 5;
const DEMO_ACTOR = { userId: null, label: 'demo' };

export interface DemoSummary {
  apps: string[];
  tasks: number;
  expertDemos: { recorded: number; passedVerifier: number };
  abstraction: Record<string, unknown>;
  rollouts: { episodes: number; errored: number; categories: Record<string, number> | null };
  extrapolation: Record<string, unknown>;
  /** The trajectories recorded and sampled, in the order their episodes ended. */
  trajectoryIds: { expertDemos: string[]; rollouts: string[] };
}

/** Both roles answered by the heuristic provider, whatever the stored settings say. */
function heuristicClients(db: Db): LlmClients {
  const coder = createHeuristicClient(db, 'coder');
  const agent = createHeuristicClient(db, 'agent');
  return {
    coder,
    agent,
    describe: () => ({
      coder: { provider: 'heuristic', model: coder.model },
      agent: { provider: 'heuristic', model: agent.model },
    }),
  };
}

/** Whether the server should start the demo: no tasks yet, never tried, not switched off. */
export function shouldStartDemo(db: Db, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CORE_CURATOR_DEMO === '0') return false;
  if (db.select({ id: task.id }).from(task).limit(1).get()) return false;
  return !db.select({ id: job.id }).from(job).where(eq(job.kind, DEMO_JOB_KIND)).limit(1).get();
}

/**
 * Runs the demo loop. @throws DomainError('CONFLICT') without Chromium (the message has the fix),
 * or when cancelled.
 */
export async function runDemoLoop(
  db: Db,
  dataDir: string,
  getLfRunner: () => Promise<LabelFunctionRunner>,
  hooks: {
    signal?: AbortSignal;
    onProgress?: (fraction: number, message: string) => void;
    jobId?: string | null;
    appsDir?: string;
    samplesPerTask?: number;
    launchBrowser?: () => Promise<RolloutBrowser>;
  } = {},
): Promise<DemoSummary> {
  const progress = (from: number, to: number) => (f: number, m: string) =>
    hooks.onProgress?.(from + f * (to - from), m);
  if (!hooks.launchBrowser) assertChromiumAvailable();
  const appsDir = hooks.appsDir ?? BUNDLED_APPS_DIR;

  hooks.onProgress?.(0, 'Registering the bundled apps');
  const taskIds: string[] = [];
  for (const id of BUNDLED_APP_IDS) {
    addStateApiApp(db, path.join(appsDir, id), { id, actor: DEMO_ACTOR });
    taskIds.push(...listAppTaskIds(db, id));
  }

  hooks.onProgress?.(0.02, `Recording ${taskIds.length} expert demos in Chromium`);
  const demos = await executeRolloutJob(
    db,
    dataDir,
    { taskIds, kind: 'expert', score: false, actor: DEMO_ACTOR },
    null,
    { ...hooks, onProgress: progress(0.02, 0.3) },
  );

  hooks.onProgress?.(0.3, 'Abstracting the demos into label functions (heuristic provider)');
  const clients = heuristicClients(db);
  const { runId } = createPipelineRun(db, {
    stage: 'abstract',
    scope: { taskIds, iterationId: null },
    actor: DEMO_ACTOR,
    providers: () => clients.describe(),
  });
  const runner = await getLfRunner();
  const abstraction = await executePipelineRun(db, runId, {
    clients,
    runner,
    signal: hooks.signal,
    onProgress: progress(0.3, 0.45),
  });
  if (hooks.signal?.aborted) throw new DomainError('CONFLICT', 'Demo cancelled');

  hooks.onProgress?.(
    0.45,
    `Sampling ${hooks.samplesPerTask ?? DEMO_SAMPLES_PER_TASK} noisy-expert rollouts per task`,
  );
  const rollouts = await executeRolloutJob(
    db,
    dataDir,
    {
      taskIds,
      kind: 'rollout',
      policy: 'noisy-expert',
      samplesPerTask: hooks.samplesPerTask ?? DEMO_SAMPLES_PER_TASK,
      score: true,
      actor: DEMO_ACTOR,
    },
    getLfRunner,
    { ...hooks, onProgress: progress(0.45, 0.95) },
  );
  // Graph expansion and failure-driven intents from the new rollouts, for the review queues.
  const extrapolation: Record<string, unknown> = {};
  for (const [i, stage] of (['propose_paths', 'infer_intents'] as const).entries()) {
    hooks.onProgress?.(
      0.95 + i * 0.02,
      stage === 'propose_paths' ? 'Proposing new graph paths' : 'Inferring intents of failed rollouts',
    );
    const run = createPipelineRun(db, {
      stage,
      scope: { taskIds, iterationId: null },
      actor: DEMO_ACTOR,
      providers: () => clients.describe(),
    });
    extrapolation[stage] = await executePipelineRun(db, run.runId, { clients, runner, signal: hooks.signal });
  }
  syncReviewItems(db);
  hooks.onProgress?.(1, 'Demo ready');
  return {
    apps: [...BUNDLED_APP_IDS],
    tasks: taskIds.length,
    expertDemos: { recorded: demos.episodes, passedVerifier: demos.envSuccess.true },
    abstraction: abstraction as unknown as Record<string, unknown>,
    rollouts: {
      episodes: rollouts.episodes,
      errored: rollouts.errored,
      categories: rollouts.scored?.categories ?? null,
    },
    extrapolation,
    trajectoryIds: { expertDemos: demos.trajectoryIds, rollouts: rollouts.trajectoryIds },
  };
}
