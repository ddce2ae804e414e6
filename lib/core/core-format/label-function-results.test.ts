import { describe, expect, it } from 'vitest';

import {
  parseLabelFunctionResults,
  parseLabelFunctionResultsText,
  serializeLabelFunctionResults,
  type LabelFunctionResult,
} from '@/lib/core/core-format/label-function-results';
import { catchImportFormatError, LABEL_FUNCTION_RESULTS_TEXT } from '@/lib/core/core-format/test-fixtures';
import { computeConfusionMetrics } from '@/lib/core/metrics';

describe('label_function_results.json', () => {
  it('parses the reference file', () => {
    const results = parseLabelFunctionResultsText(LABEL_FUNCTION_RESULTS_TEXT);
    expect(results.map((r) => [r.time, r.type, r.metrics.TP])).toEqual([
      ['2025-03-14 10:22:31', 'before', 41],
      ['2025-03-14 11:05:02', 'after', 50],
    ]);
  });

  it('writes the reference file back byte for byte', () => {
    expect(serializeLabelFunctionResults(parseLabelFunctionResultsText(LABEL_FUNCTION_RESULTS_TEXT))).toBe(
      LABEL_FUNCTION_RESULTS_TEXT,
    );
  });

  it('agrees with computeConfusionMetrics on the counts it records', () => {
    const [before] = parseLabelFunctionResultsText(LABEL_FUNCTION_RESULTS_TEXT);
    const { TP, TN, FP, FN } = before!.metrics;
    const pairs = [
      ...Array.from({ length: TP }, () => ({ verdict: true, envSuccess: true })),
      ...Array.from({ length: TN }, () => ({ verdict: false, envSuccess: false })),
      ...Array.from({ length: FP }, () => ({ verdict: true, envSuccess: false })),
      ...Array.from({ length: FN }, () => ({ verdict: false, envSuccess: true })),
    ];
    const computed = computeConfusionMetrics(pairs);
    for (const key of ['accuracy', 'precision', 'recall', 'f1'] as const) {
      expect(computed[key]).toBeCloseTo(before!.metrics[key], 12);
    }
  });

  it('round-trips computed metrics and numeric times; JSON-equal for Python floats such as 1.0', () => {
    const records: LabelFunctionResult[] = [
      { time: 1710411751, type: 'before', metrics: computeConfusionMetrics([]) },
      {
        time: '2025-03-15T08:00:00Z',
        type: 'after',
        metrics: computeConfusionMetrics([{ verdict: true, envSuccess: true }]),
        iteration: 3,
      },
    ];
    expect(parseLabelFunctionResultsText(serializeLabelFunctionResults(records))).toEqual(records);
    const python =
      '[{"time": "t", "type": "after", "metrics": {"TP": 1, "TN": 0, "FP": 0, "FN": 0, "accuracy": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0}}]';
    expect(JSON.parse(serializeLabelFunctionResults(parseLabelFunctionResultsText(python)))).toEqual(
      JSON.parse(python),
    );
  });

  it('names the field of a shape error', () => {
    const good = JSON.parse(LABEL_FUNCTION_RESULTS_TEXT) as Record<string, unknown>[];
    expect(
      catchImportFormatError(() => parseLabelFunctionResults([{ ...good[0], type: 'during' }])).field,
    ).toBe('[0].type');
    const badCount = structuredClone(good) as { metrics: Record<string, unknown> }[];
    badCount[1]!.metrics.FP = 2.5;
    expect(catchImportFormatError(() => parseLabelFunctionResults(badCount)).field).toBe('[1].metrics.FP');
    expect(
      catchImportFormatError(() => parseLabelFunctionResults([{ type: 'before', metrics: good[0]!.metrics }]))
        .field,
    ).toBe('[0].time');
  });

  it("rejects Python's NaN as invalid JSON", () => {
    const text =
      '[{"time": "t", "type": "before", "metrics": {"TP": 0, "TN": 0, "FP": 0, "FN": 0, "accuracy": NaN, "precision": 0, "recall": 0, "f1": 0}}]';
    expect(catchImportFormatError(() => parseLabelFunctionResultsText(text)).message).toMatch(
      /^label_function_results\.json: invalid JSON/,
    );
  });
});
