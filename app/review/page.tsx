import type { Metadata } from 'next';
import { ReviewQueuePicker } from '@/components/review/review-queue-picker';
import { Forbidden } from '@/components/ui/states';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Review' };
export const dynamic = 'force-dynamic';

/** The review queues: counts per queue, "Start reviewing", and the items the user holds. */
export default async function ReviewPage() {
  const { user, allowed } = await requireScope('/review', 'reviews:work');
  if (!allowed) return <Forbidden what="Reviewing needs a signed-in role." />;
  prefetch(trpc.review.home.queryOptions());
  return (
    <HydrateClient>
      <ReviewQueuePicker role={user.role} />
    </HydrateClient>
  );
}
