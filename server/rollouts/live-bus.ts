/**
 * The in-process event bus behind the live view: built-in rollouts and the ingestion API publish
 * here when a live trajectory starts, gains a step or ends; the tRPC `live.*` subscriptions (SSE)
 * push those events to browsers. Events carry ids and small display fields only — screenshots are
 * fetched by hash from the media route, as everywhere else.
 *
 * One bus per server process (a `globalThis` singleton that survives Next dev reloads). Rollouts
 * started from the CLI run in their own process: their trajectories appear in the live grid from
 * the database, not as pushed steps.
 */
import { EventEmitter, on } from 'node:events';
import type { TrajectoryStatus } from '@/server/db/schema';

export interface LiveTrajectoryEvent {
  type: 'trajectory';
  trajectoryId: string;
  taskId: string;
  status: TrajectoryStatus;
  stepCount: number;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface LiveStepEvent {
  type: 'step';
  trajectoryId: string;
  taskId: string;
  stepIndex: number;
  /** When the step's screenshot was captured (ms since the epoch), for capture-to-screen latency. */
  capturedAt: number;
  /** When the step was stored and published (ms since the epoch). */
  at: number;
  screenshotHash: string | null;
  url: string | null;
  actionDescription: string;
}

export type LiveEvent = LiveTrajectoryEvent | LiveStepEvent;

const EVENT = 'live';

const globalForBus = globalThis as unknown as { coreCuratorLiveBus?: EventEmitter };

function getBus(): EventEmitter {
  if (!globalForBus.coreCuratorLiveBus) {
    const bus = new EventEmitter();
    // Every open live page holds one listener; the default limit of 10 would warn at the 11th.
    bus.setMaxListeners(0);
    globalForBus.coreCuratorLiveBus = bus;
  }
  return globalForBus.coreCuratorLiveBus;
}

export function publishLiveEvent(event: LiveEvent): void {
  getBus().emit(EVENT, event);
}

/** Calls `listener` for every event until the returned function is called. */
export function subscribeLiveEvents(listener: (event: LiveEvent) => void): () => void {
  const bus = getBus();
  bus.on(EVENT, listener);
  return () => bus.off(EVENT, listener);
}

/** The events as an async iterable that ends when `signal` aborts (for tRPC subscriptions). */
export async function* iterateLiveEvents(signal: AbortSignal | undefined): AsyncGenerator<LiveEvent> {
  try {
    for await (const [event] of on(getBus(), EVENT, { signal })) {
      yield event as LiveEvent;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
}

/**
 * A recording session changed (`recording-service.ts`): the person's page refetches the session.
 * Carries ids and the version only — the session itself is fetched with the owner's rights.
 */
export interface RecordingEvent {
  sessionId: string;
  version: number;
  ended: boolean;
  /** Milliseconds since the epoch. */
  at: number;
}

const RECORDING_EVENT = 'recording';

export function publishRecordingEvent(event: RecordingEvent): void {
  getBus().emit(RECORDING_EVENT, event);
}

/** One session's events as an async iterable that ends when `signal` aborts or the session ends. */
export async function* iterateRecordingEvents(
  sessionId: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<RecordingEvent> {
  try {
    for await (const [event] of on(getBus(), RECORDING_EVENT, { signal })) {
      const recording = event as RecordingEvent;
      if (recording.sessionId !== sessionId) continue;
      yield recording;
      if (recording.ended) return;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  }
}
