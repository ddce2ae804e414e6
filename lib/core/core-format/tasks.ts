/**
 * `tasks.json` — per task, its objective, template and strategy graph:
 * `{ TaskName: { objective, template, key_nodes: { id: { parent_node_id, child_node_id } } } }`
 * (DESIGN.md › Formats › CORE pipeline files).
 */
import { z } from 'zod';

import { parseJsonText, parseWithSchema } from '@/lib/core/import/format-errors';
import {
  TASKS_FILE,
  ZStrategyGraphSchema,
  formatCoreJson,
  restoreKeyOrder,
} from '@/lib/core/core-format/schemas';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';

/**
 * One task entry. `objective` and `key_nodes` are required; `template` may be a string, null or
 * absent (Android tasks of the reference have no web template); every other field is carried
 * through unchanged so a round trip is lossless.
 */
export const ZCoreTaskSchema = z.looseObject({
  objective: z.string(),
  template: z.string().nullable().optional(),
  key_nodes: ZStrategyGraphSchema,
});

export const ZCoreTasksFileSchema = z.record(z.string(), ZCoreTaskSchema);

export interface CoreTask {
  objective: string;
  template?: string | null;
  key_nodes: StrategyGraph;
  /** Fields the pipeline wrote that the product does not interpret, kept for export. */
  [extra: string]: unknown;
}

/** Task name → task, in file order (JavaScript property order for integer-like names). */
export type CoreTasks = Record<string, CoreTask>;

/**
 * Parses the JSON value of a `tasks.json` file. Ids in the graphs are normalised to strings
 * (`ZNodeIdSchema`); graphs are not validated beyond their shape (use `validateGraph`). Keys keep
 * the file's order (`restoreKeyOrder`), extra fields included.
 *
 * @throws ImportFormatError naming `file` and the field, e.g.
 *   `["Set timer"].key_nodes["7"].child_node_id[1]`.
 */
export function parseCoreTasks(json: unknown, file: string = TASKS_FILE): CoreTasks {
  return restoreKeyOrder(parseWithSchema(ZCoreTasksFileSchema, json, { file }), json);
}

/** {@link parseCoreTasks} on file text. @throws ImportFormatError also for invalid JSON. */
export function parseCoreTasksText(text: string, file: string = TASKS_FILE): CoreTasks {
  return parseCoreTasks(parseJsonText(text, file), file);
}

/** Writes tasks as `tasks.json` text ({@link formatCoreJson}); `parseCoreTasks` of it deep-equals the input. */
export function serializeCoreTasks(tasks: Readonly<CoreTasks>): string {
  return formatCoreJson(tasks);
}
