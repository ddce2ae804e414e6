/**
 * Pure display helpers of the pipeline pages (no React, no 'use client'): rate formatting, provider
 * labels, when Resume is offered, scope and unit summaries, the iteration field and the key-step
 * grouping. Also the query inputs the server pages prefetch with, so both sides share query keys.
 */

/** `pipeline.runs` input of the Runs table (server prefetch and client). */
export const PIPELINE_RUNS_INPUT = { limit: 50 } as const;

/** How often the pages ask for the state of a queued or running run. */
export const RUN_POLL_INTERVAL_MS = 1000;

/** Tasks shown per search in the "Start a stage" card. */
export const TASK_SEARCH_PAGE_SIZE = 25;

/** Short names of the stages (`PIPELINE_STAGES`); the router gives the one-line descriptions. */
export const STAGE_LABELS: Record<string, string> = {
  abstract: 'Abstract (key steps + label functions)',
  propose_paths: 'Propose paths',
  infer_intents: 'Infer intents',
  augment: 'Augment',
};

export function stageLabel(stage: string): string {
  return STAGE_LABELS[stage] ?? stage;
}

/** The help text under OSR / FTSR / ESP: these are our definitions (DESIGN.md › Label-function synthesis). */
export const SYNTHESIS_RATES_HELP =
  'These are our definitions (the paper’s own were not available). ' +
  'OSR = key steps with a passing function within 5 attempts / key steps; ' +
  'FTSR = key steps whose first attempt passes / key steps; ' +
  'ESP = attempts that execute without raising / attempts.';

/** The INVALID-rate warning text (DESIGN.md › Failure-driven intent inference). */
export const INVALID_RATE_WARNING_TEXT =
  'The INVALID rate is above 30%: the mechanism adds noise. Check the agent model and its prompt before reviewing these intents.';

/** A rate in 0..1 as a percentage ("83%", "83.3%"); "—" when there was nothing to divide by. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  const pct = Math.round(rate * 1000) / 10;
  return `${Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

export type JobStatusValue = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export function isRunActive(status: string | null | undefined): boolean {
  return status === 'queued' || status === 'running';
}

/**
 * Whether a run can be resumed: never while its job is queued or running; otherwise when the job
 * failed, was cancelled or interrupted (or is gone), or when some units failed (done units are
 * skipped, failed ones retried).
 */
export function canResumeRun(params: { jobStatus: string | null | undefined; failedUnits: number }): boolean {
  const { jobStatus, failedUnits } = params;
  if (isRunActive(jobStatus)) return false;
  if (jobStatus === null || jobStatus === undefined) return true;
  if (jobStatus === 'failed' || jobStatus === 'cancelled' || jobStatus === 'interrupted') return true;
  return failedUnits > 0;
}

export interface ProviderInfo {
  provider: string;
  model: string;
}

/** "openai:gpt-4o", or "heuristic (offline)" for the deterministic offline provider. */
export function formatProvider(p: ProviderInfo | null | undefined): string {
  if (!p) return '—';
  if (p.provider === 'heuristic') return 'heuristic (offline)';
  return `${p.provider}:${p.model}`;
}

/** One entry per role, in a stable order (agent, coder, then the rest alphabetically). */
export function describeProviders(
  providers: Record<string, ProviderInfo> | null | undefined,
): { role: string; label: string; isHeuristic: boolean }[] {
  const order = (role: string) => (role === 'agent' ? 0 : role === 'coder' ? 1 : 2);
  return Object.entries(providers ?? {})
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([role, p]) => ({ role, label: formatProvider(p), isHeuristic: p.provider === 'heuristic' }));
}

/** "3 tasks", "iteration 2", "3 tasks + iteration 2". */
export function describeScope(scope: { taskIds: readonly string[]; iterationId: number | null }): string {
  const parts: string[] = [];
  if (scope.taskIds.length > 0 || scope.iterationId === null)
    parts.push(`${scope.taskIds.length} task${scope.taskIds.length === 1 ? '' : 's'}`);
  if (scope.iterationId !== null) parts.push(`iteration ${scope.iterationId}`);
  return parts.join(' + ');
}

/** A unit's summary (`{reason: …}`, `{proposed: 3, duplicates: 0}`) as one line of text. */
export function formatUnitSummary(summary: Record<string, unknown> | null | undefined): string {
  if (!summary) return '';
  return Object.entries(summary)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v as string | number)}`)
    .join(', ');
}

/** The optional iteration field: '' → null; a positive whole number → it; else an error message. */
export function parseIterationInput(
  text: string,
): { ok: true; value: number | null } | { ok: false; error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1)
    return { ok: false, error: 'The iteration must be a positive whole number (or empty).' };
  return { ok: true, value: Number(trimmed) };
}

/** Groups rows by trajectory, keeping the order in which trajectories first appear. */
export function groupByTrajectory<T extends { trajectoryId: string }>(
  rows: readonly T[],
): { trajectoryId: string; rows: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.trajectoryId);
    if (group) group.push(row);
    else groups.set(row.trajectoryId, [row]);
  }
  return [...groups].map(([trajectoryId, grouped]) => ({ trajectoryId, rows: grouped }));
}

/** Attempts in attempt order (the server already sorts; this keeps the UI honest if it did not). */
export function sortAttempts<T extends { attempt: number }>(attempts: readonly T[]): T[] {
  return [...attempts].sort((a, b) => a.attempt - b.attempt);
}

/** A short, stable label for an id without a human name. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** A `ratesByModel` key ("provider:model") as a label; the heuristic provider is marked offline. */
export function formatModelKey(key: string): string {
  const at = key.indexOf(':');
  if (at < 0) return key;
  return formatProvider({ provider: key.slice(0, at), model: key.slice(at + 1) });
}

/** The `tasks.list` input of the task search in the "Start a stage" card. */
export function taskSearchInput(search: string) {
  const trimmed = search.trim();
  return {
    search: trimmed === '' ? undefined : trimmed,
    page: 1,
    pageSize: TASK_SEARCH_PAGE_SIZE,
    sort: 'newest' as const,
  };
}
