/**
 * Fine-tuning exports (issue 7): launch one as a job, re-run a failed one, list and read them,
 * preview what a selection holds, verify the files against the manifest. The writing itself is
 * `export-writer.ts`; the selection rules are `export-selection.ts`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { EXPORT_MANIFEST_FILE, type ExportManifest } from '@/lib/core/export/manifest';
import { MAX_VALIDATION_FRACTION } from '@/lib/core/export/split';
import { EXPORT_FORMATS, EXPORT_SOURCES, type ExportSource } from '@/lib/core/export/types';
import type { Db } from '@/server/db/client';
import { inTransaction } from '@/server/db/client';
import { iteration, job, trainingExport, user, type TrainingExportOptions } from '@/server/db/schema';
import type { JobRunner } from '@/server/jobs/runner';
import { recordAudit } from '@/server/services/audit-service';
import { selectExportTrajectories } from '@/server/services/export-selection';
import { EXPORTS_DIR, sha256File, type ExportResult } from '@/server/services/export-writer';

export const EXPORT_JOB_KIND = 'export';

/** Default seed of the train/validation split. */
export const DEFAULT_EXPORT_SEED = 42;
/** Default share of trajectories in validation. */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

export const ZExportRequestSchema = z.object({
  iterationId: z.number().int().positive(),
  format: z.enum(EXPORT_FORMATS),
  sources: z
    .array(z.enum(EXPORT_SOURCES))
    .min(1, 'Choose at least one source')
    .transform((list) => EXPORT_SOURCES.filter((s) => list.includes(s))),
  seed: z.number().int().min(0).max(2_147_483_647).default(DEFAULT_EXPORT_SEED),
  validationFraction: z.number().min(0).max(MAX_VALIDATION_FRACTION).default(DEFAULT_VALIDATION_FRACTION),
  includeEarlierIterations: z.boolean().default(false),
  /** Keep trajectories of tasks that pass on the untouched seed (left out by default). */
  includeSeedPassing: z.boolean().default(false),
});
export type TExportRequest = z.input<typeof ZExportRequestSchema>;

export const ZExportJobInputSchema = z.object({ exportId: z.string().min(1) });

interface Actor {
  userId: string | null;
  label: string;
}

function assertIteration(db: Db, iterationId: number) {
  const row = db.select({ id: iteration.id }).from(iteration).where(eq(iteration.id, iterationId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Iteration ${iterationId} not found`);
}

/**
 * Records an export and enqueues its job.
 * @returns `{ exportId, jobId }`.
 * @throws DomainError('BAD_INPUT') for a bad request (zod message names the field);
 *   DomainError('NOT_FOUND') for an unknown iteration.
 */
export function startTrainingExport(
  db: Db,
  jobs: Pick<JobRunner, 'enqueue'>,
  request: TExportRequest,
  actor: Actor,
): { exportId: string; jobId: string } {
  const parsed = ZExportRequestSchema.safeParse(request);
  if (!parsed.success)
    throw new DomainError(
      'BAD_INPUT',
      parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const { iterationId, format, ...rest } = parsed.data;
  assertIteration(db, iterationId);
  const options: TrainingExportOptions = rest;
  const exportId = randomUUID();
  inTransaction(db, (tx) => {
    tx.insert(trainingExport)
      .values({
        id: exportId,
        iterationId,
        format,
        options,
        dir: `${EXPORTS_DIR}/${exportId}`,
        createdBy: actor.userId,
      })
      .run();
    recordAudit(tx, {
      userId: actor.userId,
      actor: actor.label,
      action: 'export.create',
      objectType: 'training_export',
      objectId: exportId,
      after: { iterationId, format, ...options },
    });
  });
  const jobId = jobs.enqueue(EXPORT_JOB_KIND, { exportId }, { createdBy: actor.userId, iterationId });
  db.update(trainingExport).set({ jobId }).where(eq(trainingExport.id, exportId)).run();
  return { exportId, jobId };
}

/**
 * Runs an export's job again (after it failed, was cancelled or was interrupted by a stopped
 * process), into the same export id and folder.
 *
 * `takeOver` is for a process that knows the one running the export is gone (the CLI after a killed
 * `export`, whose job stays `running` until a server start marks it interrupted): a queued or
 * running job of this export is marked interrupted first. Nothing else is touched.
 * @throws DomainError('NOT_FOUND'); DomainError('CONFLICT') when it is done, or queued / running
 *   without `takeOver`.
 */
export function rerunTrainingExport(
  db: Db,
  jobs: Pick<JobRunner, 'enqueue'>,
  exportId: string,
  actor: Actor,
  options: { takeOver?: boolean } = {},
): { exportId: string; jobId: string } {
  const row = getExportRow(db, exportId);
  const active = row.status === 'queued' || row.status === 'running';
  if (row.status === 'succeeded' || (active && !options.takeOver))
    throw new DomainError(
      'CONFLICT',
      `Export ${exportId} is ${row.status}; only a stopped export can be re-run`,
    );
  if (active && row.jobId)
    db.update(job)
      .set({
        status: 'interrupted',
        error: `The process writing this export stopped; ${actor.label} re-ran it.`,
        finishedAt: new Date(),
      })
      .where(and(eq(job.id, row.jobId), inArray(job.status, ['queued', 'running'])))
      .run();
  const jobId = jobs.enqueue(
    EXPORT_JOB_KIND,
    { exportId },
    { createdBy: actor.userId, iterationId: row.iterationId },
  );
  inTransaction(db, (tx) => {
    tx.update(trainingExport).set({ jobId, finishedAt: null }).where(eq(trainingExport.id, exportId)).run();
    recordAudit(tx, {
      userId: actor.userId,
      actor: actor.label,
      action: 'export.rerun',
      objectType: 'training_export',
      objectId: exportId,
      after: { jobId, tookOver: active },
    });
  });
  return { exportId, jobId };
}

const EXPORT_COLUMNS = {
  id: trainingExport.id,
  iterationId: trainingExport.iterationId,
  format: trainingExport.format,
  options: trainingExport.options,
  dir: trainingExport.dir,
  summary: trainingExport.summary,
  manifestSha256: trainingExport.manifestSha256,
  createdAt: trainingExport.createdAt,
  finishedAt: trainingExport.finishedAt,
  createdByEmail: user.email,
  jobId: trainingExport.jobId,
  status: job.status,
  progress: job.progress,
  progressMessage: job.progressMessage,
  error: job.error,
};

function withSummary<T extends { summary: unknown; status: string | null }>(row: T) {
  return {
    ...row,
    status: row.status ?? 'queued',
    summary: row.summary as ExportResult | null,
  };
}

function getExportRow(db: Db, exportId: string) {
  const row = db
    .select(EXPORT_COLUMNS)
    .from(trainingExport)
    .leftJoin(job, eq(job.id, trainingExport.jobId))
    .leftJoin(user, eq(user.id, trainingExport.createdBy))
    .where(eq(trainingExport.id, exportId))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Export ${exportId} not found`);
  return withSummary(row);
}

/** Exports, newest first, with the status and progress of their latest job. */
export function listTrainingExports(db: Db, params: { iterationId?: number; limit: number }) {
  return db
    .select(EXPORT_COLUMNS)
    .from(trainingExport)
    .leftJoin(job, eq(job.id, trainingExport.jobId))
    .leftJoin(user, eq(user.id, trainingExport.createdBy))
    .where(params.iterationId === undefined ? undefined : eq(trainingExport.iterationId, params.iterationId))
    .orderBy(desc(trainingExport.createdAt), desc(trainingExport.id))
    .limit(params.limit)
    .all()
    .map(withSummary);
}

/** Absolute folder of an export (inside the data directory). */
export function exportDirPath(dataDir: string, exportRow: { dir: string }): string {
  return path.join(dataDir, exportRow.dir);
}

/**
 * One export with its manifest (null until the job succeeded).
 * @throws DomainError('NOT_FOUND')
 */
export function getTrainingExport(db: Db, dataDir: string, exportId: string) {
  const row = getExportRow(db, exportId);
  const manifestFile = path.join(exportDirPath(dataDir, row), EXPORT_MANIFEST_FILE);
  const manifest =
    row.status === 'succeeded' && fs.existsSync(manifestFile)
      ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ExportManifest)
      : null;
  return { ...row, manifest };
}

/**
 * Recomputes the sha256 of every file the manifest lists.
 * @returns the files whose size or hash differ, or that are gone (empty when all match).
 * @throws DomainError('CONFLICT') when the export has no manifest (not finished).
 */
export async function verifyTrainingExport(db: Db, dataDir: string, exportId: string) {
  const { manifest, dir } = getTrainingExport(db, dataDir, exportId);
  if (!manifest) throw new DomainError('CONFLICT', `Export ${exportId} has no manifest yet`);
  const root = path.join(dataDir, dir);
  const mismatches: { path: string; problem: string }[] = [];
  for (const file of manifest.files) {
    const absolute = path.join(root, file.path);
    if (!fs.existsSync(absolute)) mismatches.push({ path: file.path, problem: 'missing' });
    else if ((await sha256File(absolute)) !== file.sha256)
      mismatches.push({ path: file.path, problem: 'sha256 differs' });
  }
  return { checked: manifest.files.length, mismatches };
}

/**
 * What an export of this scope would hold, per source: trajectories and target steps (an upper
 * bound on examples: steps whose action cannot be written are skipped at export time; a
 * correction's replayed steps are history, not targets, and are not counted).
 */
export function previewTrainingExport(
  db: Db,
  scope: {
    iterationId: number;
    sources: readonly ExportSource[];
    includeEarlierIterations: boolean;
    includeSeedPassing?: boolean;
  },
) {
  assertIteration(db, scope.iterationId);
  const selection = selectExportTrajectories(db, scope);
  const bySource = Object.fromEntries(
    scope.sources.map((s) => [s, { trajectories: 0, steps: 0 }]),
  ) as Partial<Record<ExportSource, { trajectories: number; steps: number }>>;
  const targetSteps = (t: (typeof selection.trajectories)[number]) =>
    Math.max(t.stepCount - t.firstTargetStep, 0);
  for (const t of selection.trajectories) {
    const counts = bySource[t.source]!;
    counts.trajectories += 1;
    counts.steps += targetSteps(t);
  }
  return {
    bySource,
    trajectories: selection.trajectories.length,
    steps: selection.trajectories.reduce((n, t) => n + targetSteps(t), 0),
    skippedProposedTasks: selection.skippedProposedTasks,
    skippedSeedPassing: selection.skippedSeedPassing,
  };
}
