/** Counts for the home screen. */
import { count, desc, eq } from 'drizzle-orm';
import type { Db } from '@/server/db/client';
import { iteration, media, step, task, trajectory } from '@/server/db/schema';

export function getOverview(db: Db) {
  const n = (table: typeof task | typeof trajectory | typeof step | typeof media) =>
    db.select({ n: count() }).from(table).get()?.n ?? 0;
  const byKind = db
    .select({ kind: trajectory.kind, n: count() })
    .from(trajectory)
    .groupBy(trajectory.kind)
    .all();
  const open = db
    .select({ id: iteration.id })
    .from(iteration)
    .where(eq(iteration.status, 'open'))
    .orderBy(desc(iteration.id))
    .get();
  return {
    tasks: n(task),
    trajectories: n(trajectory),
    expertDemos: byKind.find((k) => k.kind === 'expert')?.n ?? 0,
    rollouts: byKind.find((k) => k.kind === 'rollout')?.n ?? 0,
    steps: n(step),
    screenshots: n(media),
    openIteration: open?.id ?? null,
  };
}
