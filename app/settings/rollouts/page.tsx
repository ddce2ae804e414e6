import type { Metadata } from 'next';
import { RolloutSettings } from '@/components/settings/rollout-settings';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Rollout settings' };
export const dynamic = 'force-dynamic';

/** Rollout settings, WebArena site URLs and State-API apps (researchers and PIs). */
export default async function RolloutSettingsPage() {
  const { user, allowed } = await requireScope('/settings/rollouts', 'settings:rollouts');
  if (!allowed) return <Forbidden what="Rollout settings are for researchers and PIs." />;
  const canSeeApps = hasScope(user.role, 'rollouts:watch');
  prefetch(trpc.rollouts.settings.queryOptions());
  if (canSeeApps) prefetch(trpc.rollouts.apps.queryOptions());
  return (
    <HydrateClient>
      <RolloutSettings
        canSeeApps={canSeeApps}
        canManageApps={hasScope(user.role, 'environments:manage')}
        canEditNetwork={hasScope(user.role, 'settings:rollout-network')}
      />
    </HydrateClient>
  );
}
