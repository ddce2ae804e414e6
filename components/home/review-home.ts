/**
 * Pure helpers of the home screen's "Review queues" section (no React): which queue "Start
 * reviewing" opens, the totals over queues, the per-iteration breakdown and the links. The row shape
 * is the part of `review.home`'s queue rows these helpers read.
 */

/** Counts of one queue, as `review.home` returns them. */
export interface QueueCounts {
  queue: string;
  label: string;
  requiredReviews: number;
  open: number;
  availableToMe: number;
  leased: number;
  needsAdjudication: number;
  decided: number;
  myDecisions: number;
  perIteration: readonly { iterationId: number | null; open: number; decided: number }[];
}

/** The review workspace of a queue. */
export function reviewQueueHref(queue: string): string {
  return `/review/${encodeURIComponent(queue)}`;
}

/** One review item in the workspace (read-only when it is decided or not for the viewer). */
export function reviewItemHref(itemId: string): string {
  return `/review/item/${encodeURIComponent(itemId)}`;
}

export const ADJUDICATION_HREF = '/review/adjudication';
export const ANNOTATOR_STATS_HREF = '/review/stats';

/**
 * The queue "Start reviewing" opens: the one with the most items available to the viewer; on a tie
 * the first in the given (server) order. Null when nothing is available anywhere.
 */
export function pickStartQueue<T extends QueueCounts>(queues: readonly T[]): T | null {
  let best: T | null = null;
  for (const q of queues)
    if (q.availableToMe > 0 && (!best || q.availableToMe > best.availableToMe)) best = q;
  return best;
}

/** Sums over all queues of the counts the home screen shows as headline figures. */
export function sumQueueCounts(queues: readonly QueueCounts[]): {
  open: number;
  availableToMe: number;
  leased: number;
  needsAdjudication: number;
  decided: number;
  myDecisions: number;
} {
  const total = { open: 0, availableToMe: 0, leased: 0, needsAdjudication: 0, decided: 0, myDecisions: 0 };
  for (const q of queues) {
    total.open += q.open;
    total.availableToMe += q.availableToMe;
    total.leased += q.leased;
    total.needsAdjudication += q.needsAdjudication;
    total.decided += q.decided;
    total.myDecisions += q.myDecisions;
  }
  return total;
}

/** One row of the per-iteration table: an iteration (null = items without one) and each queue's counts. */
export interface IterationRow {
  iterationId: number | null;
  /** Keyed by queue; a queue with no item in this iteration has no entry. */
  cells: Record<string, { open: number; decided: number }>;
  open: number;
  decided: number;
}

/**
 * The per-iteration breakdown across queues: one row per iteration that has items, newest first,
 * items without an iteration last; counts of the same iteration in one queue are added up.
 */
export function buildIterationRows(queues: readonly QueueCounts[]): IterationRow[] {
  const rows = new Map<number | null, IterationRow>();
  for (const q of queues) {
    for (const it of q.perIteration) {
      if (it.open === 0 && it.decided === 0) continue;
      let row = rows.get(it.iterationId);
      if (!row) {
        row = { iterationId: it.iterationId, cells: {}, open: 0, decided: 0 };
        rows.set(it.iterationId, row);
      }
      const cell = (row.cells[q.queue] ??= { open: 0, decided: 0 });
      cell.open += it.open;
      cell.decided += it.decided;
      row.open += it.open;
      row.decided += it.decided;
    }
  }
  return [...rows.values()].sort((a, b) =>
    a.iterationId === null ? 1 : b.iterationId === null ? -1 : b.iterationId - a.iterationId,
  );
}

/** "Iteration 3", or "No iteration" for items created outside any iteration. */
export function iterationLabel(iterationId: number | null): string {
  return iterationId === null ? 'No iteration' : `Iteration ${iterationId}`;
}
