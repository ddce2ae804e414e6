import { z } from 'zod';
import { annotatorProcedure, createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import { promoteTrajectory } from '@/server/services/promote-service';
import { getTrajectoryOrThrow } from '@/server/services/trajectory-service';

export const ZGetTrajectoryRequestSchema = z.object({ id: z.string().min(1) });

export const ZPromoteTrajectoryRequestSchema = z.object({
  id: z.string().min(1),
  /** Promote although the environment's verdict is not success (the UI asks for a confirmation). */
  allowUnverified: z.boolean().default(false),
});
export type TPromoteTrajectoryRequest = z.infer<typeof ZPromoteTrajectoryRequestSchema>;

export const trajectoriesRouter = createTRPCRouter({
  get: annotatorProcedure
    .input(ZGetTrajectoryRequestSchema)
    .query(({ ctx, input }) => getTrajectoryOrThrow(ctx.db, input.id)),
  /** A rollout, ingested run or correction becomes an expert demo of its task (researchers). */
  promote: scopedProcedure('demos:promote')
    .input(ZPromoteTrajectoryRequestSchema)
    .mutation(({ ctx, input }) =>
      promoteTrajectory(ctx.db, {
        trajectoryId: input.id,
        allowUnverified: input.allowUnverified,
        actor: { userId: ctx.user.id, label: ctx.user.email },
      }),
    ),
});
