/**
 * "Launch fine-tuning" after an export (issue 7): a run is a row in `fine_tune_run` and a job of
 * kind {@link FINE_TUNE_JOB_KIND} that either
 *
 * - `openai`: uploads the export's `train.jsonl` / `validation.jsonl` to an OpenAI-compatible
 *   fine-tuning API, creates a job on it and polls it to the end (`server/fine-tune/openai-fine-tune.ts`;
 *   only `openai`-format exports, the format that API takes); or
 * - `command`: runs a command configured on the server (`npx core-curator finetune command add`)
 *   with the export's paths in its placeholders, its working directory the export folder
 *   (`server/fine-tune/command-launcher.ts`).
 *
 * Both write a log under `<data dir>/fine-tune/<run id>.log` that the browser streams
 * (`readFineTuneLog`). Cancelling the job cancels the provider's job or kills the command's process group.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { EXPORT_SPLIT_FILES } from '@/lib/core/export/formats';
import type { Db } from '@/server/db/client';
import { inTransaction } from '@/server/db/client';
import { fineTuneRun, job, user } from '@/server/db/schema';
import {
  expandCommandArgv,
  formatCommandForDisplay,
  runFineTuneCommand,
} from '@/server/fine-tune/command-launcher';
import { DEFAULT_LOG_CHUNK_BYTES, readLogChunk, tailStartOffset } from '@/server/fine-tune/log-file';
import { runOpenAiFineTune } from '@/server/fine-tune/openai-fine-tune';
import type { JobRunner } from '@/server/jobs/runner';
import { recordAudit } from '@/server/services/audit-service';
import { getTrainingExport } from '@/server/services/export-service';
import {
  getFineTuneCommandOrThrow,
  resolveOpenAiFineTuneSettings,
} from '@/server/services/fine-tune-settings-service';

export const FINE_TUNE_JOB_KIND = 'fine_tune';

/** Folder of run logs and command outputs under the data directory. */
export const FINE_TUNE_DIR = 'fine-tune';

/**
 * Variables of the server's environment a command inherits (everything else, secrets included, is
 * withheld): what GPU training stacks read to find tools, caches and devices.
 */
export const INHERITED_ENV_VARS = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'CUDA_VISIBLE_DEVICES',
  'HF_HOME',
  'HF_ENDPOINT',
  'HF_HUB_OFFLINE',
  'TRANSFORMERS_CACHE',
  'WANDB_MODE',
  'WANDB_DIR',
] as const;

export const ZLaunchFineTuneRequestSchema = z.discriminatedUnion('launcher', [
  z.object({ exportId: z.string().min(1), launcher: z.literal('openai') }),
  z.object({
    exportId: z.string().min(1),
    launcher: z.literal('command'),
    command: z.string().min(1).max(40),
  }),
]);
export type TLaunchFineTuneRequest = z.infer<typeof ZLaunchFineTuneRequestSchema>;

export const ZFineTuneJobInputSchema = z.object({ runId: z.string().min(1) });

interface Actor {
  userId: string | null;
  label: string;
}

/**
 * Records a run of a finished export and enqueues its job.
 * @throws DomainError('NOT_FOUND') for an unknown export or command; DomainError('CONFLICT') when
 *   the export has not succeeded, when `openai` is asked for a non-`openai` export, or when the
 *   fine-tuning API is not configured.
 */
export function launchFineTune(
  db: Db,
  dataDir: string,
  jobs: Pick<JobRunner, 'enqueue'>,
  request: TLaunchFineTuneRequest,
  actor: Actor,
): { runId: string; jobId: string } {
  const exported = getTrainingExport(db, dataDir, request.exportId);
  if (exported.status !== 'succeeded')
    throw new DomainError(
      'CONFLICT',
      `Export ${request.exportId} is ${exported.status}; launch from a finished export`,
    );
  let target: string;
  if (request.launcher === 'openai') {
    if (exported.format !== 'openai')
      throw new DomainError(
        'CONFLICT',
        `The fine-tuning API takes OpenAI chat JSONL; this export is ${exported.format}. Export in the openai format, or run a command.`,
      );
    target = resolveOpenAiFineTuneSettings(db, dataDir).model;
  } else {
    target = getFineTuneCommandOrThrow(db, request.command).name;
  }
  const runId = randomUUID();
  inTransaction(db, (tx) => {
    tx.insert(fineTuneRun)
      .values({
        id: runId,
        exportId: request.exportId,
        iterationId: exported.iterationId,
        launcher: request.launcher,
        target,
        logPath: `${FINE_TUNE_DIR}/${runId}.log`,
        createdBy: actor.userId,
      })
      .run();
    recordAudit(tx, {
      userId: actor.userId,
      actor: actor.label,
      action: 'fine_tune.launch',
      objectType: 'fine_tune_run',
      objectId: runId,
      after: { exportId: request.exportId, launcher: request.launcher, target },
    });
  });
  const jobId = jobs.enqueue(
    FINE_TUNE_JOB_KIND,
    { runId },
    { createdBy: actor.userId, iterationId: exported.iterationId },
  );
  db.update(fineTuneRun).set({ jobId }).where(eq(fineTuneRun.id, runId)).run();
  return { runId, jobId };
}

function getRunRow(db: Db, runId: string) {
  const row = db.select().from(fineTuneRun).where(eq(fineTuneRun.id, runId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Fine-tuning run ${runId} not found`);
  return row;
}

function appendLogLine(file: string, line: string) {
  fs.appendFileSync(file, `${line}\n`);
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV_VARS) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/**
 * The job of a run: see the module comment.
 * @returns `{ resultModel }` for `openai`, `{ exitCode }` for `command`.
 * @throws DomainError('CONFLICT') when the provider's job failed or the command exited non-zero
 *   (the log says why); Error('Cancelled') when the job is cancelled.
 */
export async function executeFineTuneRun(
  db: Db,
  dataDir: string,
  runId: string,
  ctx: { signal: AbortSignal; progress: (fraction: number, message?: string) => void },
): Promise<Record<string, unknown>> {
  const run = getRunRow(db, runId);
  const exported = getTrainingExport(db, dataDir, run.exportId);
  const exportDir = path.join(dataDir, exported.dir);
  const logFile = path.join(dataDir, run.logPath);
  const validationExamples = exported.summary?.counts.validation.examples ?? 0;
  const validationFile = validationExamples > 0 ? path.join(exportDir, EXPORT_SPLIT_FILES.validation) : null;
  const trainFile = path.join(exportDir, EXPORT_SPLIT_FILES.train);
  const finish = (values: Partial<typeof fineTuneRun.$inferInsert>) =>
    db.update(fineTuneRun).set(values).where(eq(fineTuneRun.id, runId)).run();

  if (run.launcher === 'openai') {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const settings = resolveOpenAiFineTuneSettings(db, dataDir);
    finish({ invocation: { baseUrl: settings.baseUrl, model: settings.model, nEpochs: settings.nEpochs } });
    ctx.progress(0, 'Uploading the export');
    try {
      const result = await runOpenAiFineTune({
        settings,
        trainingFile: trainFile,
        validationFile,
        signal: ctx.signal,
        log: (line) => appendLogLine(logFile, line),
        onUpdate: (update) => {
          finish(update);
          if (update.externalStatus) ctx.progress(0.5, `Provider status: ${update.externalStatus}`);
        },
      });
      finish({ resultModel: result.resultModel, finishedAt: new Date() });
      return { externalJobId: result.externalJobId, resultModel: result.resultModel };
    } catch (error) {
      finish({ finishedAt: new Date() });
      appendLogLine(logFile, `[${(error as Error).message}]`);
      throw error;
    }
  }

  const command = getFineTuneCommandOrThrow(db, run.target);
  const outputDir = path.join(dataDir, FINE_TUNE_DIR, runId, 'output');
  fs.mkdirSync(outputDir, { recursive: true });
  const vars = {
    export_dir: exportDir,
    train_file: trainFile,
    validation_file: validationFile ?? '',
    dataset_info: exported.format === 'llama-factory' ? path.join(exportDir, 'dataset_info.json') : '',
    format: exported.format,
    export_id: exported.id,
    iteration: String(exported.iterationId),
    output_dir: outputDir,
    run_id: runId,
  };
  const argv = expandCommandArgv(command.argv, vars);
  finish({
    invocation: { command: command.name, argv, display: formatCommandForDisplay(argv), cwd: exportDir },
  });
  ctx.progress(0, `Running ${command.name}`);
  const result = await runFineTuneCommand({
    argv,
    cwd: exportDir,
    env: childEnv({
      CORE_CURATOR_EXPORT_DIR: exportDir,
      CORE_CURATOR_OUTPUT_DIR: outputDir,
      CORE_CURATOR_RUN_ID: runId,
    }),
    logFile,
    signal: ctx.signal,
  }).finally(() => finish({ finishedAt: new Date() }));
  finish({ exitCode: result.exitCode });
  if (result.exitCode !== 0)
    throw new DomainError(
      'CONFLICT',
      result.exitCode === null
        ? `${command.name} was ended by ${result.signal ?? 'a signal'}; see its log`
        : `${command.name} exited with code ${result.exitCode}; see its log`,
    );
  return { exitCode: 0, durationMs: result.durationMs };
}

const RUN_COLUMNS = {
  id: fineTuneRun.id,
  exportId: fineTuneRun.exportId,
  iterationId: fineTuneRun.iterationId,
  launcher: fineTuneRun.launcher,
  target: fineTuneRun.target,
  externalJobId: fineTuneRun.externalJobId,
  externalStatus: fineTuneRun.externalStatus,
  fileIds: fineTuneRun.fileIds,
  resultModel: fineTuneRun.resultModel,
  exitCode: fineTuneRun.exitCode,
  invocation: fineTuneRun.invocation,
  createdAt: fineTuneRun.createdAt,
  finishedAt: fineTuneRun.finishedAt,
  createdByEmail: user.email,
  jobId: fineTuneRun.jobId,
  status: job.status,
  progressMessage: job.progressMessage,
  error: job.error,
};

/** Runs, newest first, of one export (or of all), with their job's status. */
export function listFineTuneRuns(db: Db, params: { exportId?: string; limit: number }) {
  return db
    .select(RUN_COLUMNS)
    .from(fineTuneRun)
    .leftJoin(job, eq(job.id, fineTuneRun.jobId))
    .leftJoin(user, eq(user.id, fineTuneRun.createdBy))
    .where(params.exportId ? eq(fineTuneRun.exportId, params.exportId) : undefined)
    .orderBy(desc(fineTuneRun.createdAt), desc(fineTuneRun.id))
    .limit(params.limit)
    .all()
    .map((row) => ({ ...row, status: row.status ?? 'queued' }));
}

/**
 * The next piece of a run's log from byte `offset`; `offset: null` starts at the last 64 KiB (a
 * viewer joining late). Text is never split inside a UTF-8 character.
 * @throws DomainError('NOT_FOUND') for an unknown run.
 */
export async function readFineTuneLog(db: Db, dataDir: string, runId: string, offset: number | null) {
  const run = getRunRow(db, runId);
  const file = path.join(dataDir, run.logPath);
  const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  const start = offset ?? tailStartOffset(size, DEFAULT_LOG_CHUNK_BYTES);
  return { ...(await readLogChunk(file, start, DEFAULT_LOG_CHUNK_BYTES)), start };
}
