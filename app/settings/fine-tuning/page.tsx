import type { Metadata } from 'next';
import { FineTuneSettings } from '@/components/settings/fine-tune-settings';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Fine-tuning settings' };
export const dynamic = 'force-dynamic';

/** The fine-tuning API and the server's launch commands (PI only: the API key costs money). */
export default async function FineTuneSettingsPage() {
  const { allowed } = await requireScope('/settings/fine-tuning', 'fine-tune:configure');
  if (!allowed) return <Forbidden what="Fine-tuning settings are for PIs." />;
  prefetch(trpc.fineTune.settings.queryOptions());
  return (
    <HydrateClient>
      <FineTuneSettings />
    </HydrateClient>
  );
}
