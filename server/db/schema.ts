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
import {
  index,
  integer,
  real,
  sqliteTable,
  text,
  uniqueIndex,
  type AnySQLiteColumn,
} from 'drizzle-orm/sqlite-core';
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
import type { BlockedRequest } from '@/lib/core/rollouts/url-policy';
import { REVIEW_QUEUE_IDS, type ReviewQueueId } from '@/lib/core/review';
import type { GraphDiff } from '@/lib/core/strategy-graph/merge';
import type { LlmMessage, LlmProviderName, LlmRole, SamplingParams } from '@/lib/core/llm/types';
import type { ExportFormat, ExportSource } from '@/lib/core/export/types';

export const TRAJECTORY_STATUSES = ['complete', 'running', 'errored'] as const;
export type TrajectoryStatus = (typeof TRAJECTORY_STATUSES)[number];

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
    /**
     * `easy` | `medium` | `hard` as the task file gives it (WebArena-Infinity `difficulty`,
     * VisualWebArena `overall_difficulty`); null when it gives none.
     */
    difficulty: text('difficulty'),
    /**
     * State-API tasks: whether the task's verifier already passes on the untouched seed (the app
     * loaded in Chromium, nothing clicked). Null = not checked. Such tasks are skipped by rollouts
     * and exports unless asked for.
     */
    passesOnSeed: integer('passes_on_seed', { mode: 'boolean' }),
    /** The verifier's explanation (or error) of the last seed check. */
    seedCheckMessage: text('seed_check_message'),
    seedCheckedAt: integer('seed_checked_at', { mode: 'timestamp_ms' }),
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
    index('task_difficulty_idx').on(t.difficulty),
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
    /**
     * The environment's explanation of `envSuccess`: a State-API verifier's message (the `str` of
     * its `(bool, str)`), the WebArena evaluators' details, or why there is no verdict.
     */
    envMessage: text('env_message'),
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
    /**
     * `running` while a rollout or an external harness is still appending steps (live view),
     * `errored` when it ended abnormally (crashed browser, step timeout, harness gave up; see
     * `error`), `complete` otherwise. Imported trajectories are always `complete`.
     */
    status: text('status').$type<TrajectoryStatus>().notNull().default('complete'),
    error: text('error'),
    /** The rollout job that produced it (null for imports and ingestion). */
    jobId: text('job_id'),
    /** 0-based sample number of a rollout within its task and job (CORE samples 5 per task). */
    sampleIndex: integer('sample_index'),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
    /** sha256 of the imported content; a re-import with the same hash is a no-op. */
    contentHash: text('content_hash').notNull(),
    /**
     * The trajectory this one was made from: the rollout or ingested run a promoted demo copies, the
     * failed rollout a correction corrects (null otherwise, or once the source is deleted).
     */
    derivedFromId: text('derived_from_id').references((): AnySQLiteColumn => trajectory.id, {
      onDelete: 'set null',
    }),
    /**
     * Corrections: 0-based index of the first step the person took; steps before it are the
     * source rollout's, replayed (DESIGN.md › Correction: the reviewer's step k is index k − 1).
     */
    takeoverStep: integer('takeover_step'),
    /**
     * Failed rollouts: 0-based index of the first harmful step a reviewer marked (where a correction
     * takes over), with who marked it and when.
     */
    harmfulStep: integer('harmful_step'),
    harmfulStepBy: text('harmful_step_by'),
    harmfulStepAt: integer('harmful_step_at', { mode: 'timestamp_ms' }),
    /** Author: the person's user id for recorded, promoted and corrected trajectories. */
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('trajectory_task_kind_idx').on(t.taskId, t.kind),
    index('trajectory_derived_from_idx').on(t.derivedFromId),
    index('trajectory_status_idx').on(t.status),
    index('trajectory_job_idx').on(t.jobId),
  ],
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
    /** The recorded model call that chose this step's action (rollouts of the `openai` policy). */
    modelCallId: text('model_call_id'),
    /**
     * The screenshot with the set-of-marks boxes and numbers drawn on it: the image a model acting
     * on the step is sent (the runner draws it for every policy, and exports train on it). Null for
     * steps that did not come from the runner (imports, ingestion).
     */
    modelImageHash: text('model_image_hash').references(() => media.hash),
    /**
     * Requests and navigations the rollout network policy refused while the agent was on this
     * step (the first `MAX_BLOCKED_REQUESTS_PER_STEP`); `blockedRequestCount` counts them all.
     */
    blockedRequests: text('blocked_requests', { mode: 'json' })
      .$type<BlockedRequest[]>()
      .notNull()
      .default([]),
    blockedRequestCount: integer('blocked_request_count').notNull().default(0),
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

// ---------------------------------------------------------------------------------------------
// Abstraction and extrapolation with LLMs (issue 4)
// ---------------------------------------------------------------------------------------------

/**
 * Model provider settings per role (`lib/core/llm/types.ts` LlmRole). A role without a row uses
 * the offline `heuristic` provider. `apiKeyCiphertext` is AES-256-GCM under a key derived from the
 * server secret (`server/llm/secret-box.ts`); it is never sent to the browser.
 */
export const llmSetting = sqliteTable('llm_setting', {
  role: text('role').$type<LlmRole>().primaryKey(),
  provider: text('provider').$type<LlmProviderName>().notNull(),
  baseUrl: text('base_url'),
  model: text('model').notNull(),
  apiKeyCiphertext: text('api_key_ciphertext'),
  timeoutMs: integer('timeout_ms').notNull(),
  maxRetries: integer('max_retries').notNull(),
  concurrency: integer('concurrency').notNull(),
  /** temperature, top_p, top_k, max_tokens (`lib/core/llm/types.ts` SamplingParams). */
  sampling: text('sampling', { mode: 'json' }).$type<SamplingParams>().notNull(),
  updatedBy: text('updated_by').references(() => user.id, { onDelete: 'set null' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Every model call, successful or not: what was asked (messages with images referenced by media
 * hash, never inlined), what came back, how long it took, and which provider, model and prompt
 * version answered. Artifacts point here with `modelCallId`.
 */
export const modelCall = sqliteTable(
  'model_call',
  {
    id: text('id').primaryKey(),
    runId: text('run_id'),
    role: text('role').$type<LlmRole>().notNull(),
    provider: text('provider').$type<LlmProviderName>().notNull(),
    model: text('model').notNull(),
    /** What the call was for (`lib/core/llm/types.ts` LlmPurpose). */
    purpose: text('purpose').notNull(),
    promptId: text('prompt_id').notNull(),
    promptVersion: text('prompt_version').notNull(),
    messages: text('messages', { mode: 'json' }).$type<LlmMessage[]>().notNull(),
    /** Sampling parameters and other body fields sent (no secrets). */
    params: text('params', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    response: text('response'),
    /** Characters of the raw response before it was capped for storage. */
    responseChars: integer('response_chars'),
    latencyMs: real('latency_ms').notNull(),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    error: text('error'),
    createdAt: createdAt(),
  },
  (t) => [index('model_call_run_idx').on(t.runId), index('model_call_created_idx').on(t.createdAt)],
);

export const PIPELINE_STAGES = ['abstract', 'propose_paths', 'infer_intents', 'augment'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * One run of a pipeline stage over a selection of tasks. The job (`jobId`, the latest one when a
 * run was resumed) carries status and progress; the run keeps scope, providers, prompt versions
 * and the run's figures (OSR/FTSR/ESP, INVALID rate, counts).
 */
export const pipelineRun = sqliteTable(
  'pipeline_run',
  {
    id: text('id').primaryKey(),
    stage: text('stage').$type<PipelineStage>().notNull(),
    jobId: text('job_id'),
    /** The selection as given: task ids, or an iteration. */
    scope: text('scope', { mode: 'json' })
      .$type<{ taskIds: string[]; iterationId: number | null }>()
      .notNull(),
    /** Provider and model per role at start, e.g. `{coder: {provider: 'heuristic', model: 'heuristic-v1'}}`. */
    providers: text('providers', { mode: 'json' })
      .$type<Record<string, { provider: LlmProviderName; model: string }>>()
      .notNull(),
    /** Prompt id → version used. */
    promptVersions: text('prompt_versions', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    stats: text('stats', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('pipeline_run_created_idx').on(t.createdAt)],
);

/**
 * The unit of resumable work: one trajectory (or task) of a run. A unit is written in one
 * transaction with everything it produced, so a resumed run skips `done` and `failed` units.
 */
export const pipelineItem = sqliteTable(
  'pipeline_item',
  {
    runId: text('run_id')
      .notNull()
      .references(() => pipelineRun.id, { onDelete: 'cascade' }),
    /** A trajectory id, or a task id for task-level stages. */
    subjectId: text('subject_id').notNull(),
    taskId: text('task_id').notNull(),
    status: text('status').$type<'done' | 'failed' | 'skipped'>().notNull(),
    error: text('error'),
    /** The model call that failed, when one did. */
    failedModelCallId: text('failed_model_call_id'),
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('pipeline_item_pk').on(t.runId, t.subjectId),
    index('pipeline_item_task_idx').on(t.taskId),
  ],
);

/** A key step (stage K) of a demo or rollout, in trajectory order, with its synthesis outcome. */
export const keyStep = sqliteTable(
  'key_step',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => pipelineRun.id, { onDelete: 'cascade' }),
    taskId: text('task_id')
      .notNull()
      .references(() => task.id, { onDelete: 'cascade' }),
    trajectoryId: text('trajectory_id')
      .notNull()
      .references(() => trajectory.id, { onDelete: 'cascade' }),
    /** 0-based order among the trajectory's key steps. */
    position: integer('position').notNull(),
    /** The step the description was snapped to (0-based); null for the final-status step when synthetic. */
    stepIndex: integer('step_index'),
    description: text('description').notNull(),
    /** `passed`: a synthesised LF passed on its trajectory; `flagged`: none did in 5 attempts. */
    status: text('status').$type<'passed' | 'flagged'>().notNull(),
    /** The pool node it became or reused (stage 4 / proposed path), when any. */
    nodeId: text('node_id'),
    /** The passing attempt's code. */
    code: text('code'),
    keyStepsCallId: text('key_steps_call_id'),
    createdAt: createdAt(),
  },
  (t) => [index('key_step_run_idx').on(t.runId), index('key_step_trajectory_idx').on(t.trajectoryId)],
);

/** Every label-function synthesis attempt (stage S), in order, with its sandbox result. */
export const lfAttempt = sqliteTable(
  'lf_attempt',
  {
    id: text('id').primaryKey(),
    keyStepId: text('key_step_id')
      .notNull()
      .references(() => keyStep.id, { onDelete: 'cascade' }),
    /** 1..5 */
    attempt: integer('attempt').notNull(),
    /** The extracted Python block; null when the reply had none. */
    code: text('code'),
    result: integer('result', { mode: 'boolean' }),
    /** An LF outcome (`ok`, `exception`, `timeout`, …) or `no_code` / `model_error`. */
    outcome: text('outcome').notNull(),
    error: text('error'),
    evidenceStep: integer('evidence_step'),
    modelCallId: text('model_call_id'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('lf_attempt_key_step_attempt_idx').on(t.keyStepId, t.attempt)],
);

export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/**
 * A path proposed from a Partially Passed rollout (DESIGN.md › Graph expansion): node drafts in
 * path order, each reusing a pool node by description or carrying new code. Merged only on approval.
 */
export const proposedPath = sqliteTable(
  'proposed_path',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').references(() => pipelineRun.id, { onDelete: 'set null' }),
    taskId: text('task_id')
      .notNull()
      .references(() => task.id, { onDelete: 'cascade' }),
    trajectoryId: text('trajectory_id')
      .notNull()
      .references(() => trajectory.id, { onDelete: 'cascade' }),
    /** `[{description, code, nodeId}]`: `nodeId` set when an existing pool node is reused. */
    nodes: text('nodes', { mode: 'json' })
      .$type<{ description: string; code: string; nodeId: string | null }[]>()
      .notNull(),
    status: text('status').$type<ReviewStatus>().notNull().default('pending'),
    reviewedBy: text('reviewed_by').references(() => user.id, { onDelete: 'set null' }),
    reviewedAt: integer('reviewed_at', { mode: 'timestamp_ms' }),
    reviewNote: text('review_note'),
    /** The graph version the approval created. */
    graphVersionId: text('graph_version_id'),
    /** `provider:model` that produced it. */
    producedBy: text('produced_by').notNull(),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdAt: createdAt(),
  },
  (t) => [index('proposed_path_task_idx').on(t.taskId, t.status)],
);

/**
 * An intent inferred from a Failed rollout (DESIGN.md › Failure-driven intent inference). Dropped
 * candidates are kept too (`status` `invalid` / `dropped` with the reason) so the INVALID rate can
 * be audited.
 */
export const extrapolatedIntent = sqliteTable(
  'extrapolated_intent',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').references(() => pipelineRun.id, { onDelete: 'set null' }),
    taskId: text('task_id')
      .notNull()
      .references(() => task.id, { onDelete: 'cascade' }),
    trajectoryId: text('trajectory_id')
      .notNull()
      .references(() => trajectory.id, { onDelete: 'cascade' }),
    candidate: text('candidate'),
    intent: text('intent'),
    status: text('status').$type<'pending' | 'approved' | 'rejected' | 'invalid' | 'dropped'>().notNull(),
    dropReason: text('drop_reason'),
    candidateCallId: text('candidate_call_id'),
    refineCallId: text('refine_call_id'),
    reviewedBy: text('reviewed_by').references(() => user.id, { onDelete: 'set null' }),
    reviewedAt: integer('reviewed_at', { mode: 'timestamp_ms' }),
    createdTaskId: text('created_task_id'),
    producedBy: text('produced_by').notNull(),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdAt: createdAt(),
  },
  (t) => [index('extrapolated_intent_task_idx').on(t.taskId, t.status)],
);

/** A task variant proposed from a Fully Passed rollout (DESIGN.md › Success-based augmentation). */
export const proposedTask = sqliteTable(
  'proposed_task',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').references(() => pipelineRun.id, { onDelete: 'set null' }),
    parentTaskId: text('parent_task_id')
      .notNull()
      .references(() => task.id, { onDelete: 'cascade' }),
    sourceTrajectoryId: text('source_trajectory_id').references(() => trajectory.id, {
      onDelete: 'set null',
    }),
    intent: text('intent').notNull(),
    template: text('template'),
    params: text('params', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    variant: text('variant').$type<'template' | 'paraphrase'>().notNull(),
    status: text('status').$type<ReviewStatus>().notNull().default('pending'),
    reviewedBy: text('reviewed_by').references(() => user.id, { onDelete: 'set null' }),
    reviewedAt: integer('reviewed_at', { mode: 'timestamp_ms' }),
    createdTaskId: text('created_task_id'),
    modelCallId: text('model_call_id'),
    producedBy: text('produced_by').notNull(),
    iterationId: integer('iteration_id').references(() => iteration.id),
    createdAt: createdAt(),
  },
  (t) => [index('proposed_task_parent_idx').on(t.parentTaskId, t.status)],
);

// ---------------------------------------------------------------------------------------------
// Curation workspace (issue 5): review queues, leases, decisions, comments
// ---------------------------------------------------------------------------------------------

/**
 * The review queues. `lf_flag` holds label-function flags (a key step with no passing function, an
 * LF that passes on everything / nothing, errors, or sits on the matched path of a rollout the
 * environment failed); `rollout_verdict` asks a human whether a rollout accomplished its task where
 * the graph and the environment disagree or the environment said nothing.
 */
export const REVIEW_QUEUES = REVIEW_QUEUE_IDS;
export type ReviewQueue = ReviewQueueId;

export const REVIEW_DECISIONS = ['accept', 'reject'] as const;
export type ReviewDecisionValue = (typeof REVIEW_DECISIONS)[number];

/**
 * `open`: waiting for reviews; `needs_adjudication`: the required reviews disagree and a PI decides;
 * `decided`: the decision was applied; `obsolete`: the subject went away (e.g. the flagged LF
 * version is no longer current) before anyone decided.
 */
export type ReviewItemStatus = 'open' | 'needs_adjudication' | 'decided' | 'obsolete';

/** Per-queue settings a PI changes: independent reviews per item and the lease length. */
export const reviewQueueSetting = sqliteTable('review_queue_setting', {
  queue: text('queue').$type<ReviewQueue>().primaryKey(),
  requiredReviews: integer('required_reviews').notNull().default(1),
  leaseSeconds: integer('lease_seconds').notNull().default(300),
  updatedBy: text('updated_by').references(() => user.id, { onDelete: 'set null' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }),
});

/** One thing to review in one queue; `subjectId` names the proposal, flag or rollout. */
export const reviewItem = sqliteTable(
  'review_item',
  {
    id: text('id').primaryKey(),
    queue: text('queue').$type<ReviewQueue>().notNull(),
    /** Proposal id, rollout id, `key_step:<id>` or `lf:<lf version id>:<flag>`. */
    subjectId: text('subject_id').notNull(),
    taskId: text('task_id').references(() => task.id, { onDelete: 'cascade' }),
    trajectoryId: text('trajectory_id').references(() => trajectory.id, { onDelete: 'cascade' }),
    nodeId: text('node_id'),
    /** Flag kind for `lf_flag` items (`no_passing_function`, `passes_everything`, …). */
    flag: text('flag'),
    /** One line for lists (the intent, the key step, the task). */
    summary: text('summary').notNull(),
    iterationId: integer('iteration_id').references(() => iteration.id),
    requiredReviews: integer('required_reviews').notNull().default(1),
    status: text('status').$type<ReviewItemStatus>().notNull().default('open'),
    decision: text('decision').$type<ReviewDecisionValue>(),
    /** `consensus`, or `adjudication` when a PI settled a disagreement. */
    decidedVia: text('decided_via').$type<'consensus' | 'adjudication'>(),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
    /** What applying the decision produced (graph version, created task, LF version). */
    outcome: text('outcome', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('review_item_subject_idx').on(t.queue, t.subjectId),
    index('review_item_queue_status_idx').on(t.queue, t.status, t.createdAt),
  ],
);

/** A reviewer's hold on an item; expired rows are ignored and replaced by the next claim. */
export const reviewLease = sqliteTable(
  'review_lease',
  {
    itemId: text('item_id')
      .notNull()
      .references(() => reviewItem.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('review_lease_item_user_idx').on(t.itemId, t.userId)],
);

/** One reviewer's decision on an item (`kind` `review`), or a PI's ruling on a disagreement. */
export const reviewDecision = sqliteTable(
  'review_decision',
  {
    id: text('id').primaryKey(),
    itemId: text('item_id')
      .notNull()
      .references(() => reviewItem.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => user.id, { onDelete: 'set null' }),
    kind: text('kind').$type<'review' | 'adjudication'>().notNull().default('review'),
    decision: text('decision').$type<ReviewDecisionValue>().notNull(),
    reason: text('reason'),
    /** Edited text or code submitted with an accept (`{intent}`, `{code}`). */
    edit: text('edit', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /** When the reviewer's lease began, for time-per-decision. */
    claimedAt: integer('claimed_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('review_decision_item_user_idx').on(t.itemId, t.userId, t.kind),
    index('review_decision_user_idx').on(t.userId, t.createdAt),
  ],
);

/** A comment anchored to one step of a trajectory (deep link `/trajectories/<id>?step=<n+1>`). */
export const stepComment = sqliteTable(
  'step_comment',
  {
    id: text('id').primaryKey(),
    trajectoryId: text('trajectory_id')
      .notNull()
      .references(() => trajectory.id, { onDelete: 'cascade' }),
    /** 0-based step index. */
    stepIndex: integer('step_index').notNull(),
    userId: text('user_id').references(() => user.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    createdAt: createdAt(),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
    resolvedBy: text('resolved_by').references(() => user.id, { onDelete: 'set null' }),
  },
  (t) => [index('step_comment_trajectory_idx').on(t.trajectoryId, t.stepIndex)],
);

// ---------------------------------------------------------------------------------------------
// Environments, rollouts and ingestion (issue 6)
// ---------------------------------------------------------------------------------------------

/**
 * A State-API web app registered with `env add` (DESIGN.md › Formats › State-API web apps): the
 * runner serves `folder` itself, one server per browser, and its tasks are imported as tasks with
 * `source = 'state-api'`, `externalId = 'app:<id>:<task id>'`.
 */
export const environmentApp = sqliteTable('environment_app', {
  /** Slug, e.g. `shop`; the folder name unless given. */
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').$type<'state-api'>().notNull().default('state-api'),
  /** Absolute path of the app folder on the server machine. */
  folder: text('folder').notNull(),
  taskCount: integer('task_count').notNull().default(0),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Key/value settings of the product (rollout settings, WebArena site URLs), each a validated JSON value. */
export const appSetting = sqliteTable('app_setting', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).$type<unknown>().notNull(),
  updatedBy: text('updated_by').references(() => user.id, { onDelete: 'set null' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Per-user API keys for the ingestion API. Only the sha256 of the key is stored; `prefix` (the
 * first characters, e.g. `cck_3f9a1c`) identifies it in lists. A revoked key never authenticates again.
 */
export const apiKey = sqliteTable(
  'api_key',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    revokedBy: text('revoked_by').references(() => user.id, { onDelete: 'set null' }),
  },
  (t) => [index('api_key_user_idx').on(t.userId)],
);

// ---------------------------------------------------------------------------------------------
// Fine-tuning exports and launches (issue 7)
// ---------------------------------------------------------------------------------------------

/** What a training export was asked for (`server/services/export-service.ts` ZExportOptionsSchema). */
export interface TrainingExportOptions {
  sources: ExportSource[];
  /** Seed of the train/validation split. */
  seed: number;
  /** Share of trajectories (not steps) that go to validation, 0..0.5. */
  validationFraction: number;
  /** Rollouts and reviews of earlier iterations too (expert demos are always cumulative). */
  includeEarlierIterations: boolean;
  /** Trajectories of tasks that pass on the untouched seed too (absent in older rows = false). */
  includeSeedPassing?: boolean;
}

/**
 * A fine-tuning export of one iteration. Status is the status of its latest job (`jobId`); the
 * files sit under `<data dir>/<dir>` once the job succeeded, with `manifest.json` beside them.
 */
export const trainingExport = sqliteTable(
  'training_export',
  {
    id: text('id').primaryKey(),
    iterationId: integer('iteration_id')
      .notNull()
      .references(() => iteration.id),
    format: text('format').$type<ExportFormat>().notNull(),
    options: text('options', { mode: 'json' }).$type<TrainingExportOptions>().notNull(),
    /** The latest job that wrote (or is writing) it; a re-run points it at the new job. */
    jobId: text('job_id'),
    /** Relative to the data directory, e.g. `exports/<id>`. */
    dir: text('dir').notNull(),
    /** Counts and file list from the manifest, once written. */
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    manifestSha256: text('manifest_sha256'),
    createdBy: text('created_by').references(() => user.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('training_export_iteration_idx').on(t.iterationId, t.createdAt)],
);

/**
 * One "Launch fine-tuning" of an export: a job on an OpenAI-compatible fine-tuning API, or a
 * configured command run as a job. Status is the status of its job; `external*` mirror the API.
 */
export const fineTuneRun = sqliteTable(
  'fine_tune_run',
  {
    id: text('id').primaryKey(),
    exportId: text('export_id')
      .notNull()
      .references(() => trainingExport.id, { onDelete: 'cascade' }),
    iterationId: integer('iteration_id').references(() => iteration.id),
    launcher: text('launcher').$type<'openai' | 'command'>().notNull(),
    /** Base model for `openai`; the configured command's name for `command`. */
    target: text('target').notNull(),
    jobId: text('job_id'),
    /** The API's fine-tuning job id (`ftjob-…`). */
    externalJobId: text('external_job_id'),
    /** The API's last reported status (`validating_files`, `running`, `succeeded`, …). */
    externalStatus: text('external_status'),
    /** Uploaded file ids `{ training, validation }`. */
    fileIds: text('file_ids', { mode: 'json' }).$type<Record<string, string> | null>(),
    /** The fine-tuned model the API reported, when it succeeded. */
    resultModel: text('result_model'),
    /** The command's exit code. */
    exitCode: integer('exit_code'),
    /** The command line as run, or the API base URL and model (no secrets). */
    invocation: text('invocation', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /** Log file relative to the data directory (`fine-tune/<id>.log`). */
    logPath: text('log_path').notNull(),
    createdBy: text('created_by').references(() => user.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('fine_tune_run_export_idx').on(t.exportId, t.createdAt)],
);
