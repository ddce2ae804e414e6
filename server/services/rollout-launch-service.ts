/**
 * Starting rollout jobs from the UI, and the embedded demo's status for the first screen.
 */
import { desc, eq, inArray } from 'drizzle-orm';
import { compareDifficulty, normalizeDifficulty } from '@/lib/core/difficulty';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { job, task } from '@/server/db/schema';
import type { JobRunner } from '@/server/jobs/runner';
import { getEnvironmentAppOrThrow, listAppTaskIds } from '@/server/services/environment-service';
import { DEMO_JOB_KIND } from '@/server/services/demo-service';
import {
  ROLLOUT_JOB_KIND,
  ZRolloutJobInputSchema,
  type TRolloutJobInput,
} from '@/server/services/rollout-service';
import { getOpenIterationId } from '@/server/services/iteration-service';

/**
 * The tasks of `appIds` followed by `taskIds`, without repeats; with `difficulty`, only the tasks of
 * that difficulty (`task.difficulty`, compared lower-cased).
 * @throws DomainError('NOT_FOUND') for an unknown app; DomainError('BAD_INPUT') naming the
 *   difficulty when it leaves no task (and the difficulties the chosen tasks have).
 */
export function resolveRolloutTaskIds(
  db: Db,
  appIds: readonly string[],
  taskIds: readonly string[],
  options: { difficulty?: string | null } = {},
): string[] {
  const ids = appIds.flatMap((appId) => {
    getEnvironmentAppOrThrow(db, appId);
    return listAppTaskIds(db, appId);
  });
  const all = [...new Set([...ids, ...taskIds])];
  const wanted = normalizeDifficulty(options.difficulty);
  if (!wanted || all.length === 0) return all;
  const byId = new Map<string, string | null>();
  for (let i = 0; i < all.length; i += 500) {
    for (const row of db
      .select({ id: task.id, difficulty: task.difficulty })
      .from(task)
      .where(inArray(task.id, all.slice(i, i + 500)))
      .all())
      byId.set(row.id, row.difficulty);
  }
  const kept = all.filter((id) => byId.get(id) === wanted);
  if (kept.length === 0) {
    const present = [...new Set([...byId.values()].filter((d): d is string => d !== null))].sort(
      compareDifficulty,
    );
    throw new DomainError(
      'BAD_INPUT',
      `difficulty '${wanted}': none of the ${all.length} chosen task(s) has it (they have: ${present.length > 0 ? present.join(', ') : 'no difficulty'})`,
    );
  }
  return kept;
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
