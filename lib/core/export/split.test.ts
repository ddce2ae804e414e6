/**
 * The seeded train/validation split: a trajectory's split depends only on (seed, key, fraction),
 * so it is reproducible, independent of the other trajectories of the export, moves with the seed,
 * and hits the asked validation share over many keys.
 */
import { describe, expect, it } from 'vitest';
import { assignSplit, MAX_VALIDATION_FRACTION } from '@/lib/core/export/split';
import type { ExportSplit } from '@/lib/core/export/types';

const KEYS = Array.from(
  { length: 10_000 },
  (_, i) => `0b6f${i.toString(16).padStart(4, '0')}-trajectory-${i}`,
);

function splitAll(seed: number, keys: readonly string[], fraction: number): Map<string, ExportSplit> {
  return new Map(keys.map((key) => [key, assignSplit(seed, key, fraction)]));
}

function validationShare(seed: number, fraction: number): number {
  return KEYS.filter((key) => assignSplit(seed, key, fraction) === 'validation').length / KEYS.length;
}

describe('assignSplit', () => {
  it('gives the same split for the same seed and key, every time', () => {
    const first = splitAll(42, KEYS.slice(0, 500), 0.3);
    for (let run = 0; run < 3; run++) expect(splitAll(42, KEYS.slice(0, 500), 0.3)).toEqual(first);
    expect([...first.values()]).toContain('validation');
    expect([...first.values()]).toContain('train');
  });

  it('moves some keys to the other split under another seed', () => {
    const a = splitAll(42, KEYS.slice(0, 1000), 0.3);
    const b = splitAll(43, KEYS.slice(0, 1000), 0.3);
    const moved = [...a.keys()].filter((key) => a.get(key) !== b.get(key)).length;
    expect(moved).toBeGreaterThan(100);
  });

  it('puts everything in train for a fraction of 0 (or below)', () => {
    expect(KEYS.every((key) => assignSplit(7, key, 0) === 'train')).toBe(true);
    expect(assignSplit(7, KEYS[0]!, -0.1)).toBe('train');
  });

  it.each([0.1, 0.3, MAX_VALIDATION_FRACTION])(
    'sends %s of 10,000 keys to validation, within ±2%%',
    (fraction) => {
      for (const seed of [0, 42, 2_147_483_647]) {
        expect(Math.abs(validationShare(seed, fraction) - fraction)).toBeLessThanOrEqual(0.02);
      }
    },
  );

  it('does not depend on the order or presence of the other keys', () => {
    const all = splitAll(42, KEYS.slice(0, 2000), 0.3);
    const reversed = splitAll(42, [...KEYS.slice(0, 2000)].reverse(), 0.3);
    const everyThird = splitAll(
      42,
      KEYS.slice(0, 2000).filter((_, i) => i % 3 === 0),
      0.3,
    );
    for (const [key, split] of reversed) expect(split).toBe(all.get(key));
    for (const [key, split] of everyThird) expect(split).toBe(all.get(key));
  });

  it('only moves keys towards validation as the fraction grows (one draw per key)', () => {
    const low = splitAll(42, KEYS.slice(0, 2000), 0.1);
    const high = splitAll(42, KEYS.slice(0, 2000), 0.3);
    for (const [key, split] of low) if (split === 'validation') expect(high.get(key)).toBe('validation');
  });
});
