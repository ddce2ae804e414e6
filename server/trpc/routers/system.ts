import { createTRPCRouter, annotatorProcedure, publicProcedure } from '@/server/trpc/init';
import { getOverview } from '@/server/services/overview-service';
import { countUsers } from '@/server/services/user-service';

export const systemRouter = createTRPCRouter({
  /** Public: whether any account exists, so the first screen can explain how to start. */
  status: publicProcedure.query(({ ctx }) => ({
    hasUsers: countUsers(ctx.db) > 0,
    signedIn: ctx.user !== null,
  })),
  overview: annotatorProcedure.query(({ ctx }) => getOverview(ctx.db)),
});
