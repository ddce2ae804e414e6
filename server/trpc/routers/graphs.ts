import { z } from 'zod';
import { annotatorProcedure, createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import { getGraphNodeDetail, getGraphView } from '@/server/services/graph-service';

export const ZGraphViewRequestSchema = z.object({
  taskId: z.string().min(1),
  version: z.number().int().positive().optional(),
  trajectoryId: z.string().min(1).nullable().optional(),
});
export const ZGraphNodeRequestSchema = z.object({ taskId: z.string().min(1), nodeId: z.string().min(1) });
export const ZScoreRequestSchema = z.object({ taskIds: z.array(z.string().min(1)).min(1).max(10_000) });

export const graphsRouter = createTRPCRouter({
  view: annotatorProcedure
    .input(ZGraphViewRequestSchema)
    .query(({ ctx, input }) => getGraphView(ctx.db, input)),
  node: annotatorProcedure
    .input(ZGraphNodeRequestSchema)
    .query(({ ctx, input }) => getGraphNodeDetail(ctx.db, input.taskId, input.nodeId)),
  /** Starts a scoring job (label functions in the sandbox) for the given tasks. */
  score: scopedProcedure('graphs:score')
    .input(ZScoreRequestSchema)
    .mutation(({ ctx, input }) => ({
      jobId: ctx.jobs.enqueue('score', { taskIds: input.taskIds }, { createdBy: ctx.user.id }),
    })),
});
