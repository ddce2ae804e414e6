/**
 * The ingestion API's domain side (`app/api/ingest/v1`, HTTP in `server/http/ingest-handlers.ts`):
 * an external harness (BrowserGym, VisualWebArena, AndroidWorld scripts) creates a `running`
 * trajectory, appends steps with screenshots while its agent acts, and finishes it. Storage, step
 * indexes and live events are the live-trajectory service's (`live-trajectory-service.ts`), so an
 * ingested trajectory shows up in the live view exactly like a built-in rollout.
 *
 * Every request acts as the API key's user. A trajectory made here has no job and records that user
 * as `createdBy`; only that user, or a PI, may read, append to or finish it — anyone else gets
 * NOT_FOUND, as for an id that does not exist.
 *
 * Bodies are validated here with zod; a failure is DomainError('BAD_INPUT') whose message starts
 * with the field path, e.g. `step.action.type: Invalid option: …`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { ZTaskStartUrlSchema } from '@/lib/core/rollouts/url-policy';
import { formatFieldPath } from '@/lib/core/import/format-errors';
import { parseWebVoyagerAction } from '@/lib/core/import/webvoyager';
import { isRoleAtLeast, type Role } from '@/lib/core/roles';
import {
  ACTION_TYPES,
  ENVIRONMENTS,
  IMPORTED_TRAJECTORY_KINDS,
  type ObservedElement,
  type StepAction,
} from '@/lib/core/types';
import { inTransaction, type Db } from '@/server/db/client';
import { task, trajectory } from '@/server/db/schema';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import {
  appendLiveStep,
  createLiveTrajectory,
  finishLiveTrajectory,
} from '@/server/services/live-trajectory-service';
import { MAX_SCREENSHOT_BYTES } from '@/server/services/media-store';

/** Most elements one step may list. */
export const MAX_INGEST_ELEMENTS = 5_000;
/** Longest URL, title, element name, action argument, `error`. */
export const MAX_INGEST_SHORT_CHARS = 20_000;
/** Longest element-list text, thought, raw model output, final answer. */
export const MAX_INGEST_LONG_CHARS = 500_000;
/** Longest intent of a task created by intent. */
export const MAX_INGEST_INTENT_CHARS = 10_000;
/** Hex characters of sha256(intent, startUrl) in a generated task key `ingest:<hex>`. */
const TASK_KEY_HEX_CHARS = 16;

/** The key's user a request acts as. */
export interface IngestActor {
  id: string;
  email: string;
  role: Role;
}

const shortText = z.string().max(MAX_INGEST_SHORT_CHARS);
const longText = z.string().max(MAX_INGEST_LONG_CHARS);
/** Element labels come as `"5"` or `5`. */
const elementLabel = z
  .union([z.string().min(1).max(200), z.number().int().nonnegative()])
  .transform((v) => String(v));

export const ZIngestBoxSchema = z.strictObject({
  x: z.number(),
  y: z.number(),
  width: z.number().nonnegative(),
  height: z.number().nonnegative(),
});

export const ZIngestElementSchema = z.object({
  id: elementLabel,
  role: shortText.nullish().transform((v) => v ?? null),
  name: shortText.default(''),
  box: ZIngestBoxSchema.nullish().transform((v) => v ?? null),
  context: shortText.optional(),
  states: z.array(z.string().max(200)).max(16).optional(),
}) satisfies z.ZodType<ObservedElement, unknown>;

/** A structured action (`lib/core/types.ts` StepAction); `raw` is optional here. */
export const ZIngestActionSchema = z.strictObject({
  type: z.enum(ACTION_TYPES),
  elementId: elementLabel.optional(),
  elementRole: shortText.optional(),
  elementName: shortText.optional(),
  text: longText.optional(),
  key: shortText.optional(),
  direction: z.enum(['up', 'down', 'left', 'right']).optional(),
  answer: longText.optional(),
  url: shortText.optional(),
  app: shortText.optional(),
  status: z.enum(['complete', 'infeasible']).optional(),
  point: z.strictObject({ x: z.number(), y: z.number() }).optional(),
  raw: longText.optional(),
});
export type TIngestAction = z.infer<typeof ZIngestActionSchema>;

export const ZIngestStepSchema = z
  .strictObject({
    url: shortText.nullish(),
    title: shortText.nullish(),
    elements: z.array(ZIngestElementSchema).max(MAX_INGEST_ELEMENTS).default([]),
    elementsText: longText.nullish(),
    /** Structured action; wins over `actionText`, which then becomes its `raw`. */
    action: ZIngestActionSchema.optional(),
    /** WebVoyager-style action text (`Click [5]`, `Type [3]; text`, `ANSWER; …`), parsed here. */
    actionText: longText.min(1).optional(),
    thought: longText.nullish(),
    rawOutput: longText.nullish(),
    /** When the observation was captured, ms since the epoch. */
    capturedAt: z.number().int().nonnegative().optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.action && s.actionText === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['action'],
        message: 'Required: give action (structured) or actionText (e.g. "Click [5]")',
      });
  });
export type TIngestStep = z.infer<typeof ZIngestStepSchema>;

export const ZIngestTaskRefSchema = z
  .strictObject({
    /** An existing task's id. */
    id: z.string().min(1).max(200).optional(),
    /** An existing task's external id, or the key of the task created from `intent`. */
    externalId: z.string().min(1).max(500).optional(),
    intent: z.string().trim().min(1).max(MAX_INGEST_INTENT_CHARS).optional(),
    /** http(s) only (`__SITE__` placeholders allowed): a rollout of this task opens it. */
    startUrl: shortText.pipe(ZTaskStartUrlSchema).nullish(),
    site: z.string().max(200).nullish(),
    environment: z.enum(ENVIRONMENTS).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.id === undefined && t.externalId === undefined && t.intent === undefined)
      ctx.addIssue({ code: 'custom', path: [], message: 'Required: give id, externalId or intent' });
  });

export const ZIngestCreateTrajectoryRequestSchema = z.strictObject({
  task: ZIngestTaskRefSchema,
  /** Policy or harness, e.g. `browsergym:gpt-4o`. */
  policy: z.string().min(1).max(200).nullish(),
  source: z.string().min(1).max(100).default('ingest'),
  kind: z.enum(IMPORTED_TRAJECTORY_KINDS).default('rollout'),
  /** Stable key of the run in the harness; a second trajectory with the same key is a CONFLICT. */
  externalId: z.string().min(1).max(500).nullish(),
});
export type TIngestCreateTrajectoryRequest = z.infer<typeof ZIngestCreateTrajectoryRequestSchema>;

export const ZIngestFinishRequestSchema = z.strictObject({
  /** The environment's verdict; null = unknown. */
  envSuccess: z.boolean().nullable(),
  /**
   * The harness's evaluator explanation of `envSuccess` (e.g. a verifier's message); stored as
   * `trajectory.envMessage`, cut to MAX_ENV_MESSAGE_CHARS, shown beside the verdict.
   */
  envMessage: shortText.nullish(),
  finalAnswer: longText.nullish(),
  status: z.enum(['complete', 'errored']).default('complete'),
  error: shortText.nullish(),
});
export type TIngestFinishRequest = z.infer<typeof ZIngestFinishRequestSchema>;

/**
 * Validates `value`; on failure DomainError('BAD_INPUT') `<path>: <message>` for the first issue,
 * the path prefixed by `root` (`step`, or null for a whole request body).
 */
export function parseIngestInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  root: string | null,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = formatFieldPath([...(root ? [root] : []), ...(issue?.path ?? [])]) ?? 'body';
  throw new DomainError('BAD_INPUT', `${path}: ${issue?.message ?? 'invalid value'}`);
}

/** Parses JSON text; DomainError('BAD_INPUT') `<what>: invalid JSON (…)` otherwise. */
export function parseIngestJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DomainError('BAD_INPUT', `${what}: invalid JSON (${(error as Error).message})`);
  }
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decodes `screenshotBase64` (plain base64 / base64url, or a `data:image/…;base64,` URI).
 * Too-large input is refused from its length, before decoding.
 * @throws DomainError('BAD_INPUT') for a non-string or bad base64; DomainError('TOO_LARGE') above
 *   MAX_SCREENSHOT_BYTES.
 */
export function decodeScreenshotBase64(value: unknown): Buffer {
  if (typeof value !== 'string') throw new DomainError('BAD_INPUT', 'screenshotBase64: expected a string');
  const text = value.replace(/^data:[\w/+.-]+;base64,/, '').replace(/\s+/g, '');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Math.floor((text.length * 3) / 4) - padding;
  if (bytes > MAX_SCREENSHOT_BYTES)
    throw new DomainError(
      'TOO_LARGE',
      `screenshot: ${bytes} bytes is over the limit of ${MAX_SCREENSHOT_BYTES} bytes`,
    );
  if (text === '' || !BASE64_RE.test(text))
    throw new DomainError('BAD_INPUT', 'screenshotBase64: not base64 data');
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

/** sha256(intent, startUrl) as the key of a task created by intent. */
export function ingestTaskKey(intent: string, startUrl: string | null | undefined): string {
  const hex = createHash('sha256')
    .update(JSON.stringify([intent, startUrl ?? null]))
    .digest('hex');
  return `ingest:${hex.slice(0, TASK_KEY_HEX_CHARS)}`;
}

type TaskRef = z.output<typeof ZIngestTaskRefSchema>;

/**
 * The task a trajectory is for: by id, by external id, or created from its intent (origin `seed`,
 * source `ingest`) unless a task with that external id exists, which is then reused.
 * @returns its id and whether it was created now.
 */
function resolveIngestTask(db: Db, actor: IngestActor, ref: TaskRef): { taskId: string; created: boolean } {
  if (ref.id !== undefined) {
    const row = db.select({ id: task.id }).from(task).where(eq(task.id, ref.id)).get();
    if (!row) throw new DomainError('NOT_FOUND', `task.id: no task with id '${ref.id}'`);
    return { taskId: row.id, created: false };
  }
  if (ref.intent === undefined) {
    const externalId = ref.externalId!;
    const row = db.select({ id: task.id }).from(task).where(eq(task.externalId, externalId)).get();
    if (!row) throw new DomainError('NOT_FOUND', `task.externalId: no task with externalId '${externalId}'`);
    return { taskId: row.id, created: false };
  }
  const intent = ref.intent;
  const externalId = ref.externalId ?? ingestTaskKey(intent, ref.startUrl);
  return inTransaction(
    db,
    (tx) => {
      const existing = tx.select({ id: task.id }).from(task).where(eq(task.externalId, externalId)).get();
      if (existing) return { taskId: existing.id, created: false };
      const id = randomUUID();
      tx.insert(task)
        .values({
          id,
          externalId,
          source: 'ingest',
          intent,
          startUrl: ref.startUrl ?? null,
          environment: ref.environment ?? 'web',
          site: ref.site ?? null,
          origin: 'seed',
          iterationId: getOrCreateOpenIteration(tx),
          createdBy: actor.id,
        })
        .run();
      return { taskId: id, created: true };
    },
    { immediate: true },
  );
}

export interface CreatedIngestTrajectory {
  trajectoryId: string;
  taskId: string;
  /** Whether the task was created by this request (from its intent). */
  taskCreated: boolean;
}

/**
 * Creates a `running` trajectory for the request body's task (see
 * {@link ZIngestCreateTrajectoryRequestSchema}).
 * @throws DomainError BAD_INPUT (body), NOT_FOUND (task id / externalId), CONFLICT (trajectory
 *   externalId taken).
 */
export function createIngestTrajectory(db: Db, actor: IngestActor, body: unknown): CreatedIngestTrajectory {
  const input = parseIngestInput(ZIngestCreateTrajectoryRequestSchema, body, null);
  const { taskId, created } = resolveIngestTask(db, actor, input.task);
  const trajectoryId = createLiveTrajectory(db, {
    taskId,
    kind: input.kind,
    source: input.source,
    policy: input.policy ?? null,
    createdBy: actor.id,
    externalId: input.externalId ?? null,
  });
  return { trajectoryId, taskId, taskCreated: created };
}

export interface IngestTrajectoryView {
  trajectoryId: string;
  taskId: string;
  kind: string;
  source: string;
  policy: string | null;
  status: string;
  stepCount: number;
  envSuccess: boolean | null;
  envMessage: string | null;
  finalAnswer: string | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * A trajectory the actor may use through the API: made without a job (ingested) by the actor, or
 * by anyone for a PI. @throws DomainError('NOT_FOUND') otherwise, as for an unknown id.
 */
export function getIngestTrajectoryOrThrow(
  db: Db,
  actor: IngestActor,
  trajectoryId: string,
): IngestTrajectoryView {
  const row = db
    .select({
      trajectoryId: trajectory.id,
      taskId: trajectory.taskId,
      kind: trajectory.kind,
      source: trajectory.source,
      policy: trajectory.policy,
      status: trajectory.status,
      stepCount: trajectory.stepCount,
      envSuccess: trajectory.envSuccess,
      envMessage: trajectory.envMessage,
      finalAnswer: trajectory.finalAnswer,
      error: trajectory.error,
      createdAt: trajectory.createdAt,
      finishedAt: trajectory.finishedAt,
      createdBy: trajectory.createdBy,
      jobId: trajectory.jobId,
    })
    .from(trajectory)
    .where(eq(trajectory.id, trajectoryId))
    .get();
  // A PI may act on any harness's trajectory (e.g. to finish one a crashed harness left running).
  const isAllowed =
    row && row.jobId === null && (row.createdBy === actor.id || isRoleAtLeast(actor.role, 'pi'));
  if (!row || !isAllowed) throw new DomainError('NOT_FOUND', `Trajectory ${trajectoryId} not found`);
  const { createdBy: _createdBy, jobId: _jobId, ...view } = row;
  return view;
}

/**
 * Fails fast, before a large body is read, when the trajectory is not the actor's or not running.
 * @throws DomainError NOT_FOUND or CONFLICT.
 */
export function assertIngestTrajectoryOpen(db: Db, actor: IngestActor, trajectoryId: string): void {
  const view = getIngestTrajectoryOrThrow(db, actor, trajectoryId);
  if (view.status !== 'running')
    throw new DomainError(
      'CONFLICT',
      `Trajectory ${trajectoryId} is ${view.status}; steps can no longer be added`,
    );
}

/** The stored action of a validated step: the structured one, or `actionText` parsed. */
export function toStepAction(step: TIngestStep): { action: StepAction; thought: string | null } {
  if (step.action) {
    const { raw, ...fields } = step.action;
    const action: StepAction = { ...fields, raw: raw ?? step.actionText ?? JSON.stringify(fields) };
    // Fill the target's role and name from the element list, as the importers do.
    const element =
      action.elementId === undefined ? undefined : step.elements.find((e) => e.id === action.elementId);
    if (element?.role && action.elementRole === undefined) action.elementRole = element.role;
    if (element && element.name.trim() !== '' && action.elementName === undefined)
      action.elementName = element.name;
    return { action, thought: null };
  }
  const text = step.actionText!;
  const parsed = parseWebVoyagerAction(text, step.elements);
  // A bare `Click [5]` has no `Action:` label; parse it as the text after one.
  if (parsed.action.type === 'unknown' && !/(^|\n)[ \t>*_-]*action[ \t*_]*:/i.test(text))
    return { action: parseWebVoyagerAction(`Action: ${text}`, step.elements).action, thought: null };
  return parsed;
}

/**
 * Appends one step (validated from `rawStep`) with an optional screenshot.
 * @returns the step's 0-based index.
 * @throws DomainError BAD_INPUT (step fields, screenshot not an image), TOO_LARGE (screenshot),
 *   NOT_FOUND (not the actor's), CONFLICT (not running). Nothing is stored on failure.
 */
export async function appendIngestStep(
  deps: { db: Db; dataDir: string },
  actor: IngestActor,
  trajectoryId: string,
  params: { step: unknown; screenshot: Buffer | null },
): Promise<{ index: number; stepId: string }> {
  const step = parseIngestInput(ZIngestStepSchema, params.step, 'step');
  assertIngestTrajectoryOpen(deps.db, actor, trajectoryId);
  if (params.screenshot && params.screenshot.byteLength > MAX_SCREENSHOT_BYTES)
    throw new DomainError(
      'TOO_LARGE',
      `screenshot: ${params.screenshot.byteLength} bytes is over the limit of ${MAX_SCREENSHOT_BYTES} bytes`,
    );
  if (params.screenshot?.byteLength === 0) throw new DomainError('BAD_INPUT', 'screenshot: empty file');
  const { action, thought } = toStepAction(step);
  return appendLiveStep(deps.db, deps.dataDir, trajectoryId, {
    url: step.url ?? null,
    title: step.title ?? null,
    elements: step.elements,
    elementsText: step.elementsText ?? null,
    screenshot: params.screenshot,
    action,
    thought: step.thought ?? thought,
    rawOutput: step.rawOutput ?? step.actionText ?? null,
    capturedAt: step.capturedAt,
  });
}

/**
 * Ends the actor's running trajectory (see {@link ZIngestFinishRequestSchema}).
 * @throws DomainError BAD_INPUT, NOT_FOUND, CONFLICT (already ended).
 */
export function finishIngestTrajectory(
  db: Db,
  actor: IngestActor,
  trajectoryId: string,
  body: unknown,
): IngestTrajectoryView {
  const input = parseIngestInput(ZIngestFinishRequestSchema, body, null);
  getIngestTrajectoryOrThrow(db, actor, trajectoryId);
  finishLiveTrajectory(db, trajectoryId, {
    status: input.status,
    envSuccess: input.envSuccess,
    envMessage: input.envMessage ?? null,
    finalAnswer: input.finalAnswer ?? null,
    error: input.error ?? (input.status === 'errored' ? 'The harness reported an error.' : null),
  });
  return getIngestTrajectoryOrThrow(db, actor, trajectoryId);
}
