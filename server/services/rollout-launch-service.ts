/**
 * Starting rollout jobs from the UI, and the embedded demo's status for the first screen.
 */
import { desc, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { job } from '@/server/db/schema';
import type { JobRunner } from '@/server/jobs/runner';
import { getEnvironmentAppOrThrow, listAppTaskIds } from '@/server/services/environment-service';
import { DEMO_JOB_KIND } from '@/server/services/demo-service';
import {
  ROLLOUT_JOB_KIND,
  ZRolloutJobInputSchema,
  type TRolloutJobInput,
} from '@/server/services/rollout-service';
import { getOpenIterationId } from '@/server/services/iteration-service';

/** The tasks of `appIds` followed by `taskIds`, without repeats. @throws DomainError('NOT_FOUND') for an unknown app. */
export function resolveRolloutTaskIds(
  db: Db,
  appIds: readonly string[],
  taskIds: readonly string[],
): string[] {
  const ids = appIds.flatMap((appId) => {
    getEnvironmentAppOrThrow(db, appId);
    return listAppTaskIds(db, appId);
  });
  return [...new Set([...ids, ...taskIds])];
}

/**
 * Validates and enqueues a rollouts job. @returns its id.
 * @throws DomainError('BAD_INPUT') when no task is chosen or the input is invalid.
 */
export function startRolloutJob(db: Db, jobs: JobRunner, input: TRolloutJobInput): { jobId: string } {
  if (input.taskIds.length === 0) throw new DomainError('BAD_INPUT', 'Choose at least one task or app');
  const parsed = ZRolloutJobInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `${issue?.path.join('.')}: ${issue?.message}`);
  }
  const jobId = jobs.enqueue(ROLLOUT_JOB_KIND, parsed.data, {
    createdBy: input.actor.userId,
    iterationId: getOpenIterationId(db),
  });
  return { jobId };
}

/** The newest demo job's status (null when none ran): no ids or inputs, safe for signed-out users. */
export function getDemoStatus(db: Db) {
  return (
    db
      .select({
        status: job.status,
        progress: job.progress,
        message: job.progressMessage,
        error: job.error,
        startedAt: job.startedAt,
        finishedAt: job.finishedAt,
      })
      .from(job)
      .where(eq(job.kind, DEMO_JOB_KIND))
      .orderBy(desc(job.createdAt))
      .get() ?? null
  );
}
