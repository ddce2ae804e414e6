import { and, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { inTransaction } from '@/server/db/client';
import { iteration, job } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';
import { FINE_TUNE_JOB_KIND } from '@/server/services/fine-tune-service';

/** The id of the open iteration (the newest, should there be several), or null when none is open. */
export function getOpenIterationId(db: Db): number | null {
  return (
    db
      .select({ id: iteration.id })
      .from(iteration)
      .where(eq(iteration.status, 'open'))
      .orderBy(desc(iteration.id))
      .get()?.id ?? null
  );
}

/** The id of the open iteration, creating iteration 1 on an empty database. Call inside a transaction. */
export function getOrCreateOpenIteration(db: Db): number {
  const open = getOpenIterationId(db);
  if (open !== null) return open;
  const last = db.select({ id: iteration.id }).from(iteration).orderBy(desc(iteration.id)).get();
  const id = (last?.id ?? 0) + 1;
  db.insert(iteration).values({ id, status: 'open' }).run();
  return id;
}

/** Iterations, newest first, with what each holds. */
export function listIterations(db: Db) {
  return db
    .select({
      id: iteration.id,
      status: iteration.status,
      note: iteration.note,
      createdAt: iteration.createdAt,
      closedAt: iteration.closedAt,
      // Table-qualified by hand: drizzle writes columns unqualified inside `sql`, which would
      // compare the subquery's own columns.
      rollouts: sql<number>`(select count(*) from trajectory t where t.iteration_id = iteration.id and t.kind = 'rollout')`,
      fullyPassed: sql<number>`(select count(*) from trajectory t where t.iteration_id = iteration.id and t.category = 'fully_passed')`,
      exports: sql<number>`(select count(*) from training_export e where e.iteration_id = iteration.id)`,
      fineTuneRuns: sql<number>`(select count(*) from fine_tune_run r where r.iteration_id = iteration.id)`,
    })
    .from(iteration)
    .orderBy(desc(iteration.id))
    .all();
}

/**
 * Closes the open iteration and opens the next (DESIGN.md: one pass of the CORE loop is an
 * iteration; new rollouts, proposals and reviews then belong to the next one).
 * @returns `{ closed, opened }` iteration numbers.
 * @throws DomainError('CONFLICT') when `iterationId` is not the open iteration, or while any job but
 *   a fine-tuning run is queued or running (rollouts, reviews' re-scoring or exports would land half
 *   in each iteration; fine-tuning runs may take days and write nothing to the database).
 */
export function closeIteration(
  db: Db,
  params: { iterationId: number; note?: string | null },
  actor: { userId: string | null; label: string },
): { closed: number; opened: number } {
  return inTransaction(
    db,
    (tx) => {
      const open = getOpenIterationId(tx);
      if (open !== params.iterationId)
        throw new DomainError(
          'CONFLICT',
          open === null
            ? 'No iteration is open'
            : `Iteration ${params.iterationId} is not the open iteration (${open} is)`,
        );
      const busy = tx
        .select({ kind: job.kind })
        .from(job)
        .where(and(ne(job.kind, FINE_TUNE_JOB_KIND), inArray(job.status, ['queued', 'running'])))
        .all();
      if (busy.length > 0)
        throw new DomainError(
          'CONFLICT',
          `${busy.length} job(s) are queued or running (${[...new Set(busy.map((b) => b.kind))].join(', ')}); wait for them or cancel them first`,
        );
      const now = new Date();
      tx.update(iteration)
        .set({ status: 'closed', closedAt: now, note: params.note ?? null })
        .where(eq(iteration.id, open))
        .run();
      const opened = open + 1;
      tx.insert(iteration).values({ id: opened, status: 'open' }).run();
      recordAudit(tx, {
        userId: actor.userId,
        actor: actor.label,
        action: 'iteration.close',
        objectType: 'iteration',
        objectId: String(open),
        before: { status: 'open' },
        after: { status: 'closed', note: params.note ?? null, opened },
      });
      return { closed: open, opened };
    },
    { immediate: true },
  );
}
