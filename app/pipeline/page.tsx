import type { Metadata } from 'next';
import { PIPELINE_RUNS_INPUT, taskSearchInput } from '@/components/pipeline/pipeline-display';
import { PipelinePanel } from '@/components/pipeline/pipeline-panel';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Pipeline' };
export const dynamic = 'force-dynamic';

/** Pipeline runs (researchers and PIs): start a stage, follow runs, synthesis rates per model. */
export default async function PipelinePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { task } = await searchParams;
  const initialTaskId = typeof task === 'string' && task !== '' ? task : null;
  const { user, allowed } = await requireScope(
    initialTaskId ? `/pipeline?task=${encodeURIComponent(initialTaskId)}` : '/pipeline',
    'pipeline:read',
  );
  if (!allowed) return <Forbidden what="Pipeline runs are for researchers and PIs." />;
  prefetch(trpc.pipeline.stages.queryOptions());
  prefetch(trpc.pipeline.runs.queryOptions(PIPELINE_RUNS_INPUT));
  prefetch(trpc.pipeline.ratesByModel.queryOptions());
  if (hasScope(user.role, 'pipeline:run')) prefetch(trpc.tasks.list.queryOptions(taskSearchInput('')));
  return (
    <HydrateClient>
      <PipelinePanel role={user.role} initialTaskId={initialTaskId} />
    </HydrateClient>
  );
}
