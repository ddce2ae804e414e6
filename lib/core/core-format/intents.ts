/**
 * `intents_new.json` — intents inferred from failed rollouts: `{ TaskName: { sampleIdx: intent } }`
 * (DESIGN.md › Formats › CORE pipeline files; › Failure-driven intent inference). `sampleIdx` is the
 * rollout's sample index as an object key (`"0"` … `"4"` with 5 samples per task).
 */
import { z } from 'zod';

import { parseJsonText, parseWithSchema } from '@/lib/core/import/format-errors';
import { INTENTS_FILE, formatCoreJson } from '@/lib/core/core-format/schemas';

export const ZCoreIntentsFileSchema = z.record(z.string(), z.record(z.string(), z.string()));

/** Task name → sample index (string key) → inferred intent. */
export type CoreIntents = Record<string, Record<string, string>>;

/**
 * Parses the JSON value of an `intents_new.json` file.
 *
 * @throws ImportFormatError naming `file` and the field, e.g. `["Set timer"]["3"]`.
 */
export function parseCoreIntents(json: unknown, file: string = INTENTS_FILE): CoreIntents {
  return parseWithSchema(ZCoreIntentsFileSchema, json, { file });
}

/** {@link parseCoreIntents} on file text. @throws ImportFormatError also for invalid JSON. */
export function parseCoreIntentsText(text: string, file: string = INTENTS_FILE): CoreIntents {
  return parseCoreIntents(parseJsonText(text, file), file);
}

/** Writes intents as `intents_new.json` text ({@link formatCoreJson}); round-trips with the parser. */
export function serializeCoreIntents(intents: Readonly<CoreIntents>): string {
  return formatCoreJson(intents);
}
