import { describe, expect, it } from 'vitest';
import {
  applyLiveEvent,
  connectionState,
  createFirstSeenFilter,
  formatAgo,
  formatSample,
  lastActivityAt,
  statusDisplay,
  summarizeTiles,
  type LiveTile,
} from '@/components/live/live-display';
import type { LiveStepEvent, LiveTrajectoryEvent } from '@/server/rollouts/live-bus';

function tile(id: string, overrides: Partial<LiveTile> = {}): LiveTile {
  return {
    id,
    externalId: null,
    kind: 'rollout',
    policy: 'noisy-expert',
    status: 'running',
    error: null,
    envSuccess: null,
    stepCount: 1,
    sampleIndex: 0,
    jobId: 'job',
    createdAt: new Date(1_000),
    finishedAt: null,
    taskId: 'task',
    taskExternalId: 'app:shop:1',
    intent: 'Buy a tent',
    site: 'shop',
    latestStep: { index: 0, screenshotHash: 'a', url: 'http://shop/', actionDescription: 'Scroll down.' },
    ...overrides,
  };
}

function stepEvent(trajectoryId: string, stepIndex: number): LiveStepEvent {
  return {
    type: 'step',
    trajectoryId,
    taskId: 'task',
    stepIndex,
    capturedAt: 5,
    at: 6,
    screenshotHash: `h${stepIndex}`,
    url: 'http://shop/cart',
    actionDescription: "Click on a UI element 'Cart' on the screen.",
  };
}

function endEvent(trajectoryId: string, status: LiveTrajectoryEvent['status']): LiveTrajectoryEvent {
  return { type: 'trajectory', trajectoryId, taskId: 'task', status, stepCount: 3, at: 7 };
}

describe('applyLiveEvent', () => {
  it('moves a tile to the pushed step and leaves the other rows untouched', () => {
    const rows = [tile('a'), tile('b')];
    const result = applyLiveEvent(rows, stepEvent('b', 1));
    expect(result).toMatchObject({ needsRefetch: false, isUnknown: false });
    expect(result.rows[0]).toBe(rows[0]);
    expect(result.rows[1]).toMatchObject({
      stepCount: 2,
      latestStep: { index: 1, screenshotHash: 'h1', url: 'http://shop/cart' },
    });
    expect(rows[1]?.stepCount).toBe(1); // not mutated
  });

  it('ignores a step older than the one shown (same array back)', () => {
    const rows = [tile('a', { stepCount: 4, latestStep: { ...tile('a').latestStep!, index: 3 } })];
    expect(applyLiveEvent(rows, stepEvent('a', 2)).rows).toBe(rows);
  });

  it('takes the first step of an empty tile', () => {
    const rows = [tile('a', { stepCount: 0, latestStep: null })];
    expect(applyLiveEvent(rows, stepEvent('a', 0)).rows[0]).toMatchObject({
      stepCount: 1,
      latestStep: { index: 0 },
    });
  });

  it('asks for a refetch for unknown trajectories and when one ends', () => {
    const rows = [tile('a')];
    expect(applyLiveEvent(rows, endEvent('new', 'running'))).toEqual({
      rows,
      needsRefetch: true,
      isUnknown: true,
    });
    expect(applyLiveEvent(rows, stepEvent('new', 0))).toMatchObject({ isUnknown: true, needsRefetch: true });
    const ended = applyLiveEvent(rows, endEvent('a', 'errored'));
    expect(ended).toMatchObject({ needsRefetch: true, isUnknown: false });
    expect(ended.rows[0]).toMatchObject({ status: 'errored', stepCount: 3 });
    expect(applyLiveEvent(rows, endEvent('a', 'running')).needsRefetch).toBe(false);
  });
});

describe('statusDisplay', () => {
  it('pulses while running and names the environment verdict when complete', () => {
    expect(statusDisplay('running', null)).toEqual({ label: 'running', tone: 'indigo', isPulsing: true });
    expect(statusDisplay('errored', null)).toMatchObject({ label: 'errored', tone: 'red' });
    expect(statusDisplay('complete', true).label).toBe('complete · env success');
    expect(statusDisplay('complete', false).label).toBe('complete · env failure');
    expect(statusDisplay('complete', null).label).toBe('complete');
  });
});

describe('formatAgo', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect(formatAgo(10_000, 10_500)).toBe('just now');
    expect(formatAgo(10_000, 9_000)).toBe('just now');
    expect(formatAgo(0, 12_300)).toBe('12 s ago');
    expect(formatAgo(0, 3 * 60_000 + 5_000)).toBe('3 min ago');
    expect(formatAgo(0, 2 * 3_600_000)).toBe('2 h ago');
    expect(formatAgo(0, 4 * 86_400_000)).toBe('4 d ago');
  });
});

describe('lastActivityAt', () => {
  it('takes the latest of the pushed event, the end and the start', () => {
    const row = { createdAt: new Date(1_000), finishedAt: null };
    expect(lastActivityAt(row, undefined)).toBe(1_000);
    expect(lastActivityAt(row, 5_000)).toBe(5_000);
    expect(lastActivityAt({ ...row, finishedAt: new Date(9_000) }, 5_000)).toBe(9_000);
  });
});

describe('small labels', () => {
  it('numbers samples from 1', () => {
    expect(formatSample(0)).toBe('sample 1');
    expect(formatSample(null)).toBeNull();
  });

  it('names the connection state', () => {
    expect(connectionState('pending', false)).toBe('connected');
    expect(connectionState('connecting', false)).toBe('connecting');
    expect(connectionState('connecting', true)).toBe('reconnecting');
    expect(connectionState('error', true)).toBe('failed');
    expect(connectionState('idle', false)).toBe('off');
  });

  it('summarizes the grid', () => {
    expect(summarizeTiles([{ status: 'running' }, { status: 'complete' }, { status: 'errored' }])).toBe(
      '1 running · 2 finished',
    );
  });

  it('sees a key first only once', () => {
    const isFirst = createFirstSeenFilter();
    expect([isFirst('a'), isFirst('a'), isFirst('b')]).toEqual([true, false, true]);
  });
});
