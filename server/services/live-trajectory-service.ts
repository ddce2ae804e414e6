/**
 * Live trajectories: created empty with status `running`, grown one step at a time while a
 * built-in rollout or an external harness (ingestion API) acts, then finished as `complete` or
 * `errored`. Each change is one small transaction and is published on the live bus
 * (`server/rollouts/live-bus.ts`) after it commits, so the live view shows only stored steps.
 *
 * Step indexes are assigned here (0, 1, …), in arrival order, inside the transaction that inserts
 * the step: two appends racing on one trajectory get distinct indexes. Screenshots are stored
 * content-addressed before the transaction (`media-store.ts`); a failed append removes the files it
 * created.
 */
import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { formatElementList } from '@/lib/core/rollouts/elements';
import { MAX_BLOCKED_REQUESTS_PER_STEP, type BlockedRequestBatch } from '@/lib/core/rollouts/url-policy';
import { describeAction } from '@/lib/core/step-descriptions';
import type { ObservedElement, StepAction, TrajectoryKind } from '@/lib/core/types';
import { inTransaction, type Db } from '@/server/db/client';
import { media, step, task, trajectory, type TrajectoryStatus } from '@/server/db/schema';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { removeCreatedFiles, storeImage, type StoredMedia } from '@/server/services/media-store';
import { publishLiveEvent } from '@/server/rollouts/live-bus';

export interface CreateLiveTrajectoryParams {
  taskId: string;
  kind: TrajectoryKind;
  /** e.g. `rollout:noisy-expert`, `ingest`. */
  source: string;
  /** Policy or harness, e.g. `noisy-expert`, `openai:qwen2.5-vl-7b`, `browsergym`. */
  policy: string | null;
  /** Author: user id, or the policy / job label for machine-made rows. */
  createdBy: string;
  /** Defaults to the open iteration (created when none is). */
  iterationId?: number | null;
  jobId?: string | null;
  sampleIndex?: number | null;
  /** Stable source key; null for none. */
  externalId?: string | null;
}

/**
 * Creates an empty `running` trajectory.
 * @returns its id.
 * @throws DomainError('NOT_FOUND') for an unknown task; DomainError('CONFLICT') for a taken externalId.
 */
export function createLiveTrajectory(db: Db, params: CreateLiveTrajectoryParams): string {
  const id = randomUUID();
  inTransaction(db, (tx) => {
    const parent = tx.select({ id: task.id }).from(task).where(eq(task.id, params.taskId)).get();
    if (!parent) throw new DomainError('NOT_FOUND', `Task ${params.taskId} not found`);
    if (params.externalId) {
      const taken = tx
        .select({ id: trajectory.id })
        .from(trajectory)
        .where(eq(trajectory.externalId, params.externalId))
        .get();
      if (taken)
        throw new DomainError('CONFLICT', `A trajectory with externalId '${params.externalId}' exists`);
    }
    tx.insert(trajectory)
      .values({
        id,
        externalId: params.externalId ?? null,
        taskId: params.taskId,
        kind: params.kind,
        source: params.source,
        policy: params.policy,
        iterationId: params.iterationId ?? getOrCreateOpenIteration(tx),
        status: 'running',
        jobId: params.jobId ?? null,
        sampleIndex: params.sampleIndex ?? null,
        stepCount: 0,
        contentHash: `live:${id}`,
        createdBy: params.createdBy,
      })
      .run();
  });
  publishLiveEvent({
    type: 'trajectory',
    trajectoryId: id,
    taskId: params.taskId,
    status: 'running',
    stepCount: 0,
    at: Date.now(),
  });
  return id;
}

export interface LiveStepInput {
  url: string | null;
  title: string | null;
  elements: ObservedElement[];
  /** Element list text as the harness printed it; derived from `elements` when omitted. */
  elementsText?: string | null;
  /** Screenshot bytes (PNG/JPEG/WebP/GIF), or an image already stored by hash. */
  screenshot?: Buffer | StoredMedia | null;
  action: StepAction;
  thought?: string | null;
  rawOutput?: string | null;
  /** The recorded model call that chose the action, if a model did. */
  modelCallId?: string | null;
  /** When the observation was captured (ms since the epoch); defaults to now. */
  capturedAt?: number;
  /** Requests the rollout network policy refused so far on this step (built-in rollouts only). */
  blocked?: BlockedRequestBatch;
  /**
   * The image the acting model was sent when it is not the clean screenshot (the set-of-marks
   * drawing), already stored by hash.
   */
  modelImage?: StoredMedia | null;
}

/** Writes the `media` rows of stored images (content-addressed: a row already there is kept). */
export function insertMediaRows(tx: Db, images: readonly (StoredMedia | null)[]): void {
  for (const image of images) {
    if (!image) continue;
    tx.insert(media)
      .values({
        hash: image.hash,
        mime: image.mime,
        bytes: image.bytes,
        width: image.width,
        height: image.height,
      })
      .onConflictDoNothing()
      .run();
  }
}

function isStoredMedia(value: Buffer | StoredMedia): value is StoredMedia {
  return !Buffer.isBuffer(value);
}

/**
 * Appends one step to a `running` trajectory.
 * @returns the step's index and id.
 * @throws DomainError('NOT_FOUND') unknown trajectory; DomainError('CONFLICT') when it is not running;
 *   DomainError('BAD_INPUT' | 'TOO_LARGE') for an unreadable or oversized screenshot (nothing stored).
 */
export async function appendLiveStep(
  db: Db,
  dataDir: string,
  trajectoryId: string,
  input: LiveStepInput,
): Promise<{ index: number; stepId: string }> {
  const head = getRunningHead(db, trajectoryId);
  const capturedAt = input.capturedAt ?? Date.now();
  let stored: StoredMedia | null = null;
  if (input.screenshot) {
    stored = isStoredMedia(input.screenshot)
      ? input.screenshot
      : await storeImage(dataDir, input.screenshot, `screenshot of step ${head.stepCount}`);
  }
  const actionDescription = describeAction(input.action, head.environment);
  const stepId = randomUUID();
  let index: number;
  try {
    index = inTransaction(
      db,
      (tx) => {
        const current = getRunningHead(tx, trajectoryId);
        insertMediaRows(tx, [stored, input.modelImage ?? null]);
        tx.insert(step)
          .values({
            id: stepId,
            trajectoryId,
            index: current.stepCount,
            url: input.url,
            title: input.title,
            elementsText: input.elementsText ?? formatElementList(input.elements),
            elements: input.elements,
            screenshotHash: stored?.hash ?? null,
            actionType: input.action.type,
            action: input.action,
            actionDescription,
            thought: input.thought ?? null,
            rawOutput: input.rawOutput ?? null,
            modelCallId: input.modelCallId ?? null,
            modelImageHash: input.modelImage?.hash ?? null,
            blockedRequests: input.blocked?.requests ?? [],
            blockedRequestCount: input.blocked?.count ?? 0,
          })
          .run();
        tx.update(trajectory)
          .set({ stepCount: current.stepCount + 1 })
          .where(eq(trajectory.id, trajectoryId))
          .run();
        return current.stepCount;
      },
      { immediate: true },
    );
  } catch (error) {
    if (stored && !isStoredMedia(input.screenshot!)) {
      // Content-addressed files may be shared with another step; only remove what this call wrote
      // and nothing references yet.
      const referenced = db
        .select({ id: step.id })
        .from(step)
        .where(eq(step.screenshotHash, stored.hash))
        .get();
      if (!referenced) removeCreatedFiles(stored.createdFiles);
    }
    throw error;
  }
  publishLiveEvent({
    type: 'step',
    trajectoryId,
    taskId: head.taskId,
    stepIndex: index,
    capturedAt,
    at: Date.now(),
    screenshotHash: stored?.hash ?? null,
    url: input.url,
    actionDescription,
  });
  return { index, stepId };
}

/**
 * Adds refused requests to a stored step (the runner's refusals that came after the step was
 * stored, while its action ran). Keeps at most `MAX_BLOCKED_REQUESTS_PER_STEP` records; the count
 * grows by `batch.count`. Works on finished trajectories too (the last step gets what the verdict's
 * page loads refused). @throws DomainError('NOT_FOUND') for an unknown step.
 */
export function addBlockedRequestsToStep(db: Db, stepId: string, batch: BlockedRequestBatch): void {
  if (batch.count === 0) return;
  inTransaction(
    db,
    (tx) => {
      const row = tx
        .select({ requests: step.blockedRequests, count: step.blockedRequestCount })
        .from(step)
        .where(eq(step.id, stepId))
        .get();
      if (!row) throw new DomainError('NOT_FOUND', `Step ${stepId} not found`);
      tx.update(step)
        .set({
          blockedRequests: [...row.requests, ...batch.requests].slice(0, MAX_BLOCKED_REQUESTS_PER_STEP),
          blockedRequestCount: row.count + batch.count,
        })
        .where(eq(step.id, stepId))
        .run();
    },
    { immediate: true },
  );
}

function getRunningHead(db: Db, trajectoryId: string) {
  const row = db
    .select({
      taskId: trajectory.taskId,
      status: trajectory.status,
      stepCount: trajectory.stepCount,
      environment: task.environment,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(eq(trajectory.id, trajectoryId))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Trajectory ${trajectoryId} not found`);
  if (row.status !== 'running') {
    throw new DomainError(
      'CONFLICT',
      `Trajectory ${trajectoryId} is ${row.status}; steps can no longer be added`,
    );
  }
  return row;
}

export interface FinishLiveTrajectoryParams {
  status: Exclude<TrajectoryStatus, 'running'>;
  /** The environment's verdict; null = unknown. */
  envSuccess: boolean | null;
  finalAnswer?: string | null;
  /** Why it errored (required in spirit for `errored`; shown in the viewer). */
  error?: string | null;
  /**
   * The environment's explanation of `envSuccess` (`trajectory.envMessage`): a State-API verifier's
   * message, the WebArena evaluators' details, why there is no verdict, or why judging failed.
   * Third-party text: stored as given, cut to {@link MAX_ENV_MESSAGE_CHARS}; null = none.
   */
  envMessage?: string | null;
}

/** Longest environment message stored (a verifier may print anything; the rest is cut, marked `…`). */
export const MAX_ENV_MESSAGE_CHARS = 4_000;

/** `message` cut to {@link MAX_ENV_MESSAGE_CHARS} (an ellipsis marks a cut); empty → null. */
export function boundEnvMessage(message: string | null | undefined): string | null {
  if (message === null || message === undefined || message.trim() === '') return null;
  if (message.length <= MAX_ENV_MESSAGE_CHARS) return message;
  let end = MAX_ENV_MESSAGE_CHARS - 1;
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(message[end - 1]!)) end -= 1;
  return `${message.slice(0, end)}…`;
}

/**
 * Ends a running trajectory. Its content hash becomes the sha256 of its steps, as for imports.
 * @throws DomainError('NOT_FOUND'); DomainError('CONFLICT') when it already ended.
 */
export function finishLiveTrajectory(db: Db, trajectoryId: string, params: FinishLiveTrajectoryParams): void {
  const result = inTransaction(
    db,
    (tx) => {
      const head = getRunningHead(tx, trajectoryId);
      const steps = tx
        .select({ index: step.index, action: step.action, url: step.url, shot: step.screenshotHash })
        .from(step)
        .where(eq(step.trajectoryId, trajectoryId))
        .orderBy(asc(step.index))
        .all();
      const contentHash = createHash('sha256')
        .update(JSON.stringify({ steps, finalAnswer: params.finalAnswer ?? null, env: params.envSuccess }))
        .digest('hex');
      tx.update(trajectory)
        .set({
          status: params.status,
          envSuccess: params.envSuccess,
          finalAnswer: params.finalAnswer ?? null,
          error: params.error ?? null,
          envMessage: boundEnvMessage(params.envMessage),
          contentHash,
          finishedAt: new Date(),
        })
        .where(and(eq(trajectory.id, trajectoryId), eq(trajectory.status, 'running')))
        .run();
      return head;
    },
    { immediate: true },
  );
  publishLiveEvent({
    type: 'trajectory',
    trajectoryId,
    taskId: result.taskId,
    status: params.status,
    stepCount: result.stepCount,
    at: Date.now(),
  });
}

/**
 * Marks trajectories left `running` by a stopped process as `errored` (start-up, like
 * `recoverInterruptedJobs`). Ingested trajectories are left alone: their harness may still be
 * running and appending. @returns how many.
 */
export function recoverInterruptedRollouts(db: Db): number {
  return db
    .update(trajectory)
    .set({
      status: 'errored',
      error: 'The server stopped while this rollout was running.',
      finishedAt: new Date(),
    })
    .where(and(eq(trajectory.status, 'running'), isNotNull(trajectory.jobId)))
    .run().changes;
}
