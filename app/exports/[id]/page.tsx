import type { Metadata } from 'next';
import { ExportDetail } from '@/components/exports/export-detail';
import { fineTuneRunsInput } from '@/components/exports/export-display';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Export' };
export const dynamic = 'force-dynamic';

/** One fine-tuning export: its manifest, files and fine-tuning runs (researchers and PIs). */
export default async function ExportPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { user, allowed } = await requireScope(`/exports/${id}`, 'exports:read');
  if (!allowed) return <Forbidden what="Fine-tuning exports are for researchers and PIs." />;
  prefetch(trpc.exports.get.queryOptions({ id }));
  prefetch(trpc.fineTune.settings.queryOptions());
  prefetch(trpc.fineTune.runs.queryOptions(fineTuneRunsInput(id)));
  return (
    <HydrateClient>
      <ExportDetail
        exportId={id}
        canRun={hasScope(user.role, 'exports:run')}
        canLaunch={hasScope(user.role, 'fine-tune:launch')}
      />
    </HydrateClient>
  );
}
