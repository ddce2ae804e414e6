/**
 * Small pieces shared by the live grid and the trajectory viewer: the trajectory status badge
 * (running pulses) and the live connection indicator.
 */
import { Badge } from '@/components/ui/badge';
import { CONNECTION_LABELS, statusDisplay, type LiveConnection } from '@/components/live/live-display';
import type { TrajectoryStatus } from '@/server/db/schema';

export function TrajectoryStatusBadge({
  status,
  envSuccess,
  runningLabel,
}: {
  status: TrajectoryStatus;
  envSuccess: boolean | null;
  /** Replaces "running" (the viewer says "Live"). */
  runningLabel?: string;
}) {
  const display = statusDisplay(status, envSuccess);
  const label = status === 'running' && runningLabel ? runningLabel : display.label;
  return (
    <span data-testid="trajectory-status" data-status={status} className="inline-flex">
      <Badge tone={display.tone}>
        {display.isPulsing ? (
          <span className="relative mr-1 flex h-2 w-2" aria-hidden>
            <span className="absolute inline-flex h-full w-full animate-ping rounded-full bg-indigo-400 opacity-75" />
            <span className="relative inline-flex h-2 w-2 rounded-full bg-indigo-500" />
          </span>
        ) : null}
        {label}
      </Badge>
    </span>
  );
}

const DOT: Record<LiveConnection, string> = {
  off: 'bg-slate-300',
  connecting: 'bg-amber-400',
  connected: 'bg-emerald-500',
  reconnecting: 'bg-amber-400 animate-pulse',
  failed: 'bg-rose-500',
};

export function ConnectionIndicator({ state, detail }: { state: LiveConnection; detail?: string | null }) {
  return (
    <span
      className="inline-flex items-center gap-1.5 text-xs text-slate-600"
      role="status"
      data-testid="live-connection"
      data-state={state}
      title={detail ?? undefined}
    >
      <span className={`h-2 w-2 rounded-full ${DOT[state]}`} aria-hidden />
      {CONNECTION_LABELS[state]}
    </span>
  );
}
