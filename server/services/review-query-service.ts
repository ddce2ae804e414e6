/**
 * Reading the review queues (issue 5): the per-user home counts, a reviewer's own past decisions
 * (the workspace's "previous"), and the items awaiting a PI's adjudication with their reviews.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { REVIEW_QUEUE_IDS, REVIEW_QUEUE_INFO, type ReviewQueueId } from '@/lib/core/review';
import type { Db } from '@/server/db/client';
import {
  reviewDecision,
  reviewItem,
  reviewLease,
  type ReviewDecisionValue,
  type ReviewItemStatus,
} from '@/server/db/schema';
import { listQueueSettings } from '@/server/services/review-queue-service';

/** The queue picker / home counts for one user. */
export function getReviewHome(db: Db, params: { userId: string; now?: number }) {
  const now = params.now ?? Date.now();
  const settings = new Map(listQueueSettings(db).map((s) => [s.queue, s]));
  const counts = db.all<{
    queue: ReviewQueueId;
    iteration_id: number | null;
    status: ReviewItemStatus;
    n: number;
  }>(
    sql`select queue, iteration_id, status, count(*) as n from review_item group by queue, iteration_id, status`,
  );
  const available = new Map(
    db
      .all<{ queue: ReviewQueueId; n: number }>(
        sql`
        select i.queue, count(*) as n from review_item i
        where i.status = 'open'
          and not exists (select 1 from review_decision d
            where d.item_id = i.id and d.user_id = ${params.userId} and d.kind = 'review')
          and ((select count(*) from review_lease l
                where l.item_id = i.id and l.user_id <> ${params.userId} and l.expires_at > ${now})
             + (select count(*) from review_decision d where d.item_id = i.id and d.kind = 'review'))
             < i.required_reviews
        group by i.queue`,
      )
      .map((r) => [r.queue, r.n]),
  );
  const leased = new Map(
    db
      .all<{ queue: ReviewQueueId; n: number }>(
        sql`
        select i.queue, count(distinct i.id) as n from review_item i join review_lease l on l.item_id = i.id
        where i.status = 'open' and l.expires_at > ${now} group by i.queue`,
      )
      .map((r) => [r.queue, r.n]),
  );
  const mine = new Map(
    db
      .all<{ queue: ReviewQueueId; n: number }>(
        sql`
        select i.queue, count(*) as n from review_decision d join review_item i on i.id = d.item_id
        where d.user_id = ${params.userId} and d.kind = 'review' group by i.queue`,
      )
      .map((r) => [r.queue, r.n]),
  );
  const queues = REVIEW_QUEUE_IDS.map((queue) => {
    const rows = counts.filter((c) => c.queue === queue);
    const sum = (status: ReviewItemStatus) =>
      rows.filter((r) => r.status === status).reduce((a, r) => a + r.n, 0);
    const iterations = [...new Set(rows.map((r) => r.iteration_id))].sort((a, b) => (a ?? 0) - (b ?? 0));
    return {
      queue,
      label: REVIEW_QUEUE_INFO[queue].label,
      requiredReviews: settings.get(queue)!.requiredReviews,
      leaseSeconds: settings.get(queue)!.leaseSeconds,
      open: sum('open'),
      availableToMe: available.get(queue) ?? 0,
      leased: leased.get(queue) ?? 0,
      needsAdjudication: sum('needs_adjudication'),
      decided: sum('decided'),
      myDecisions: mine.get(queue) ?? 0,
      perIteration: iterations.map((iterationId) => ({
        iterationId,
        open: rows
          .filter((r) => r.iteration_id === iterationId && r.status === 'open')
          .reduce((a, r) => a + r.n, 0),
        decided: rows
          .filter((r) => r.iteration_id === iterationId && r.status === 'decided')
          .reduce((a, r) => a + r.n, 0),
      })),
    };
  });
  const myLeases = db
    .select({
      itemId: reviewItem.id,
      queue: reviewItem.queue,
      summary: reviewItem.summary,
      expiresAt: reviewLease.expiresAt,
    })
    .from(reviewLease)
    .innerJoin(reviewItem, eq(reviewItem.id, reviewLease.itemId))
    .where(
      and(
        eq(reviewLease.userId, params.userId),
        gt(reviewLease.expiresAt, new Date(now)),
        eq(reviewItem.status, 'open'),
      ),
    )
    .all();
  return { queues, myLeases };
}

/** The user's latest decisions, newest first (the workspace's "previous"). */
export function listMyDecisions(db: Db, params: { userId: string; limit: number; queue?: ReviewQueueId }) {
  return db
    .select({
      itemId: reviewItem.id,
      queue: reviewItem.queue,
      summary: reviewItem.summary,
      decision: reviewDecision.decision,
      reason: reviewDecision.reason,
      createdAt: reviewDecision.createdAt,
      itemStatus: reviewItem.status,
    })
    .from(reviewDecision)
    .innerJoin(reviewItem, eq(reviewItem.id, reviewDecision.itemId))
    .where(
      and(
        eq(reviewDecision.userId, params.userId),
        params.queue ? eq(reviewItem.queue, params.queue) : undefined,
      ),
    )
    .orderBy(sql`${reviewDecision.createdAt} desc`, sql`${reviewDecision.id} desc`)
    .limit(params.limit)
    .all();
}

/** The reviews of items, with their reviewers (for adjudication and PI views). */
export function listItemReviews(db: Db, itemIds: string[]) {
  if (itemIds.length === 0) return [];
  return db
    .all<{
      itemId: string;
      userId: string | null;
      userName: string | null;
      userEmail: string | null;
      kind: 'review' | 'adjudication';
      decision: ReviewDecisionValue;
      reason: string | null;
      edit: string | null;
      createdAt: number;
    }>(
      sql`
    select d.item_id as itemId, d.user_id as userId, u.name as userName, u.email as userEmail, d.kind,
           d.decision, d.reason, d.edit, d.created_at as createdAt
    from review_decision d left join user u on u.id = d.user_id
    where d.item_id in (${sql.join(
      itemIds.map((id) => sql`${id}`),
      sql`, `,
    )})
    order by d.created_at, d.id`,
    )
    .map((r) => ({
      ...r,
      edit: r.edit ? (JSON.parse(r.edit) as Record<string, unknown>) : null,
      createdAt: new Date(r.createdAt),
    }));
}

/** Items whose reviews disagree, with every review, oldest first. */
export function listDisagreements(db: Db, params: { queue?: ReviewQueueId }) {
  const items = db
    .select()
    .from(reviewItem)
    .where(
      and(
        eq(reviewItem.status, 'needs_adjudication'),
        params.queue ? eq(reviewItem.queue, params.queue) : undefined,
      ),
    )
    .orderBy(asc(reviewItem.createdAt))
    .limit(500)
    .all();
  const reviews = listItemReviews(
    db,
    items.map((i) => i.id),
  );
  return items.map((item) => ({
    item,
    reviews: reviews.filter((r) => r.itemId === item.id && r.kind === 'review'),
  }));
}
