import { desc, eq } from 'drizzle-orm';
import type { Db } from '@/server/db/client';
import { iteration } from '@/server/db/schema';

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
