import type { Metadata } from 'next';
import { AuditLog } from '@/components/audit/audit-log';
import {
  AUDIT_PAGE_SIZE,
  auditQueryToFilter,
  getAuditNextCursor,
  parseAuditQuery,
} from '@/components/audit/audit-display';
import { Forbidden } from '@/components/ui/states';
import { getQueryClient, HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Audit log' };
export const dynamic = 'force-dynamic';

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { allowed } = await requireScope('/audit', 'audit:read');
  if (!allowed) return <Forbidden what="The audit log is for PIs." />;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(await searchParams)) if (typeof v === 'string') params.set(k, v);
  const query = parseAuditQuery(params);
  prefetch(trpc.audit.facets.queryOptions());
  // Date filters are local calendar days, which only the browser knows; those lists load there.
  if (!query.from && !query.to) {
    void getQueryClient().prefetchInfiniteQuery(
      trpc.audit.list.infiniteQueryOptions(
        { ...auditQueryToFilter(query), limit: AUDIT_PAGE_SIZE },
        { getNextPageParam: getAuditNextCursor },
      ),
    );
  }
  return (
    <HydrateClient>
      <AuditLog />
    </HydrateClient>
  );
}
