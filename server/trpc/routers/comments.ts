import { z } from 'zod';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import {
  addStepComment,
  COMMENT_BODY_MAX_CHARS,
  listTrajectoryComments,
  resolveStepComment,
} from '@/server/services/comment-service';

export const ZListCommentsRequestSchema = z.object({ trajectoryId: z.string().min(1) });
export const ZAddCommentRequestSchema = z.object({
  trajectoryId: z.string().min(1),
  /** 0-based. */
  stepIndex: z.number().int().min(0),
  // The service trims and checks 1..max again (named errors); this bounds the payload.
  body: z.string().max(COMMENT_BODY_MAX_CHARS * 2),
});
export type TAddCommentRequest = z.infer<typeof ZAddCommentRequestSchema>;
export const ZResolveCommentRequestSchema = z.object({ commentId: z.string().min(1) });

export const commentsRouter = createTRPCRouter({
  list: scopedProcedure('trajectories:read')
    .input(ZListCommentsRequestSchema)
    .query(({ ctx, input }) => listTrajectoryComments(ctx.db, input.trajectoryId, ctx.user)),
  add: scopedProcedure('comments:write')
    .input(ZAddCommentRequestSchema)
    .mutation(({ ctx, input }) => addStepComment(ctx.db, { ...input, userId: ctx.user.id })),
  resolve: scopedProcedure('comments:write')
    .input(ZResolveCommentRequestSchema)
    .mutation(({ ctx, input }) =>
      resolveStepComment(ctx.db, { commentId: input.commentId, actor: ctx.user }),
    ),
});
