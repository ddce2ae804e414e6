import { describe, expect, it } from 'vitest';
import {
  buildPairMatrix,
  decisionLabel,
  defaultSortDirection,
  describeEdit,
  editKindFor,
  formatDuration,
  formatKappa,
  formatPerHour,
  formatShare,
  interpretKappa,
  sortAnnotatorStats,
  summarizeSplit,
  toAdjudicateInput,
  validateAdjudication,
  validateQueueSetting,
  type AnnotatorStatsRow,
} from '@/components/review-admin/review-admin-display';
import { decisionLabels } from '@/lib/core/review';

describe('interpretKappa (Landis & Koch 1977)', () => {
  it('reads each band at its bounds', () => {
    const band = (k: number) => interpretKappa(k)?.label;
    expect(band(-0.3)).toBe('poor');
    expect(band(-0.01)).toBe('poor');
    expect(band(0)).toBe('slight');
    expect(band(0.2)).toBe('slight');
    expect(band(0.21)).toBe('fair');
    expect(band(0.4)).toBe('fair');
    expect(band(0.41)).toBe('moderate');
    expect(band(0.6)).toBe('moderate');
    expect(band(0.61)).toBe('substantial');
    expect(band(0.8)).toBe('substantial');
    expect(band(0.81)).toBe('almost perfect');
    expect(band(1)).toBe('almost perfect');
  });
  it('reads the value as shown (two decimals), so figure and band agree', () => {
    expect(formatKappa(0.205)).toBe('0.21');
    expect(interpretKappa(0.205)?.label).toBe('fair');
    expect(formatKappa(-0.004)).toBe('0.00');
    expect(interpretKappa(-0.004)?.label).toBe('slight');
  });
  it('has no band without a kappa', () => {
    expect(interpretKappa(null)).toBeNull();
    expect(interpretKappa(undefined)).toBeNull();
    expect(interpretKappa(Number.NaN)).toBeNull();
  });
  it('colours low agreement red and high green', () => {
    expect(interpretKappa(0.1)?.tone).toBe('red');
    expect(interpretKappa(0.5)?.tone).toBe('amber');
    expect(interpretKappa(0.9)?.tone).toBe('green');
  });
});

describe('formatting', () => {
  it('formats kappa with a real minus sign and a dash when undefined', () => {
    expect(formatKappa(0.6666)).toBe('0.67');
    expect(formatKappa(-0.25)).toBe('−0.25');
    expect(formatKappa(1)).toBe('1.00');
    expect(formatKappa(null)).toBe('—');
  });
  it('formats shares as whole percentages', () => {
    expect(formatShare(0.5)).toBe('50%');
    expect(formatShare(2 / 3)).toBe('67%');
    expect(formatShare(null)).toBe('—');
  });
  it('formats decisions per hour with a decimal only below 10', () => {
    expect(formatPerHour(4.46)).toBe('4.5');
    expect(formatPerHour(12.4)).toBe('12');
    expect(formatPerHour(0)).toBe('0');
    expect(formatPerHour(null)).toBe('—');
  });
  it('formats durations in s, min and h', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(3720)).toBe('1 h 2 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('buildPairMatrix', () => {
  const ann = { id: 'u1', name: 'Ann' };
  const bob = { id: 'u2', name: 'Bob' };
  const cai = { id: 'u3', name: 'Cai' };
  it('lists every rater by name and finds a pair in either order', () => {
    const ab = { a: bob, b: ann, items: 4, cohenKappa: 0.5, percentAgreement: 0.75 };
    const bc = { a: bob, b: cai, items: 2, cohenKappa: null, percentAgreement: 1 };
    const m = buildPairMatrix([ab, bc]);
    expect(m.raters.map((r) => r.name)).toEqual(['Ann', 'Bob', 'Cai']);
    expect(m.get('u1', 'u2')).toBe(ab);
    expect(m.get('u2', 'u1')).toBe(ab);
    expect(m.get('u3', 'u2')).toBe(bc);
    expect(m.get('u1', 'u3')).toBeUndefined();
    expect(m.get('u1', 'u1')).toBeUndefined();
  });
  it('is empty without pairs', () => {
    expect(buildPairMatrix([]).raters).toEqual([]);
  });
});

describe('sortAnnotatorStats', () => {
  const row = (over: Partial<AnnotatorStatsRow>): AnnotatorStatsRow => ({
    userId: `id-${over.name ?? 'x'}`,
    name: 'x',
    email: `${over.name ?? 'x'}@example.org`,
    role: 'annotator',
    decisions: 0,
    accepts: 0,
    rejects: 0,
    decisionsPerHour: null,
    medianSecondsPerDecision: null,
    agreementWithOthers: null,
    comparedItems: 0,
    graphAgreement: null,
    graphCompared: 0,
    envAgreement: null,
    envCompared: 0,
    lastDecisionAt: null,
    ...over,
  });
  const rows = [
    row({ name: 'bea', decisions: 5, agreementWithOthers: 0.5, lastDecisionAt: new Date('2025-01-02') }),
    row({ name: 'Al', decisions: 9, agreementWithOthers: null }),
    row({ name: 'cy', decisions: 5, agreementWithOthers: 0.9, lastDecisionAt: '2025-01-03T00:00:00Z' }),
  ];
  const names = (r: AnnotatorStatsRow[]) => r.map((x) => x.name);
  it('sorts numbers both ways, ties by name', () => {
    expect(names(sortAnnotatorStats(rows, 'decisions', 'desc'))).toEqual(['Al', 'bea', 'cy']);
    expect(names(sortAnnotatorStats(rows, 'decisions', 'asc'))).toEqual(['bea', 'cy', 'Al']);
  });
  it('keeps rows without a value last in both directions', () => {
    expect(names(sortAnnotatorStats(rows, 'agreementWithOthers', 'desc'))).toEqual(['cy', 'bea', 'Al']);
    expect(names(sortAnnotatorStats(rows, 'agreementWithOthers', 'asc'))).toEqual(['bea', 'cy', 'Al']);
    expect(names(sortAnnotatorStats(rows, 'lastDecisionAt', 'desc'))).toEqual(['cy', 'bea', 'Al']);
  });
  it('falls back to the e-mail, then the account id, for a reviewer without a name', () => {
    const nameless = [
      row({ name: null, email: 'zed@example.org' }),
      row({ name: null, email: null, userId: 'acc' }),
    ];
    expect(sortAnnotatorStats(nameless, 'name', 'asc').map((r) => r.userId)).toEqual(['acc', 'id-x']);
  });
  it('sorts names case-insensitively and does not mutate its input', () => {
    const before = names(rows);
    expect(names(sortAnnotatorStats(rows, 'name', 'asc'))).toEqual(['Al', 'bea', 'cy']);
    expect(names(rows)).toEqual(before);
  });
  it('starts names and median time ascending, the rest descending', () => {
    expect(defaultSortDirection('name')).toBe('asc');
    expect(defaultSortDirection('medianSecondsPerDecision')).toBe('asc');
    expect(defaultSortDirection('decisionsPerHour')).toBe('desc');
  });
});

describe('validateQueueSetting', () => {
  it('accepts 1–5 reviews and a 60–3600 s lease', () => {
    expect(validateQueueSetting(1, 60)).toBeNull();
    expect(validateQueueSetting(5, 3600)).toBeNull();
  });
  it('refuses values out of bounds or not whole', () => {
    expect(validateQueueSetting(0, 300)).toMatch(/reviews/);
    expect(validateQueueSetting(6, 300)).toMatch(/reviews/);
    expect(validateQueueSetting(1.5, 300)).toMatch(/reviews/);
    expect(validateQueueSetting(2, 59)).toMatch(/lease/);
    expect(validateQueueSetting(2, 3601)).toMatch(/lease/);
    expect(validateQueueSetting(2, Number.NaN)).toMatch(/lease/);
  });
});

describe('disagreements', () => {
  it('splits an edit into intent, code and the rest', () => {
    expect(describeEdit(null)).toEqual({ intent: null, code: null, harmfulStep: null, other: null });
    expect(describeEdit({ intent: 'Find a recipe', code: ' ' })).toEqual({
      intent: 'Find a recipe',
      code: null,
      harmfulStep: null,
      other: null,
    });
    expect(describeEdit({ harmfulStep: 3 })).toEqual({
      intent: null,
      code: null,
      harmfulStep: 3,
      other: null,
    });
    expect(describeEdit({ code: 'def label_function(t): return True', x: 1 }).other).toBe('{\n  "x": 1\n}');
  });
  it('summarizes the split', () => {
    expect(summarizeSplit([{ decision: 'accept' }, { decision: 'reject' }, { decision: 'accept' }])).toBe(
      '2 accept · 1 reject',
    );
  });
  it('names decisions per queue, and per flag for key steps', () => {
    expect(decisionLabels('proposed_path', null).accept).toBe('Approve');
    expect(decisionLabel('rollout_verdict', null, 'reject')).toBe('Failed');
    expect(decisionLabel('lf_flag', 'no_passing_function', 'accept')).toBe('Add label function');
    expect(decisionLabel('lf_flag', 'errors', 'reject')).toBe('Dismiss');
  });
  it('knows which edit an accept carries', () => {
    expect(editKindFor('extrapolated_intent', null)).toBe('intent');
    expect(editKindFor('proposed_task', null)).toBe('intent');
    expect(editKindFor('lf_flag', 'no_passing_function')).toBe('code');
    expect(editKindFor('lf_flag', 'passes_everything')).toBeNull();
    expect(editKindFor('proposed_path', null)).toBeNull();
  });
});

describe('validateAdjudication / toAdjudicateInput', () => {
  it('needs a reason for a reject, except a rollout judged Failed', () => {
    expect(
      validateAdjudication('proposed_path', null, { decision: 'reject', reason: ' ', edit: '' }),
    ).toMatch(/Reject.*reason/);
    expect(
      validateAdjudication('rollout_verdict', null, { decision: 'reject', reason: '', edit: '' }),
    ).toBeNull();
    expect(
      validateAdjudication('proposed_path', null, { decision: 'accept', reason: '', edit: '' }),
    ).toBeNull();
  });
  it('needs code to add a label function for a key step', () => {
    expect(
      validateAdjudication('lf_flag', 'no_passing_function', { decision: 'accept', reason: '', edit: '' }),
    ).toMatch(/code/);
  });
  it('refuses an over-long intent or reason', () => {
    const long = 'x'.repeat(1001);
    expect(
      validateAdjudication('proposed_task', null, { decision: 'accept', reason: '', edit: long }),
    ).toMatch(/intent/);
    expect(
      validateAdjudication('proposed_task', null, { decision: 'accept', reason: 'y'.repeat(2001), edit: '' }),
    ).toMatch(/reason/);
  });
  it('sends an edit only with an accept and only when given', () => {
    expect(
      toAdjudicateInput('i1', 'extrapolated_intent', null, { decision: 'accept', reason: '', edit: ' New ' }),
    ).toEqual({
      itemId: 'i1',
      decision: 'accept',
      edit: { intent: 'New' },
    });
    expect(
      toAdjudicateInput('i1', 'extrapolated_intent', null, {
        decision: 'reject',
        reason: ' dup ',
        edit: 'New',
      }),
    ).toEqual({ itemId: 'i1', decision: 'reject', reason: 'dup' });
    expect(
      toAdjudicateInput('i2', 'lf_flag', 'no_passing_function', {
        decision: 'accept',
        reason: '',
        edit: 'code\n',
      }),
    ).toEqual({ itemId: 'i2', decision: 'accept', edit: { code: 'code\n' } });
    expect(
      toAdjudicateInput('i3', 'proposed_path', null, { decision: 'accept', reason: '', edit: 'ignored' }),
    ).toEqual({
      itemId: 'i3',
      decision: 'accept',
    });
  });
});
