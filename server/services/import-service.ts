/**
 * Writes a parsed import bundle (`lib/core/import`) into the database: all or nothing.
 *
 * Order of work: (1) screenshots are stored content-addressed (the slow part, reported as
 * progress, cancellable); (2) one synchronous SQLite transaction upserts tasks by `externalId`,
 * replaces trajectories whose content changed, skips unchanged ones, and writes media rows and
 * the audit entry. If anything throws, the transaction rolls back and the files this import
 * created are removed, so nothing of a failed import remains. Re-importing the same data is a
 * no-op (idempotent by `externalId` + content hash).
 */
import { createHash, randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import type { ImportBundle, ParsedTask, ParsedTrajectory } from '@/lib/core/import/types';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { auditLog, media, step, task, trajectory } from '@/server/db/schema';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { removeCreatedFiles, storeImageFile, type StoredMedia } from '@/server/services/media-store';

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  format: string;
  tasks: ImportCounts;
  trajectories: ImportCounts;
  steps: number;
  screenshots: { stored: number; reused: number };
  warnings: string[];
  seconds: number;
}

export interface ImportActor {
  userId: string | null;
  /** Label for the audit log, e.g. the user's email or `cli`. */
  label: string;
}

export interface ImportOptions {
  format: string;
  actor: ImportActor;
  signal?: AbortSignal;
  /** Called with a fraction in [0, 1] and a short message. */
  onProgress?: (fraction: number, message: string) => void;
}

function emptyCounts(): ImportCounts {
  return { created: 0, updated: 0, unchanged: 0 };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DomainError('CONFLICT', 'Import cancelled');
}

function taskValues(t: ParsedTask) {
  return {
    externalId: t.externalId,
    source: t.source,
    intent: t.intent,
    startUrl: t.startUrl,
    environment: t.environment,
    site: t.site,
    template: t.template,
    params: t.params,
    origin: t.origin,
    evalSpec: t.evalSpec ?? null,
    meta: t.meta,
    difficulty: t.difficulty ?? null,
  };
}

/** Stable JSON (sorted keys) so equal content always hashes equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

function trajectoryContentHash(t: ParsedTrajectory, shots: Map<string, StoredMedia>): string {
  const content = {
    kind: t.kind,
    source: t.source,
    envSuccess: t.envSuccess,
    finalAnswer: t.finalAnswer,
    task: t.taskExternalId,
    steps: t.steps.map(({ screenshotFile, ...rest }) => ({
      ...rest,
      screenshot: screenshotFile ? (shots.get(screenshotFile)?.hash ?? null) : null,
    })),
  };
  return createHash('sha256').update(stableJson(content)).digest('hex');
}

/**
 * Imports `bundle` into `db`, storing screenshots under `dataDir`.
 * @returns counts of created / updated / unchanged tasks and trajectories, steps written, screenshots.
 * @throws DomainError('BAD_INPUT') when a trajectory names a task that is neither in the bundle nor
 *   in the database, or a screenshot is unreadable; nothing is written then.
 */
export async function importBundle(
  db: Db,
  dataDir: string,
  bundle: ImportBundle,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const { signal, onProgress } = options;
  const createdFiles: string[] = [];
  const shots = new Map<string, StoredMedia>();
  try {
    // (1) screenshots
    const files = [
      ...new Set(
        bundle.trajectories.flatMap((t) =>
          t.steps.map((s) => s.screenshotFile).filter((f): f is string => !!f),
        ),
      ),
    ];
    for (const [i, file] of files.entries()) {
      checkAborted(signal);
      const stored = await storeImageFile(dataDir, file);
      createdFiles.push(...stored.createdFiles);
      shots.set(file, stored);
      onProgress?.(
        (0.9 * (i + 1)) / Math.max(files.length, 1),
        `Stored screenshot ${i + 1} of ${files.length}`,
      );
    }
    checkAborted(signal);
    onProgress?.(0.9, 'Writing to the database');

    // (2) one transaction
    const summary = db.transaction((tx) => writeBundle(tx as unknown as Db, bundle, shots, options));
    // Committed: the rows now reference these files, so no later error may remove them.
    createdFiles.length = 0;
    onProgress?.(1, 'Done');
    return { ...summary, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
  } catch (error) {
    removeCreatedFiles(createdFiles);
    throw error;
  }
}

function writeBundle(
  tx: Db,
  bundle: ImportBundle,
  shots: Map<string, StoredMedia>,
  options: ImportOptions,
): Omit<ImportSummary, 'seconds'> {
  const iterationId = getOrCreateOpenIteration(tx);
  const author = options.actor.userId ?? `import:${options.format}`;
  const taskCounts = emptyCounts();
  const trajectoryCounts = emptyCounts();
  let stepsWritten = 0;

  // tasks, upserted by externalId
  const taskIdByExternal = new Map<string, string>();
  const incomingTasks = new Map(bundle.tasks.map((t) => [t.externalId, t]));
  const externalIds = [
    ...new Set([
      ...bundle.tasks.map((t) => t.externalId),
      ...bundle.trajectories.map((t) => t.taskExternalId),
    ]),
  ];
  for (let i = 0; i < externalIds.length; i += 500) {
    const rows = tx
      .select({
        id: task.id,
        externalId: task.externalId,
        source: task.source,
        intent: task.intent,
        startUrl: task.startUrl,
        environment: task.environment,
        site: task.site,
        template: task.template,
        params: task.params,
        origin: task.origin,
        evalSpec: task.evalSpec,
        meta: task.meta,
        difficulty: task.difficulty,
      })
      .from(task)
      .where(inArray(task.externalId, externalIds.slice(i, i + 500)))
      .all();
    for (const row of rows) {
      taskIdByExternal.set(row.externalId, row.id);
      const incoming = incomingTasks.get(row.externalId);
      if (!incoming) continue;
      const { id: _id, ...current } = row;
      if (stableJson(current) === stableJson(taskValues(incoming))) {
        taskCounts.unchanged++;
      } else {
        tx.update(task).set(taskValues(incoming)).where(eq(task.id, row.id)).run();
        taskCounts.updated++;
      }
    }
  }
  for (const t of bundle.tasks) {
    if (taskIdByExternal.has(t.externalId)) continue;
    const id = randomUUID();
    tx.insert(task)
      .values({ id, ...taskValues(t), iterationId, createdBy: author })
      .run();
    taskIdByExternal.set(t.externalId, id);
    taskCounts.created++;
  }

  // media rows
  for (const m of shots.values()) {
    tx.insert(media)
      .values({ hash: m.hash, mime: m.mime, bytes: m.bytes, width: m.width, height: m.height })
      .onConflictDoNothing()
      .run();
  }

  // trajectories
  for (const t of bundle.trajectories) {
    const taskId = taskIdByExternal.get(t.taskExternalId);
    if (!taskId) {
      throw new DomainError(
        'BAD_INPUT',
        `Trajectory ${t.externalId} refers to unknown task ${t.taskExternalId}`,
      );
    }
    const contentHash = trajectoryContentHash(t, shots);
    const existing = tx
      .select({ id: trajectory.id, contentHash: trajectory.contentHash })
      .from(trajectory)
      .where(eq(trajectory.externalId, t.externalId))
      .get();
    if (existing && existing.contentHash === contentHash) {
      trajectoryCounts.unchanged++;
      continue;
    }
    const values = {
      taskId,
      kind: t.kind,
      source: t.source,
      policy: t.policy ?? null,
      envSuccess: t.envSuccess,
      finalAnswer: t.finalAnswer,
      stepCount: t.steps.length,
      contentHash,
    };
    let trajectoryId: string;
    if (existing) {
      trajectoryId = existing.id;
      tx.delete(step).where(eq(step.trajectoryId, trajectoryId)).run();
      tx.update(trajectory)
        .set({ ...values, graphVerdict: null, category: null, progress: null })
        .where(eq(trajectory.id, trajectoryId))
        .run();
      trajectoryCounts.updated++;
    } else {
      trajectoryId = randomUUID();
      tx.insert(trajectory)
        .values({ id: trajectoryId, externalId: t.externalId, ...values, iterationId, createdBy: author })
        .run();
      trajectoryCounts.created++;
    }
    for (const s of t.steps) {
      tx.insert(step)
        .values({
          id: randomUUID(),
          trajectoryId,
          index: s.index,
          url: s.url,
          title: s.title,
          elementsText: s.elementsText,
          elements: s.elements,
          screenshotHash: s.screenshotFile ? (shots.get(s.screenshotFile)?.hash ?? null) : null,
          actionType: s.action.type,
          action: s.action,
          actionDescription: s.actionDescription,
          thought: s.thought,
          rawOutput: s.rawOutput,
        })
        .run();
      stepsWritten++;
    }
  }

  const stored = [...shots.values()].filter((m) => m.created).length;
  const summary: Omit<ImportSummary, 'seconds'> = {
    format: options.format,
    tasks: taskCounts,
    trajectories: trajectoryCounts,
    steps: stepsWritten,
    screenshots: { stored, reused: shots.size - stored },
    warnings: bundle.warnings,
  };
  tx.insert(auditLog)
    .values({
      userId: options.actor.userId,
      actor: options.actor.label,
      action: 'import',
      objectType: 'import',
      objectId: options.format,
      after: summary,
    })
    .run();
  return summary;
}
