/**
 * Copying a trajectory as an expert demo, shared by the two places that make one from an existing
 * run: an accepted extrapolated intent (the rollout becomes the demo of the new task,
 * `review-queue-service.ts`) and a promotion (`promote-service.ts`). Steps are copied row by row;
 * screenshots are shared by hash (the media store keeps one file per hash), never duplicated.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { step, trajectory } from '@/server/db/schema';

export interface CopyAsDemoParams {
  /** The trajectory copied. */
  sourceId: string;
  /** The task the demo belongs to (the source's own task for a promotion, a new task otherwise). */
  taskId: string;
  /** `trajectory.source` of the copy, e.g. `promoted`, `extrapolated`. */
  source: string;
  /** `trajectory.createdBy` of the copy. */
  createdBy: string;
  /** The copy's iteration; the source's when left out. */
  iterationId?: number | null;
  /** Set `derivedFromId` to the source (promotions); left null otherwise. */
  linkToSource?: boolean;
  /**
   * Keep the environment's verdict and explanation (`envSuccess`, `envMessage`): true when the copy
   * attempts the same task, false when it becomes the demo of another intent (the verdict was about
   * the old one).
   */
  keepEnvVerdict?: boolean;
}

/**
 * Inserts a copy of `sourceId` as a complete expert demo of `taskId` (call inside the caller's
 * transaction). Scores (`graphVerdict`, `category`, `progress`) are not copied: the demo is scored
 * against its task's graph like any other trajectory.
 * @returns the new trajectory's id.
 * @throws DomainError NOT_FOUND when the source does not exist.
 */
export function copyTrajectoryAsDemo(tx: Db, params: CopyAsDemoParams): string {
  const original = tx.select().from(trajectory).where(eq(trajectory.id, params.sourceId)).get();
  if (!original) throw new DomainError('NOT_FOUND', `Trajectory ${params.sourceId} not found`);
  const id = randomUUID();
  tx.insert(trajectory)
    .values({
      id,
      externalId: null,
      taskId: params.taskId,
      kind: 'expert',
      source: params.source,
      policy: original.policy,
      iterationId: params.iterationId === undefined ? original.iterationId : params.iterationId,
      envSuccess: params.keepEnvVerdict ? original.envSuccess : null,
      envMessage: params.keepEnvVerdict ? original.envMessage : null,
      finalAnswer: original.finalAnswer,
      stepCount: original.stepCount,
      finishedAt: original.finishedAt,
      contentHash: original.contentHash,
      derivedFromId: params.linkToSource ? original.id : null,
      createdBy: params.createdBy,
    })
    .run();
  const steps = tx
    .select()
    .from(step)
    .where(eq(step.trajectoryId, params.sourceId))
    .orderBy(asc(step.index))
    .all();
  for (const s of steps)
    tx.insert(step)
      .values({ ...s, id: randomUUID(), trajectoryId: id })
      .run();
  return id;
}
