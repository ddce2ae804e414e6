/**
 * Rollout jobs (kind `rollouts`): sample rollouts of tasks with a policy, or record the expert
 * demos of State-API app tasks, in Chromium (`server/rollouts/runner.ts`). Results land as
 * trajectories with their iteration, policy, job and sample index; afterwards the touched tasks
 * that have a strategy graph are scored (verdict + category) and the review queues are synced.
 *
 * Which script the `noisy-expert` replays: the task's newest expert demo in the database (recorded
 * or imported; `scriptFromStepActions`), else the app's `expert-demos.json` entry. A task with
 * neither is skipped and named in the summary. So is a task that passes on its app's untouched
 * seed (`seed-check-service.ts`), unless `includeSeedPassing`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { parseJsonText } from '@/lib/core/import/format-errors';
import { createNoisyExpertPolicy, scriptFromStepActions, seedFrom } from '@/lib/core/rollouts/noisy-expert';
import {
  parseExpertDemos,
  stateApiTaskKey,
  type ExpertAction,
  type TExpertDemos,
} from '@/lib/core/rollouts/state-api-app';
import { POLICY_NAMES, type RolloutPolicy } from '@/lib/core/rollouts/types';
import type { Db } from '@/server/db/client';
import { environmentApp, step, task, trajectory } from '@/server/db/schema';
import { resolveAppFile } from '@/server/rollouts/app-files';
import type { RolloutTask } from '@/server/rollouts/environments';
import { runRollouts, type RolloutEpisode, type RolloutRunSummary } from '@/server/rollouts/runner';
import type { RolloutBrowser } from '@/server/rollouts/browser';
import { createOpenAiPolicy } from '@/server/rollouts/policies/openai-policy';
import { getAllowedHosts, getRolloutSettings, getSiteUrls } from '@/server/services/rollout-settings-service';
import { listTaskIdsWithGraphs, scoreTasks } from '@/server/services/scoring-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import type { LabelFunctionRunner } from '@/server/sandbox/label-function-runner';

export const ROLLOUT_JOB_KIND = 'rollouts';
/** Most episodes one job may hold. */
export const MAX_EPISODES_PER_JOB = 5_000;

export const ZRolloutJobInputSchema = z.object({
  taskIds: z.array(z.string().min(1)).min(1).max(MAX_EPISODES_PER_JOB),
  /** `rollout` samples; `expert` records each task's scripted demo once (State-API apps). */
  kind: z.enum(['rollout', 'expert']).default('rollout'),
  policy: z.enum(POLICY_NAMES).default('noisy-expert'),
  /** Unset fields take the stored rollout settings. */
  samplesPerTask: z.number().int().min(1).max(50).optional(),
  parallelBrowsers: z.number().int().min(1).max(16).optional(),
  maxSteps: z.number().int().min(1).max(100).optional(),
  stepTimeoutMs: z.number().int().min(1_000).max(600_000).optional(),
  noise: z.number().min(0).max(1).optional(),
  /** Seed of the noisy expert's deviations (reproducible rollouts). */
  seed: z.number().int().default(1),
  /** Score the touched tasks afterwards (those with a strategy graph). */
  score: z.boolean().default(true),
  /**
   * Also play tasks whose verifier passes on the untouched seed (`task.passesOnSeed`, set by the
   * seed check); by default they are skipped and named in the summary.
   */
  includeSeedPassing: z.boolean().default(false),
  actor: z.object({ userId: z.string().nullable(), label: z.string() }),
});
export type TRolloutJobInput = z.input<typeof ZRolloutJobInputSchema>;

export interface RolloutJobSummary extends Omit<RolloutRunSummary, 'episodes'> {
  episodes: number;
  skipped: { taskId: string; externalId: string; reason: string }[];
  /** How many of `skipped` pass on the seed (see `includeSeedPassing`). */
  seedPassingSkipped: number;
  scored: { tasks: number; categories: Record<string, number> } | null;
  trajectoryIds: string[];
}

/** Why a task that passes on its seed is skipped (rollouts and the summary say this). */
export const SEED_PASSING_REASON =
  'passes on the seed: its verifier says True before any action (include such tasks to play it)';

/** The ids among `taskIds` whose seed check passed (`task.passesOnSeed = true`). */
export function listTasksPassingOnSeed(db: Db, taskIds: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (let i = 0; i < taskIds.length; i += 500) {
    for (const row of db
      .select({ id: task.id })
      .from(task)
      .where(and(inArray(task.id, taskIds.slice(i, i + 500)), eq(task.passesOnSeed, true)))
      .all())
      ids.add(row.id);
  }
  return ids;
}

/** Loads the tasks with what the environments need. @throws DomainError('NOT_FOUND') naming a missing id. */
export function loadRolloutTasks(db: Db, taskIds: readonly string[]): RolloutTask[] {
  const rows = db
    .select({
      id: task.id,
      externalId: task.externalId,
      intent: task.intent,
      source: task.source,
      startUrl: task.startUrl,
      evalSpec: task.evalSpec,
      meta: task.meta,
    })
    .from(task)
    .where(inArray(task.id, [...taskIds]))
    .all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const folders = new Map(
    db
      .select({ id: environmentApp.id, folder: environmentApp.folder })
      .from(environmentApp)
      .all()
      .map((a) => [a.id, a.folder]),
  );
  return taskIds.map((id) => {
    const row = byId.get(id);
    if (!row) throw new DomainError('NOT_FOUND', `Task ${id} not found`);
    const appId = typeof row.meta.appId === 'string' ? row.meta.appId : null;
    return { ...row, appFolder: appId ? (folders.get(appId) ?? null) : null };
  });
}

/**
 * The app's scripted demo of a State-API task, or null. `cache` holds each folder's parsed
 * `expert-demos.json` (null when it has none), so a job reads every file once.
 */
function readAppExpertScript(t: RolloutTask, cache: Map<string, TExpertDemos | null>): ExpertAction[] | null {
  if (!t.appFolder || typeof t.meta.appTaskId !== 'string') return null;
  if (!cache.has(t.appFolder)) {
    const file = path.join(t.appFolder, 'expert-demos.json');
    // Realpath inside the app folder, as at registration: a link to a file outside is refused.
    const real = resolveAppFile(t.appFolder, 'expert-demos.json', `${file}:`);
    cache.set(
      t.appFolder,
      fs.existsSync(real) ? parseExpertDemos(parseJsonText(fs.readFileSync(real, 'utf8'), file), file) : null,
    );
  }
  const key = stateApiTaskKey(t.meta.taskSet === 'function' ? 'function' : 'real', t.meta.appTaskId);
  return cache.get(t.appFolder)?.[key] ?? null;
}

/**
 * The script of the task's newest complete expert demo in the database, or null. A demo whose
 * verifier judged it a failure is not replayed (as `abstract` leaves it out), unless promoted.
 */
function readRecordedExpertScript(db: Db, taskId: string): ExpertAction[] | null {
  const demo = db
    .select({ id: trajectory.id })
    .from(trajectory)
    .where(
      and(
        eq(trajectory.taskId, taskId),
        eq(trajectory.kind, 'expert'),
        eq(trajectory.status, 'complete'),
        or(isNull(trajectory.envSuccess), eq(trajectory.envSuccess, true), eq(trajectory.source, 'promoted')),
      ),
    )
    .orderBy(desc(trajectory.createdAt))
    .get();
  if (!demo) return null;
  const actions = db
    .select({ action: step.action })
    .from(step)
    .where(eq(step.trajectoryId, demo.id))
    .orderBy(step.index)
    .all();
  const script = scriptFromStepActions(actions.map((a) => a.action));
  return script.length > 0 ? script : null;
}

export interface RolloutJobHooks {
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
  jobId?: string | null;
  /** Tests: replace the browser launcher or observe steps. */
  launchBrowser?: () => Promise<RolloutBrowser>;
  onStep?: Parameters<typeof runRollouts>[1]['onStep'];
}

/**
 * Runs a rollout job's work.
 * @throws DomainError('BAD_INPUT') for bad input or when no task can be played; DomainError('CONFLICT')
 *   without Chromium, for the openai policy with no model configured, or when cancelled.
 */
export async function executeRolloutJob(
  db: Db,
  dataDir: string,
  rawInput: unknown,
  lfRunner: (() => Promise<LabelFunctionRunner>) | null,
  hooks: RolloutJobHooks = {},
): Promise<RolloutJobSummary> {
  const parsed = ZRolloutJobInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `Bad rollouts job input: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const input = parsed.data;
  const settings = getRolloutSettings(db);
  const samples = input.kind === 'expert' ? 1 : (input.samplesPerTask ?? settings.samplesPerTask);
  const noise = input.kind === 'expert' ? 0 : (input.noise ?? settings.noise);
  const tasks = loadRolloutTasks(db, input.taskIds);

  const skipped: RolloutJobSummary['skipped'] = [];
  const episodes: RolloutEpisode[] = [];
  const policyFor = (t: RolloutTask, sampleIndex: number, script: ExpertAction[] | null): RolloutPolicy => {
    if (input.kind === 'rollout' && input.policy === 'openai') return createOpenAiPolicy(db, dataDir);
    return createNoisyExpertPolicy({
      script: script ?? [],
      noise,
      seed: seedFrom(input.seed, t.id, sampleIndex),
    });
  };
  // Fail fast (before any browser starts) when the openai policy has no model.
  if (input.kind === 'rollout' && input.policy === 'openai') createOpenAiPolicy(db, dataDir);
  const appDemos = new Map<string, TExpertDemos | null>();
  const passingOnSeed = input.includeSeedPassing
    ? new Set<string>()
    : listTasksPassingOnSeed(db, input.taskIds);
  for (const t of tasks) {
    if (passingOnSeed.has(t.id)) {
      skipped.push({ taskId: t.id, externalId: t.externalId, reason: SEED_PASSING_REASON });
      continue;
    }
    let script: ExpertAction[] | null = null;
    if (input.kind === 'expert') {
      script = readAppExpertScript(t, appDemos);
      if (!script) {
        skipped.push({
          taskId: t.id,
          externalId: t.externalId,
          reason: 'no scripted demo in expert-demos.json',
        });
        continue;
      }
    } else if (input.policy === 'noisy-expert') {
      script = readRecordedExpertScript(db, t.id) ?? readAppExpertScript(t, appDemos);
      if (!script) {
        skipped.push({ taskId: t.id, externalId: t.externalId, reason: 'no expert demo to replay' });
        continue;
      }
    }
    for (let s = 0; s < samples; s++) {
      episodes.push({ task: t, sampleIndex: s, kind: input.kind, policy: policyFor(t, s, script) });
    }
  }
  if (episodes.length === 0) {
    throw new DomainError(
      'BAD_INPUT',
      `Nothing to play: ${skipped.map((s) => `${s.externalId} (${s.reason})`).join(', ')}`,
    );
  }
  if (episodes.length > MAX_EPISODES_PER_JOB) {
    throw new DomainError(
      'BAD_INPUT',
      `${episodes.length} episodes in one job; the limit is ${MAX_EPISODES_PER_JOB}`,
    );
  }

  const scoring = input.score && lfRunner !== null;
  const run = await runRollouts(episodes, {
    db,
    dataDir,
    parallel: input.parallelBrowsers ?? settings.parallelBrowsers,
    maxSteps: input.maxSteps ?? settings.maxSteps,
    stepTimeoutMs: input.stepTimeoutMs ?? settings.stepTimeoutMs,
    siteUrls: getSiteUrls(db),
    allowedHosts: getAllowedHosts(db),
    createdBy: input.actor.userId ?? input.actor.label,
    jobId: hooks.jobId ?? null,
    signal: hooks.signal,
    onProgress: (f, m) => hooks.onProgress?.(scoring ? f * 0.9 : f, m),
    onStep: hooks.onStep,
    launchBrowser: hooks.launchBrowser,
  });

  let scored: RolloutJobSummary['scored'] = null;
  if (scoring) {
    const withGraphs = new Set(listTaskIdsWithGraphs(db));
    const touched = [...new Set(run.episodes.map((e) => e.taskId))].filter((id) => withGraphs.has(id));
    if (touched.length > 0) {
      hooks.onProgress?.(0.9, `Scoring ${touched.length} task(s)`);
      const summary = await scoreTasks(db, await lfRunner(), touched, {
        signal: hooks.signal,
        onProgress: (f, m) => hooks.onProgress?.(0.9 + f * 0.1, m),
      });
      scored = { tasks: summary.tasks, categories: summary.categories };
      syncReviewItems(db);
    }
  }
  const { episodes: results, ...rest } = run;
  return {
    ...rest,
    episodes: results.length,
    skipped,
    seedPassingSkipped: skipped.filter((s) => s.reason === SEED_PASSING_REASON).length,
    scored,
    trajectoryIds: results.map((r) => r.trajectoryId),
  };
}
