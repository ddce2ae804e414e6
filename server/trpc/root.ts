import { createCallerFactory, createTRPCRouter } from '@/server/trpc/init';
import { rolloutsRouter } from '@/server/trpc/routers/rollouts';
import { recordingsRouter } from '@/server/trpc/routers/recordings';
import { apiKeysRouter } from '@/server/trpc/routers/api-keys';
import { auditRouter } from '@/server/trpc/routers/audit';
import { commentsRouter } from '@/server/trpc/routers/comments';
import { graphsRouter } from '@/server/trpc/routers/graphs';
import { insightsRouter } from '@/server/trpc/routers/insights';
import { jobsRouter } from '@/server/trpc/routers/jobs';
import { labelFunctionsRouter } from '@/server/trpc/routers/label-functions';
import { reviewRouter } from '@/server/trpc/routers/review';
import { pipelineRouter } from '@/server/trpc/routers/pipeline';
import { llmRouter } from '@/server/trpc/routers/llm';
import { liveRouter } from '@/server/trpc/routers/live';
import { systemRouter } from '@/server/trpc/routers/system';
import { tasksRouter } from '@/server/trpc/routers/tasks';
import { trajectoriesRouter } from '@/server/trpc/routers/trajectories';
import { usersRouter } from '@/server/trpc/routers/users';
import { exportsRouter, fineTuneRouter, iterationsRouter } from '@/server/trpc/routers/exports';

export const appRouter = createTRPCRouter({
  rollouts: rolloutsRouter,
  recordings: recordingsRouter,
  system: systemRouter,
  tasks: tasksRouter,
  trajectories: trajectoriesRouter,
  users: usersRouter,
  jobs: jobsRouter,
  graphs: graphsRouter,
  insights: insightsRouter,
  pipeline: pipelineRouter,
  llm: llmRouter,
  labelFunctions: labelFunctionsRouter,
  review: reviewRouter,
  audit: auditRouter,
  comments: commentsRouter,
  apiKeys: apiKeysRouter,
  live: liveRouter,
  exports: exportsRouter,
  fineTune: fineTuneRouter,
  iterations: iterationsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
