import type { Metadata } from 'next';
import { LIVE_LIST_INPUT } from '@/components/live/live-display';
import { LiveGrid } from '@/components/live/live-grid';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Live rollouts' };
export const dynamic = 'force-dynamic';

/** Running rollouts as live tiles (researchers and PIs); steps are pushed over SSE. */
export default async function LivePage() {
  const { allowed } = await requireScope('/live', 'rollouts:watch');
  if (!allowed) return <Forbidden what="Watching rollouts live is for researchers and PIs." />;
  prefetch(trpc.live.list.queryOptions(LIVE_LIST_INPUT));
  return (
    <HydrateClient>
      {/* The Start-rollouts form (rollouts:run) goes in `launcher`, above the grid. */}
      <LiveGrid launcher={null} />
    </HydrateClient>
  );
}
