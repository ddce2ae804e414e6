import { describe, expect, it } from 'vitest';
import {
  linkedTrajectoryLabel,
  promotionOffer,
  provenanceLines,
  trajectoryKindLabel,
} from '@/lib/core/provenance';

const rollout = { id: 'aaaaaaaa-1111', externalId: 'webvoyager:GitHub--0#2', kind: 'rollout' as const };
const demo = { id: 'bbbbbbbb-2222', externalId: null, kind: 'expert' as const };

describe('provenance lines', () => {
  const base = {
    kind: 'rollout' as const,
    source: 'rollouts',
    derivedFromId: null,
    takeoverStep: null,
    derivedFrom: null,
    promotedTo: [],
  };

  it('names kinds and linked trajectories (ids without a name shortened)', () => {
    expect(trajectoryKindLabel('expert')).toBe('expert demo');
    expect(trajectoryKindLabel('correction')).toBe('correction');
    expect(linkedTrajectoryLabel(rollout)).toBe('rollout webvoyager:GitHub--0#2');
    expect(linkedTrajectoryLabel(demo)).toBe('expert demo bbbbbbbb');
  });

  it('says nothing for a plain rollout', () => {
    expect(provenanceLines(base)).toEqual([]);
  });

  it('links a promoted demo to its source, and a source to its demo', () => {
    expect(
      provenanceLines({
        ...base,
        kind: 'expert',
        source: 'promoted',
        derivedFromId: rollout.id,
        derivedFrom: rollout,
      }),
    ).toEqual([
      {
        key: 'promoted-from',
        before: 'Promoted from',
        target: { id: rollout.id, label: 'rollout webvoyager:GitHub--0#2' },
        after: '',
      },
    ]);
    expect(provenanceLines({ ...base, promotedTo: [demo] })).toEqual([
      {
        key: `promoted-to-${demo.id}`,
        before: 'Promoted to',
        target: { id: demo.id, label: 'expert demo bbbbbbbb' },
        after: '',
      },
    ]);
  });

  it('shows a correction with its 1-based takeover step, and a deleted source without a link', () => {
    expect(
      provenanceLines({
        ...base,
        kind: 'correction',
        source: 'correction',
        derivedFromId: rollout.id,
        derivedFrom: rollout,
        takeoverStep: 3,
      }),
    ).toEqual([
      {
        key: 'correction-of',
        before: 'Correction of',
        target: { id: rollout.id, label: 'rollout webvoyager:GitHub--0#2' },
        after: ', person took over at step 4',
      },
    ]);
    // ON DELETE SET NULL: the promoted demo outlives its source.
    expect(provenanceLines({ ...base, kind: 'expert', source: 'promoted' })).toEqual([
      { key: 'promoted-from', before: 'Promoted from a trajectory (since deleted)', target: null, after: '' },
    ]);
  });
});

describe('promotionOffer', () => {
  const t = { kind: 'rollout' as const, status: 'complete', stepCount: 3, envSuccess: true, promotedTo: [] };

  it('offers a verified run at once and an unverified one behind a confirmation', () => {
    expect(promotionOffer(t)).toEqual({ state: 'verified' });
    expect(promotionOffer({ ...t, envSuccess: false })).toEqual({ state: 'unverified', verdict: 'failure' });
    expect(promotionOffer({ ...t, kind: 'correction', envSuccess: null })).toEqual({
      state: 'unverified',
      verdict: 'unknown',
    });
  });

  it('offers nothing on demos, and says why a run cannot be promoted', () => {
    expect(promotionOffer({ ...t, kind: 'expert' })).toEqual({ state: 'none' });
    expect(promotionOffer({ ...t, promotedTo: [demo] })).toMatchObject({ state: 'unavailable' });
    expect(promotionOffer({ ...t, status: 'running' })).toMatchObject({
      state: 'unavailable',
      reason: expect.stringContaining('Still running') as string,
    });
    expect(promotionOffer({ ...t, status: 'errored' })).toMatchObject({ state: 'unavailable' });
    expect(promotionOffer({ ...t, stepCount: 0 })).toMatchObject({ state: 'unavailable' });
  });
});
