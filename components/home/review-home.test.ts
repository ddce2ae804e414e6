import { describe, expect, it } from 'vitest';
import {
  buildIterationRows,
  iterationLabel,
  pickStartQueue,
  reviewItemHref,
  reviewQueueHref,
  sumQueueCounts,
  type QueueCounts,
} from '@/components/home/review-home';

const queue = (queueId: string, over: Partial<QueueCounts> = {}): QueueCounts => ({
  queue: queueId,
  label: queueId,
  requiredReviews: 1,
  open: 0,
  availableToMe: 0,
  leased: 0,
  needsAdjudication: 0,
  decided: 0,
  myDecisions: 0,
  perIteration: [],
  ...over,
});

describe('pickStartQueue', () => {
  it('picks the queue with most items available to the viewer, the first on a tie', () => {
    const queues = [
      queue('proposed_path', { availableToMe: 2 }),
      queue('lf_flag', { availableToMe: 5 }),
      queue('rollout_verdict', { availableToMe: 5 }),
    ];
    expect(pickStartQueue(queues)?.queue).toBe('lf_flag');
  });
  it('is null when nothing is available (open items may all be leased or already reviewed)', () => {
    expect(pickStartQueue([queue('proposed_path', { open: 3, availableToMe: 0 })])).toBeNull();
    expect(pickStartQueue([])).toBeNull();
  });
});

describe('sumQueueCounts', () => {
  it('adds every count over the queues', () => {
    expect(
      sumQueueCounts([
        queue('a', {
          open: 1,
          availableToMe: 1,
          leased: 1,
          needsAdjudication: 2,
          decided: 3,
          myDecisions: 4,
        }),
        queue('b', {
          open: 2,
          availableToMe: 0,
          leased: 0,
          needsAdjudication: 1,
          decided: 1,
          myDecisions: 1,
        }),
      ]),
    ).toEqual({ open: 3, availableToMe: 1, leased: 1, needsAdjudication: 3, decided: 4, myDecisions: 5 });
  });
});

describe('buildIterationRows', () => {
  it('gives one row per iteration, newest first, items without iteration last', () => {
    const rows = buildIterationRows([
      queue('proposed_path', {
        perIteration: [
          { iterationId: 1, open: 1, decided: 2 },
          { iterationId: null, open: 1, decided: 0 },
        ],
      }),
      queue('lf_flag', {
        perIteration: [
          { iterationId: 2, open: 4, decided: 0 },
          { iterationId: 1, open: 0, decided: 1 },
          { iterationId: 3, open: 0, decided: 0 },
        ],
      }),
    ]);
    expect(rows.map((r) => r.iterationId)).toEqual([2, 1, null]);
    expect(rows[1]).toEqual({
      iterationId: 1,
      cells: { proposed_path: { open: 1, decided: 2 }, lf_flag: { open: 0, decided: 1 } },
      open: 1,
      decided: 3,
    });
    expect(rows[0]?.cells.proposed_path).toBeUndefined();
  });
  it('adds up repeated iterations of one queue', () => {
    const rows = buildIterationRows([
      queue('a', {
        perIteration: [
          { iterationId: 1, open: 1, decided: 0 },
          { iterationId: 1, open: 2, decided: 1 },
        ],
      }),
    ]);
    expect(rows).toEqual([{ iterationId: 1, cells: { a: { open: 3, decided: 1 } }, open: 3, decided: 1 }]);
  });
});

describe('links and labels', () => {
  it('links the workspace of a queue and of an item', () => {
    expect(reviewQueueHref('proposed_path')).toBe('/review/proposed_path');
    expect(reviewItemHref('a b')).toBe('/review/item/a%20b');
  });
  it('names iterations', () => {
    expect(iterationLabel(3)).toBe('Iteration 3');
    expect(iterationLabel(null)).toBe('No iteration');
  });
});
