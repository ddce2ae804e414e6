/**
 * WebVoyager run reader: the file-system half of `../webvoyager.ts` (which stays pure).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

import { ImportFormatError } from '@/lib/core/errors';
import type { ImportBundle } from '@/lib/core/import/types';
import {
  bundleWebVoyagerRuns,
  findWebVoyagerReference,
  getWebVoyagerIdFromRunName,
  parseWebVoyagerReferenceAnswers,
  parseWebVoyagerRun,
  parseWebVoyagerTasksJsonl,
  type TWebVoyagerReferenceAnswers,
  type TWebVoyagerTaskRecord,
} from '@/lib/core/import/webvoyager';
import type { ImportedTrajectoryKind } from '@/lib/core/types';

/** The chat log every WebVoyager run folder holds. */
export const WEBVOYAGER_MESSAGES_FILE = 'interact_messages.json';
/** WebVoyager's task list (`data/WebVoyager_data.jsonl` in MinorJerry/WebVoyager). */
export const WEBVOYAGER_TASKS_FILE = 'WebVoyager_data.jsonl';
/** WebVoyager's reference answers (`data/reference_answer.json`). */
export const WEBVOYAGER_REFERENCE_ANSWERS_FILE = 'reference_answer.json';

export interface ReadWebVoyagerRunsOptions {
  /** Trajectory kind of every run; default `'expert'`. */
  kind?: ImportedTrajectoryKind;
  /** Explicit `WebVoyager_data.jsonl`; default: looked up beside the runs (see {@link readWebVoyagerRuns}). */
  tasksFile?: string;
  /** Explicit `reference_answer.json`; default: looked up beside the runs. */
  referenceAnswersFile?: string;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImportFormatError({ file, reason: `cannot read file: ${reason}` });
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** First of `folders` holding `fileName`, or null. */
async function findBeside(folders: readonly string[], fileName: string): Promise<string | null> {
  for (const folder of folders) {
    const candidate = path.join(folder, fileName);
    if (await isFile(candidate)) return candidate;
  }
  return null;
}

/**
 * Reads WebVoyager runs into an {@link ImportBundle} (one task per WebVoyager id, one trajectory
 * per run folder, `environment: 'web'`).
 *
 * `dir` is either one run folder (it holds `interact_messages.json`) or a folder of run folders
 * (subfolders sorted by name, code-unit order; subfolders without `interact_messages.json` are
 * skipped with a warning). `WebVoyager_data.jsonl` / `reference_answer.json` are used when given
 * in `options`, else looked up in the folder of runs, then in its parent (the shared data keeps
 * them in `webvoyager/` beside `examples/`); for a single run folder the folder of runs is its
 * parent. Absent files are fine: intent and start URL then come from the run itself and
 * `evalSpec` is null.
 *
 * Screenshot paths are absolute (`path.resolve`). Raises {@link ImportFormatError} when `dir` is not
 * a folder or holds no runs, for a malformed `interact_messages.json` (file + JSON field path), a
 * malformed JSONL line (file + 1-based line) or a malformed `reference_answer.json`, and when an
 * explicit `tasksFile` / `referenceAnswersFile` cannot be read. Missing screenshots are warnings.
 */
export async function readWebVoyagerRuns(
  dir: string,
  options: ReadWebVoyagerRunsOptions = {},
): Promise<ImportBundle> {
  const root = path.resolve(dir);
  if (!(await isDirectory(root))) {
    throw new ImportFormatError({ file: dir, reason: 'not a folder' });
  }

  const warnings: string[] = [];
  let runDirs: string[];
  let runsFolder: string;
  if (await isFile(path.join(root, WEBVOYAGER_MESSAGES_FILE))) {
    runDirs = [root];
    runsFolder = path.dirname(root);
  } else {
    runsFolder = root;
    const entries = await readdir(root, { withFileTypes: true });
    runDirs = [];
    for (const entry of [...entries].sort((a, b) => compareNames(a.name, b.name))) {
      if (!entry.isDirectory()) continue;
      const runDir = path.join(root, entry.name);
      if (await isFile(path.join(runDir, WEBVOYAGER_MESSAGES_FILE))) runDirs.push(runDir);
      else warnings.push(`${runDir}: no ${WEBVOYAGER_MESSAGES_FILE}; not a WebVoyager run, skipped`);
    }
    if (runDirs.length === 0) {
      throw new ImportFormatError({
        file: dir,
        reason: `no WebVoyager runs (folders holding ${WEBVOYAGER_MESSAGES_FILE}) found`,
      });
    }
  }

  const lookIn = [runsFolder, path.dirname(runsFolder)];
  const tasksFile = options.tasksFile ?? (await findBeside(lookIn, WEBVOYAGER_TASKS_FILE));
  const referenceFile =
    options.referenceAnswersFile ?? (await findBeside(lookIn, WEBVOYAGER_REFERENCE_ANSWERS_FILE));
  const taskRecords: Map<string, TWebVoyagerTaskRecord> | null = tasksFile
    ? parseWebVoyagerTasksJsonl(await readTextFile(tasksFile), tasksFile)
    : null;
  const references: TWebVoyagerReferenceAnswers | null = referenceFile
    ? parseWebVoyagerReferenceAnswers(await readTextFile(referenceFile), referenceFile)
    : null;

  const runs = [];
  for (const runDir of runDirs) {
    const runName = path.basename(runDir);
    const file = path.join(runDir, WEBVOYAGER_MESSAGES_FILE);
    const present = new Set(await readdir(runDir));
    const webVoyagerId = getWebVoyagerIdFromRunName(runName);
    const taskRecord = taskRecords?.get(webVoyagerId);
    if (taskRecords && !taskRecord) {
      warnings.push(`${file}: task '${webVoyagerId}' is not in ${tasksFile}; intent taken from the run`);
    }
    const reference = references
      ? findWebVoyagerReference(references, webVoyagerId, taskRecord?.web_name)
      : null;
    if (references && !reference) {
      warnings.push(`${file}: task '${webVoyagerId}' has no entry in ${referenceFile}`);
    }
    runs.push(
      parseWebVoyagerRun({
        runName,
        file,
        text: await readTextFile(file),
        resolveScreenshot: (name) => (present.has(name) ? path.join(runDir, name) : null),
        kind: options.kind ?? 'expert',
        taskRecord,
        reference,
      }),
    );
  }
  return bundleWebVoyagerRuns(runs, warnings);
}
