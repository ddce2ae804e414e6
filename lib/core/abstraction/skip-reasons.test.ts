import { describe, expect, it } from 'vitest';
import {
  formatSkippedUnits,
  PROMOTE_HOW_TO,
  selectAbstractionDemos,
  skipCodeOf,
  skipHint,
  type SkippedUnit,
} from '@/lib/core/abstraction/skip-reasons';

const ok = (id: string) => ({ id, status: 'complete', stepCount: 4 });

describe('selectAbstractionDemos', () => {
  it('uses finished demos with steps and says what it left out', () => {
    const s = selectAbstractionDemos([ok('a'), { id: 'b', status: 'running', stepCount: 2 }, ok('c')]);
    expect(s.usable.map((d) => d.id)).toEqual(['a', 'c']);
    expect(s.ignored).toEqual([{ id: 'b', problem: 'unfinished' }]);
    expect(s.skip).toBeNull();
  });

  it('skips a task without a usable demo, with the reason', () => {
    expect(selectAbstractionDemos([]).skip).toEqual({ code: 'no_expert_demo', reason: 'no expert demo' });
    expect(selectAbstractionDemos([{ id: 'a', status: 'running', stepCount: 1 }]).skip).toEqual({
      code: 'demos_unfinished',
      reason: 'its expert demo is still running',
    });
    expect(
      selectAbstractionDemos([
        { id: 'a', status: 'errored', stepCount: 1 },
        { id: 'b', status: 'errored', stepCount: 0 },
      ]).skip,
    ).toEqual({ code: 'demos_errored', reason: 'its 2 expert demos ended with errors' });
    expect(selectAbstractionDemos([{ id: 'a', status: 'complete', stepCount: 0 }]).skip).toEqual({
      code: 'demos_without_steps',
      reason: 'its expert demo has no steps',
    });
    expect(
      selectAbstractionDemos([
        { id: 'a', status: 'running', stepCount: 1 },
        { id: 'b', status: 'errored', stepCount: 3 },
        { id: 'c', status: 'complete', stepCount: 0 },
      ]).skip,
    ).toEqual({
      code: 'demos_unusable',
      reason: 'none of its 3 expert demos is usable (1 still running, 1 errored, 1 without steps)',
    });
  });
});

describe('skip codes, hints and the printed list', () => {
  it('reads the code of a stored skip, old reason texts included', () => {
    expect(skipCodeOf({ reason: 'x', reasonCode: 'demos_errored' })).toBe('demos_errored');
    expect(skipCodeOf({ reason: 'no expert demos' })).toBe('no_expert_demo');
    expect(skipCodeOf({ reason: 'a proposed path is already pending' })).toBeNull();
    expect(skipCodeOf(null)).toBeNull();
  });

  it('points to recording and promoting when a demo is missing', () => {
    expect(skipHint('no_expert_demo')).toBe('record a demo on the task page, or promote a verified rollout');
    expect(skipHint('demos_unfinished')).toMatch(/wait until/);
    expect(skipHint(null)).toBeNull();
  });

  it('lists each skipped unit with its reason and hint, and how to promote once', () => {
    const unit = (over: Partial<SkippedUnit>): SkippedUnit => ({
      taskId: 't',
      taskExternalId: 'webvoyager:GitHub--0',
      trajectoryId: null,
      trajectoryExternalId: null,
      code: 'no_expert_demo',
      reason: 'no expert demo',
      hint: skipHint('no_expert_demo'),
      ...over,
    });
    expect(formatSkippedUnits([])).toBe('');
    expect(
      formatSkippedUnits([
        unit({}),
        unit({
          taskExternalId: 'app:shop:shop-001',
          code: 'demos_unfinished',
          reason: 'its expert demo is still running',
          hint: skipHint('demos_unfinished'),
        }),
      ]).split('\n'),
    ).toEqual([
      'Skipped 2 tasks:',
      '  task webvoyager:GitHub--0 — no expert demo (record a demo on the task page, or promote a verified rollout)',
      '  task app:shop:shop-001 — its expert demo is still running (wait until the demo has finished, then run abstract again)',
      PROMOTE_HOW_TO,
    ]);
    expect(
      formatSkippedUnits([
        unit({
          trajectoryId: 'r1234567890',
          trajectoryExternalId: null,
          code: null,
          reason: 'a proposed path is already pending',
          hint: null,
        }),
      ]),
    ).toBe(
      'Skipped 1 unit:\n  trajectory r1234567 of task webvoyager:GitHub--0 — a proposed path is already pending',
    );
  });
});

describe('demos that failed their verifier', () => {
  it('are left out unless promoted, and a task with only such demos is skipped with a hint', () => {
    const failed = { id: 'r', status: 'complete', stepCount: 4, envSuccess: false, source: 'recorded' };
    const promoted = { ...failed, id: 'p', source: 'promoted' };
    expect(selectAbstractionDemos([failed, promoted])).toMatchObject({
      usable: [{ id: 'p' }],
      ignored: [{ id: 'r', problem: 'failed_verifier' }],
      skip: null,
    });
    const only = selectAbstractionDemos([failed]);
    expect(only.skip).toEqual({
      code: 'demos_failed_verifier',
      reason: 'its expert demo failed its verifier',
    });
    expect(skipHint('demos_failed_verifier')).toMatch(/record a demo/);
    expect(
      selectAbstractionDemos([
        { id: 'i', status: 'complete', stepCount: 2, envSuccess: null, source: 'webvoyager' },
      ]).usable,
    ).toHaveLength(1);
  });
});
