/**
 * The live grid's query (`live.list`): trajectories still `running`, plus those that finished in
 * the last few minutes so a researcher sees how the rollouts they were watching ended. Each row
 * carries its task's display fields and its latest step (screenshot hash, URL, action description),
 * joined in the same query on `step.index = trajectory.stepCount - 1` — the step count is updated
 * in the transaction that inserts the step (`live-trajectory-service.ts`), so that step exists.
 */
import { and, asc, desc, eq, gte, or, sql } from 'drizzle-orm';
import type { Db } from '@/server/db/client';
import { step, task, trajectory } from '@/server/db/schema';

/** Finished trajectories stay in the grid this long unless the caller asks otherwise. */
export const DEFAULT_RECENT_MINUTES = 30;
/** At most this many tiles (running ones first). */
export const MAX_LIVE_TRAJECTORIES = 200;

export interface ListLiveTrajectoriesParams {
  /** Include trajectories that finished at most this many minutes ago. */
  recentMinutes?: number;
  /** The clock, for tests. */
  now?: Date;
  limit?: number;
}

export function listLiveTrajectories(db: Db, params: ListLiveTrajectoriesParams = {}) {
  const now = params.now ?? new Date();
  const since = new Date(now.getTime() - (params.recentMinutes ?? DEFAULT_RECENT_MINUTES) * 60_000);
  const rows = db
    .select({
      id: trajectory.id,
      externalId: trajectory.externalId,
      kind: trajectory.kind,
      policy: trajectory.policy,
      status: trajectory.status,
      error: trajectory.error,
      envSuccess: trajectory.envSuccess,
      stepCount: trajectory.stepCount,
      sampleIndex: trajectory.sampleIndex,
      jobId: trajectory.jobId,
      createdAt: trajectory.createdAt,
      finishedAt: trajectory.finishedAt,
      taskId: task.id,
      taskExternalId: task.externalId,
      intent: task.intent,
      site: task.site,
      latestIndex: step.index,
      latestScreenshotHash: step.screenshotHash,
      latestUrl: step.url,
      latestActionDescription: step.actionDescription,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .leftJoin(
      step,
      and(eq(step.trajectoryId, trajectory.id), eq(step.index, sql`${trajectory.stepCount} - 1`)),
    )
    .where(or(eq(trajectory.status, 'running'), gte(trajectory.finishedAt, since)))
    .orderBy(
      desc(sql`${trajectory.status} = 'running'`),
      desc(trajectory.createdAt),
      asc(trajectory.sampleIndex),
      asc(trajectory.id),
    )
    .limit(params.limit ?? MAX_LIVE_TRAJECTORIES)
    .all();
  return rows.map(({ latestIndex, latestScreenshotHash, latestUrl, latestActionDescription, ...row }) => ({
    ...row,
    latestStep:
      latestIndex === null
        ? null
        : {
            index: latestIndex,
            screenshotHash: latestScreenshotHash,
            url: latestUrl,
            actionDescription: latestActionDescription ?? '',
          },
  }));
}

export type LiveTrajectoryRow = ReturnType<typeof listLiveTrajectories>[number];
