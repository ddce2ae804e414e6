import type { Metadata } from 'next';
import { TrajectoryViewer } from '@/components/trajectory/trajectory-viewer';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Trajectory' };
export const dynamic = 'force-dynamic';

export default async function TrajectoryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { user, allowed } = await requireScope(`/trajectories/${id}`, 'trajectories:read');
  if (!allowed) return <Forbidden what="Trajectories need a signed-in role." />;
  prefetch(trpc.trajectories.get.queryOptions({ id }));
  return (
    <HydrateClient>
      <TrajectoryViewer
        id={id}
        canWatchLive={hasScope(user.role, 'rollouts:watch')}
        canPromote={hasScope(user.role, 'demos:promote')}
      />
    </HydrateClient>
  );
}
