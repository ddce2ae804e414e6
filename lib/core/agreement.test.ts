import { describe, expect, it } from 'vitest';
import { cohenKappa, fleissKappa, interpretKappa, percentAgreement } from '@/lib/core/agreement';
import { settleReviews } from '@/lib/core/review';

/** Expands a row of category counts into that many ratings. */
function ratings(counts: number[]): string[] {
  return counts.flatMap((c, k) => Array.from({ length: c }, () => `c${k}`));
}

describe('cohenKappa', () => {
  it('matches the textbook example (20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → 0.4)', () => {
    const pairs: [string, string][] = [
      ...Array.from({ length: 20 }, () => ['yes', 'yes'] as [string, string]),
      ...Array.from({ length: 5 }, () => ['yes', 'no'] as [string, string]),
      ...Array.from({ length: 10 }, () => ['no', 'yes'] as [string, string]),
      ...Array.from({ length: 15 }, () => ['no', 'no'] as [string, string]),
    ];
    expect(cohenKappa(pairs)).toBeCloseTo(0.4, 10);
  });

  it('is 1 for perfect agreement and null when undefined', () => {
    expect(
      cohenKappa([
        ['a', 'a'],
        ['b', 'b'],
      ]),
    ).toBe(1);
    expect(cohenKappa([])).toBeNull();
    // Both raters used a single category: chance agreement is 1.
    expect(
      cohenKappa([
        ['a', 'a'],
        ['a', 'a'],
      ]),
    ).toBeNull();
  });

  it('is negative when raters systematically disagree', () => {
    expect(
      cohenKappa([
        ['a', 'b'],
        ['b', 'a'],
      ]),
    ).toBe(-1);
  });
});

describe('fleissKappa', () => {
  it("matches Fleiss' worked example (10 subjects, 14 raters, 5 categories → 0.210)", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(table.map(ratings))).toBeCloseTo(0.21, 2);
  });

  it('equals Cohen for two raters with equal marginals and is null when undefined', () => {
    expect(
      fleissKappa([
        ['a', 'a'],
        ['b', 'b'],
        ['a', 'b'],
        ['b', 'a'],
      ]),
    ).toBeCloseTo(0, 10);
    expect(fleissKappa([])).toBeNull();
    expect(fleissKappa([['a'], ['b']])).toBeNull();
    expect(fleissKappa([['a', 'a']])).toBeNull();
    expect(() => fleissKappa([['a', 'a'], ['a']])).toThrow(/2 ratings/);
  });
});

describe('percentAgreement, interpretKappa, settleReviews', () => {
  it('counts agreeing pairs', () => {
    expect(percentAgreement([['a', 'a', 'b']])).toBeCloseTo(1 / 3, 10);
    expect(percentAgreement([['a']])).toBeNull();
  });

  it('reads kappas with the Landis & Koch bands', () => {
    expect(interpretKappa(-0.1)).toBe('poor');
    expect(interpretKappa(0.21)).toBe('fair');
    expect(interpretKappa(0.7)).toBe('substantial');
    expect(interpretKappa(0.95)).toBe('almost perfect');
    expect(interpretKappa(null)).toBe('undefined');
  });

  it('settles an item only once enough reviews are in', () => {
    expect(settleReviews(['accept'], 2)).toEqual({ state: 'pending' });
    expect(settleReviews(['accept', 'accept'], 2)).toEqual({ state: 'agreed', decision: 'accept' });
    expect(settleReviews(['accept', 'reject'], 2)).toEqual({ state: 'disagreed' });
  });
});
