/**
 * Task queries for the Tasks table and the task page. Pagination is offset-based over indexed
 * columns; searching uses `LIKE` over intent and external id (measured fast enough at 10,000
 * tasks: see `npm run bench:tasks`).
 */
import {
  and,
  asc,
  count,
  desc,
  eq,
  exists,
  isNotNull,
  isNull,
  notExists,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import { compareDifficulty } from '@/lib/core/difficulty';
import { DomainError } from '@/lib/core/errors';
import type { TaskOrigin } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import { task, trajectory } from '@/server/db/schema';

export interface ListTasksParams {
  search?: string;
  site?: string;
  origin?: TaskOrigin;
  source?: string;
  /** `true`: only tasks with at least one rollout; `false`: only tasks with none. */
  hasRollouts?: boolean;
  /** `task.difficulty` as stored (lower-case), or `none` for tasks without one. */
  difficulty?: string;
  /** Seed check: `passes` on the untouched seed, `fails` there, or `unchecked`. */
  seedCheck?: SeedCheckFilter;
  page: number;
  pageSize: number;
  sort: 'newest' | 'oldest' | 'intent';
}

export const SEED_CHECK_FILTERS = ['passes', 'fails', 'unchecked'] as const;
export type SeedCheckFilter = (typeof SEED_CHECK_FILTERS)[number];
/** The difficulty filter's value for tasks that have none. */
export const NO_DIFFICULTY = 'none';

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function rolloutExists(db: Db) {
  return db
    .select({ one: sql`1` })
    .from(trajectory)
    .where(and(eq(trajectory.taskId, task.id), eq(trajectory.kind, 'rollout')));
}

export function listTasks(db: Db, params: ListTasksParams) {
  const conditions: SQL[] = [];
  const search = params.search?.trim();
  if (search) {
    const pattern = `%${escapeLike(search)}%`;
    conditions.push(
      or(
        sql`${task.intent} like ${pattern} escape '\\'`,
        sql`${task.externalId} like ${pattern} escape '\\'`,
      )!,
    );
  }
  if (params.site) {
    // A task on several sites stores them comma-joined (`wikipedia,map`); it matches each of them.
    conditions.push(
      or(
        eq(task.site, params.site),
        sql`(',' || ${task.site} || ',') like ${`%,${escapeLike(params.site)},%`} escape '\\'`,
      )!,
    );
  }
  if (params.origin) conditions.push(eq(task.origin, params.origin));
  if (params.source) conditions.push(eq(task.source, params.source));
  if (params.hasRollouts === true) conditions.push(exists(rolloutExists(db)));
  if (params.hasRollouts === false) conditions.push(notExists(rolloutExists(db)));
  if (params.difficulty === NO_DIFFICULTY) conditions.push(isNull(task.difficulty));
  else if (params.difficulty) conditions.push(eq(task.difficulty, params.difficulty.toLowerCase()));
  if (params.seedCheck === 'passes') conditions.push(eq(task.passesOnSeed, true));
  if (params.seedCheck === 'fails') conditions.push(eq(task.passesOnSeed, false));
  if (params.seedCheck === 'unchecked') conditions.push(isNull(task.passesOnSeed));
  const where = conditions.length ? and(...conditions) : undefined;

  const total = db.select({ n: count() }).from(task).where(where).get()?.n ?? 0;
  const order =
    params.sort === 'intent'
      ? [asc(task.intent), asc(task.id)]
      : params.sort === 'oldest'
        ? [asc(task.createdAt), asc(task.id)]
        : [desc(task.createdAt), desc(task.id)];
  const items = db
    .select({
      id: task.id,
      externalId: task.externalId,
      intent: task.intent,
      site: task.site,
      source: task.source,
      origin: task.origin,
      environment: task.environment,
      difficulty: task.difficulty,
      passesOnSeed: task.passesOnSeed,
      seedCheckMessage: task.seedCheckMessage,
      createdAt: task.createdAt,
      // Written out in full: drizzle renders columns unqualified inside select-list subqueries.
      expertCount: sql<number>`(select count(*) from "trajectory" t where t."task_id" = "task"."id" and t."kind" = 'expert')`,
      rolloutCount: sql<number>`(select count(*) from "trajectory" t where t."task_id" = "task"."id" and t."kind" = 'rollout')`,
    })
    .from(task)
    .where(where)
    .orderBy(...order)
    .limit(params.pageSize)
    .offset((params.page - 1) * params.pageSize)
    .all();
  return { items, total, page: params.page, pageSize: params.pageSize };
}

/** Values for the Tasks filters: sites, sources, difficulties and seed checks with their task counts. */
export function getTaskFacets(db: Db) {
  const siteCombos = db.select({ value: task.site, n: count() }).from(task).groupBy(task.site).all();
  // Multi-site tasks (`wikipedia,map`) count once under each of their sites.
  const siteCounts = new Map<string, number>();
  for (const combo of siteCombos) {
    for (const site of combo.value?.split(',') ?? [])
      siteCounts.set(site, (siteCounts.get(site) ?? 0) + combo.n);
  }
  const sources = db
    .select({ value: task.source, n: count() })
    .from(task)
    .groupBy(task.source)
    .orderBy(asc(task.source))
    .all();
  const difficulties = db
    .select({ value: task.difficulty, n: count() })
    .from(task)
    .where(isNotNull(task.difficulty))
    .groupBy(task.difficulty)
    .all()
    .map((d) => ({ value: d.value ?? '', n: d.n }))
    .sort((a, b) => compareDifficulty(a.value, b.value));
  const seed = db
    .select({ passes: task.passesOnSeed, n: count() })
    .from(task)
    .where(eq(task.source, 'state-api'))
    .groupBy(task.passesOnSeed)
    .all();
  return {
    sites: [...siteCounts].map(([value, n]) => ({ value, n })).sort((a, b) => a.value.localeCompare(b.value)),
    sources,
    difficulties,
    /** State-API tasks by seed check (the only ones a seed check covers). */
    seedChecks: {
      passes: seed.find((r) => r.passes === true)?.n ?? 0,
      fails: seed.find((r) => r.passes === false)?.n ?? 0,
      unchecked: seed.find((r) => r.passes === null)?.n ?? 0,
    },
  };
}

/** @throws DomainError('NOT_FOUND') */
export function getTaskOrThrow(db: Db, id: string) {
  const row = db.select().from(task).where(eq(task.id, id)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Task ${id} not found`);
  const trajectories = db
    .select({
      id: trajectory.id,
      externalId: trajectory.externalId,
      kind: trajectory.kind,
      source: trajectory.source,
      policy: trajectory.policy,
      iterationId: trajectory.iterationId,
      envSuccess: trajectory.envSuccess,
      graphVerdict: trajectory.graphVerdict,
      category: trajectory.category,
      stepCount: trajectory.stepCount,
      finalAnswer: trajectory.finalAnswer,
      createdAt: trajectory.createdAt,
    })
    .from(trajectory)
    .where(eq(trajectory.taskId, id))
    .orderBy(asc(trajectory.kind), desc(trajectory.createdAt))
    .all();
  return { ...row, trajectories };
}

/** The id of the task with `externalId`. @throws DomainError('NOT_FOUND') naming it. */
export function getTaskIdByExternalIdOrThrow(db: Db, externalId: string): string {
  const row = db.select({ id: task.id }).from(task).where(eq(task.externalId, externalId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `No task with id ${externalId}`);
  return row.id;
}
