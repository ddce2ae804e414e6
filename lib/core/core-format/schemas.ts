/**
 * Shared pieces of the CORE pipeline file formats (DESIGN.md › Formats the product speaks › CORE
 * pipeline files): file names, node ids, the `key_nodes` strategy-graph object, and the JSON text
 * layout used when writing.
 */
import { z } from 'zod';

export const KEY_NODES_FILE = 'key_nodes.json';
export const TASKS_FILE = 'tasks.json';
export const LABEL_FUNCTION_RESULTS_FILE = 'label_function_results.json';
export const INTENTS_FILE = 'intents_new.json';

/**
 * A node id as a file may write it: a non-empty string or an integer. Normalised to a string
 * (`7` → `"7"`), because ids are object keys in `key_nodes` (always strings in JSON) and the
 * sentinels are the strings `"0"` / `"-1"` (DESIGN.md › Domain terms). Consequence, by design: a
 * file that wrote ids as numbers is read fine but written back with string ids.
 */
export const ZNodeIdSchema = z
  .union([z.string().min(1), z.number().int()])
  .transform((id): string => String(id));

/**
 * One `key_nodes` entry: `{ parent_node_id: [ids], child_node_id: [ids] }`. Other fields, if a
 * file has any, are carried through unchanged (lossless round trip).
 */
export const ZGraphAdjacencySchema = z.looseObject({
  parent_node_id: z.array(ZNodeIdSchema),
  child_node_id: z.array(ZNodeIdSchema),
});

/**
 * A strategy graph as in `tasks.json` (`{ id: { parent_node_id, child_node_id } }`); the output is
 * assignable to `StrategyGraph`. Only the shape is checked here — cycles, dangling ids and the
 * like are `validateGraph`'s business, so a file with them still loads.
 */
export const ZStrategyGraphSchema = z.record(z.string().min(1), ZGraphAdjacencySchema);

/**
 * JSON text as the reference pipeline's Python writes it with `json.dump(obj, f, indent=4)`:
 * 4-space indent, `": "` between key and value, non-ASCII characters escaped as lower-case
 * `\uXXXX` (Python's default `ensure_ascii=True`), no trailing newline. Our choice so a file we
 * write diffs cleanly against the reference's; equality is promised as JSON, not bytes (Python
 * writes `1.0` where JavaScript writes `1`, and keys come out in JavaScript property order —
 * integer-like keys ascending).
 */
export function formatCoreJson(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `parsed` (a zod output) with every object's keys in the order they had in `raw` (the JSON value
 * it was parsed from); keys only `parsed` has come last. Zod writes an object's known keys before
 * the extra ones of a loose object; restoring the file's order keeps a re-export diff-free.
 * Recursive; arrays are matched by index. O(size of the value).
 */
export function restoreKeyOrder<T>(parsed: T, raw: unknown): T {
  if (Array.isArray(parsed)) {
    return parsed.map((item: unknown, i) =>
      restoreKeyOrder(item, Array.isArray(raw) ? raw[i] : undefined),
    ) as T;
  }
  if (!isPlainRecord(parsed) || !isPlainRecord(raw)) return parsed;
  const out: Record<string, unknown> = {};
  const put = (key: string) =>
    Object.defineProperty(out, key, {
      value: restoreKeyOrder(parsed[key], raw[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  for (const key of Object.keys(raw)) if (Object.hasOwn(parsed, key)) put(key);
  for (const key of Object.keys(parsed)) if (!Object.hasOwn(out, key)) put(key);
  return out as T;
}
