/**
 * Import formats: each reads a path into a parsed `ImportBundle` (lib/core/import) that
 * `importBundle` then writes. Add a format here and it is available to the CLI, the Import page
 * and the job queue alike.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import type { ImportBundle } from '@/lib/core/import/types';
import { readWebArenaTaskConfigs } from '@/lib/core/import/node/webarena';
import { readWebVoyagerRuns } from '@/lib/core/import/node/webvoyager';

export const IMPORT_FORMATS = ['webvoyager', 'webarena-tasks'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const ZImportFormatSchema = z.enum(IMPORT_FORMATS);

export interface ReadImportOptions {
  /** WebVoyager only: import runs as expert demos (default) or rollouts. */
  kind?: 'expert' | 'rollout';
}

/** Finds the JSON files of a `webarena-tasks` import: the file itself, or every `*.json` in a folder. */
function listTaskConfigFiles(target: string): string[] {
  if (fs.statSync(target).isFile()) return [target];
  const files = fs
    .readdirSync(target, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  if (files.length === 0) throw new DomainError('BAD_INPUT', `${target}: no .json task-config files found`);
  return files;
}

/**
 * Reads `target` (file or folder) in `format`.
 * @throws DomainError('BAD_INPUT') / ImportFormatError naming the file and field or line.
 */
export async function readImportSource(
  format: ImportFormat,
  target: string,
  options: ReadImportOptions = {},
): Promise<ImportBundle> {
  if (!fs.existsSync(target)) throw new DomainError('BAD_INPUT', `${target}: no such file or folder`);
  switch (format) {
    case 'webvoyager':
      return readWebVoyagerRuns(target, { kind: options.kind ?? 'expert' });
    case 'webarena-tasks': {
      const files = listTaskConfigFiles(target);
      const bundle: ImportBundle = { tasks: [], trajectories: [], warnings: [] };
      const fileByTask = new Map<string, string>();
      for (const file of files) {
        const part = await readWebArenaTaskConfigs(file);
        for (const t of part.tasks) {
          const other = fileByTask.get(t.externalId);
          if (other)
            throw new DomainError('BAD_INPUT', `Task ${t.externalId} appears in both ${other} and ${file}`);
          fileByTask.set(t.externalId, file);
        }
        bundle.tasks.push(...part.tasks);
        bundle.trajectories.push(...part.trajectories);
        bundle.warnings.push(...part.warnings);
      }
      return bundle;
    }
  }
}
