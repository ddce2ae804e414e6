import type { Metadata } from 'next';
import { ModelSettings } from '@/components/settings/model-settings';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Models' };
export const dynamic = 'force-dynamic';

/** Model provider settings per role (PI only). */
export default async function ModelSettingsPage() {
  const { allowed } = await requireScope('/settings/models', 'llm-settings:manage');
  if (!allowed) return <Forbidden what="Model settings are for PIs." />;
  prefetch(trpc.llm.settings.get.queryOptions());
  return (
    <HydrateClient>
      <ModelSettings />
    </HydrateClient>
  );
}
