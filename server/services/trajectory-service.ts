/**
 * Trajectory queries for the viewer (screenshots are referenced by hash, never inlined) and the
 * trajectory dicts label functions run on.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { PROMOTED_SOURCE } from '@/lib/core/provenance';
import { buildTrajectoryDict, type TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import type { Db } from '@/server/db/client';
import { media, step, task, trajectory } from '@/server/db/schema';
import type { TrajectoryKind } from '@/lib/core/types';

/** A trajectory another was made from, or one made from it, as the viewer links it. */
const LINKED_TRAJECTORY_COLUMNS = {
  id: trajectory.id,
  externalId: trajectory.externalId,
  kind: trajectory.kind,
  source: trajectory.source,
  envSuccess: trajectory.envSuccess,
  createdAt: trajectory.createdAt,
};

/**
 * A trajectory for the viewer: the row (with `derivedFromId` and, for corrections, the 0-based
 * `takeoverStep`), its task, its steps, and its provenance: `derivedFrom` (the run a promoted demo
 * copies or a correction corrects; null when there is none or it was deleted) and `promotedTo` (the
 * expert demos promoted from it).
 * @throws DomainError('NOT_FOUND')
 */
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
      modelImageHash: step.modelImageHash,
      screenshotWidth: media.width,
      screenshotHeight: media.height,
      actionType: step.actionType,
      action: step.action,
      actionDescription: step.actionDescription,
      thought: step.thought,
      rawOutput: step.rawOutput,
      blockedRequests: step.blockedRequests,
      blockedRequestCount: step.blockedRequestCount,
    })
    .from(step)
    .leftJoin(media, eq(media.hash, step.screenshotHash))
    .where(eq(step.trajectoryId, id))
    .orderBy(asc(step.index))
    .all();
  const derivedFrom = row.derivedFromId
    ? (db
        .select(LINKED_TRAJECTORY_COLUMNS)
        .from(trajectory)
        .where(eq(trajectory.id, row.derivedFromId))
        .get() ?? null)
    : null;
  const promotedTo = db
    .select(LINKED_TRAJECTORY_COLUMNS)
    .from(trajectory)
    .where(
      and(
        eq(trajectory.derivedFromId, id),
        eq(trajectory.kind, 'expert'),
        eq(trajectory.source, PROMOTED_SOURCE),
      ),
    )
    .orderBy(asc(trajectory.createdAt))
    .all();
  return { ...row, task: parent ?? null, steps, derivedFrom, promotedTo };
}

/**
 * The label-function view of trajectories (`buildTrajectoryDict`, DESIGN.md › Label functions), for
 * the sandbox: two queries for any number of ids (heads with their task, then every step in order).
 * Unknown ids are left out.
 */
export function loadTrajectoryDicts(
  db: Db,
  ids: readonly string[],
): { id: string; trajectory: TrajectoryDict }[] {
  const heads = db
    .select({
      id: trajectory.id,
      finalAnswer: trajectory.finalAnswer,
      intent: task.intent,
      template: task.template,
      params: task.params,
      environment: task.environment,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(inArray(trajectory.id, [...ids]))
    .all();
  const steps = db
    .select()
    .from(step)
    .where(inArray(step.trajectoryId, [...ids]))
    .orderBy(asc(step.trajectoryId), asc(step.index))
    .all();
  const stepsByTrajectory = new Map<string, (typeof steps)[number][]>();
  for (const s of steps) {
    const list = stepsByTrajectory.get(s.trajectoryId) ?? [];
    list.push(s);
    stepsByTrajectory.set(s.trajectoryId, list);
  }
  return heads.map((h) => ({
    id: h.id,
    trajectory: buildTrajectoryDict({
      task: { intent: h.intent, template: h.template, params: h.params, environment: h.environment },
      trajectory: { finalAnswer: h.finalAnswer },
      steps: stepsByTrajectory.get(h.id) ?? [],
    }),
  }));
}

/** One finished episode as the CLI's summary lists it: its verdict and the environment's explanation. */
export interface EpisodeVerdict {
  trajectoryId: string;
  taskExternalId: string;
  kind: TrajectoryKind;
  /** 0-based sample number within its task and job (null for recorded demos). */
  sampleIndex: number | null;
  status: string;
  stepCount: number;
  envSuccess: boolean | null;
  envMessage: string | null;
  error: string | null;
}

/**
 * The verdicts of `ids`, in the order given (unknown ids are left out); read in chunks, so a
 * 5,000-episode job is a handful of queries.
 */
export function listEpisodeVerdicts(db: Db, ids: readonly string[]): EpisodeVerdict[] {
  const byId = new Map<string, EpisodeVerdict>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = db
      .select({
        trajectoryId: trajectory.id,
        taskExternalId: task.externalId,
        kind: trajectory.kind,
        sampleIndex: trajectory.sampleIndex,
        status: trajectory.status,
        stepCount: trajectory.stepCount,
        envSuccess: trajectory.envSuccess,
        envMessage: trajectory.envMessage,
        error: trajectory.error,
      })
      .from(trajectory)
      .innerJoin(task, eq(task.id, trajectory.taskId))
      .where(inArray(trajectory.id, ids.slice(start, start + 500)))
      .all();
    for (const row of rows) byId.set(row.trajectoryId, row);
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}
