import type { Metadata } from 'next';
import { ApiKeys } from '@/components/settings/api-keys';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'API keys' };
export const dynamic = 'force-dynamic';

/** Ingestion API keys: a researcher's own, everyone's (with the owner) for a PI. */
export default async function ApiKeysPage() {
  const { user, allowed } = await requireScope('/settings/api-keys', 'api-keys:manage');
  if (!allowed) return <Forbidden what="API keys are for researchers and PIs." />;
  prefetch(trpc.apiKeys.list.queryOptions());
  return (
    <HydrateClient>
      <ApiKeys showOwners={hasScope(user.role, 'api-keys:revoke-any')} />
    </HydrateClient>
  );
}
