/**
 * The database schema (drizzle, SQLite). Migrations are generated from this file with
 * `npm run db:generate` into `drizzle/` and applied at start-up (`server/db/migrate.ts`).
 *
 * Conventions: ids are text (UUIDs) except iterations, which are numbered 1, 2, … as in the CORE
 * paper; timestamps are integer milliseconds since the epoch (`timestamp_ms`); JSON columns hold
 * validated shapes from `lib/core`. Screenshots never live here: `media` holds their sha256 and
 * metadata, the bytes sit under `<data dir>/media/` (see `server/services/media-store.ts`).
 *
 * Room is left for the next issues (label functions, strategy graphs, reviews): trajectories carry
 * `graphVerdict`, `category` and `progress`, and every row carries its author and iteration.
 */
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type {
  ActionType,
  Category,
  Environment,
  ObservedElement,
  StepAction,
  TaskOrigin,
  TrajectoryKind,
} from '@/lib/core/types';
import type { Role } from '@/lib/core/roles';
import type { GraphDiff } from '@/lib/core/strategy-graph/merge';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(cast(unixepoch('subsecond') * 1000 as integer))`);

// ---------------------------------------------------------------------------------------------
// Auth (Better Auth's core tables, field names as its drizzle adapter expects)
// ---------------------------------------------------------------------------------------------

export const user = sqliteTable('user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: integer('email_verified', { mode: 'boolean' }).notNull().default(false),
  image: text('image'),
  role: text('role').$type<Role>().notNull().default('annotator'),
  createdAt: createdAt(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export const session = sqliteTable(
  'session',
  {
    id: text('id').primaryKey(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    token: text('token').notNull().unique(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
  },
  (t) => [index('session_user_idx').on(t.userId)],
);

export const account = sqliteTable(
  'account',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: integer('access_token_expires_at', { mode: 'timestamp_ms' }),
    refreshTokenExpiresAt: integer('refresh_token_expires_at', { mode: 'timestamp_ms' }),
    scope: text('scope'),
    password: text('password'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('account_user_idx').on(t.userId)],
);

export const verification = sqliteTable('verification', {
  id: text('id').primaryKey(),
  identifier: text('identifier').notNull(),
  value: text('value').notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  createdAt: createdAt(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Invitations a PI sends: the invitee signs up with the token and gets `role`. Only the hash is kept. */
export const invitation = sqliteTable('invitation', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  role: text('role').$type<Role>().notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  invitedBy: text('invited_by').references(() => user.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
});

// ---------------------------------------------------------------------------------------------
// The CORE loop
// ---------------------------------------------------------------------------------------------

/** One pass of the CORE loop. Numbered from 1; at most one is `open`. */
export const iteration = sqliteTable('iteration', {
  id: integer('id').primaryKey(),
  status: text('status').$type<'open' | 'closed'>().notNull().default('open'),
  note: text('note'),
  createdAt: createdAt(),
  closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
});

export const task = sqliteTable(
  'task',
  {
    id: text('id').primaryKey(),
    /** Stable key of the source, e.g. `webvoyager:Allrecipes--4`; re-imports match on it. */
    externalId: text('external_id').notNull().unique(),
    source: text('source').notNull(),
    intent: text('intent').notNull(),
    startUrl: text('start_url'),
    environment: text('environment').$type<Environment>().notNull().default('web'),
    /** Site or app, e.g. `Allrecipes`, `shopping_admin`; used by the Tasks filter. */
    site: text('site'),
    template: text('template'),
    params: text('params', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    origin: text('origin').$type<TaskOrigin>().notNull().default('seed'),
    parentTaskId: text('parent_task_id'),
    /** Evaluation spec as the benchmark gives it (WebArena `eval`, WebVoyager reference answers). */
    evalSpec: text('eval_spec', { mode: 'json' }).$type<unknown>(),
    meta: text('meta', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    iterationId: integer('iteration_id').references(() => iteration.id),
    /** Author: a user id, or `import:<format>` / a model name for machine-made rows. */
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('task_site_idx').on(t.site),
    index('task_origin_idx').on(t.origin),
    index('task_created_idx').on(t.createdAt, t.id),
    index('task_intent_idx').on(t.intent, t.id),
  ],
);

export const trajectory = sqliteTable(
  'trajectory',
  {
    id: text('id').primaryKey(),
    externalId: text('external_id').unique(),
    taskId: text('task_id')
      .notNull()
      .references(() => task.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<TrajectoryKind>().notNull(),
    source: text('source').notNull(),
    /** Policy or harness that produced it, e.g. `gpt-4v (WebVoyager)`, `noisy-expert`. */
    policy: text('policy'),
    iterationId: integer('iteration_id').references(() => iteration.id),
    /** The environment's own verdict; null = unknown. */
    envSuccess: integer('env_success', { mode: 'boolean' }),
    graphVerdict: integer('graph_verdict', { mode: 'boolean' }),
    category: text('category').$type<Category>(),
    progress: real('progress'),
    /** Node ids of the start-to-end path that made the verdict true (null when none). */
    matchedPath: text('matched_path', { mode: 'json' }).$type<string[] | null>(),
    /** The graph version the verdict, category and progress were computed against. */
    scoredGraphVersionId: text('scored_graph_version_id'),
    scoredAt: integer('scored_at', { mode: 'timestamp_ms' }),
    finalAnswer: text('final_answer'),
    stepCount: integer('step_count').notNull().default(0),
    /** sha256 of the imported content; a re-import with the same hash is a no-op. */
    contentHash: text('content_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('trajectory_task_kind_idx').on(t.taskId, t.kind)],
);

export const media = sqliteTable('media', {
  /** Lower-case hex sha256 of the original bytes. */
  hash: text('hash').primaryKey(),
  mime: text('mime').notNull(),
  bytes: integer('bytes').notNull(),
  width: integer('width'),
  height: integer('height'),
  createdAt: createdAt(),
});

export const step = sqliteTable(
  'step',
  {
    id: text('id').primaryKey(),
    trajectoryId: text('trajectory_id')
      .notNull()
      .references(() => trajectory.id, { onDelete: 'cascade' }),
    /** 0-based position in the trajectory. */
    index: integer('index').notNull(),
    url: text('url'),
    title: text('title'),
    /** Element list / accessibility-tree text as the harness gave it; null when omitted. */
    elementsText: text('elements_text'),
    elements: text('elements', { mode: 'json' }).$type<ObservedElement[]>().notNull().default([]),
    screenshotHash: text('screenshot_hash').references(() => media.hash),
    actionType: text('action_type').$type<ActionType>().notNull(),
    action: text('action', { mode: 'json' }).$type<StepAction>().notNull(),
    actionDescription: text('action_description').notNull(),
    thought: text('thought'),
    rawOutput: text('raw_output'),
  },
  (t) => [uniqueIndex('step_trajectory_index_idx').on(t.trajectoryId, t.index)],
);

// ---------------------------------------------------------------------------------------------
// Accountability and long work
// ---------------------------------------------------------------------------------------------

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: createdAt(),
    /** Acting user; null for the CLI or the system. */
    userId: text('user_id').references(() => user.id, { onDelete: 'set null' }),
    /** Free-form actor label when there is no user, e.g. `cli`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id'),
    before: text('before', { mode: 'json' }).$type<unknown>(),
    after: text('after', { mode: 'json' }).$type<unknown>(),
  },
  (t) => [index('audit_object_idx').on(t.objectType, t.objectId), index('audit_at_idx').on(t.at)],
);

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const job = sqliteTable(
  'job',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    status: text('status').$type<JobStatus>().notNull().default('queued'),
    /** 0..1 */
    progress: real('progress').notNull().default(0),
    progressMessage: text('progress_message'),
    input: text('input', { mode: 'json' }).$type<unknown>(),
    result: text('result', { mode: 'json' }).$type<unknown>(),
    error: text('error'),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdBy: text('created_by').references(() => user.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('job_status_idx').on(t.status), index('job_created_idx').on(t.createdAt)],
);

// ---------------------------------------------------------------------------------------------
// Label functions and strategy graphs (issue 3)
// ---------------------------------------------------------------------------------------------

/**
 * The shared node pool (DESIGN.md › Domain terms): one row per key node, across all tasks,
 * deduplicated by case-insensitive description (`descriptionKey` = trimmed lower-case). `id` is
 * the CORE node id (numeric strings in the reference pipeline). The node's label function lives in
 * versions; `currentVersionId` points at the one in force.
 */
export const poolNode = sqliteTable('pool_node', {
  id: text('id').primaryKey(),
  description: text('description').notNull(),
  descriptionKey: text('description_key').notNull().unique(),
  currentVersionId: text('current_version_id'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  iterationId: integer('iteration_id').references(() => iteration.id),
});

/** Every version of a node's label function. Versions are never edited; a save adds one. */
export const labelFunctionVersion = sqliteTable(
  'label_function_version',
  {
    id: text('id').primaryKey(),
    nodeId: text('node_id')
      .notNull()
      .references(() => poolNode.id, { onDelete: 'cascade' }),
    /** 1, 2, … per node. */
    version: integer('version').notNull(),
    code: text('code').notNull(),
    /** User id, model name, or `import:core`. */
    author: text('author').notNull(),
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('lf_version_node_version_idx').on(t.nodeId, t.version)],
);

/** What a graph version added to the previous one (`lib/core/strategy-graph/merge.ts` GraphDiff). */
export type { GraphDiff } from '@/lib/core/strategy-graph/merge';

/** Every version of a task's strategy graph; version 1 is the initial one, each merge adds one. */
export const strategyGraphVersion = sqliteTable(
  'strategy_graph_version',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id')
      .notNull()
      .references(() => task.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The CORE `key_nodes` object (`lib/core/strategy-graph/types.ts` StrategyGraph). */
    graph: text('graph', { mode: 'json' })
      .$type<Record<string, { parent_node_id: string[]; child_node_id: string[] }>>()
      .notNull(),
    /** What this version added to the previous one (empty for version 1). */
    diff: text('diff', { mode: 'json' }).$type<GraphDiff>().notNull(),
    reason: text('reason').$type<'init' | 'import' | 'merge' | 'edit'>().notNull(),
    /** The trajectory whose path was merged, for `merge` versions. */
    sourceTrajectoryId: text('source_trajectory_id'),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('graph_version_task_version_idx').on(t.taskId, t.version)],
);

/** The result of one label-function version on one trajectory (kept for every version run). */
export const lfResult = sqliteTable(
  'lf_result',
  {
    trajectoryId: text('trajectory_id')
      .notNull()
      .references(() => trajectory.id, { onDelete: 'cascade' }),
    lfVersionId: text('lf_version_id')
      .notNull()
      .references(() => labelFunctionVersion.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    /** null on error, timeout, crash or non-bool (see `outcome`). */
    result: integer('result', { mode: 'boolean' }),
    outcome: text('outcome').notNull(),
    evidenceStep: integer('evidence_step'),
    error: text('error'),
    durationMs: real('duration_ms').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('lf_result_pk').on(t.trajectoryId, t.lfVersionId),
    index('lf_result_version_idx').on(t.lfVersionId),
    index('lf_result_node_idx').on(t.nodeId),
  ],
);

/**
 * Graph-verdict quality snapshots (CORE `label_function_results.json`): TP/TN/FP/FN and the
 * derived rates, before or after a merge, per task (`taskId`) or overall (null).
 */
export const metricsSnapshot = sqliteTable(
  'metrics_snapshot',
  {
    id: text('id').primaryKey(),
    taskId: text('task_id').references(() => task.id, { onDelete: 'cascade' }),
    graphVersionId: text('graph_version_id').references(() => strategyGraphVersion.id, {
      onDelete: 'set null',
    }),
    type: text('type').$type<'before' | 'after'>().notNull(),
    /** The snapshot's time as the source wrote it (CORE files use free-form strings). */
    time: text('time').notNull(),
    metrics: text('metrics', { mode: 'json' }).$type<Record<string, number>>().notNull(),
    /** The record as a CORE file had it (time's JSON type, extra fields), for a lossless export. */
    record: text('record', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdAt: createdAt(),
  },
  (t) => [index('metrics_task_idx').on(t.taskId)],
);
