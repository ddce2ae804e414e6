/**
 * The node pool and label-function versions in the database. A node's description is unique
 * case-insensitively across the pool (DESIGN.md › Domain terms); its label function is versioned:
 * every save adds a version and moves `currentVersionId`, nothing is edited in place.
 */
import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { normalizeDescription } from '@/lib/core/strategy-graph/merge';
import type { Db } from '@/server/db/client';
import { labelFunctionVersion, poolNode } from '@/server/db/schema';

/**
 * The pool's dedup key — the same rule `lib/core` uses when reusing nodes during merges
 * (`normalizeDescription`: trimmed, lower-cased), so the database and the domain never disagree.
 */
export const descriptionKey = normalizeDescription;

export function findPoolNodeByDescription(db: Db, description: string) {
  return db
    .select()
    .from(poolNode)
    .where(eq(poolNode.descriptionKey, descriptionKey(description)))
    .get();
}

/**
 * Adds a label-function version to a node and makes it current. Call inside a transaction.
 * @returns the version's id and number.
 */
export function addLabelFunctionVersion(
  db: Db,
  params: { nodeId: string; code: string; author: string; reason: string | null },
): { id: string; version: number } {
  const last = db
    .select({ version: labelFunctionVersion.version })
    .from(labelFunctionVersion)
    .where(eq(labelFunctionVersion.nodeId, params.nodeId))
    .orderBy(desc(labelFunctionVersion.version))
    .get();
  const id = randomUUID();
  const version = (last?.version ?? 0) + 1;
  db.insert(labelFunctionVersion)
    .values({
      id,
      nodeId: params.nodeId,
      version,
      code: params.code,
      author: params.author,
      reason: params.reason,
    })
    .run();
  db.update(poolNode).set({ currentVersionId: id }).where(eq(poolNode.id, params.nodeId)).run();
  return { id, version };
}

/**
 * Puts a node with a given id into the pool (CORE import), or confirms the one already there.
 * Same id and description: reused, and a new LF version is added only when the code differs.
 * @returns `created`, `updated` (new code) or `unchanged`.
 * @throws DomainError CONFLICT when the id exists with another description, or the description
 *   exists under another id (the pool deduplicates by case-insensitive description).
 */
export function upsertPoolNode(
  db: Db,
  params: { id: string; description: string; code: string; author: string; iterationId: number | null },
): 'created' | 'updated' | 'unchanged' {
  const key = descriptionKey(params.description);
  const byId = db.select().from(poolNode).where(eq(poolNode.id, params.id)).get();
  const byKey = db.select().from(poolNode).where(eq(poolNode.descriptionKey, key)).get();
  if (byKey && byKey.id !== params.id) {
    throw new DomainError(
      'CONFLICT',
      `Node ${params.id} ('${params.description}') has the same description as pool node ${byKey.id}`,
    );
  }
  if (byId && byId.descriptionKey !== key) {
    throw new DomainError(
      'CONFLICT',
      `Node ${params.id} is already in the pool as '${byId.description}', not '${params.description}'`,
    );
  }
  if (!byId) {
    db.insert(poolNode)
      .values({
        id: params.id,
        description: params.description,
        descriptionKey: key,
        createdBy: params.author,
        iterationId: params.iterationId,
      })
      .run();
    addLabelFunctionVersion(db, {
      nodeId: params.id,
      code: params.code,
      author: params.author,
      reason: 'created',
    });
    return 'created';
  }
  const current = byId.currentVersionId
    ? db
        .select({ code: labelFunctionVersion.code })
        .from(labelFunctionVersion)
        .where(eq(labelFunctionVersion.id, byId.currentVersionId))
        .get()
    : undefined;
  if (current?.code === params.code) return 'unchanged';
  addLabelFunctionVersion(db, {
    nodeId: params.id,
    code: params.code,
    author: params.author,
    reason: 'imported',
  });
  return 'updated';
}
