'use client';
/**
 * The embedded demo's status on the first screen (signed out and signed in): while the demo job
 * sets things up, its message and a progress bar; on failure the error, which names the fix; on
 * success one line with links; nothing when no demo ran. `rollouts.demoStatus` is public and is
 * polled every 2 s only while the job is queued or running.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef } from 'react';
import {
  DEMO_POLL_INTERVAL_MS,
  DEMO_RERUN_COMMAND,
  describeDemoStatus,
  isDemoActive,
} from '@/components/rollouts/rollout-display';
import { ProgressBar } from '@/components/ui/states';
import { useTRPC } from '@/lib/trpc/client';

const LINK_CLASS = 'font-medium text-indigo-700 underline';
const CODE_CLASS = 'rounded bg-white/70 px-1 font-mono text-xs';

/** `canWatchLive`: link Live too (signed out: yes, the sign-in page follows). */
export function DemoStatus({ canWatchLive = true }: { canWatchLive?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const demo = useQuery(
    trpc.rollouts.demoStatus.queryOptions(undefined, {
      refetchInterval: (query) =>
        query.state.status !== 'error' && isDemoActive(query.state.data?.status)
          ? DEMO_POLL_INTERVAL_MS
          : false,
    }),
  );
  const isActive = isDemoActive(demo.data?.status);

  // When the demo finishes, what the screen shows (overview counts, queues) is read again.
  const wasActive = useRef(isActive);
  useEffect(() => {
    if (wasActive.current && !isActive) {
      void queryClient.invalidateQueries();
    }
    wasActive.current = isActive;
  }, [isActive, queryClient]);

  const view = describeDemoStatus(demo.data);
  if (!view) return null;

  if (view.kind === 'running') {
    return (
      <section
        aria-label="Demo status"
        data-testid="demo-status"
        data-status="running"
        className="rounded-lg bg-indigo-50 px-4 py-3 text-sm text-indigo-950 ring-1 ring-indigo-200"
      >
        <p className="mb-2 font-medium" role="status">
          {view.text} <span className="tabular-nums">({view.percent})</span>
        </p>
        <ProgressBar value={view.progress} />
      </section>
    );
  }
  if (view.kind === 'failed' || view.kind === 'stopped') {
    return (
      <section
        aria-label="Demo status"
        data-testid="demo-status"
        data-status={view.kind}
        role="alert"
        className="space-y-1 rounded-lg bg-rose-50 px-4 py-3 text-sm text-rose-900 ring-1 ring-rose-200"
      >
        <p className="font-medium">{view.kind === 'failed' ? 'The demo setup failed.' : view.text}</p>
        {view.kind === 'failed' ? <p className="whitespace-pre-wrap break-words">{view.error}</p> : null}
        <p>
          Run it again with <code className={CODE_CLASS}>{DEMO_RERUN_COMMAND}</code> after fixing.
        </p>
      </section>
    );
  }
  return (
    <p
      data-testid="demo-status"
      data-status="succeeded"
      className="rounded-lg bg-emerald-50 px-4 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200"
    >
      The demo loop has run on the bundled apps: open{' '}
      <Link href="/tasks" className={LINK_CLASS}>
        Tasks
      </Link>{' '}
      /{' '}
      <Link href="/review" className={LINK_CLASS}>
        Review
      </Link>{' '}
      {canWatchLive ? (
        <>
          /{' '}
          <Link href="/live" className={LINK_CLASS}>
            Live
          </Link>
        </>
      ) : null}
      .
    </p>
  );
}
