import type { Metadata } from 'next';
import { Adjudication } from '@/components/review-admin/adjudication';
import { DISAGREEMENTS_INPUT } from '@/components/review-admin/review-admin-display';
import { Forbidden } from '@/components/ui/states';
import { hasScope } from '@/lib/core/roles';
import { REVIEW_QUEUE_IDS } from '@/lib/core/review';
import { HydrateClient, prefetch, trpc } from '@/lib/trpc/server';
import { requireScope } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Adjudication' };
export const dynamic = 'force-dynamic';

/** Disagreements, agreement per queue and queue settings (PI only; the router checks the role too). */
export default async function AdjudicationPage() {
  const { user, allowed } = await requireScope('/review/adjudication', 'reviews:adjudicate');
  if (!allowed) return <Forbidden what="Adjudicating disagreements between reviewers is for PIs." />;
  prefetch(trpc.review.disagreements.queryOptions(DISAGREEMENTS_INPUT));
  for (const queue of REVIEW_QUEUE_IDS) prefetch(trpc.review.agreement.queryOptions({ queue }));
  prefetch(trpc.review.settings.list.queryOptions());
  return (
    <HydrateClient>
      <Adjudication canConfigure={hasScope(user.role, 'reviews:configure')} />
    </HydrateClient>
  );
}
