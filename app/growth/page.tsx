import type { Metadata } from 'next';
import { GraphGrowth } from '@/components/insights/graph-growth';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Graph growth' };
export const dynamic = 'force-dynamic';

export default async function GrowthPage() {
  const { allowed } = await requireScope('/growth', 'graphs:growth');
  if (!allowed) return <Forbidden what="Graph growth is for researchers and PIs." />;
  prefetch(trpc.insights.growth.queryOptions({}));
  return (
    <HydrateClient>
      <GraphGrowth />
    </HydrateClient>
  );
}
