/**
 * The audit log (issue 5 › Accountability): every decision and edit — who, when, what, before and
 * after. Writers call {@link recordAudit} inside the transaction of the change they record; the PI
 * page reads through {@link listAuditLog} (keyset pagination, newest first) and
 * {@link getAuditFacets} (what the filters offer).
 */
import { and, count, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { auditLog, user } from '@/server/db/schema';

export const AUDIT_PAGE_SIZE_DEFAULT = 50;
export const AUDIT_PAGE_SIZE_MAX = 200;

/** One audit entry as {@link recordAudit} writes it. */
export interface AuditEntryDraft {
  /** The acting user; null for the CLI or the system. */
  userId: string | null;
  /** Who acted, as shown: the user's email, `cli`, a model name. */
  actor: string;
  /** Dotted verb, e.g. `comment.add`, `label_function.save`. */
  action: string;
  /** Kind of the changed object (`trajectory`, `pool_node`, `review_item`, …). */
  objectType: string;
  objectId: string | null;
  /** JSON-serialisable state before the change (null: nothing before, e.g. a creation). */
  before?: unknown;
  /** JSON-serialisable state after the change (null: nothing after, e.g. a deletion). */
  after?: unknown;
}

/**
 * Writes one audit entry. Call it with the transaction of the change it records, so both commit or
 * neither does. @returns the entry's id.
 */
export function recordAudit(tx: Db, entry: AuditEntryDraft): number {
  const row = tx
    .insert(auditLog)
    .values({
      userId: entry.userId,
      actor: entry.actor,
      action: entry.action,
      objectType: entry.objectType,
      objectId: entry.objectId,
      before: entry.before ?? null,
      after: entry.after ?? null,
    })
    .returning({ id: auditLog.id })
    .get();
  return row.id;
}

export interface ListAuditLogParams {
  /** Exact actor label (email, `cli`, …). */
  actor?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  /** Inclusive lower bound on `at`. */
  from?: Date;
  /** Exclusive upper bound on `at`. */
  to?: Date;
  /** `nextCursor` of the previous page; omit for the newest entries. */
  cursor?: string | null;
  /** Page size, 1..{@link AUDIT_PAGE_SIZE_MAX}. */
  limit: number;
}

export interface AuditLogEntry {
  id: number;
  at: Date;
  userId: string | null;
  actor: string;
  /** The acting user's current name, when the user still exists. */
  userName: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditLogPage {
  items: AuditLogEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The cursor is `<at ms>:<id>` of the last entry of a page (opaque to clients). */
function encodeCursor(entry: { at: Date; id: number }): string {
  return `${entry.at.getTime()}:${entry.id}`;
}

function decodeCursor(cursor: string): { at: number; id: number } {
  const match = /^(\d{1,15}):(\d{1,15})$/.exec(cursor);
  if (!match) throw new DomainError('BAD_INPUT', `cursor: not a cursor from a previous page ('${cursor}')`);
  return { at: Number(match[1]), id: Number(match[2]) };
}

/**
 * Audit entries matching every given filter, newest first (by `at`, then `id`), one page at a time.
 * Keyset pagination on (`at`, `id`) uses `audit_at_idx`, so deep pages cost the same as the first.
 * @returns `{ items, nextCursor }`; `nextCursor` is null when no older entry matches.
 * @throws DomainError BAD_INPUT for a malformed `cursor`, a `limit` outside 1..200, or `from` not
 *   before `to`.
 */
export function listAuditLog(db: Db, params: ListAuditLogParams): AuditLogPage {
  const { limit } = params;
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_SIZE_MAX)
    throw new DomainError('BAD_INPUT', `limit: must be an integer from 1 to ${AUDIT_PAGE_SIZE_MAX}`);
  if (params.from && params.to && params.from.getTime() >= params.to.getTime())
    throw new DomainError('BAD_INPUT', 'from: must be before to');

  const conditions: (SQL | undefined)[] = [
    params.actor ? eq(auditLog.actor, params.actor) : undefined,
    params.action ? eq(auditLog.action, params.action) : undefined,
    params.objectType ? eq(auditLog.objectType, params.objectType) : undefined,
    params.objectId ? eq(auditLog.objectId, params.objectId) : undefined,
    params.from ? gte(auditLog.at, params.from) : undefined,
    params.to ? lt(auditLog.at, params.to) : undefined,
  ];
  if (params.cursor) {
    const c = decodeCursor(params.cursor);
    const cursorAt = new Date(c.at);
    conditions.push(or(lt(auditLog.at, cursorAt), and(eq(auditLog.at, cursorAt), lt(auditLog.id, c.id))));
  }

  const rows = db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      userId: auditLog.userId,
      actor: auditLog.actor,
      userName: user.name,
      action: auditLog.action,
      objectType: auditLog.objectType,
      objectId: auditLog.objectId,
      before: auditLog.before,
      after: auditLog.after,
    })
    .from(auditLog)
    .leftJoin(user, eq(user.id, auditLog.userId))
    .where(and(...conditions))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit + 1)
    .all();

  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

export interface AuditFacet {
  value: string;
  n: number;
}

export interface AuditFacets {
  actions: AuditFacet[];
  objectTypes: AuditFacet[];
  actors: AuditFacet[];
}

/**
 * What the audit filters can offer: distinct actions, object types and actor labels, each with its
 * number of entries, most frequent first (ties by value).
 */
export function getAuditFacets(db: Db): AuditFacets {
  const facet = (column: typeof auditLog.action | typeof auditLog.objectType | typeof auditLog.actor) =>
    db
      .select({ value: column, n: count() })
      .from(auditLog)
      .groupBy(column)
      .all()
      .sort((a, b) => b.n - a.n || a.value.localeCompare(b.value));
  return {
    actions: facet(auditLog.action),
    objectTypes: facet(auditLog.objectType),
    actors: facet(auditLog.actor),
  };
}
