'use client';
/**
 * The live grid: one tile per running (or recently finished) trajectory — latest screenshot, task
 * intent, policy, sample, step count, status — each a link to the trajectory viewer, which follows
 * the rollout live.
 *
 * Push, not polling: `live.events` (SSE) events are applied to the `live.list` rows in the query
 * cache (`applyLiveEvent`). A trajectory the grid does not show yet refetches the list once; so
 * does a trajectory's end (its error and verdict are not in the event) and every (re)connection
 * (events are not replayed, so the list is read again to catch up).
 *
 * e2e hooks: every tile has `data-testid="live-tile"`, `data-trajectory-id`, `data-step-count`;
 * pushed steps are recorded in `window.__liveLatency` (see `use-live-latency.ts`).
 */
import { useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useEffect, useState, type ReactNode } from 'react';
import {
  applyLiveEvent,
  connectionState,
  createFirstSeenFilter,
  formatAgo,
  formatSample,
  lastActivityAt,
  LIVE_LIST_INPUT,
  LIVE_RECENT_MINUTES,
  summarizeTiles,
  type LiveTile,
} from '@/components/live/live-display';
import { ConnectionIndicator, TrajectoryStatusBadge } from '@/components/live/live-status';
import { useLiveLatency } from '@/components/live/use-live-latency';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/states';
import { formatCount, mediaUrl } from '@/lib/format';
import { useTRPC } from '@/lib/trpc/client';

/** The "x s ago" labels tick this often (a clock, not a fetch). */
const CLOCK_TICK_MS = 1000;

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function LiveGrid({
  launcher,
}: {
  /** Slot above the grid for the Start-rollouts form (rendered by the page when the user may run rollouts). */
  launcher?: ReactNode;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listKey = trpc.live.list.queryKey(LIVE_LIST_INPUT);
  const { data: rows } = useSuspenseQuery(trpc.live.list.queryOptions(LIVE_LIST_INPUT));
  /** Last pushed event time per trajectory (for "x s ago"; steps have no stored time). */
  const [lastEventAt, setLastEventAt] = useState<Record<string, number>>({});
  /** True the first time an unknown trajectory shows up (the list is refetched once for each). */
  const [isFirstSighting] = useState(createFirstSeenFilter);
  const trackLatency = useLiveLatency('live-tile');
  const now = useNow(CLOCK_TICK_MS);

  const subscription = useSubscription(
    trpc.live.events.subscriptionOptions(
      {},
      {
        onStarted: () => void queryClient.invalidateQueries({ queryKey: listKey }),
        onData: (event) => {
          setLastEventAt((prev) => ({ ...prev, [event.trajectoryId]: event.at }));
          const old = queryClient.getQueryData(listKey);
          if (!old) return;
          const applied = applyLiveEvent(old, event);
          if (applied.rows !== old) queryClient.setQueryData(listKey, applied.rows);
          if (!applied.isUnknown && event.type === 'step') {
            trackLatency({
              trajectoryId: event.trajectoryId,
              stepIndex: event.stepIndex,
              capturedAt: event.capturedAt,
              publishedAt: event.at,
            });
          }
          if (!applied.needsRefetch) return;
          if (applied.isUnknown && !isFirstSighting(event.trajectoryId)) return;
          void queryClient.invalidateQueries({ queryKey: listKey });
        },
      },
    ),
  );
  const connection = connectionState(subscription.status, subscription.error !== null);

  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-baseline justify-between gap-3">
        <div>
          <h1 className="text-lg font-semibold text-slate-900">Live rollouts</h1>
          <p className="text-sm text-slate-600">
            {summarizeTiles(rows)} · finished rollouts stay here for {LIVE_RECENT_MINUTES} minutes.
          </p>
        </div>
        <div className="flex items-center gap-2">
          <ConnectionIndicator state={connection} detail={subscription.error?.message} />
          {connection === 'failed' ? (
            <Button variant="secondary" onClick={() => subscription.reset()}>
              Reconnect
            </Button>
          ) : null}
        </div>
      </header>

      {/* Slot: the Start-rollouts form (rollouts:run) goes here. */}
      {launcher}

      {rows.length === 0 ? (
        <EmptyState title="No rollouts running">
          <p>
            Start rollouts with the form above, or from a terminal with{' '}
            <code className="rounded bg-slate-100 px-1 font-mono text-xs">npx core-curator rollouts …</code>{' '}
            (see <code className="font-mono text-xs">--help</code>). External harnesses that send steps
            through the ingestion API show up here too.
          </p>
          <p className="mt-1">Tiles appear as soon as a rollout starts and update with every step.</p>
        </EmptyState>
      ) : (
        <ul className="grid grid-cols-[repeat(auto-fill,minmax(220px,1fr))] gap-3" aria-label="Rollouts">
          {rows.map((row) => (
            <li key={row.id}>
              <LiveTileCard row={row} ago={formatAgo(lastActivityAt(row, lastEventAt[row.id]), now)} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function LiveTileCard({ row, ago }: { row: LiveTile; ago: string }) {
  const hash = row.latestStep?.screenshotHash ?? null;
  const sample = formatSample(row.sampleIndex);
  return (
    <Link
      href={`/trajectories/${row.id}`}
      data-testid="live-tile"
      data-trajectory-id={row.id}
      data-step-count={row.stepCount}
      data-status={row.status}
      className="block overflow-hidden rounded-lg bg-white shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300"
    >
      <div className="relative aspect-[4/3] bg-slate-900">
        {hash ? (
          // eslint-disable-next-line @next/next/no-img-element -- thumbnails are served by our auth-checked route
          <img
            key={hash}
            src={mediaUrl(hash, true)}
            alt={`Latest screenshot (step ${row.stepCount})`}
            className="absolute inset-0 h-full w-full object-cover object-top"
          />
        ) : (
          <div className="grid h-full place-items-center text-sm text-slate-400">
            {row.stepCount === 0 ? 'Waiting for the first step…' : 'No screenshot'}
          </div>
        )}
        <div className="absolute left-2 top-2">
          <TrajectoryStatusBadge status={row.status} envSuccess={row.envSuccess} />
        </div>
      </div>
      <div className="space-y-1 p-3 text-sm">
        <p className="line-clamp-2 font-medium text-slate-900" title={row.intent}>
          {row.intent}
        </p>
        <p className="truncate text-xs text-slate-500">
          <span className="font-mono">{row.taskExternalId}</span>
          {row.policy ? <> · {row.policy}</> : null}
          {sample ? <> · {sample}</> : null}
        </p>
        <p className="flex justify-between gap-2 text-xs text-slate-600">
          <span className="tabular-nums" data-testid="live-tile-steps">
            {formatCount(row.stepCount, 'step')}
          </span>
          <span suppressHydrationWarning>{ago}</span>
        </p>
        {row.latestStep?.actionDescription ? (
          <p className="truncate text-xs text-slate-500" title={row.latestStep.actionDescription}>
            {row.latestStep.actionDescription}
          </p>
        ) : null}
        {row.status === 'errored' ? (
          <p className="line-clamp-3 break-words text-xs text-rose-700" data-testid="live-tile-error">
            {row.error ?? 'No reason was recorded.'}
          </p>
        ) : null}
      </div>
    </Link>
  );
}
