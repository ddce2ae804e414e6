/**
 * Fine-tuning exports, "Launch fine-tuning" and iterations (issue 7). Long work (writing an export,
 * a fine-tuning run) is a job; these procedures validate, authorize and enqueue.
 */
import { z } from 'zod';
import { EXPORT_SOURCES } from '@/lib/core/export/types';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import {
  getTrainingExport,
  listTrainingExports,
  previewTrainingExport,
  rerunTrainingExport,
  startTrainingExport,
  verifyTrainingExport,
  ZExportRequestSchema,
} from '@/server/services/export-service';
import {
  launchFineTune,
  listFineTuneRuns,
  readFineTuneLog,
  ZLaunchFineTuneRequestSchema,
} from '@/server/services/fine-tune-service';
import {
  getFineTuneSettings,
  updateOpenAiFineTuneSettings,
  ZOpenAiFineTuneSettingsInputSchema,
} from '@/server/services/fine-tune-settings-service';
import { closeIteration, listIterations } from '@/server/services/iteration-service';

const ZExportIdSchema = z.object({ id: z.string().min(1) });

export const ZPreviewExportRequestSchema = z.object({
  iterationId: z.number().int().positive(),
  sources: z.array(z.enum(EXPORT_SOURCES)).max(EXPORT_SOURCES.length),
  includeEarlierIterations: z.boolean().default(false),
  includeSeedPassing: z.boolean().default(false),
});

export const exportsRouter = createTRPCRouter({
  preview: scopedProcedure('exports:read')
    .input(ZPreviewExportRequestSchema)
    .query(({ ctx, input }) => previewTrainingExport(ctx.db, input)),
  start: scopedProcedure('exports:run')
    .input(ZExportRequestSchema)
    .mutation(({ ctx, input }) =>
      startTrainingExport(ctx.db, ctx.jobs, input, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  rerun: scopedProcedure('exports:run')
    .input(ZExportIdSchema)
    .mutation(({ ctx, input }) =>
      rerunTrainingExport(ctx.db, ctx.jobs, input.id, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  list: scopedProcedure('exports:read')
    .input(
      z.object({
        iterationId: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listTrainingExports(ctx.db, input)),
  get: scopedProcedure('exports:read')
    .input(ZExportIdSchema)
    .query(({ ctx, input }) => getTrainingExport(ctx.db, ctx.dataDir, input.id)),
  verify: scopedProcedure('exports:read')
    .input(ZExportIdSchema)
    .mutation(({ ctx, input }) => verifyTrainingExport(ctx.db, ctx.dataDir, input.id)),
});

export const fineTuneRouter = createTRPCRouter({
  /** The OpenAI-compatible API (no key) and the commands configured on the server. */
  settings: scopedProcedure('exports:read').query(({ ctx }) => getFineTuneSettings(ctx.db)),
  updateOpenAiSettings: scopedProcedure('fine-tune:configure')
    .input(ZOpenAiFineTuneSettingsInputSchema)
    .mutation(({ ctx, input }) =>
      updateOpenAiFineTuneSettings(ctx.db, ctx.dataDir, input, {
        userId: ctx.user.id,
        label: ctx.user.email,
      }),
    ),
  launch: scopedProcedure('fine-tune:launch')
    .input(ZLaunchFineTuneRequestSchema)
    .mutation(({ ctx, input }) =>
      launchFineTune(ctx.db, ctx.dataDir, ctx.jobs, input, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  runs: scopedProcedure('exports:read')
    .input(
      z.object({
        exportId: z.string().min(1).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listFineTuneRuns(ctx.db, input)),
  /** The next piece of a run's log from byte `offset` (null: the last 64 KiB). */
  log: scopedProcedure('exports:read')
    .input(z.object({ runId: z.string().min(1), offset: z.number().int().min(0).nullable() }))
    .query(({ ctx, input }) => readFineTuneLog(ctx.db, ctx.dataDir, input.runId, input.offset)),
});

export const iterationsRouter = createTRPCRouter({
  list: scopedProcedure('exports:read').query(({ ctx }) => listIterations(ctx.db)),
  close: scopedProcedure('iterations:close')
    .input(
      z.object({ iterationId: z.number().int().positive(), note: z.string().trim().max(2_000).nullish() }),
    )
    .mutation(({ ctx, input }) =>
      closeIteration(ctx.db, input, { userId: ctx.user.id, label: ctx.user.email }),
    ),
});
