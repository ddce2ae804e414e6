/**
 * Comments anchored to one step of a trajectory (issue 5 › Accountability), so the next reviewer
 * sees them. Deep link: `/trajectories/<id>?step=<stepIndex + 1>#comment-<commentId>`.
 *
 * Any signed-in role may comment; a comment is resolved by its author, a researcher or a PI.
 * Adding and resolving are written to the audit log (object type `trajectory`).
 */
import { randomUUID } from 'node:crypto';
import { aliasedTable, and, asc, count, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { isRoleAtLeast, type Role } from '@/lib/core/roles';
import { inTransaction, type Db } from '@/server/db/client';
import { step, stepComment, trajectory, user } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';

export const COMMENT_BODY_MAX_CHARS = 5000;

/** Who resolves: the session user. */
export interface CommentActor {
  id: string;
  email: string;
  role: Role;
}

export interface StepCommentView {
  id: string;
  trajectoryId: string;
  /** 0-based step index (the UI shows `stepIndex + 1`). */
  stepIndex: number;
  body: string;
  createdAt: Date;
  author: { id: string; name: string; email: string } | null;
  resolvedAt: Date | null;
  resolvedBy: { id: string; name: string; email: string } | null;
  /** Whether the viewer passed to the list may resolve it (false when no viewer was given). */
  canResolve: boolean;
}

/** Whether `actor` may resolve a comment written by `authorId`: its author, a researcher or a PI. */
export function canResolveComment(actor: { id: string; role: Role }, authorId: string | null): boolean {
  return (authorId !== null && actor.id === authorId) || isRoleAtLeast(actor.role, 'researcher');
}

const resolver = aliasedTable(user, 'resolver');

/** Comments joined with their author and resolver, in step order then oldest first. */
function selectComments(db: Db, where: SQL, viewer?: { id: string; role: Role }) {
  const rows = db
    .select({
      id: stepComment.id,
      trajectoryId: stepComment.trajectoryId,
      stepIndex: stepComment.stepIndex,
      body: stepComment.body,
      createdAt: stepComment.createdAt,
      resolvedAt: stepComment.resolvedAt,
      userId: stepComment.userId,
      authorName: user.name,
      authorEmail: user.email,
      resolvedById: stepComment.resolvedBy,
      resolverName: resolver.name,
      resolverEmail: resolver.email,
    })
    .from(stepComment)
    .leftJoin(user, eq(user.id, stepComment.userId))
    .leftJoin(resolver, eq(resolver.id, stepComment.resolvedBy))
    .where(where)
    // rowid breaks ties between comments written in the same millisecond, in insertion order.
    .orderBy(asc(stepComment.stepIndex), asc(stepComment.createdAt), asc(sql`${stepComment}.rowid`))
    .all();
  return rows.map((r): StepCommentView => ({
    id: r.id,
    trajectoryId: r.trajectoryId,
    stepIndex: r.stepIndex,
    body: r.body,
    createdAt: r.createdAt,
    author:
      r.userId && r.authorEmail !== null
        ? { id: r.userId, name: r.authorName ?? '', email: r.authorEmail }
        : null,
    resolvedAt: r.resolvedAt,
    resolvedBy:
      r.resolvedById && r.resolverEmail !== null
        ? { id: r.resolvedById, name: r.resolverName ?? '', email: r.resolverEmail }
        : null,
    canResolve: viewer ? canResolveComment(viewer, r.userId) : false,
  }));
}

function getCommentOrThrow(db: Db, commentId: string, viewer?: { id: string; role: Role }): StepCommentView {
  const [row] = selectComments(db, eq(stepComment.id, commentId), viewer);
  if (!row) throw new DomainError('NOT_FOUND', `Comment ${commentId} not found`);
  return row;
}

function assertTrajectoryExists(db: Db, trajectoryId: string): void {
  const row = db.select({ id: trajectory.id }).from(trajectory).where(eq(trajectory.id, trajectoryId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Trajectory ${trajectoryId} not found`);
}

/**
 * Adds a comment to step `stepIndex` (0-based) of a trajectory, audited as `comment.add`.
 * The body is trimmed and must keep 1..{@link COMMENT_BODY_MAX_CHARS} characters.
 * @returns the new comment (as {@link listTrajectoryComments} shows it to its author).
 * @throws DomainError NOT_FOUND for an unknown trajectory or user; BAD_INPUT naming `body` or
 *   `stepIndex` when the body is empty / too long or the trajectory has no such step.
 */
export function addStepComment(
  db: Db,
  params: { trajectoryId: string; stepIndex: number; userId: string; body: string },
): StepCommentView {
  const body = params.body.trim();
  if (body.length === 0) throw new DomainError('BAD_INPUT', 'body: a comment cannot be empty');
  if (body.length > COMMENT_BODY_MAX_CHARS)
    throw new DomainError(
      'BAD_INPUT',
      `body: a comment can have at most ${COMMENT_BODY_MAX_CHARS} characters (this one has ${body.length})`,
    );
  return inTransaction(db, (tx) => {
    const author = tx
      .select({ id: user.id, email: user.email, role: user.role })
      .from(user)
      .where(eq(user.id, params.userId))
      .get();
    if (!author) throw new DomainError('NOT_FOUND', `User ${params.userId} not found`);
    assertTrajectoryExists(tx, params.trajectoryId);
    const found = tx
      .select({ id: step.id })
      .from(step)
      .where(and(eq(step.trajectoryId, params.trajectoryId), eq(step.index, params.stepIndex)))
      .get();
    if (!found) {
      const steps = tx
        .select({ n: count() })
        .from(step)
        .where(eq(step.trajectoryId, params.trajectoryId))
        .get();
      const n = steps?.n ?? 0;
      throw new DomainError(
        'BAD_INPUT',
        n === 0
          ? `stepIndex: trajectory ${params.trajectoryId} has no steps to comment on`
          : `stepIndex: ${params.stepIndex} is not a step of trajectory ${params.trajectoryId} ` +
              `(0-based; it has steps 0–${n - 1}, shown as 1–${n})`,
      );
    }
    const id = randomUUID();
    tx.insert(stepComment)
      .values({ id, trajectoryId: params.trajectoryId, stepIndex: params.stepIndex, userId: author.id, body })
      .run();
    recordAudit(tx, {
      userId: author.id,
      actor: author.email,
      action: 'comment.add',
      objectType: 'trajectory',
      objectId: params.trajectoryId,
      before: null,
      after: { commentId: id, stepIndex: params.stepIndex, body },
    });
    return getCommentOrThrow(tx, id, author);
  });
}

/**
 * The comments of a trajectory with their authors (name, email) and resolvers, ordered by step,
 * then oldest first. With `viewer`, each carries whether that viewer may resolve it.
 * @throws DomainError NOT_FOUND for an unknown trajectory.
 */
export function listTrajectoryComments(
  db: Db,
  trajectoryId: string,
  viewer?: { id: string; role: Role },
): StepCommentView[] {
  assertTrajectoryExists(db, trajectoryId);
  return selectComments(db, eq(stepComment.trajectoryId, trajectoryId), viewer);
}

/**
 * Marks a comment resolved, audited as `comment.resolve`. Resolving a resolved comment changes
 * nothing and returns it as it is.
 * @throws DomainError NOT_FOUND for an unknown comment; FORBIDDEN when `actor` is neither its
 *   author nor a researcher or PI.
 */
export function resolveStepComment(
  db: Db,
  params: { commentId: string; actor: CommentActor },
): StepCommentView {
  const { actor } = params;
  return inTransaction(db, (tx) => {
    const comment = getCommentOrThrow(tx, params.commentId, actor);
    if (!comment.canResolve)
      throw new DomainError(
        'FORBIDDEN',
        'Only the comment’s author, a researcher or a PI can resolve this comment',
      );
    if (comment.resolvedAt) return comment;
    const resolvedAt = new Date();
    tx.update(stepComment)
      .set({ resolvedAt, resolvedBy: actor.id })
      .where(and(eq(stepComment.id, comment.id), isNull(stepComment.resolvedAt)))
      .run();
    recordAudit(tx, {
      userId: actor.id,
      actor: actor.email,
      action: 'comment.resolve',
      objectType: 'trajectory',
      objectId: comment.trajectoryId,
      before: { commentId: comment.id, stepIndex: comment.stepIndex, resolvedAt: null },
      after: { commentId: comment.id, stepIndex: comment.stepIndex, resolvedAt: resolvedAt.toISOString() },
    });
    return getCommentOrThrow(tx, comment.id, actor);
  });
}

/** Ids per query, well under SQLite's bound-parameter limit. */
const COUNT_CHUNK = 500;

/**
 * Comment counts per trajectory: `total` and `open` (unresolved). Every requested id gets an
 * entry (zeros when it has no comments or does not exist).
 */
export function countCommentsByTrajectory(
  db: Db,
  trajectoryIds: readonly string[],
): Record<string, { total: number; open: number }> {
  const result: Record<string, { total: number; open: number }> = {};
  const ids = [...new Set(trajectoryIds)];
  for (const id of ids) result[id] = { total: 0, open: 0 };
  for (let i = 0; i < ids.length; i += COUNT_CHUNK) {
    const rows = db
      .select({
        trajectoryId: stepComment.trajectoryId,
        total: count(),
        open: sql<number>`sum(case when ${stepComment.resolvedAt} is null then 1 else 0 end)`,
      })
      .from(stepComment)
      .where(inArray(stepComment.trajectoryId, ids.slice(i, i + COUNT_CHUNK)))
      .groupBy(stepComment.trajectoryId)
      .all();
    for (const r of rows) result[r.trajectoryId] = { total: r.total, open: Number(r.open) };
  }
  return result;
}
