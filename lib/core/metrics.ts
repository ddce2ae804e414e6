/**
 * Label-function quality metrics (DESIGN.md › Semantics › Label-function quality): the graph
 * verdict against the environment verdict, per-node pass rates, and flags for suspicious LFs.
 * Grouping (per task, per iteration, before / after a merge, per LF) is the caller's: pass the
 * pairs of one group.
 */
import type { NodeResult } from '@/lib/core/strategy-graph/types';

/** One (task, trajectory) pair: the graph verdict and the environment's verdict (null = unknown). */
export interface VerdictPair {
  verdict: boolean;
  envSuccess: boolean | null;
}

/**
 * Confusion counts and rates, with the key names of CORE's `label_function_results.json`
 * (DESIGN.md › Formats) so one value serves the UI and the export.
 */
export interface ConfusionMetrics {
  TP: number;
  TN: number;
  FP: number;
  FN: number;
  /** (TP + TN) / (TP + TN + FP + FN). */
  accuracy: number;
  /** TP / (TP + FP). */
  precision: number;
  /** TP / (TP + FN). */
  recall: number;
  /** 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall. */
  f1: number;
}

function divide(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * TP / TN / FP / FN of the graph verdict against the environment verdict over the pairs with a
 * known `envSuccess` (pairs with `null` are skipped) — DESIGN.md › Label-function quality. The
 * positive class is success: TP = verdict true and env success, FP = verdict true and env failure,
 * FN = verdict false and env success, TN = both false. Rates are fractions in [0, 1]; a zero
 * denominator gives 0 (our choice, like scikit-learn's `zero_division=0`, so no NaN reaches a chart
 * or a file). O(pairs). Never throws.
 */
export function computeConfusionMetrics(pairs: Iterable<VerdictPair>): ConfusionMetrics {
  let TP = 0;
  let TN = 0;
  let FP = 0;
  let FN = 0;
  for (const { verdict, envSuccess } of pairs) {
    if (envSuccess === null) continue;
    if (verdict && envSuccess) TP++;
    else if (verdict) FP++;
    else if (envSuccess) FN++;
    else TN++;
  }
  return {
    TP,
    TN,
    FP,
    FN,
    accuracy: divide(TP + TN, TP + TN + FP + FN),
    precision: divide(TP, TP + FP),
    recall: divide(TP, TP + FN),
    f1: divide(2 * TP, 2 * TP + FP + FN),
  };
}

/**
 * The pass rate of one node (LF) over its evaluations: passed / evaluations, a fraction in [0, 1];
 * 0 for no evaluations (our choice, as above). Each result is a {@link NodeResult} or a boolean;
 * an errored evaluation is recorded as not passed and counts in the denominator. O(results).
 */
export function nodePassRate(results: Iterable<NodeResult | boolean>): number {
  let passed = 0;
  let total = 0;
  for (const result of results) {
    total++;
    if (typeof result === 'boolean' ? result : result.passed) passed++;
  }
  return divide(passed, total);
}

/** How one LF's evaluations ended: returned True, returned False, or errored (raised, timed out, crashed, non-bool). */
export interface LfRunCounts {
  passed: number;
  failed: number;
  errored: number;
}

/**
 * Default minimum number of runs before an LF is flagged in the PI view: a flag on one or two runs
 * is mostly noise (our choice; the page lets the PI change it).
 */
export const DEFAULT_FLAG_MIN_RUNS = 3;

export const LF_FLAGS = ['passes_everything', 'passes_nothing', 'errors'] as const;
export type LfFlag = (typeof LF_FLAGS)[number];

export interface LfQualityFlags {
  id: string;
  /** passed + failed + errored. */
  runs: number;
  /** passed / runs (0 when no runs). */
  passRate: number;
  /** errored / runs (0 when no runs). */
  errorRate: number;
  flags: LfFlag[];
}

/**
 * Flags suspicious label functions for the PI view (issue 3 › "LFs that pass on everything or on
 * nothing, LFs that error"): `passes_everything` when every run passed, `passes_nothing` when none
 * did (errors included), `errors` when at least one run errored. LFs with fewer than `minRuns`
 * runs (default 1; our choice — a flag on two runs is noise the caller may want to hide) get no
 * flags. Returns one entry per id, in `counts` key order, flagged or not, so the caller can sort.
 * Never throws.
 */
export function flagLabelFunctions(
  counts: Readonly<Record<string, LfRunCounts>>,
  options: { minRuns?: number } = {},
): LfQualityFlags[] {
  const minRuns = Math.max(1, options.minRuns ?? 1);
  return Object.entries(counts).map(([id, { passed, failed, errored }]) => {
    const runs = passed + failed + errored;
    const flags: LfFlag[] = [];
    if (runs >= minRuns) {
      if (passed === runs) flags.push('passes_everything');
      if (passed === 0) flags.push('passes_nothing');
      if (errored > 0) flags.push('errors');
    }
    return { id, runs, passRate: divide(passed, runs), errorRate: divide(errored, runs), flags };
  });
}
