/**
 * The seed check's job result as the UI shows it (`SeedCheckSummary` of
 * `server/services/seed-check-service.ts`, which travels as `unknown` in `job.result`).
 */
export const SEED_CHECK_JOB_KIND = 'seed-check';
export const SEED_CHECK_POLL_INTERVAL_MS = 1000;

export interface SeedCheckTaskView {
  externalId: string;
  intent: string;
  message: string;
}

export interface SeedCheckAppView {
  appId: string;
  name: string;
  tasks: number;
  passing: SeedCheckTaskView[];
  failing: number;
  undetermined: SeedCheckTaskView[];
  loadError: string | null;
}

export interface SeedCheckSummaryView {
  apps: SeedCheckAppView[];
  checked: number;
  passing: number;
  failing: number;
  undetermined: number;
  seconds: number;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function tasksOf(value: unknown): SeedCheckTaskView[] {
  if (!Array.isArray(value)) return [];
  return value.map((t: unknown) => {
    const o = (t ?? {}) as Record<string, unknown>;
    return { externalId: str(o.externalId, '?'), intent: str(o.intent), message: str(o.message) };
  });
}

/** The checked job result; null when it is not a seed-check summary. */
export function toSeedCheckSummary(result: unknown): SeedCheckSummaryView | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as Record<string, unknown>;
  if (!Array.isArray(r.apps) || typeof r.checked !== 'number') return null;
  return {
    apps: r.apps.map((a: unknown) => {
      const o = (a ?? {}) as Record<string, unknown>;
      return {
        appId: str(o.appId, '?'),
        name: str(o.name, str(o.appId, '?')),
        tasks: num(o.tasks),
        passing: tasksOf(o.passing),
        failing: num(o.failing),
        undetermined: tasksOf(o.undetermined),
        loadError: typeof o.loadError === 'string' ? o.loadError : null,
      };
    }),
    checked: r.checked,
    passing: num(r.passing),
    failing: num(r.failing),
    undetermined: num(r.undetermined),
    seconds: num(r.seconds),
  };
}

function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** e.g. "20 tasks checked in 9 s: 2 pass on the seed, 18 do not." */
export function describeSeedCheck(s: SeedCheckSummaryView): string {
  const parts = [`${s.passing} pass on the seed`, `${s.failing} do not`];
  if (s.undetermined > 0) parts.push(`${s.undetermined} could not be checked`);
  return `${plural(s.checked, 'task')} checked in ${Math.round(s.seconds)} s: ${parts.join(', ')}.`;
}

/** The Tasks list showing an app's tasks that pass on the seed. */
export function seedPassingTasksHref(appName: string): string {
  return `/tasks?${new URLSearchParams({ site: appName, seed: 'passes' }).toString()}`;
}
