import type { Metadata } from 'next';
import { PipelineRun } from '@/components/pipeline/pipeline-run';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Pipeline run' };
export const dynamic = 'force-dynamic';

/** One pipeline run (researchers and PIs): job, figures, units, key steps and proposals. */
export default async function PipelineRunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { user, allowed } = await requireScope(`/pipeline/runs/${id}`, 'pipeline:read');
  if (!allowed) return <Forbidden what="Pipeline runs are for researchers and PIs." />;
  prefetch(trpc.pipeline.stages.queryOptions());
  prefetch(trpc.pipeline.run.queryOptions({ runId: id }));
  prefetch(trpc.pipeline.keySteps.queryOptions({ runId: id }));
  prefetch(trpc.pipeline.proposals.queryOptions({ runId: id }));
  return (
    <HydrateClient>
      <PipelineRun id={id} role={user.role} />
    </HydrateClient>
  );
}
