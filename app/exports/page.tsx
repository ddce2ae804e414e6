import type { Metadata } from 'next';
import { ExportForm } from '@/components/exports/export-form';
import { EXPORTS_LIST_INPUT } from '@/components/exports/export-display';
import { ExportsList } from '@/components/exports/exports-list';
import { IterationPanel } from '@/components/exports/iteration-panel';
import { PageHeader } from '@/components/ui/card';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Fine-tuning exports' };
export const dynamic = 'force-dynamic';

/** Iterations, a new export, and the exports so far (researchers and PIs). */
export default async function ExportsPage() {
  const { user, allowed } = await requireScope('/exports', 'exports:read');
  if (!allowed) return <Forbidden what="Fine-tuning exports are for researchers and PIs." />;
  prefetch(trpc.iterations.list.queryOptions());
  prefetch(trpc.exports.list.queryOptions(EXPORTS_LIST_INPUT));
  return (
    <HydrateClient>
      <PageHeader
        title="Fine-tuning exports"
        subtitle="Turn an iteration's curated data into training data, launch the next fine-tuning round, and close the iteration."
      />
      <div className="space-y-5">
        <IterationPanel canClose={hasScope(user.role, 'iterations:close')} />
        {hasScope(user.role, 'exports:run') ? <ExportForm /> : null}
        <ExportsList />
      </div>
    </HydrateClient>
  );
}
