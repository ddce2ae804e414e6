import type { Metadata } from 'next';
import { LabelFunctionEditor } from '@/components/label-functions/label-function-editor';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Label function' };
export const dynamic = 'force-dynamic';

/** One pool node's label function: code, test runs, save, history (read-only for annotators). */
export default async function LabelFunctionPage({ params }: { params: Promise<{ nodeId: string }> }) {
  const { nodeId } = await params;
  const { user, allowed } = await requireScope(
    `/label-functions/${encodeURIComponent(nodeId)}`,
    'label-functions:read',
  );
  if (!allowed) return <Forbidden what="Label functions need a signed-in role." />;
  prefetch(trpc.labelFunctions.editor.queryOptions({ nodeId }));
  prefetch(trpc.labelFunctions.versions.queryOptions({ nodeId }));
  return (
    <HydrateClient>
      <LabelFunctionEditor nodeId={nodeId} role={user.role} />
    </HydrateClient>
  );
}
