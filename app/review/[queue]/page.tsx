import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { HISTORY_LIMIT, parseQueueParam } from '@/components/review/review-display';
import { ReviewWorkspace } from '@/components/review/review-workspace';
import { Forbidden } from '@/components/ui/states';
import { REVIEW_QUEUE_INFO } from '@/lib/core/review';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const dynamic = 'force-dynamic';

export async function generateMetadata({
  params,
}: {
  params: Promise<{ queue: string }>;
}): Promise<Metadata> {
  const queue = parseQueueParam((await params).queue);
  return { title: queue ? `Review · ${REVIEW_QUEUE_INFO[queue].label}` : 'Review' };
}

/** The review workspace of one queue (claims happen in the browser: they are mutations). */
export default async function ReviewQueuePage({ params }: { params: Promise<{ queue: string }> }) {
  const queue = parseQueueParam((await params).queue);
  if (!queue) notFound();
  const { user, allowed } = await requireScope(`/review/${queue}`, 'reviews:work');
  if (!allowed) return <Forbidden what="Reviewing needs a signed-in role." />;
  prefetch(trpc.review.history.queryOptions({ limit: HISTORY_LIMIT, queue }));
  return (
    <HydrateClient>
      <ReviewWorkspace key={queue} queue={queue} role={user.role} />
    </HydrateClient>
  );
}
