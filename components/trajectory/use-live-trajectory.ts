'use client';
/**
 * Makes the trajectory viewer live while its trajectory is `running`: subscribes to `live.events`
 * for that trajectory (SSE) and refetches `trajectories.get` on every pushed step and on the end,
 * so new steps appear in the filmstrip; also on every (re)connection, since missed events are not
 * replayed. The subscription closes once the refetched trajectory is no longer running.
 *
 * "Follow latest": while on, the viewer shows the newest step as it arrives; choosing an older step
 * turns it off, choosing the newest turns it back on.
 *
 * e2e hook: each pushed step is recorded in `window.__liveLatency` once its filmstrip item
 * (`[data-step-index]`) is in the DOM (see `components/live/use-live-latency.ts`).
 */
import { skipToken, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { connectionState, type LiveConnection } from '@/components/live/live-display';
import { useLiveLatency } from '@/components/live/use-live-latency';
import type { TrajectoryStatus } from '@/server/db/schema';
import { useTRPC } from '@/lib/trpc/client';

export interface LiveTrajectoryState {
  /** The trajectory is still running (steps may arrive). */
  isLive: boolean;
  /** Show the newest step as it arrives. */
  isFollowing: boolean;
  setFollowing: (value: boolean) => void;
  connection: LiveConnection;
  connectionError: string | null;
}

export function useLiveTrajectory({
  id,
  status,
  canWatch,
  initialFollow,
}: {
  id: string;
  status: TrajectoryStatus;
  /** The user holds `rollouts:watch`; others see a running trajectory without pushed steps. */
  canWatch: boolean;
  /** Start following the newest step (false when the URL names a step). */
  initialFollow: boolean;
}): LiveTrajectoryState {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isLive = status === 'running';
  const [isFollowing, setFollowing] = useState(initialFollow);
  const trackLatency = useLiveLatency('filmstrip');
  const queryKey = trpc.trajectories.get.queryKey({ id });

  const subscription = useSubscription(
    trpc.live.events.subscriptionOptions(isLive && canWatch ? { trajectoryId: id } : skipToken, {
      onStarted: () => void queryClient.invalidateQueries({ queryKey }),
      onData: (event) => {
        if (event.type === 'step') {
          trackLatency({
            trajectoryId: id,
            stepIndex: event.stepIndex,
            capturedAt: event.capturedAt,
            publishedAt: event.at,
          });
        }
        void queryClient.invalidateQueries({ queryKey });
      },
    }),
  );

  return {
    isLive,
    isFollowing,
    setFollowing,
    connection: connectionState(subscription.status, subscription.error !== null),
    connectionError: subscription.error?.message ?? null,
  };
}
