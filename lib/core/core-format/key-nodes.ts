/**
 * `key_nodes.json` — the shared node pool, `[{ id, description, label_function }]` (DESIGN.md ›
 * Formats › CORE pipeline files).
 */
import { z } from 'zod';

import { ImportFormatError } from '@/lib/core/errors';
import { formatFieldPath, parseJsonText, parseWithSchema } from '@/lib/core/import/format-errors';
import {
  KEY_NODES_FILE,
  ZNodeIdSchema,
  formatCoreJson,
  restoreKeyOrder,
} from '@/lib/core/core-format/schemas';
import type { PoolNode } from '@/lib/core/strategy-graph/types';

/** One pool node; other fields a file has are carried through unchanged. */
export const ZKeyNodeSchema = z.looseObject({
  id: ZNodeIdSchema,
  description: z.string(),
  label_function: z.string(),
});

export const ZKeyNodesFileSchema = z.array(ZKeyNodeSchema);

/**
 * Parses the JSON value of a `key_nodes.json` file into pool nodes, in file order. Ids are
 * normalised to strings (see `ZNodeIdSchema`); extra fields are kept on the objects, keys in file
 * order.
 *
 * @throws ImportFormatError naming `file` and the field (`[3].label_function`) for a shape error,
 *   or `[5].id` for an id already used by an earlier node ("duplicate id").
 */
export function parseKeyNodes(json: unknown, file: string = KEY_NODES_FILE): PoolNode[] {
  const nodes: PoolNode[] = restoreKeyOrder(parseWithSchema(ZKeyNodesFileSchema, json, { file }), json);
  const firstIndex = new Map<string, number>();
  nodes.forEach((node, i) => {
    const first = firstIndex.get(node.id);
    if (first !== undefined) {
      throw new ImportFormatError({
        file,
        field: formatFieldPath([i, 'id']),
        reason: `duplicate id "${node.id}" (first used at ${formatFieldPath([first, 'id'])})`,
      });
    }
    firstIndex.set(node.id, i);
  });
  return nodes;
}

/** {@link parseKeyNodes} on file text. @throws ImportFormatError also for invalid JSON. */
export function parseKeyNodesText(text: string, file: string = KEY_NODES_FILE): PoolNode[] {
  return parseKeyNodes(parseJsonText(text, file), file);
}

/**
 * Writes pool nodes as `key_nodes.json` text ({@link formatCoreJson}), each node's keys in the
 * order it has (a parsed node keeps the file's order). `parseKeyNodes` of the result deep-equals
 * the input.
 */
export function serializeKeyNodes(nodes: readonly PoolNode[]): string {
  return formatCoreJson(nodes);
}
