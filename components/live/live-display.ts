/**
 * Pure helpers of the live view (no React): the `live.list` input both the page and the grid use,
 * how a pushed event changes the grid's rows, status badges, "x s ago" and the connection label.
 */
import type { BadgeTone } from '@/components/ui/badge';
import type { TrajectoryStatus } from '@/server/db/schema';
import type { LiveEvent } from '@/server/rollouts/live-bus';
import type { LiveTrajectoryRow } from '@/server/services/live-query-service';

/** `live.list` input of the grid (server prefetch and client share the query key). */
export const LIVE_LIST_INPUT = {} as const;

/** Finished rollouts stay in the grid this long (the service's default; shown in the help text). */
export const LIVE_RECENT_MINUTES = 30;

export type LiveTile = LiveTrajectoryRow;

export interface AppliedLiveEvent {
  rows: LiveTile[];
  /**
   * The list must be fetched again: the event names a trajectory the grid does not show yet, or a
   * trajectory ended (its error and environment verdict are not in the event).
   */
  needsRefetch: boolean;
  /** The event's trajectory is not among the rows. */
  isUnknown: boolean;
}

/**
 * Applies one pushed event to the grid's rows: a new array when a row changed (untouched rows keep
 * their identity), the same array otherwise.
 * Step events move the tile to that step; an older step arriving late changes nothing.
 */
export function applyLiveEvent(rows: LiveTile[], event: LiveEvent): AppliedLiveEvent {
  const at = rows.findIndex((r) => r.id === event.trajectoryId);
  const row = rows[at];
  if (!row) return { rows, needsRefetch: true, isUnknown: true };
  let next: LiveTile;
  if (event.type === 'step') {
    if (row.latestStep && row.latestStep.index >= event.stepIndex) {
      return { rows, needsRefetch: false, isUnknown: false };
    }
    next = {
      ...row,
      stepCount: Math.max(row.stepCount, event.stepIndex + 1),
      latestStep: {
        index: event.stepIndex,
        screenshotHash: event.screenshotHash,
        url: event.url,
        actionDescription: event.actionDescription,
      },
    };
  } else {
    next = { ...row, status: event.status, stepCount: Math.max(row.stepCount, event.stepCount) };
  }
  const copy = [...rows];
  copy[at] = next;
  return {
    rows: copy,
    needsRefetch: event.type === 'trajectory' && event.status !== 'running',
    isUnknown: false,
  };
}

export interface StatusDisplay {
  label: string;
  tone: BadgeTone;
  /** Running: the badge pulses. */
  isPulsing: boolean;
}

/** The status badge of a tile or the viewer header; a complete rollout shows the env verdict when known. */
export function statusDisplay(status: TrajectoryStatus, envSuccess: boolean | null): StatusDisplay {
  if (status === 'running') return { label: 'running', tone: 'indigo', isPulsing: true };
  if (status === 'errored') return { label: 'errored', tone: 'red', isPulsing: false };
  if (envSuccess === true) return { label: 'complete · env success', tone: 'green', isPulsing: false };
  if (envSuccess === false) return { label: 'complete · env failure', tone: 'amber', isPulsing: false };
  return { label: 'complete', tone: 'slate', isPulsing: false };
}

/** "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago" (future times read "just now"). */
export function formatAgo(thenMs: number, nowMs: number): string {
  const seconds = Math.floor((nowMs - thenMs) / 1000);
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/**
 * When the tile last changed, in ms: the last pushed event seen for it, else when it finished,
 * else when it started (steps carry no time of their own in the database).
 */
export function lastActivityAt(
  row: Pick<LiveTile, 'createdAt' | 'finishedAt'>,
  lastEventAt: number | undefined,
): number {
  const stored = (row.finishedAt ?? row.createdAt).getTime();
  return lastEventAt === undefined ? stored : Math.max(stored, lastEventAt);
}

/** 0-based sample index → "sample 1"; null for trajectories that are not numbered samples. */
export function formatSample(sampleIndex: number | null): string | null {
  return sampleIndex === null ? null : `sample ${sampleIndex + 1}`;
}

export type LiveConnection = 'off' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

/**
 * The connection state from `useSubscription`'s status: `pending` = the SSE stream is open;
 * `connecting` with an error = it dropped and the client is reconnecting; `error` = it gave up
 * (e.g. the session ended).
 */
export function connectionState(
  status: 'idle' | 'connecting' | 'pending' | 'error',
  hasError: boolean,
): LiveConnection {
  switch (status) {
    case 'idle':
      return 'off';
    case 'pending':
      return 'connected';
    case 'connecting':
      return hasError ? 'reconnecting' : 'connecting';
    case 'error':
      return 'failed';
  }
}

export const CONNECTION_LABELS: Record<LiveConnection, string> = {
  off: 'Not live',
  connecting: 'Connecting…',
  connected: 'Connected · live',
  reconnecting: 'Reconnecting…',
  failed: 'Disconnected',
};

/** Running and finished counts for the grid's heading, e.g. "2 running · 3 finished". */
export function summarizeTiles(rows: readonly Pick<LiveTile, 'status'>[]): string {
  const running = rows.filter((r) => r.status === 'running').length;
  return `${running} running · ${rows.length - running} finished`;
}

/** A filter that is true the first time it sees a key and false after (refetch once per unknown id). */
export function createFirstSeenFilter(): (key: string) => boolean {
  const seen = new Set<string>();
  return (key) => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
}
