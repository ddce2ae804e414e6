/**
 * The live view of running rollouts: `live.list` for the grid, `live.events` pushes the live bus
 * (`server/rollouts/live-bus.ts`) to the browser over SSE (`httpSubscriptionLink`). Clients
 * refetch on every (re)connection, so events missed while disconnected are not replayed.
 */
import { z } from 'zod';
import { iterateLiveEvents, type LiveEvent } from '@/server/rollouts/live-bus';
import { listLiveTrajectories } from '@/server/services/live-query-service';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';

export const ZListLiveRequestSchema = z.object({
  /** Finished trajectories stay listed this many minutes (default 30). */
  recentMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
});
export type TListLiveRequest = z.infer<typeof ZListLiveRequestSchema>;

export const ZLiveEventsRequestSchema = z.object({
  /** Only this trajectory's events; every event when omitted. */
  trajectoryId: z.string().min(1).optional(),
});
export type TLiveEventsRequest = z.infer<typeof ZLiveEventsRequestSchema>;

export const liveRouter = createTRPCRouter({
  list: scopedProcedure('rollouts:watch')
    .input(ZListLiveRequestSchema)
    .query(({ ctx, input }) => listLiveTrajectories(ctx.db, input)),
  events: scopedProcedure('rollouts:watch')
    .input(ZLiveEventsRequestSchema)
    .subscription(async function* ({ input, signal }): AsyncGenerator<LiveEvent> {
      for await (const event of iterateLiveEvents(signal)) {
        if (!input.trajectoryId || event.trajectoryId === input.trajectoryId) yield event;
      }
    }),
});
