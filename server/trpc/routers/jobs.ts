import { z } from 'zod';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import { getJobOrThrow, listJobs } from '@/server/services/job-service';

export const ZListJobsRequestSchema = z.object({
  kind: z.string().max(50).optional(),
  limit: z.number().int().min(1).max(200).default(20),
});
export const ZJobIdRequestSchema = z.object({ id: z.string().min(1) });

export const jobsRouter = createTRPCRouter({
  list: scopedProcedure('jobs:read')
    .input(ZListJobsRequestSchema)
    .query(({ ctx, input }) => listJobs(ctx.db, input)),
  get: scopedProcedure('jobs:read')
    .input(ZJobIdRequestSchema)
    .query(({ ctx, input }) => getJobOrThrow(ctx.db, input.id)),
  cancel: scopedProcedure('jobs:cancel')
    .input(ZJobIdRequestSchema)
    .mutation(({ ctx, input }) => ({ cancelled: ctx.jobs.cancel(input.id) })),
});
