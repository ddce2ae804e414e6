/**
 * Pure helpers of the rollout launcher and the demo status (no React): percentages, the
 * `rollouts.start` input built from the form, the summary of a finished rollouts job, and what the
 * first screen says about the embedded demo job.
 */
import type { PolicyName } from '@/lib/core/rollouts/types';

/** Job kind of rollout jobs (`ROLLOUT_JOB_KIND` in server/services/rollout-service.ts). */
export const ROLLOUT_JOB_KIND = 'rollouts';
/** A running rollouts job is polled this often (the live tiles below are pushed, not polled). */
export const ROLLOUT_JOB_POLL_INTERVAL_MS = 1000;
/** The demo status is polled this often while the demo job is queued or running. */
export const DEMO_POLL_INTERVAL_MS = 2000;

/** Limits of `rollouts.start` (server/trpc/routers/rollouts.ts), mirrored for the form's hints. */
export const SAMPLES_PER_TASK_RANGE = { min: 1, max: 50 } as const;
export const PARALLEL_BROWSERS_RANGE = { min: 1, max: 16 } as const;

export const POLICY_LABELS: Record<PolicyName, string> = {
  'noisy-expert': 'Noisy expert',
  openai: 'OpenAI-compatible model',
};

export const POLICY_HINTS: Record<PolicyName, string> = {
  'noisy-expert': "replays the task's expert demo, deviating at random steps",
  openai: 'the Agent model of the Models settings; each step sends it the screenshot and numbered elements',
};

/** `0.423` → `"42%"`; clamped to 0–100 %, and `"0%"` for a missing or non-finite value. */
export function formatPercent(fraction: number | null | undefined): string {
  if (fraction == null || !Number.isFinite(fraction)) return '0%';
  return `${Math.round(Math.max(0, Math.min(1, fraction)) * 100)}%`;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A whole number typed into `label`'s field, within `min`–`max`. */
export function parseIntegerField(
  text: string,
  label: string,
  range: { min: number; max: number },
): Parsed<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value) || value < range.min || value > range.max) {
    return { ok: false, error: `${label}: enter a whole number from ${range.min} to ${range.max}` };
  }
  return { ok: true, value };
}

/** A probability typed into `label`'s field (0–1). */
export function parseProbabilityField(text: string, label: string): Parsed<number> {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    return { ok: false, error: `${label}: enter a probability from 0 to 1, e.g. 0.2` };
  }
  return { ok: true, value };
}

export type LauncherMode = 'rollout' | 'expert';

export interface LauncherForm {
  mode: LauncherMode;
  policy: PolicyName;
  /** The checked apps. */
  appIds: readonly string[];
  /** "Only these tasks": checked tasks of the checked apps (empty = every task of the apps). */
  taskIds: readonly string[];
  samplesPerTask: string;
  parallelBrowsers: string;
  noise: string;
  /** Only tasks of this difficulty ('' or absent = any). */
  difficulty?: string;
  /** Also tasks that pass on the untouched seed. */
  includeSeedPassing?: boolean;
}

export interface StartRolloutsInput {
  appIds: string[];
  taskIds: string[];
  kind: LauncherMode;
  policy?: PolicyName;
  samplesPerTask?: number;
  parallelBrowsers: number;
  noise?: number;
  difficulty?: string;
  includeSeedPassing?: boolean;
}

/**
 * The `rollouts.start` input of the launcher form, or the first problem with it. Checked tasks
 * replace their apps' full task lists; expert mode sends neither policy, samples nor noise.
 */
export function buildStartRolloutsInput(form: LauncherForm): Parsed<StartRolloutsInput> {
  if (form.appIds.length === 0 && form.taskIds.length === 0) {
    return { ok: false, error: 'Choose at least one app.' };
  }
  const scope =
    form.taskIds.length > 0
      ? { appIds: [], taskIds: [...form.taskIds] }
      : { appIds: [...form.appIds], taskIds: [] };
  const parallel = parseIntegerField(form.parallelBrowsers, 'Parallel browsers', PARALLEL_BROWSERS_RANGE);
  if (!parallel.ok) return parallel;
  const filters = {
    ...(form.difficulty ? { difficulty: form.difficulty } : {}),
    ...(form.includeSeedPassing ? { includeSeedPassing: true } : {}),
  };
  if (form.mode === 'expert') {
    return { ok: true, value: { ...scope, kind: 'expert', parallelBrowsers: parallel.value, ...filters } };
  }
  const samples = parseIntegerField(form.samplesPerTask, 'Samples per task', SAMPLES_PER_TASK_RANGE);
  if (!samples.ok) return samples;
  let noise: number | undefined;
  if (form.policy === 'noisy-expert') {
    const parsed = parseProbabilityField(form.noise, 'Noise');
    if (!parsed.ok) return parsed;
    noise = parsed.value;
  }
  return {
    ok: true,
    value: {
      ...scope,
      kind: 'rollout',
      policy: form.policy,
      samplesPerTask: samples.value,
      parallelBrowsers: parallel.value,
      ...(noise === undefined ? {} : { noise }),
      ...filters,
    },
  };
}

/** The parts of a rollouts job's `result` the launcher shows (`RolloutJobSummary`). */
export interface RolloutJobSummaryView {
  episodes: number;
  complete: number;
  errored: number;
  envSuccess: { true: number; false: number; unknown: number };
  skipped: { externalId: string; reason: string }[];
  /** Skipped because they pass on the untouched seed. */
  seedPassingSkipped: number;
  scoredTasks: number | null;
  seconds: number;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** The job `result` of a rollouts job, checked (it travels as `unknown`); null when it is not one. */
export function toRolloutJobSummary(result: unknown): RolloutJobSummaryView | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as Record<string, unknown>;
  if (typeof r.episodes !== 'number') return null;
  const env = (r.envSuccess ?? {}) as Record<string, unknown>;
  const skipped = Array.isArray(r.skipped) ? (r.skipped as unknown[]) : [];
  const scored = r.scored as Record<string, unknown> | null | undefined;
  return {
    episodes: r.episodes,
    complete: numberOr(r.complete, 0),
    errored: numberOr(r.errored, 0),
    envSuccess: {
      true: numberOr(env.true, 0),
      false: numberOr(env.false, 0),
      unknown: numberOr(env.unknown, 0),
    },
    skipped: skipped.map((s) => {
      const o = (s ?? {}) as Record<string, unknown>;
      return {
        externalId: typeof o.externalId === 'string' ? o.externalId : '?',
        reason: typeof o.reason === 'string' ? o.reason : '',
      };
    }),
    scoredTasks: scored && typeof scored.tasks === 'number' ? scored.tasks : null,
    seconds: numberOr(r.seconds, 0),
    seedPassingSkipped: numberOr(r.seedPassingSkipped, 0),
  };
}

function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** One line about a finished rollouts job, e.g. "10 rollouts in 42 s: 9 complete, 1 errored; …". */
export function describeRolloutSummary(s: RolloutJobSummaryView, mode: LauncherMode): string {
  const what = mode === 'expert' ? plural(s.episodes, 'expert demo') : plural(s.episodes, 'rollout');
  const parts = [
    `${what} in ${Math.round(s.seconds)} s: ${s.complete} complete, ${s.errored} errored`,
    `environment verdict ${s.envSuccess.true} success, ${s.envSuccess.false} failure, ${s.envSuccess.unknown} unknown`,
  ];
  if (s.scoredTasks !== null) parts.push(`${plural(s.scoredTasks, 'task')} scored`);
  if (s.seedPassingSkipped > 0)
    parts.push(`${plural(s.seedPassingSkipped, 'task')} skipped because they pass on the seed`);
  return `${parts.join('; ')}.`;
}

/** The `kind` a rollouts job was started with (its `input.kind`); `rollout` when unknown. */
export function rolloutJobMode(input: unknown): LauncherMode {
  return input && typeof input === 'object' && 'kind' in input && input.kind === 'expert'
    ? 'expert'
    : 'rollout';
}

// ---------------------------------------------------------------------------------------------
// The embedded demo (first screen)
// ---------------------------------------------------------------------------------------------

/** `rollouts.demoStatus` (null when no demo job ran). */
export interface DemoStatus {
  status: string;
  progress: number;
  message: string | null;
  error: string | null;
}

export const DEMO_RERUN_COMMAND = 'npx core-curator demo';

export type DemoStatusView =
  | { kind: 'running'; text: string; progress: number; percent: string }
  | { kind: 'failed'; error: string }
  | { kind: 'stopped'; text: string }
  | { kind: 'succeeded' };

export function isDemoActive(status: string | null | undefined): boolean {
  return status === 'queued' || status === 'running';
}

/** What the first screen shows about the demo job; null when there is none. */
export function describeDemoStatus(demo: DemoStatus | null | undefined): DemoStatusView | null {
  if (!demo) return null;
  switch (demo.status) {
    case 'queued':
    case 'running': {
      const message = demo.message?.trim() || (demo.status === 'queued' ? 'waiting to start' : 'starting');
      return {
        kind: 'running',
        text: `Setting up the demo: ${message}`,
        progress: demo.progress,
        percent: formatPercent(demo.progress),
      };
    }
    case 'succeeded':
      return { kind: 'succeeded' };
    case 'failed':
      return { kind: 'failed', error: demo.error?.trim() || 'The demo failed.' };
    default:
      // cancelled, interrupted (the server stopped while it ran)
      return { kind: 'stopped', text: `The demo setup was ${demo.status} before it finished.` };
  }
}
