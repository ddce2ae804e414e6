/**
 * WebArena / VisualWebArena task-config reader: the file-system half of `../webarena.ts`.
 */
import { readFile } from 'node:fs/promises';

import { ImportFormatError } from '@/lib/core/errors';
import { parseJsonText } from '@/lib/core/import/format-errors';
import type { ImportBundle } from '@/lib/core/import/types';
import { parseWebArenaTaskConfigs } from '@/lib/core/import/webarena';

/**
 * Reads one WebArena / VisualWebArena config file (a list of configs or one config object) into an
 * {@link ImportBundle} with `tasks` only (see `parseWebArenaTaskConfigs` for the mapping).
 * Raises {@link ImportFormatError} naming `file` when it cannot be read, is not JSON, or fails
 * validation (with the field path, e.g. `[17].eval.eval_types`).
 */
export async function readWebArenaTaskConfigs(file: string): Promise<ImportBundle> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportFormatError({ file, reason: `cannot read file: ${reason}` });
  }
  return parseWebArenaTaskConfigs(parseJsonText(text, file), file);
}
