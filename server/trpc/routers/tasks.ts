import { z } from 'zod';
import { TASK_ORIGINS } from '@/lib/core/types';
import { annotatorProcedure, createTRPCRouter } from '@/server/trpc/init';
import { getTaskFacets, getTaskOrThrow, listTasks } from '@/server/services/task-service';

export const ZListTasksRequestSchema = z.object({
  search: z.string().max(500).optional(),
  site: z.string().max(200).optional(),
  origin: z.enum(TASK_ORIGINS).optional(),
  source: z.string().max(100).optional(),
  hasRollouts: z.boolean().optional(),
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
  sort: z.enum(['newest', 'oldest', 'intent']).default('newest'),
});
export type TListTasksRequest = z.infer<typeof ZListTasksRequestSchema>;

export const ZGetTaskRequestSchema = z.object({ id: z.string().min(1) });

export const tasksRouter = createTRPCRouter({
  list: annotatorProcedure.input(ZListTasksRequestSchema).query(({ ctx, input }) => listTasks(ctx.db, input)),
  facets: annotatorProcedure.query(({ ctx }) => getTaskFacets(ctx.db)),
  get: annotatorProcedure
    .input(ZGetTaskRequestSchema)
    .query(({ ctx, input }) => getTaskOrThrow(ctx.db, input.id)),
});
