/** Trajectory queries for the viewer. Screenshots are referenced by hash, never inlined. */
import { asc, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { media, step, task, trajectory } from '@/server/db/schema';

/** @throws DomainError('NOT_FOUND') */
export function getTrajectoryOrThrow(db: Db, id: string) {
  const row = db.select().from(trajectory).where(eq(trajectory.id, id)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Trajectory ${id} not found`);
  const parent = db
    .select({
      id: task.id,
      externalId: task.externalId,
      intent: task.intent,
      startUrl: task.startUrl,
      site: task.site,
      environment: task.environment,
    })
    .from(task)
    .where(eq(task.id, row.taskId))
    .get();
  const steps = db
    .select({
      id: step.id,
      index: step.index,
      url: step.url,
      title: step.title,
      elementsText: step.elementsText,
      elements: step.elements,
      screenshotHash: step.screenshotHash,
      screenshotWidth: media.width,
      screenshotHeight: media.height,
      actionType: step.actionType,
      action: step.action,
      actionDescription: step.actionDescription,
      thought: step.thought,
      rawOutput: step.rawOutput,
    })
    .from(step)
    .leftJoin(media, eq(media.hash, step.screenshotHash))
    .where(eq(step.trajectoryId, id))
    .orderBy(asc(step.index))
    .all();
  return { ...row, task: parent ?? null, steps };
}
