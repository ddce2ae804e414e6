/**
 * The review queues (issue 5): claims with leases, decisions, adjudication, agreement and annotator
 * stats. Contract in the README › Curation workspace. Decisions that change a graph enqueue the
 * `score` job for the affected tasks here, after the decision's transaction committed.
 */
import { z } from 'zod';
import { REVIEW_QUEUE_IDS, MAX_REQUIRED_REVIEWS } from '@/lib/core/review';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import type { TrpcContext, SessionUser } from '@/server/trpc/init';
import {
  adjudicateItem,
  claimItem,
  claimNextItem,
  listQueueSettings,
  releaseLease,
  renewLease,
  submitReview,
  updateQueueSettings,
  type DecisionResult,
} from '@/server/services/review-queue-service';
import { getReviewHome, listDisagreements, listMyDecisions } from '@/server/services/review-query-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { getAnnotatorStats, getQueueAgreement } from '@/server/services/review-stats-service';
import { getReviewSubject } from '@/server/services/review-subject-service';

export const ZReviewQueueSchema = z.enum(REVIEW_QUEUE_IDS);
const ZItemIdSchema = z.object({ itemId: z.string().min(1).max(100) });

export const ZDecisionRequestSchema = z.object({
  itemId: z.string().min(1).max(100),
  decision: z.enum(['accept', 'reject']),
  reason: z.string().max(2000).nullish(),
  edit: z
    .object({
      intent: z.string().max(5000).optional(),
      code: z
        .string()
        .max(64 * 1024)
        .optional(),
      /** `corrections_wanted` accept ("Correct from here"): the 0-based first harmful step. */
      harmfulStep: z.number().int().min(0).max(100_000).optional(),
    })
    .nullish(),
});

function reviewer(user: SessionUser) {
  return { id: user.id, label: user.email };
}

/** Enqueues rescoring for what a decision changed. */
function withRescore(ctx: TrpcContext & { user: SessionUser }, result: DecisionResult) {
  const scoreJobId = result.rescoreTaskIds.length
    ? ctx.jobs.enqueue('score', { taskIds: result.rescoreTaskIds }, { createdBy: ctx.user.id })
    : null;
  return {
    status: result.status,
    decision: result.decision,
    outcome: result.outcome,
    scoreJobId,
  };
}

export const reviewRouter = createTRPCRouter({
  home: scopedProcedure('reviews:work').query(({ ctx }) => getReviewHome(ctx.db, { userId: ctx.user.id })),
  claimNext: scopedProcedure('reviews:work')
    .input(
      z.object({
        queue: ZReviewQueueSchema,
        excludeItemIds: z.array(z.string().max(100)).max(50).default([]),
        iterationId: z.number().int().positive().nullish(),
      }),
    )
    .mutation(({ ctx, input }) =>
      claimNextItem(ctx.db, {
        queue: input.queue,
        userId: ctx.user.id,
        excludeItemIds: input.excludeItemIds,
        iterationId: input.iterationId === undefined ? undefined : input.iterationId,
      }),
    ),
  claim: scopedProcedure('reviews:work')
    .input(ZItemIdSchema)
    .mutation(({ ctx, input }) => claimItem(ctx.db, { itemId: input.itemId, userId: ctx.user.id })),
  renew: scopedProcedure('reviews:work')
    .input(ZItemIdSchema)
    .mutation(({ ctx, input }) => renewLease(ctx.db, { itemId: input.itemId, userId: ctx.user.id })),
  release: scopedProcedure('reviews:work')
    .input(ZItemIdSchema)
    .mutation(({ ctx, input }) => releaseLease(ctx.db, { itemId: input.itemId, userId: ctx.user.id })),
  submit: scopedProcedure('reviews:work')
    .input(ZDecisionRequestSchema)
    .mutation(({ ctx, input }) =>
      withRescore(
        ctx,
        submitReview(ctx.db, {
          itemId: input.itemId,
          reviewer: reviewer(ctx.user),
          input: { decision: input.decision, reason: input.reason, edit: input.edit },
        }),
      ),
    ),
  subject: scopedProcedure('reviews:work')
    .input(ZItemIdSchema)
    .query(({ ctx, input }) =>
      getReviewSubject(ctx.db, { itemId: input.itemId, viewer: { id: ctx.user.id, role: ctx.user.role } }),
    ),
  history: scopedProcedure('reviews:work')
    .input(
      z.object({ limit: z.number().int().min(1).max(200).default(50), queue: ZReviewQueueSchema.optional() }),
    )
    .query(({ ctx, input }) => listMyDecisions(ctx.db, { userId: ctx.user.id, ...input })),
  disagreements: scopedProcedure('reviews:adjudicate')
    .input(z.object({ queue: ZReviewQueueSchema.optional() }))
    .query(({ ctx, input }) => listDisagreements(ctx.db, input)),
  adjudicate: scopedProcedure('reviews:adjudicate')
    .input(ZDecisionRequestSchema)
    .mutation(({ ctx, input }) =>
      withRescore(
        ctx,
        adjudicateItem(ctx.db, {
          itemId: input.itemId,
          reviewer: reviewer(ctx.user),
          input: { decision: input.decision, reason: input.reason, edit: input.edit },
        }),
      ),
    ),
  agreement: scopedProcedure('reviews:stats')
    .input(z.object({ queue: ZReviewQueueSchema }))
    .query(({ ctx, input }) => getQueueAgreement(ctx.db, input.queue)),
  annotatorStats: scopedProcedure('reviews:stats').query(({ ctx }) => getAnnotatorStats(ctx.db)),
  settings: createTRPCRouter({
    list: scopedProcedure('reviews:work').query(({ ctx }) => listQueueSettings(ctx.db)),
    update: scopedProcedure('reviews:configure')
      .input(
        z.object({
          queue: ZReviewQueueSchema,
          requiredReviews: z.number().int().min(1).max(MAX_REQUIRED_REVIEWS),
          leaseSeconds: z.number().int().min(60).max(3600),
        }),
      )
      .mutation(({ ctx, input }) => updateQueueSettings(ctx.db, { ...input, actor: reviewer(ctx.user) })),
  }),
  sync: scopedProcedure('pipeline:run').mutation(({ ctx }) => syncReviewItems(ctx.db)),
});
