import { z } from 'zod';
import { TASK_ORIGINS } from '@/lib/core/types';
import { annotatorProcedure, createTRPCRouter } from '@/server/trpc/init';
import { getTaskFacets, getTaskOrThrow, listTasks, SEED_CHECK_FILTERS } from '@/server/services/task-service';
import { MAX_DIFFICULTY_LENGTH } from '@/lib/core/difficulty';

export const ZListTasksRequestSchema = z.object({
  search: z.string().max(500).optional(),
  site: z.string().max(200).optional(),
  origin: z.enum(TASK_ORIGINS).optional(),
  source: z.string().max(100).optional(),
  hasRollouts: z.boolean().optional(),
  /** Stored (lower-case) difficulty, or `none`. */
  difficulty: z.string().min(1).max(MAX_DIFFICULTY_LENGTH).optional(),
  seedCheck: z.enum(SEED_CHECK_FILTERS).optional(),
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
