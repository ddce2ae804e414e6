import type { Metadata } from 'next';
import { ImportPanel } from '@/components/import/import-panel';
import { RECENT_IMPORTS_INPUT } from '@/components/import/import-queries';
import { PageHeader } from '@/components/ui/card';
import { Forbidden } from '@/components/ui/states';
import { getQueryClient, HydrateClient, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Import' };
export const dynamic = 'force-dynamic';

/** Import of WebVoyager runs and WebArena task configs (researchers and PIs). */
export default async function ImportPage() {
  const { allowed } = await requireScope('/import', 'imports:write');
  if (!allowed) return <Forbidden what="Importing data needs the researcher or PI role." />;
  await getQueryClient().prefetchQuery(trpc.jobs.list.queryOptions(RECENT_IMPORTS_INPUT));
  return (
    <HydrateClient>
      <PageHeader
        title="Import"
        subtitle="Bring in expert demos, rollouts and task configs. Each import runs as a job; re-importing the same data changes nothing."
      />
      <ImportPanel />
    </HydrateClient>
  );
}
