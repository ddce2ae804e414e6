import { z } from 'zod';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import { getGraphGrowth, getLabelFunctionQuality } from '@/server/services/quality-service';

export const ZGrowthRequestSchema = z.object({ taskId: z.string().min(1).optional() });

export const insightsRouter = createTRPCRouter({
  /** Graph growth per iteration (researchers). */
  growth: scopedProcedure('graphs:growth')
    .input(ZGrowthRequestSchema)
    .query(({ ctx, input }) => getGraphGrowth(ctx.db, input.taskId)),
  /** Label-function quality (PIs). */
  quality: scopedProcedure('quality:read').query(({ ctx }) => getLabelFunctionQuality(ctx.db)),
});
