/**
 * The Tasks table's URL state
 * (`?q=&site=&origin=&source=&rollouts=yes|no&difficulty=&seed=passes|fails|unchecked&sort=&page=&size=`).
 * Kept outside the client component so the server page can parse it to prefetch.
 */
import { TASK_ORIGINS, type TaskOrigin } from '@/lib/core/types';
import { MAX_DIFFICULTY_LENGTH } from '@/lib/core/difficulty';
import type { ListTasksParams, SeedCheckFilter } from '@/server/services/task-service';

/** Mirrors `SEED_CHECK_FILTERS` of the service (a client module must not import server code). */
const SEED_CHECKS: readonly SeedCheckFilter[] = ['passes', 'fails', 'unchecked'];

export const PAGE_SIZES = [25, 50, 100] as const;

/** The `tasks.list` input the table sends (the service's parameters). */
export type TasksQuery = ListTasksParams;

/** Reads the table state from URL search params (also used by the page to prefetch). */
export function parseTasksQuery(params: URLSearchParams): TasksQuery {
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  const size = Number.parseInt(params.get('size') ?? '50', 10);
  const origin = params.get('origin');
  const rollouts = params.get('rollouts');
  const sort = params.get('sort');
  const difficulty = params.get('difficulty')?.trim().toLowerCase();
  const seed = params.get('seed') as SeedCheckFilter | null;
  return {
    search: params.get('q') || undefined,
    site: params.get('site') || undefined,
    origin:
      origin && (TASK_ORIGINS as readonly string[]).includes(origin) ? (origin as TaskOrigin) : undefined,
    source: params.get('source') || undefined,
    hasRollouts: rollouts === 'yes' ? true : rollouts === 'no' ? false : undefined,
    difficulty: difficulty && difficulty.length <= MAX_DIFFICULTY_LENGTH ? difficulty : undefined,
    seedCheck: seed && SEED_CHECKS.includes(seed) ? seed : undefined,
    page: Number.isFinite(page) && page > 0 ? page : 1,
    pageSize: (PAGE_SIZES as readonly number[]).includes(size) ? size : 50,
    sort: sort === 'oldest' || sort === 'intent' ? sort : 'newest',
  };
}
