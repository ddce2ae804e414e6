import { DEFAULT_FLAG_MIN_RUNS } from '@/lib/core/metrics';
import type { Metadata } from 'next';
import { LabelFunctionQuality } from '@/components/insights/label-function-quality';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Label-function quality' };
export const dynamic = 'force-dynamic';

export default async function QualityPage() {
  const { allowed } = await requireScope('/quality', 'quality:read');
  if (!allowed) return <Forbidden what="Label-function quality is for PIs." />;
  prefetch(trpc.insights.quality.queryOptions({ minRuns: DEFAULT_FLAG_MIN_RUNS }));
  return (
    <HydrateClient>
      <LabelFunctionQuality />
    </HydrateClient>
  );
}
