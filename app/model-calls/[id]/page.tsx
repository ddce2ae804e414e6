import type { Metadata } from 'next';
import { ModelCallView } from '@/components/settings/model-call-view';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Model call' };
export const dynamic = 'force-dynamic';

/** One recorded model call (researchers and PIs). */
export default async function ModelCallPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { allowed } = await requireScope(`/model-calls/${id}`, 'model-calls:read');
  if (!allowed) return <Forbidden what="Model calls are for researchers and PIs." />;
  prefetch(trpc.llm.modelCalls.get.queryOptions({ id }));
  return (
    <HydrateClient>
      <ModelCallView id={id} />
    </HydrateClient>
  );
}
