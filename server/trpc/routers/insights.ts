import { z } from 'zod';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import { getGraphGrowth, getLabelFunctionQuality } from '@/server/services/quality-service';

export const ZQualityRequestSchema = z.object({ minRuns: z.number().int().min(1).max(1_000_000).optional() });
export const ZGrowthRequestSchema = z.object({ taskId: z.string().min(1).optional() });

export const insightsRouter = createTRPCRouter({
  /** Graph growth per iteration (researchers). */
  growth: scopedProcedure('graphs:growth')
    .input(ZGrowthRequestSchema)
    .query(({ ctx, input }) => getGraphGrowth(ctx.db, input.taskId)),
  /** Label-function quality (PIs). */
  quality: scopedProcedure('quality:read')
    .input(ZQualityRequestSchema)
    .query(({ ctx, input }) => getLabelFunctionQuality(ctx.db, { minRuns: input.minRuns })),
});
