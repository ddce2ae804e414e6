import type { Metadata } from 'next';
import { LIVE_LIST_INPUT } from '@/components/live/live-display';
import { LiveGrid } from '@/components/live/live-grid';
import { RolloutLauncher } from '@/components/rollouts/rollout-launcher';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Live rollouts' };
export const dynamic = 'force-dynamic';

/** Running rollouts as live tiles (researchers and PIs); steps are pushed over SSE. */
export default async function LivePage() {
  const { user, allowed } = await requireScope('/live', 'rollouts:watch');
  if (!allowed) return <Forbidden what="Watching rollouts live is for researchers and PIs." />;
  prefetch(trpc.live.list.queryOptions(LIVE_LIST_INPUT));
  // The launcher reads the stored settings for its defaults, so it needs both scopes.
  const canLaunch = hasScope(user.role, 'rollouts:run') && hasScope(user.role, 'settings:rollouts');
  if (canLaunch) {
    prefetch(trpc.rollouts.apps.queryOptions());
    prefetch(trpc.rollouts.settings.queryOptions());
  }
  return (
    <HydrateClient>
      <LiveGrid
        launcher={
          canLaunch ? <RolloutLauncher canManageApps={hasScope(user.role, 'environments:manage')} /> : null
        }
      />
    </HydrateClient>
  );
}
