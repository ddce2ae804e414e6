/** Counts for the home screen. */
import { count } from 'drizzle-orm';
import type { Db } from '@/server/db/client';
import { media, step, task, trajectory } from '@/server/db/schema';
import { getOpenIterationId } from '@/server/services/iteration-service';

export function getOverview(db: Db) {
  const n = (table: typeof task | typeof trajectory | typeof step | typeof media) =>
    db.select({ n: count() }).from(table).get()?.n ?? 0;
  const byKind = db
    .select({ kind: trajectory.kind, n: count() })
    .from(trajectory)
    .groupBy(trajectory.kind)
    .all();
  return {
    tasks: n(task),
    trajectories: n(trajectory),
    expertDemos: byKind.find((k) => k.kind === 'expert')?.n ?? 0,
    rollouts: byKind.find((k) => k.kind === 'rollout')?.n ?? 0,
    steps: n(step),
    screenshots: n(media),
    openIteration: getOpenIterationId(db),
  };
}
