/**
 * Demonstrations from people (issue 16 §1 and §3): recording sessions in which a person drives a
 * rollout browser (`server/rollouts/recording-session.ts`), and saving what they recorded as an
 * ordinary trajectory — an expert demo (`kind: 'expert'`, source `recorded`) or a correction of a
 * failed rollout (`kind: 'correction'`, source `corrected`, linked by `derivedFromId`, with the
 * step where the person took over in `takeoverStep`).
 *
 * Rules:
 * - **One session per person**, held in this server process (a `globalThis` registry, like the live
 *   bus). Starting a second one is refused with the first one's id, so the page can offer to resume
 *   or discard it.
 * - **Only the owner** sees, drives, finishes or discards a session (others get NOT_FOUND: a session
 *   id says nothing about whether it exists).
 * - **Always closed.** Idle timeout (no action for `idleTimeoutMs`, default 15 min); the recording
 *   page closed (no page subscribed to the session for `detachGraceMs`, default 60 s — a reload
 *   re-subscribes in time); a browser that dies; the server stopping (the browser is a child of the
 *   server process, see `recording-session.ts`). Every end that saves nothing is audited as
 *   `recording.discard` with the reason.
 * - **Nothing half-saved.** Steps and images stay in memory until Finish; saving stores the images,
 *   then writes the trajectory, its steps and the `media` rows in one transaction (files it created
 *   are removed if the transaction fails). Audited as `recording.save`.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { formatElementList } from '@/lib/core/rollouts/elements';
import type { OffscreenElement } from '@/lib/core/rollouts/types';
import { MAX_BLOCKED_REQUESTS_PER_STEP } from '@/lib/core/rollouts/url-policy';
import type { ObservedElement, StepAction } from '@/lib/core/types';
import { inTransaction, type Db } from '@/server/db/client';
import { auditLog, step, task, trajectory } from '@/server/db/schema';
import { assertChromiumAvailable, VIEWPORT, type RolloutBrowser } from '@/server/rollouts/browser';
import { publishLiveEvent, publishRecordingEvent } from '@/server/rollouts/live-bus';
import {
  RecordingSession,
  type FinishedRecording,
  type RecordingMode,
  type RecordingStatus,
  type ReplayStep,
} from '@/server/rollouts/recording-session';
import { markHarmfulStep } from '@/server/services/correction-service';
import { readEnv } from '@/server/env';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { insertMediaRows } from '@/server/services/live-trajectory-service';
import { removeCreatedFiles, storeImage, type StoredMedia } from '@/server/services/media-store';
import { loadRolloutTasks } from '@/server/services/rollout-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { getAllowedHosts, getRolloutSettings, getSiteUrls } from '@/server/services/rollout-settings-service';

/** A page with no subscription for this long is taken as closed, and its session discarded, in ms. */
export const DEFAULT_DETACH_GRACE_MS = 60_000;
/** How long an ended session stays readable (its end reason, the saved trajectory), in ms. */
export const ENDED_SESSION_TTL_MS = 10 * 60_000;
/** Longest answer a person may give, in characters. */
export const MAX_ANSWER_CHARS = 10_000;

/** The person driving a session. */
export interface RecordingUser {
  id: string;
  /** For audit rows, e.g. the e-mail address. */
  label: string;
}

/** Test and embedding hooks. */
export interface RecordingOptions {
  /** Sessions open at once on this server; default `CORE_CURATOR_MAX_RECORDINGS` (8). */
  maxSessions?: number;
  idleTimeoutMs?: number;
  detachGraceMs?: number;
  launchBrowser?: () => Promise<RolloutBrowser>;
}

/** The trajectory a finished session was saved as. */
export interface SavedRecording {
  trajectoryId: string;
  kind: 'expert' | 'correction';
  envSuccess: boolean | null;
  envMessage: string;
  stepCount: number;
  takeoverStep: number | null;
}

/** What the recording page shows (images are fetched from `/api/recordings/<id>/image`). */
export interface RecordingView {
  sessionId: string;
  mode: RecordingMode;
  status: RecordingStatus;
  version: number;
  notice: string | null;
  lastError: string | null;
  endReason: string | null;
  task: { id: string; externalId: string; intent: string };
  /** Corrections: the failed rollout, and the step the reviewer marked (0-based). */
  sourceTrajectoryId: string | null;
  markedStep: number | null;
  /** Corrections: index of the first step the person takes. */
  takeoverStep: number | null;
  steps: { index: number; actionDescription: string; replayed: boolean; url: string; title: string }[];
  current: {
    url: string;
    title: string;
    elements: ObservedElement[];
    offscreen: OffscreenElement[];
    width: number;
    height: number;
  } | null;
  maxSteps: number;
  idleTimeoutMs: number;
  /** ms since the epoch. */
  lastActivityAt: number;
  saved: SavedRecording | null;
}

interface Entry {
  session: RecordingSession;
  user: RecordingUser;
  db: Db;
  sourceTrajectoryId: string | null;
  markedStep: number | null;
  subscribers: number;
  detachGraceMs: number;
  detachTimer: NodeJS.Timeout | null;
  saved: SavedRecording | null;
}

interface Registry {
  sessions: Map<string, Entry>;
  byUser: Map<string, string>;
}

const globalForRecordings = globalThis as unknown as { coreCuratorRecordings?: Registry };

function registry(): Registry {
  globalForRecordings.coreCuratorRecordings ??= { sessions: new Map(), byUser: new Map() };
  return globalForRecordings.coreCuratorRecordings;
}

// ---------------------------------------------------------------------------------------------
// The person's actions
// ---------------------------------------------------------------------------------------------

const elementId = z.string().regex(/^\d{1,5}$/, 'a mark number');

/**
 * An action a person may take in a session (the rollout action space without the terminal ones,
 * which Finish takes). `type` into a drop-down picks the option by its label.
 */
export const ZPersonActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('click'), elementId }),
  z.object({ type: z.literal('hover'), elementId }),
  z.object({ type: z.literal('type'), elementId, text: z.string().max(5_000) }),
  z.object({
    type: z.literal('key_press'),
    key: z
      .string()
      .regex(/^[A-Za-z0-9+]{1,40}$/, 'a key name such as Enter, Tab, Escape, ArrowDown or Control+a'),
  }),
  z.object({ type: z.literal('scroll'), direction: z.enum(['up', 'down']), elementId: elementId.optional() }),
  z.object({ type: z.literal('go_back') }),
  z.object({ type: z.literal('goto'), url: z.string().url().max(2_000) }),
  z.object({ type: z.literal('wait') }),
]);
export type TPersonAction = z.infer<typeof ZPersonActionSchema>;

/** The structured step action of a person's action, with a raw text in the WebVoyager format. */
export function personStepAction(action: TPersonAction): StepAction {
  switch (action.type) {
    case 'click':
      return { type: 'click', elementId: action.elementId, raw: `Click [${action.elementId}]` };
    case 'hover':
      return { type: 'hover', elementId: action.elementId, raw: `Hover [${action.elementId}]` };
    case 'type':
      return {
        type: 'type',
        elementId: action.elementId,
        text: action.text,
        raw: `Type [${action.elementId}]; ${action.text}`,
      };
    case 'key_press':
      return { type: 'key_press', key: action.key, raw: `Press ${action.key}` };
    case 'scroll':
      return {
        type: 'scroll',
        direction: action.direction,
        ...(action.elementId !== undefined ? { elementId: action.elementId } : {}),
        raw: `Scroll [${action.elementId ?? 'WINDOW'}]; ${action.direction}`,
      };
    case 'go_back':
      return { type: 'go_back', raw: 'GoBack' };
    case 'goto':
      return { type: 'goto', url: action.url, raw: `Goto ${action.url}` };
    case 'wait':
      return { type: 'wait', raw: 'Wait' };
  }
}

// ---------------------------------------------------------------------------------------------
// Starting
// ---------------------------------------------------------------------------------------------

function audit(
  db: Db,
  user: RecordingUser,
  action: string,
  objectType: string,
  objectId: string,
  after: Record<string, unknown>,
) {
  db.insert(auditLog)
    .values({ userId: user.id, actor: user.label, action, objectType, objectId, before: null, after })
    .run();
}

/**
 * @throws DomainError('CONFLICT') when the person has a session open, or the server has as many
 *   open as it allows (each holds a Chromium).
 */
function assertCanStart(user: RecordingUser, options: RecordingOptions | undefined): void {
  const reg = registry();
  const existing = reg.byUser.get(user.id);
  if (existing)
    throw new DomainError(
      'CONFLICT',
      `You already have a recording session (${existing}); finish or discard it first (/record/${existing}).`,
    );
  const limit = options?.maxSessions ?? readEnv().maxRecordingSessions;
  if (reg.byUser.size >= limit)
    throw new DomainError(
      'CONFLICT',
      `${reg.byUser.size} recording sessions are open, the most this server allows (CORE_CURATOR_MAX_RECORDINGS = ${limit}); try again when one ends.`,
    );
}

function loadRecordableTask(db: Db, taskId: string) {
  const environment = db
    .select({ environment: task.environment })
    .from(task)
    .where(eq(task.id, taskId))
    .get();
  if (!environment) throw new DomainError('NOT_FOUND', `Task ${taskId} not found`);
  const [rolloutTask] = loadRolloutTasks(db, [taskId]);
  const t = rolloutTask!;
  if (environment.environment !== 'web')
    throw new DomainError(
      'BAD_INPUT',
      `Task ${t.externalId} is an ${environment.environment} task; only web tasks can be recorded here`,
    );
  if (t.source === 'state-api' && !t.appFolder)
    throw new DomainError(
      'BAD_INPUT',
      `Task ${t.externalId} names no registered app: register its app folder first`,
    );
  if (t.source !== 'state-api' && !t.startUrl)
    throw new DomainError('BAD_INPUT', `Task ${t.externalId} has no start URL and no app to serve`);
  return t;
}

function createSession(
  db: Db,
  params: {
    user: RecordingUser;
    taskId: string;
    mode: RecordingMode;
    prefix?: ReplayStep[];
    sourceTrajectoryId?: string | null;
    markedStep?: number | null;
    options?: RecordingOptions;
  },
): Entry {
  const rolloutTask = loadRecordableTask(db, params.taskId);
  if (!params.options?.launchBrowser) assertChromiumAvailable();
  const settings = getRolloutSettings(db);
  const options = params.options ?? {};
  const session = new RecordingSession({
    task: rolloutTask,
    mode: params.mode,
    network: { siteUrls: getSiteUrls(db), allowedHosts: getAllowedHosts(db) },
    stepTimeoutMs: settings.stepTimeoutMs,
    maxSteps: settings.maxSteps,
    idleTimeoutMs: options.idleTimeoutMs,
    prefix: params.prefix,
    launchBrowser: options.launchBrowser,
    onChange: (s) =>
      publishRecordingEvent({ sessionId: s.id, version: s.version, ended: s.ended, at: Date.now() }),
    onEnd: (s, reason) => onSessionEnd(s.id, reason),
  });
  const entry: Entry = {
    session,
    user: params.user,
    db,
    sourceTrajectoryId: params.sourceTrajectoryId ?? null,
    markedStep: params.markedStep ?? null,
    subscribers: 0,
    detachGraceMs: options.detachGraceMs ?? DEFAULT_DETACH_GRACE_MS,
    detachTimer: null,
    saved: null,
  };
  const reg = registry();
  reg.sessions.set(session.id, entry);
  reg.byUser.set(params.user.id, session.id);
  scheduleDetach(entry);
  return entry;
}

/**
 * Starts a session recording an expert demo of `taskId` (the browser starts in the background:
 * follow the session's events).
 * @returns the session id.
 * @throws DomainError('CONFLICT') when the person has a session already or Chromium is missing;
 *   DomainError('NOT_FOUND' | 'BAD_INPUT') for a task that cannot be recorded here.
 */
export function startRecording(
  db: Db,
  params: { taskId: string; user: RecordingUser; options?: RecordingOptions },
): { sessionId: string } {
  assertCanStart(params.user, params.options);
  const entry = createSession(db, { ...params, mode: 'demo' });
  audit(db, params.user, 'recording.start', 'task', params.taskId, {
    sessionId: entry.session.id,
    mode: 'demo',
  });
  void entry.session.start();
  return { sessionId: entry.session.id };
}

/**
 * Starts a correction of the failed rollout `trajectoryId` from its step `fromStep` (0-based; the
 * reviewer's first harmful step): marks that step on the rollout (`markHarmfulStep`, audited),
 * then resets the environment and replays steps 0..fromStep−1 before the person takes over.
 * @throws as {@link startRecording}; DomainError('BAD_INPUT') when the trajectory is not a failed
 *   rollout or `fromStep` is out of range (`markHarmfulStep`).
 */
export function startCorrection(
  db: Db,
  params: { trajectoryId: string; fromStep: number; user: RecordingUser; options?: RecordingOptions },
): { sessionId: string } {
  assertCanStart(params.user, params.options);
  const rollout = db
    .select({ id: trajectory.id, taskId: trajectory.taskId, harmfulStep: trajectory.harmfulStep })
    .from(trajectory)
    .where(eq(trajectory.id, params.trajectoryId))
    .get();
  if (!rollout) throw new DomainError('NOT_FOUND', `Trajectory ${params.trajectoryId} not found`);
  loadRecordableTask(db, rollout.taskId);
  // The review decision "Correct from here" has marked it already; mark (and audit) only a change.
  if (rollout.harmfulStep !== params.fromStep)
    markHarmfulStep(db, {
      trajectoryId: rollout.id,
      stepIndex: params.fromStep,
      actor: { userId: params.user.id, label: params.user.label },
    });
  const prefix = db
    .select({ action: step.action, elements: step.elements })
    .from(step)
    .where(and(eq(step.trajectoryId, rollout.id), lt(step.index, params.fromStep)))
    .orderBy(asc(step.index))
    .all()
    .map((s): ReplayStep => ({ action: s.action, elements: s.elements, replayed: true }));
  const entry = createSession(db, {
    user: params.user,
    taskId: rollout.taskId,
    mode: 'correction',
    prefix,
    sourceTrajectoryId: rollout.id,
    markedStep: params.fromStep,
    options: params.options,
  });
  audit(db, params.user, 'recording.start', 'trajectory', rollout.id, {
    sessionId: entry.session.id,
    mode: 'correction',
    fromStep: params.fromStep,
  });
  void entry.session.start();
  return { sessionId: entry.session.id };
}

// ---------------------------------------------------------------------------------------------
// Reading and driving
// ---------------------------------------------------------------------------------------------

function ownEntry(sessionId: string, user: RecordingUser): Entry {
  const entry = registry().sessions.get(sessionId);
  // Not-yours looks like not-there: a session id tells nothing about other people's sessions.
  if (!entry || entry.user.id !== user.id)
    throw new DomainError('NOT_FOUND', `Recording session ${sessionId} not found (it may have ended)`);
  return entry;
}

/** The person's open session, or null. */
export function getMyRecording(
  user: RecordingUser,
): { sessionId: string; taskId: string; mode: RecordingMode } | null {
  const id = registry().byUser.get(user.id);
  const entry = id ? registry().sessions.get(id) : undefined;
  if (!entry || entry.session.ended) return null;
  return { sessionId: entry.session.id, taskId: entry.session.task.id, mode: entry.session.mode };
}

/** @throws DomainError('NOT_FOUND') for a session that is not the person's or is gone. */
export function getRecordingView(sessionId: string, user: RecordingUser): RecordingView {
  const entry = ownEntry(sessionId, user);
  const s = entry.session;
  return {
    sessionId: s.id,
    mode: s.mode,
    status: s.status,
    version: s.version,
    notice: s.notice,
    lastError: s.lastError,
    endReason: s.endReason,
    task: { id: s.task.id, externalId: s.task.externalId, intent: s.task.intent },
    sourceTrajectoryId: entry.sourceTrajectoryId,
    markedStep: entry.markedStep,
    takeoverStep: s.takeoverStep,
    steps: s.steps.map((st, index) => ({
      index,
      actionDescription: st.actionDescription,
      replayed: st.replayed,
      url: st.observation.url,
      title: st.observation.title,
    })),
    current:
      s.current && !s.ended
        ? {
            url: s.current.url,
            title: s.current.title,
            elements: s.current.elements,
            offscreen: s.current.offscreen,
            width: VIEWPORT.width,
            height: VIEWPORT.height,
          }
        : null,
    maxSteps: s.maxSteps,
    idleTimeoutMs: s.idleTimeoutMs,
    lastActivityAt: s.lastActivityAt,
    saved: entry.saved,
  };
}

/**
 * A PNG of the session: the current observation (`step` omitted) or a recorded step's, with the
 * marks drawn or clean.
 * @throws DomainError('NOT_FOUND') for another person's session, or a step it does not have.
 */
export function getRecordingImage(
  sessionId: string,
  user: RecordingUser,
  params: { step?: number; marks: boolean },
): Buffer {
  const s = ownEntry(sessionId, user).session;
  const observation = params.step === undefined ? s.current : s.steps[params.step]?.observation;
  if (!observation) throw new DomainError('NOT_FOUND', 'No such image in this session');
  return params.marks ? observation.markedPng : observation.png;
}

/** Carries out a person's action (see `RecordingSession.act`). */
export async function actInRecording(
  sessionId: string,
  user: RecordingUser,
  params: { version: number; action: TPersonAction },
): Promise<RecordingView> {
  const entry = ownEntry(sessionId, user);
  await entry.session.act(personStepAction(params.action), params.version);
  return getRecordingView(sessionId, user);
}

/** Removes the last step by resetting and replaying (see `RecordingSession.undo`). */
export async function undoInRecording(sessionId: string, user: RecordingUser): Promise<RecordingView> {
  const entry = ownEntry(sessionId, user);
  await entry.session.undo();
  return getRecordingView(sessionId, user);
}

/**
 * Finishes the session: the verifier judges, and the recording is saved (expert demo or
 * correction) in one transaction; the browser is closed.
 * @returns the saved trajectory.
 * @throws DomainError('CONFLICT') when the session cannot finish now; DomainError('BAD_INPUT') for
 *   an over-long answer.
 */
export async function finishRecording(
  db: Db,
  dataDir: string,
  sessionId: string,
  user: RecordingUser,
  params: { answer: string | null },
): Promise<SavedRecording> {
  const entry = ownEntry(sessionId, user);
  if (params.answer !== null && params.answer.length > MAX_ANSWER_CHARS)
    throw new DomainError('BAD_INPUT', `answer: at most ${MAX_ANSWER_CHARS} characters`);
  const finished = await entry.session.finish(params.answer);
  let saved: SavedRecording;
  try {
    saved = await saveRecording(db, dataDir, entry, finished);
  } catch (error) {
    await entry.session.end(`Saving failed: ${(error as Error).message.split('\n')[0]}. Nothing was saved.`);
    throw error;
  }
  entry.saved = saved;
  if (saved.kind === 'correction') {
    // The rollout's "Corrections wanted" item is done now, not at the next sync.
    try {
      syncReviewItems(db);
    } catch {
      // The correction is saved; the queue catches up at the next sync.
    }
  }
  await entry.session.end(
    `Saved as ${saved.kind === 'expert' ? 'an expert demo' : 'a correction'} (${saved.envSuccess === true ? 'verifier passed' : saved.envSuccess === false ? 'verifier failed' : 'no verdict'}).`,
  );
  return saved;
}

/** Ends the session without saving anything (audited). Idempotent for an ended session. */
export async function discardRecording(sessionId: string, user: RecordingUser): Promise<void> {
  const entry = ownEntry(sessionId, user);
  await entry.session.end('Discarded: nothing was saved.');
}

/**
 * The recording page holds a subscription while open: `attach` when it starts, `detach` when it
 * ends. With no page attached for `detachGraceMs`, the session is discarded (the tab was closed).
 * @throws DomainError('NOT_FOUND') as {@link getRecordingView}.
 */
export function attachRecordingPage(sessionId: string, user: RecordingUser): () => void {
  const entry = ownEntry(sessionId, user);
  entry.subscribers++;
  if (entry.detachTimer) clearTimeout(entry.detachTimer);
  entry.detachTimer = null;
  let detached = false;
  return () => {
    if (detached) return;
    detached = true;
    entry.subscribers--;
    scheduleDetach(entry);
  };
}

function scheduleDetach(entry: Entry): void {
  if (entry.subscribers > 0 || entry.session.ended) return;
  if (entry.detachTimer) clearTimeout(entry.detachTimer);
  entry.detachTimer = setTimeout(() => {
    if (entry.subscribers === 0 && !entry.session.ended)
      void entry.session.end(
        `The recording page was closed (no page open for ${Math.round(entry.detachGraceMs / 1000)} s): nothing was saved.`,
      );
  }, entry.detachGraceMs);
  entry.detachTimer.unref();
}

function onSessionEnd(sessionId: string, reason: string): void {
  const reg = registry();
  const entry = reg.sessions.get(sessionId);
  if (!entry) return;
  if (entry.detachTimer) clearTimeout(entry.detachTimer);
  if (reg.byUser.get(entry.user.id) === sessionId) reg.byUser.delete(entry.user.id);
  if (!entry.saved) {
    try {
      audit(
        entry.db,
        entry.user,
        'recording.discard',
        entry.sourceTrajectoryId ? 'trajectory' : 'task',
        entry.sourceTrajectoryId ?? entry.session.task.id,
        {
          sessionId,
          mode: entry.session.mode,
          steps: entry.session.steps.length,
          reason,
        },
      );
    } catch {
      // The database being closed (server stopping) must not keep the session open.
    }
  }
  setTimeout(() => reg.sessions.delete(sessionId), ENDED_SESSION_TTL_MS).unref();
}

/** Ends every open session (server shutdown, tests). */
export async function endAllRecordings(reason = 'The server is stopping: nothing was saved.'): Promise<void> {
  await Promise.all([...registry().sessions.values()].map((e) => e.session.end(reason)));
}

// ---------------------------------------------------------------------------------------------
// Saving
// ---------------------------------------------------------------------------------------------

async function saveRecording(
  db: Db,
  dataDir: string,
  entry: Entry,
  finished: FinishedRecording,
): Promise<SavedRecording> {
  const { session } = entry;
  const created: string[] = [];
  const images: { shot: StoredMedia; marked: StoredMedia }[] = [];
  try {
    for (const [i, s] of finished.steps.entries()) {
      const label = `${session.task.externalId} recorded step ${i}`;
      const shot = await storeImage(dataDir, s.observation.png, label);
      const marked = await storeImage(dataDir, s.observation.markedPng, `${label} (marks)`);
      created.push(...shot.createdFiles, ...marked.createdFiles);
      images.push({ shot, marked });
    }
    const kind = session.mode === 'correction' ? 'correction' : 'expert';
    const id = randomUUID();
    inTransaction(
      db,
      (tx) => {
        insertMediaRows(
          tx,
          images.flatMap((i) => [i.shot, i.marked]),
        );
        if (entry.sourceTrajectoryId) {
          const source = tx
            .select({ id: trajectory.id })
            .from(trajectory)
            .where(eq(trajectory.id, entry.sourceTrajectoryId))
            .get();
          if (!source)
            throw new DomainError(
              'CONFLICT',
              `The rollout being corrected (${entry.sourceTrajectoryId}) was deleted meanwhile`,
            );
        }
        tx.insert(trajectory)
          .values({
            id,
            taskId: session.task.id,
            kind,
            source: kind === 'correction' ? 'corrected' : 'recorded',
            policy: 'person',
            iterationId: getOrCreateOpenIteration(tx),
            envSuccess: finished.verdict.envSuccess,
            envMessage: finished.verdict.message,
            finalAnswer: finished.finalAnswer,
            stepCount: finished.steps.length,
            status: 'complete',
            finishedAt: new Date(),
            contentHash: `recorded:${id}`,
            derivedFromId: entry.sourceTrajectoryId,
            takeoverStep: kind === 'correction' ? finished.takeoverStep : null,
            createdBy: entry.user.id,
          })
          .run();
        for (const [index, s] of finished.steps.entries()) {
          tx.insert(step)
            .values({
              id: randomUUID(),
              trajectoryId: id,
              index,
              url: s.observation.url,
              title: s.observation.title,
              elementsText: formatElementList(s.observation.elements),
              elements: s.observation.elements,
              screenshotHash: images[index]!.shot.hash,
              actionType: s.action.type,
              action: s.action,
              actionDescription: s.actionDescription,
              thought: s.replayed ? 'Replayed from the rollout being corrected.' : null,
              modelImageHash: images[index]!.marked.hash,
              blockedRequests: s.blocked.requests.slice(0, MAX_BLOCKED_REQUESTS_PER_STEP),
              blockedRequestCount: s.blocked.count,
            })
            .run();
        }
        tx.insert(auditLog)
          .values({
            userId: entry.user.id,
            actor: entry.user.label,
            action: 'recording.save',
            objectType: 'trajectory',
            objectId: id,
            before: null,
            after: {
              sessionId: session.id,
              kind,
              taskId: session.task.id,
              steps: finished.steps.length,
              envSuccess: finished.verdict.envSuccess,
              envMessage: finished.verdict.message,
              derivedFromId: entry.sourceTrajectoryId,
              takeoverStep: kind === 'correction' ? finished.takeoverStep : null,
            },
          })
          .run();
      },
      { immediate: true },
    );
    publishLiveEvent({
      type: 'trajectory',
      trajectoryId: id,
      taskId: session.task.id,
      status: 'complete',
      stepCount: finished.steps.length,
      at: Date.now(),
    });
    return {
      trajectoryId: id,
      kind,
      envSuccess: finished.verdict.envSuccess,
      envMessage: finished.verdict.message,
      stepCount: finished.steps.length,
      takeoverStep: kind === 'correction' ? finished.takeoverStep : null,
    };
  } catch (error) {
    // Files this save wrote that no stored step references (content-addressed: shared files stay).
    const stillReferenced = (file: string) => {
      const hash = /([0-9a-f]{64})/.exec(file)?.[1];
      if (!hash) return false;
      return !!(
        db.select({ id: step.id }).from(step).where(eq(step.screenshotHash, hash)).get() ??
        db.select({ id: step.id }).from(step).where(eq(step.modelImageHash, hash)).get()
      );
    };
    removeCreatedFiles(created.filter((f) => !stillReferenced(f)));
    throw error;
  }
}
