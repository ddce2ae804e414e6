/** Job kinds and their handlers. Each handler validates its input with zod before working. */
import path from 'node:path';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import type { JobContext, JobHandler } from '@/server/jobs/runner';
import { importBundle } from '@/server/services/import-service';
import { readImportSource, ZImportFormatSchema } from '@/server/services/import-sources';
import { removeStagedUpload } from '@/server/services/upload-service';
import { scoreTasks } from '@/server/services/scoring-service';
import { executePipelineRun, PIPELINE_JOB_KIND } from '@/server/services/pipeline-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import {
  LF_TEST_JOB_KIND,
  runLabelFunctionTest,
  ZLfTestJobInputSchema,
} from '@/server/services/lf-edit-service';
import { createLlmClients } from '@/server/llm/clients';
import { executeRolloutJob, ROLLOUT_JOB_KIND } from '@/server/services/rollout-service';
import { DEMO_JOB_KIND, runDemoLoop } from '@/server/services/demo-service';
import { executeSeedCheck, SEED_CHECK_JOB_KIND } from '@/server/services/seed-check-service';
import { EXPORT_JOB_KIND, ZExportJobInputSchema } from '@/server/services/export-service';
import { executeTrainingExport } from '@/server/services/export-writer';
import {
  executeFineTuneRun,
  FINE_TUNE_JOB_KIND,
  ZFineTuneJobInputSchema,
} from '@/server/services/fine-tune-service';
import type { LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { recordSandboxJobRun } from '@/server/services/sandbox-audit';

export const ZImportJobInputSchema = z.object({
  format: ZImportFormatSchema,
  path: z.string().min(1),
  kind: z.enum(['expert', 'rollout']).optional(),
  /** Staged upload folder to delete when the job ends. */
  stagingDir: z.string().nullable().default(null),
  actor: z.object({ userId: z.string().nullable(), label: z.string() }),
  /** Display name of what was uploaded, for the job list. */
  label: z.string().optional(),
});
export type TImportJobInput = z.infer<typeof ZImportJobInputSchema>;

export const ZPipelineJobInputSchema = z.object({ runId: z.string().min(1) });

export const ZScoreJobInputSchema = z.object({
  /** Tasks to score; null = every task with a strategy graph. */
  taskIds: z.array(z.string().min(1)).max(100_000).nullable().default(null),
});

/** Gives the process's label-function runner, starting it on first use (a few seconds). */
export type LabelFunctionRunnerProvider = () => Promise<LabelFunctionRunner>;

function parseJobInput<S extends z.ZodType>(schema: S, raw: unknown, kind: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError(
      'BAD_INPUT',
      `Bad ${kind} job input: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function createJobHandlers(
  db: Db,
  dataDir: string,
  getLfRunner: LabelFunctionRunnerProvider,
): Record<string, JobHandler> {
  /** The sandbox for one job: its first use is recorded in the audit log (`sandbox-audit.ts`). */
  const sandboxFor = (ctx: JobContext): LabelFunctionRunnerProvider => {
    let recorded = false;
    return () => {
      if (!recorded) {
        recorded = true;
        recordSandboxJobRun(db, ctx.jobId);
      }
      return getLfRunner();
    };
  };
  return {
    score: async (rawInput, ctx) => {
      const input = parseJobInput(ZScoreJobInputSchema, rawInput, 'score');
      ctx.progress(0, 'Starting the label-function sandbox');
      const runner = await sandboxFor(ctx)();
      const summary = await scoreTasks(db, runner, input.taskIds, {
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      });
      // New verdicts can raise LF flags and rollout-verdict questions for the review queues.
      syncReviewItems(db);
      return summary;
    },
    [PIPELINE_JOB_KIND]: async (rawInput, ctx) => {
      const input = parseJobInput(ZPipelineJobInputSchema, rawInput, PIPELINE_JOB_KIND);
      // Settings are read once per job: a change applies to the next job, never halfway through.
      const clients = createLlmClients(db, dataDir);
      ctx.progress(0, 'Starting the label-function sandbox');
      const runner = await sandboxFor(ctx)();
      try {
        return await executePipelineRun(db, input.runId, {
          clients,
          runner,
          signal: ctx.signal,
          onProgress: (f, m) => ctx.progress(f, m),
        });
      } finally {
        // Proposals, intents and flagged key steps go to the review queues (a cancelled run's too).
        syncReviewItems(db);
      }
    },
    /** A label-function test run: draft vs current version in the sandbox; stores nothing. */
    [LF_TEST_JOB_KIND]: async (rawInput, ctx) => {
      const input = parseJobInput(ZLfTestJobInputSchema, rawInput, LF_TEST_JOB_KIND);
      ctx.progress(0, 'Starting the label-function sandbox');
      const runner = await sandboxFor(ctx)();
      return runLabelFunctionTest(db, runner, input, {
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      });
    },
    /** Rollouts or expert-demo recording in Chromium (`rollout-service.ts`); scores afterwards. */
    [ROLLOUT_JOB_KIND]: (rawInput, ctx) =>
      executeRolloutJob(db, dataDir, rawInput, sandboxFor(ctx), {
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
        jobId: ctx.jobId,
      }),
    /** Which State-API tasks pass on their app's untouched seed (`seed-check-service.ts`). */
    [SEED_CHECK_JOB_KIND]: (rawInput, ctx) =>
      executeSeedCheck(db, rawInput, {
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      }),
    /** A fine-tuning export (`export-writer.ts`). */
    [EXPORT_JOB_KIND]: (rawInput, ctx) => {
      const input = parseJobInput(ZExportJobInputSchema, rawInput, EXPORT_JOB_KIND);
      return executeTrainingExport(db, dataDir, input.exportId, ctx);
    },
    /** "Launch fine-tuning" of an export (`fine-tune-service.ts`). */
    [FINE_TUNE_JOB_KIND]: (rawInput, ctx) => {
      const input = parseJobInput(ZFineTuneJobInputSchema, rawInput, FINE_TUNE_JOB_KIND);
      return executeFineTuneRun(db, dataDir, input.runId, ctx);
    },
    /** The embedded demo: the CORE loop once on the bundled apps (`demo-service.ts`). */
    [DEMO_JOB_KIND]: async (_rawInput, ctx) => {
      try {
        return await runDemoLoop(db, dataDir, sandboxFor(ctx), {
          signal: ctx.signal,
          onProgress: (f, m) => ctx.progress(f, m),
          jobId: ctx.jobId,
        });
      } catch (error) {
        // Also on the server's console: the first screen shows it too, but whoever ran `npm start` looks here.
        console.error(`core-curator demo failed: ${(error as Error).message}`);
        throw error;
      }
    },
    import: async (rawInput, ctx) => {
      const input = parseJobInput(ZImportJobInputSchema, rawInput, 'import');
      try {
        ctx.progress(0, 'Reading files');
        const bundle = await readImportSource(input.format, input.path, { kind: input.kind });
        return await importBundle(db, dataDir, bundle, {
          format: input.format,
          actor: input.actor,
          signal: ctx.signal,
          onProgress: (f, m) => ctx.progress(f, m),
        });
      } catch (error) {
        // Name uploaded files by their path inside the upload, not by the server's staging folder.
        if (input.stagingDir && error instanceof DomainError) {
          throw new DomainError(error.code, error.message.replaceAll(`${input.stagingDir}${path.sep}`, ''), {
            cause: error,
          });
        }
        throw error;
      } finally {
        if (input.stagingDir) removeStagedUpload(input.stagingDir);
      }
    },
  };
}
