import { z } from 'zod';
import { createLlmClients } from '@/server/llm/clients';
import { PIPELINE_STAGES } from '@/server/db/schema';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import {
  getPipelineRun,
  getRunKeySteps,
  getRunProposals,
  getSynthesisRatesByModel,
  listPipelineRuns,
} from '@/server/services/pipeline-query-service';
import { resumePipelineRun, startPipelineRun, STAGE_DESCRIPTIONS } from '@/server/services/pipeline-service';

export const ZStartPipelineRequestSchema = z.object({
  stage: z.enum(PIPELINE_STAGES),
  taskIds: z.array(z.string().min(1)).max(10_000).default([]),
  iterationId: z.number().int().positive().nullable().default(null),
});
export const ZRunIdRequestSchema = z.object({ runId: z.string().min(1) });
export const ZListRunsRequestSchema = z.object({ limit: z.number().int().min(1).max(200).default(50) });

export const pipelineRouter = createTRPCRouter({
  stages: scopedProcedure('pipeline:read').query(() =>
    PIPELINE_STAGES.map((stage) => ({ stage, description: STAGE_DESCRIPTIONS[stage] })),
  ),
  /** Starts a stage over tasks (and/or an iteration's tasks) as a job. */
  start: scopedProcedure('pipeline:run')
    .input(ZStartPipelineRequestSchema)
    .mutation(({ ctx, input }) => {
      // Fails here (not in the job) when the settings cannot build a client, e.g. a missing base URL.
      const clients = createLlmClients(ctx.db, ctx.dataDir);
      return startPipelineRun(ctx.db, ctx.jobs, {
        stage: input.stage,
        scope: { taskIds: input.taskIds, iterationId: input.iterationId },
        actor: { userId: ctx.user.id, label: ctx.user.email },
        providers: () => clients.describe(),
      });
    }),
  /** Runs a finished, failed, cancelled or interrupted run again: done units are skipped. */
  resume: scopedProcedure('pipeline:run')
    .input(ZRunIdRequestSchema)
    .mutation(({ ctx, input }) =>
      resumePipelineRun(ctx.db, ctx.jobs, input.runId, { userId: ctx.user.id, label: ctx.user.email }),
    ),
  runs: scopedProcedure('pipeline:read')
    .input(ZListRunsRequestSchema)
    .query(({ ctx, input }) => listPipelineRuns(ctx.db, input)),
  run: scopedProcedure('pipeline:read')
    .input(ZRunIdRequestSchema)
    .query(({ ctx, input }) => getPipelineRun(ctx.db, input.runId)),
  keySteps: scopedProcedure('pipeline:read')
    .input(ZRunIdRequestSchema)
    .query(({ ctx, input }) => getRunKeySteps(ctx.db, input.runId)),
  proposals: scopedProcedure('pipeline:read')
    .input(ZRunIdRequestSchema)
    .query(({ ctx, input }) => getRunProposals(ctx.db, input.runId)),
  ratesByModel: scopedProcedure('pipeline:read').query(({ ctx }) => getSynthesisRatesByModel(ctx.db)),
});
