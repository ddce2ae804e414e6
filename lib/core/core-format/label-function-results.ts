/**
 * `label_function_results.json` — label-function quality over time, one record per evaluation run
 * before / after an expansion: `[{ time, type: "before"|"after", metrics: { TP, TN, FP, FN,
 * accuracy, precision, recall, f1 } }]` (DESIGN.md › Formats › CORE pipeline files; the metrics
 * are those of `lib/core/metrics.ts`).
 */
import { z } from 'zod';

import { parseJsonText, parseWithSchema } from '@/lib/core/import/format-errors';
import { LABEL_FUNCTION_RESULTS_FILE, formatCoreJson, restoreKeyOrder } from '@/lib/core/core-format/schemas';
import type { ConfusionMetrics } from '@/lib/core/metrics';

const ZCountSchema = z.number().int().nonnegative();

/** The confusion metrics; other fields are carried through. */
export const ZLabelFunctionMetricsSchema = z.looseObject({
  TP: ZCountSchema,
  TN: ZCountSchema,
  FP: ZCountSchema,
  FN: ZCountSchema,
  accuracy: z.number(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
});

/**
 * One record. `time` is kept as written — a string (e.g. `"2025-03-14 10:22:31"`) or a number
 * (e.g. a Unix timestamp); the format does not pin it. Other fields are carried through.
 */
export const ZLabelFunctionResultSchema = z.looseObject({
  time: z.union([z.string(), z.number()]),
  type: z.enum(['before', 'after']),
  metrics: ZLabelFunctionMetricsSchema,
});

export const ZLabelFunctionResultsFileSchema = z.array(ZLabelFunctionResultSchema);

export interface LabelFunctionResult {
  time: string | number;
  type: 'before' | 'after';
  /** Extra fields a file has on `metrics` are carried at run time (not typed). */
  metrics: ConfusionMetrics;
  [extra: string]: unknown;
}

/**
 * Parses the JSON value of a `label_function_results.json` file, records and keys in file order.
 *
 * @throws ImportFormatError naming `file` and the field (`[2].metrics.FP`, `[0].type`). Python's
 *   `NaN` is not JSON and fails in {@link parseLabelFunctionResultsText} as invalid JSON.
 */
export function parseLabelFunctionResults(
  json: unknown,
  file: string = LABEL_FUNCTION_RESULTS_FILE,
): LabelFunctionResult[] {
  return restoreKeyOrder(parseWithSchema(ZLabelFunctionResultsFileSchema, json, { file }), json);
}

/** {@link parseLabelFunctionResults} on file text. @throws ImportFormatError also for invalid JSON. */
export function parseLabelFunctionResultsText(
  text: string,
  file: string = LABEL_FUNCTION_RESULTS_FILE,
): LabelFunctionResult[] {
  return parseLabelFunctionResults(parseJsonText(text, file), file);
}

/** Writes records as `label_function_results.json` text ({@link formatCoreJson}); round-trips with the parser. */
export function serializeLabelFunctionResults(results: readonly LabelFunctionResult[]): string {
  return formatCoreJson(results);
}
