import { describe, expect, it } from 'vitest';

import {
  computeConfusionMetrics,
  flagLabelFunctions,
  nodePassRate,
  type VerdictPair,
} from '@/lib/core/metrics';

const pairs = (spec: Record<'TP' | 'TN' | 'FP' | 'FN' | 'unknown', number>): VerdictPair[] => [
  ...Array.from({ length: spec.TP }, () => ({ verdict: true, envSuccess: true })),
  ...Array.from({ length: spec.TN }, () => ({ verdict: false, envSuccess: false })),
  ...Array.from({ length: spec.FP }, () => ({ verdict: true, envSuccess: false })),
  ...Array.from({ length: spec.FN }, () => ({ verdict: false, envSuccess: true })),
  ...Array.from({ length: spec.unknown }, (_, i) => ({ verdict: i % 2 === 0, envSuccess: null })),
];

describe('computeConfusionMetrics', () => {
  it('counts TP / TN / FP / FN with success as the positive class and skips unknown env verdicts', () => {
    const metrics = computeConfusionMetrics(pairs({ TP: 6, TN: 2, FP: 2, FN: 2, unknown: 5 }));
    expect(metrics).toEqual({
      TP: 6,
      TN: 2,
      FP: 2,
      FN: 2,
      accuracy: 8 / 12,
      precision: 6 / 8,
      recall: 6 / 8,
      f1: 0.75,
    });
  });

  it('computes F1 as the harmonic mean of precision and recall', () => {
    const m = computeConfusionMetrics(pairs({ TP: 3, TN: 10, FP: 1, FN: 5, unknown: 0 }));
    expect(m.precision).toBe(0.75);
    expect(m.recall).toBe(3 / 8);
    expect(m.f1).toBeCloseTo((2 * m.precision * m.recall) / (m.precision + m.recall), 12);
  });

  it('gives 0 for zero denominators (zero_division=0), never NaN', () => {
    expect(computeConfusionMetrics([])).toEqual({
      TP: 0,
      TN: 0,
      FP: 0,
      FN: 0,
      accuracy: 0,
      precision: 0,
      recall: 0,
      f1: 0,
    });
    expect(computeConfusionMetrics(pairs({ TP: 0, TN: 4, FP: 0, FN: 0, unknown: 3 }))).toMatchObject({
      accuracy: 1,
      precision: 0,
      recall: 0,
      f1: 0,
    });
    // Only positives predicted wrong: precision 0/2, recall has no positives.
    expect(computeConfusionMetrics(pairs({ TP: 0, TN: 0, FP: 2, FN: 0, unknown: 0 }))).toMatchObject({
      precision: 0,
      recall: 0,
      f1: 0,
    });
  });

  it('accepts any iterable', () => {
    function* generate() {
      yield { verdict: true, envSuccess: true };
      yield { verdict: false, envSuccess: true };
    }
    expect(computeConfusionMetrics(generate())).toMatchObject({ TP: 1, FN: 1, recall: 0.5 });
  });
});

describe('nodePassRate', () => {
  it('is passed / evaluations over booleans and NodeResults, 0 for none', () => {
    expect(
      nodePassRate([true, false, { passed: true, evidenceStep: 3 }, { passed: false, evidenceStep: null }]),
    ).toBe(0.5);
    expect(nodePassRate([])).toBe(0);
    expect(nodePassRate([true, true])).toBe(1);
  });
});

describe('flagLabelFunctions', () => {
  it('flags LFs that pass on everything, on nothing, or error', () => {
    const flags = flagLabelFunctions({
      7: { passed: 10, failed: 0, errored: 0 },
      8: { passed: 0, failed: 9, errored: 1 },
      9: { passed: 4, failed: 5, errored: 1 },
      10: { passed: 3, failed: 7, errored: 0 },
      11: { passed: 0, failed: 0, errored: 0 },
    });
    expect(flags).toEqual([
      { id: '7', runs: 10, passRate: 1, errorRate: 0, flags: ['passes_everything'] },
      { id: '8', runs: 10, passRate: 0, errorRate: 0.1, flags: ['passes_nothing', 'errors'] },
      { id: '9', runs: 10, passRate: 0.4, errorRate: 0.1, flags: ['errors'] },
      { id: '10', runs: 10, passRate: 0.3, errorRate: 0, flags: [] },
      { id: '11', runs: 0, passRate: 0, errorRate: 0, flags: [] },
    ]);
  });

  it('counts an LF that only errors as passing nothing', () => {
    expect(flagLabelFunctions({ a: { passed: 0, failed: 0, errored: 4 } })[0]!.flags).toEqual([
      'passes_nothing',
      'errors',
    ]);
  });

  it('does not flag LFs with fewer runs than minRuns', () => {
    const counts = { a: { passed: 2, failed: 0, errored: 0 }, b: { passed: 5, failed: 0, errored: 0 } };
    expect(flagLabelFunctions(counts, { minRuns: 5 }).map((f) => f.flags)).toEqual([
      [],
      ['passes_everything'],
    ]);
  });
});
