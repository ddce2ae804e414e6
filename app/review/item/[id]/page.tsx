import type { Metadata } from 'next';
import { ReviewWorkspace } from '@/components/review/review-workspace';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Review item' };
export const dynamic = 'force-dynamic';

/**
 * One review item by id (links from the audit log, the home screen's leases): claimed when it can
 * be, read-only otherwise; after a decision the workspace continues with the item's queue.
 */
export default async function ReviewItemPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const { user, allowed } = await requireScope(`/review/item/${id}`, 'reviews:work');
  if (!allowed) return <Forbidden what="Reviewing needs a signed-in role." />;
  prefetch(trpc.review.subject.queryOptions({ itemId: id }));
  return (
    <HydrateClient>
      <ReviewWorkspace key={id} queue={null} initialItemId={id} role={user.role} />
    </HydrateClient>
  );
}
