import type { Metadata } from 'next';
import { AnnotatorStats } from '@/components/review-admin/annotator-stats';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Annotator stats' };
export const dynamic = 'force-dynamic';

/** Per-annotator decisions, speed and agreement (PI only; the router checks the role too). */
export default async function AnnotatorStatsPage() {
  const { allowed } = await requireScope('/review/stats', 'reviews:stats');
  if (!allowed) return <Forbidden what="Annotator stats are for PIs." />;
  prefetch(trpc.review.annotatorStats.queryOptions());
  return (
    <HydrateClient>
      <AnnotatorStats />
    </HydrateClient>
  );
}
