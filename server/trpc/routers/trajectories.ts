import { z } from 'zod';
import { annotatorProcedure, createTRPCRouter } from '@/server/trpc/init';
import { getTrajectoryOrThrow } from '@/server/services/trajectory-service';

export const ZGetTrajectoryRequestSchema = z.object({ id: z.string().min(1) });

export const trajectoriesRouter = createTRPCRouter({
  get: annotatorProcedure
    .input(ZGetTrajectoryRequestSchema)
    .query(({ ctx, input }) => getTrajectoryOrThrow(ctx.db, input.id)),
});
