/**
 * Pure helpers of the label-function editor: unified diffs (jsdiff's `structuredPatch`, shaped for
 * rendering), pass / fail / error labels of test-run cells, evidence links, sample selection and
 * job states. No React, no I/O: unit-tested in `lf-editor-display.test.ts`.
 */
import { structuredPatch } from 'diff';
import type { BadgeTone } from '@/components/ui/badge';

/** Lines of unchanged context around each change in a diff. */
export const DIFF_CONTEXT_LINES = 3;
/** How often a running test run or rescoring job is polled. */
export const JOB_POLL_INTERVAL_MS = 500;

export interface DiffLine {
  kind: 'add' | 'del' | 'context' | 'note';
  text: string;
  /** 1-based line numbers in the old / new code; null where the line does not exist. */
  oldNumber: number | null;
  newNumber: number | null;
}

export interface DiffHunk {
  /** The unified-diff hunk header, e.g. `@@ -3,4 +3,5 @@`. */
  header: string;
  lines: DiffLine[];
}

export interface UnifiedDiff {
  hunks: DiffHunk[];
  added: number;
  removed: number;
}

/**
 * The unified diff from `oldCode` to `newCode` (jsdiff `structuredPatch`, {@link DIFF_CONTEXT_LINES}
 * lines of context), with line numbers on each line and counts of added / removed lines.
 * `\ No newline at end of file` markers become `note` lines. Identical code gives no hunks.
 */
export function buildUnifiedDiff(oldCode: string, newCode: string): UnifiedDiff {
  const patch = structuredPatch('old', 'new', oldCode, newCode, undefined, undefined, {
    context: DIFF_CONTEXT_LINES,
  });
  let added = 0;
  let removed = 0;
  const hunks = patch.hunks.map((hunk) => {
    let oldNumber = hunk.oldStart;
    let newNumber = hunk.newStart;
    const lines = hunk.lines.map((raw): DiffLine => {
      const sign = raw[0];
      const text = raw.slice(1);
      if (sign === '+') {
        added++;
        return { kind: 'add', text, oldNumber: null, newNumber: newNumber++ };
      }
      if (sign === '-') {
        removed++;
        return { kind: 'del', text, oldNumber: oldNumber++, newNumber: null };
      }
      if (sign === '\\') return { kind: 'note', text: raw.slice(2), oldNumber: null, newNumber: null };
      return { kind: 'context', text, oldNumber: oldNumber++, newNumber: newNumber++ };
    });
    return {
      header: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
      lines,
    };
  });
  return { hunks, added, removed };
}

export type CellStatus = 'pass' | 'fail' | 'error';

/** A test-run cell's status (the service's rule): returned True, returned False, or anything else. */
export function testCellStatus(cell: { result: boolean | null; outcome: string } | null): CellStatus | null {
  if (!cell) return null;
  if (cell.outcome !== 'ok' || cell.result === null) return 'error';
  return cell.result ? 'pass' : 'fail';
}

/** Badge text and tone of a cell: `pass`, `fail`, or the failure outcome (`exception`, `timeout`, …). */
export function testCellBadge(cell: { result: boolean | null; outcome: string } | null): {
  label: string;
  tone: BadgeTone;
} {
  const status = testCellStatus(cell);
  if (status === null) return { label: 'not run', tone: 'slate' };
  if (status === 'pass') return { label: 'pass', tone: 'green' };
  if (status === 'fail') return { label: 'fail', tone: 'red' };
  return { label: cell!.outcome === 'ok' ? 'error' : cell!.outcome.replace('_', '-'), tone: 'amber' };
}

/** The trajectory viewer at a 0-based step (`?step=` is 1-based); no step parameter when null. */
export function trajectoryStepHref(trajectoryId: string, step: number | null): string {
  const base = `/trajectories/${encodeURIComponent(trajectoryId)}`;
  return step === null ? base : `${base}?step=${step + 1}`;
}

/** Whether a job is still going (queued or running). */
export function isJobActive(status: string | null | undefined): boolean {
  return status === 'queued' || status === 'running';
}

/** `ids` with `id` added (checked) or removed, keeping order; a new set, the old one untouched. */
export function toggleId(ids: ReadonlySet<string>, id: string, checked: boolean): Set<string> {
  const next = new Set(ids);
  if (checked) next.add(id);
  else next.delete(id);
  return next;
}

/** The rows a text filter keeps: case-insensitive match on the trajectory's or its task's external id. */
export function filterTrajectories<
  T extends { externalId: string | null; taskExternalId: string; id: string },
>(rows: readonly T[], text: string): T[] {
  const needle = text.trim().toLowerCase();
  if (!needle) return [...rows];
  return rows.filter((r) =>
    [r.externalId ?? r.id, r.taskExternalId].some((s) => s.toLowerCase().includes(needle)),
  );
}

/** Environment verdict as text: success / failure / unknown. */
export function formatEnvVerdict(envSuccess: boolean | null): string {
  return envSuccess === null ? 'unknown' : envSuccess ? 'success' : 'failure';
}

/** `current → draft` counts as one line, e.g. `pass 3 → 2 · fail 1 → 2 · error 0 → 0`. */
export function formatStatusShift(
  current: Record<CellStatus, number>,
  draft: Record<CellStatus, number>,
): string {
  return (['pass', 'fail', 'error'] as const).map((k) => `${k} ${current[k]} → ${draft[k]}`).join(' · ');
}

/** Whether a keyboard event is the editor shortcut `Ctrl`/`Cmd` + `key` (case-insensitive). */
export function isModShortcut(
  event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean },
  key: string,
): boolean {
  return (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === key.toLowerCase();
}
