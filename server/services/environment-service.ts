/**
 * Environments the runner can act in (issue 6):
 *
 * - **State-API apps** registered with `npx core-curator env add <folder>` (or the Live page):
 *   the folder is validated (`index.html`, `real-tasks.json` and / or `function-tasks.json`, every
 *   `verify` file inside the folder, `seed-state.json` and `expert-demos.json` when present), then
 *   the app row and its tasks are written in one transaction (all or nothing). Re-adding the same
 *   folder updates the tasks that changed and keeps the rest (tasks match on
 *   `app:<app id>:<task id>`, `app:<app id>:function:<task id>` for function tasks).
 * - **URL tasks** (WebArena / VisualWebArena configs): their `start_url` placeholders
 *   (`__SHOPPING__`, …) map to the user's sites through the `rollouts.siteUrls` setting
 *   (`rollout-settings-service.ts`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { eq, like } from 'drizzle-orm';
import { decodeHTML } from 'entities';
import { normalizeDifficulty } from '@/lib/core/difficulty';
import { DomainError } from '@/lib/core/errors';
import { parseJsonText } from '@/lib/core/import/format-errors';
import {
  APP_ID_RE,
  parseExpertDemos,
  parseStateApiTasks,
  STATE_API_TASK_FILES,
  STATE_API_TASK_SETS,
  stateApiTaskExternalId,
  stateApiTaskKey,
  type StateApiAppTask,
  type StateApiTaskSet,
  type TExpertDemos,
} from '@/lib/core/rollouts/state-api-app';
import { inTransaction, type Db } from '@/server/db/client';
import { environmentApp, task } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { readSeedState } from '@/server/rollouts/state-api-server';
import { resolveAppFile } from '@/server/rollouts/app-files';
import { resolveVerifierPath } from '@/server/rollouts/verifier';

export const STATE_API_SOURCE = 'state-api';

/** The bundled demo apps, in `environments/` of the repository. */
export const BUNDLED_APPS_DIR = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'environments');
export const BUNDLED_APP_IDS = ['shop', 'contacts'] as const;

/**
 * Folders the dashboard may register apps from: the bundled `environments/`, `<data dir>/apps`, and
 * the colon-separated `CORE_CURATOR_APP_ROOTS`. An app's verifiers run as Python on the server, so
 * the web UI does not take arbitrary paths; the CLI (run by someone with a shell there) does.
 */
export function listAllowedAppRoots(
  dataDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  const extra = (env.CORE_CURATOR_APP_ROOTS ?? '').split(':').filter(Boolean);
  return [BUNDLED_APPS_DIR, path.join(dataDir, 'apps'), ...extra].map((root) => path.resolve(root));
}

/**
 * @returns the resolved folder (symlinks followed) when it lies inside an allowed root.
 * @throws DomainError('FORBIDDEN') naming the roots otherwise.
 */
export function assertAppFolderAllowed(folder: string, roots: readonly string[]): string {
  const resolved = path.resolve(folder);
  const real = fs.existsSync(resolved) ? fs.realpathSync(resolved) : resolved;
  const inside = roots.some((root) => {
    const rel = path.relative(fs.existsSync(root) ? fs.realpathSync(root) : root, real);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
  if (!inside) {
    throw new DomainError(
      'FORBIDDEN',
      `Apps can be added from the dashboard only inside ${roots.join(', ')} (set CORE_CURATOR_APP_ROOTS, or use npx core-curator env add)`,
    );
  }
  return real;
}

export interface StateApiAppFiles {
  folder: string;
  name: string;
  /** Real tasks first, then function tasks, each in file order. */
  tasks: StateApiAppTask[];
  expertDemos: TExpertDemos;
}

/** What a task of a State-API app keeps in `task.meta`. */
export interface StateApiTaskMeta {
  appId: string;
  appTaskId: string;
  /** Which file it came from: `real-tasks.json` or `function-tasks.json`. */
  taskSet: StateApiTaskSet;
  verify: string;
  /** As the file gives it; the `task.difficulty` column holds it normalised. */
  difficulty: string | null;
}

/** Reads JSON from `file` (a real path), naming it `label` (its path inside the folder) in errors. */
function readJsonFile(file: string, label: string): unknown {
  return parseJsonText(fs.readFileSync(file, 'utf8'), label);
}

/**
 * Reads and validates an app folder. Every file is resolved with realpath and must stay inside the
 * folder's real path (`server/rollouts/app-files.ts`): a symbolic link to a file outside is refused.
 * @throws DomainError('BAD_INPUT') naming the file and field: missing folder / index.html, neither
 *   real-tasks.json nor function-tasks.json, a `verify` file that is missing or outside the folder,
 *   a file that is a link to outside the folder, bad JSON, an expert demo for an unknown task.
 */
export function readStateApiApp(folderArg: string): StateApiAppFiles {
  const folder = path.resolve(folderArg);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new DomainError('BAD_INPUT', `${folder}: not a folder`);
  }
  const appFile = (name: string) => resolveAppFile(folder, name, `${path.join(folder, name)}:`);
  const indexFile = appFile('index.html');
  if (!fs.existsSync(indexFile)) {
    throw new DomainError('BAD_INPUT', `${folder}: no index.html (a State-API app folder needs one)`);
  }
  const tasks: StateApiAppTask[] = [];
  for (const taskSet of STATE_API_TASK_SETS) {
    const name = STATE_API_TASK_FILES[taskSet];
    const tasksFile = path.join(folder, name);
    const tasksReal = appFile(name);
    if (!fs.existsSync(tasksReal)) continue;
    const parsed = parseStateApiTasks(readJsonFile(tasksReal, tasksFile), tasksFile);
    for (const [i, t] of parsed.entries()) {
      let verifier: string;
      try {
        verifier = resolveVerifierPath(folder, t.verify);
      } catch (error) {
        throw new DomainError('BAD_INPUT', `${tasksFile}: [${i}].verify: ${(error as Error).message}`);
      }
      if (!fs.existsSync(verifier) || !fs.statSync(verifier).isFile()) {
        throw new DomainError('BAD_INPUT', `${tasksFile}: [${i}].verify: file ${t.verify} does not exist`);
      }
      tasks.push({ ...t, taskSet, key: stateApiTaskKey(taskSet, t.id) });
    }
  }
  if (tasks.length === 0) {
    throw new DomainError(
      'BAD_INPUT',
      `${folder}: no real-tasks.json and no function-tasks.json (an app needs at least one task file)`,
    );
  }
  readSeedState(folder);
  const demosFile = path.join(folder, 'expert-demos.json');
  const demosReal = appFile('expert-demos.json');
  const expertDemos = fs.existsSync(demosReal)
    ? parseExpertDemos(readJsonFile(demosReal, demosFile), demosFile)
    : {};
  const keys = new Set(tasks.map((t) => t.key));
  for (const key of Object.keys(expertDemos)) {
    if (!keys.has(key))
      throw new DomainError(
        'BAD_INPUT',
        `${demosFile}: demo '${key}' names no task of real-tasks.json (function tasks are named 'function:<id>')`,
      );
  }
  return { folder, name: readAppName(indexFile, folder), tasks, expertDemos };
}

/**
 * The app's display name: the `<title>` of index.html with its HTML entities decoded once
 * (`GitLab &mdash; Plan &amp; Track` → `GitLab — Plan & Track`), else the folder name. The name is
 * stored as text and rendered as text (React escapes it), so `&lt;script&gt;` stays visible text.
 */
export function readAppName(indexFile: string, folder: string): string {
  const html = fs.readFileSync(indexFile, 'utf8');
  return appNameFromHtml(html) ?? path.basename(folder);
}

/** The decoded, whitespace-collapsed `<title>` text (at most 120 characters), or null. */
export function appNameFromHtml(html: string): string | null {
  const raw = /<title[^>]*>([^<]{1,400})<\/title>/i.exec(html)?.[1];
  if (!raw) return null;
  const title = decodeHTML(raw).replace(/\s+/g, ' ').trim().slice(0, 120).trim();
  return title || null;
}

export interface AddAppSummary {
  appId: string;
  name: string;
  folder: string;
  tasks: { created: number; updated: number; unchanged: number };
  expertDemos: number;
}

/**
 * Registers (or refreshes) a State-API app and imports its tasks, all or nothing.
 * @param options.id app id (slug); defaults to the folder name in lower case.
 * @throws DomainError('BAD_INPUT') for a bad folder (see {@link readStateApiApp}) or id.
 */
export function addStateApiApp(
  db: Db,
  folderArg: string,
  options: { id?: string; actor: { userId: string | null; label: string } },
): AddAppSummary {
  const app = readStateApiApp(folderArg);
  const appId = (options.id ?? path.basename(app.folder)).toLowerCase();
  if (!APP_ID_RE.test(appId)) {
    throw new DomainError(
      'BAD_INPUT',
      `App id '${appId}' must be lower-case letters, digits and dashes (--id to choose one)`,
    );
  }
  const author = options.actor.userId ?? options.actor.label;
  const counts = { created: 0, updated: 0, unchanged: 0 };
  inTransaction(db, (tx) => {
    const iterationId = getOrCreateOpenIteration(tx);
    const now = new Date();
    tx.insert(environmentApp)
      .values({
        id: appId,
        name: app.name,
        folder: app.folder,
        taskCount: app.tasks.length,
        createdBy: author,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: environmentApp.id,
        set: { name: app.name, folder: app.folder, taskCount: app.tasks.length, updatedAt: now },
      })
      .run();
    for (const t of app.tasks) {
      const externalId = stateApiTaskExternalId(appId, t.id, t.taskSet);
      const meta: StateApiTaskMeta = {
        appId,
        appTaskId: t.id,
        taskSet: t.taskSet,
        verify: t.verify,
        difficulty: t.difficulty ?? null,
      };
      const values = {
        source: STATE_API_SOURCE,
        intent: t.instruction,
        startUrl: null,
        environment: 'web' as const,
        site: app.name,
        difficulty: normalizeDifficulty(t.difficulty),
        meta: { ...meta },
      };
      const existing = tx
        .select({
          id: task.id,
          intent: task.intent,
          site: task.site,
          difficulty: task.difficulty,
          meta: task.meta,
        })
        .from(task)
        .where(eq(task.externalId, externalId))
        .get();
      if (!existing) {
        tx.insert(task)
          .values({ id: randomUUID(), externalId, ...values, origin: 'seed', iterationId, createdBy: author })
          .run();
        counts.created++;
      } else if (
        existing.intent === values.intent &&
        existing.site === values.site &&
        existing.difficulty === values.difficulty &&
        JSON.stringify(existing.meta) === JSON.stringify(values.meta)
      ) {
        counts.unchanged++;
      } else {
        tx.update(task).set(values).where(eq(task.id, existing.id)).run();
        counts.updated++;
      }
    }
    recordAudit(tx, {
      userId: options.actor.userId,
      actor: options.actor.label,
      action: 'environment.add',
      objectType: 'environment_app',
      objectId: appId,
      after: { folder: app.folder, tasks: counts },
    });
  });
  return {
    appId,
    name: app.name,
    folder: app.folder,
    tasks: counts,
    expertDemos: Object.keys(app.expertDemos).length,
  };
}

export function listEnvironmentApps(db: Db) {
  return db
    .select({
      id: environmentApp.id,
      name: environmentApp.name,
      folder: environmentApp.folder,
      taskCount: environmentApp.taskCount,
      updatedAt: environmentApp.updatedAt,
    })
    .from(environmentApp)
    .orderBy(environmentApp.id)
    .all();
}

/** @throws DomainError('NOT_FOUND') */
export function getEnvironmentAppOrThrow(db: Db, appId: string) {
  const row = db.select().from(environmentApp).where(eq(environmentApp.id, appId)).get();
  if (!row)
    throw new DomainError(
      'NOT_FOUND',
      `Environment app '${appId}' not found (npx core-curator env add <folder>)`,
    );
  return row;
}

/** Task ids of an app (real and function tasks), ordered by external id. */
export function listAppTaskIds(db: Db, appId: string): string[] {
  return db
    .select({ id: task.id })
    .from(task)
    .where(like(task.externalId, `app:${appId}:%`))
    .orderBy(task.externalId)
    .all()
    .map((r) => r.id);
}
