/**
 * Recording sessions (issue 16): a person records an expert demo or corrects a failed rollout by
 * driving a rollout browser (`server/services/recording-service.ts`). Every procedure acts on the
 * caller's own session only; `events` pushes the session's changes over SSE and, while subscribed,
 * keeps the session from being discarded as "page closed".
 */
import { z } from 'zod';
import { iterateRecordingEvents, type RecordingEvent } from '@/server/rollouts/live-bus';
import {
  actInRecording,
  attachRecordingPage,
  discardRecording,
  finishRecording,
  getMyRecording,
  getRecordingView,
  MAX_ANSWER_CHARS,
  startCorrection,
  startRecording,
  undoInRecording,
  ZPersonActionSchema,
} from '@/server/services/recording-service';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import type { SessionUser } from '@/server/trpc/init';

const ZSessionSchema = z.object({ sessionId: z.string().uuid() });
export const ZStartRecordingRequestSchema = z.object({ taskId: z.string().min(1) });
export const ZStartCorrectionRequestSchema = z.object({
  trajectoryId: z.string().min(1),
  /** 0-based index of the first harmful step: the person takes over there. */
  fromStep: z.number().int().min(0),
});
export const ZRecordingActRequestSchema = ZSessionSchema.extend({
  /** The session version whose marks the action uses (stale marks are refused). */
  version: z.number().int().min(0),
  action: ZPersonActionSchema,
});
export const ZFinishRecordingRequestSchema = ZSessionSchema.extend({
  /** The answer of an information-seeking task; null ends with the status `complete`. */
  answer: z.string().max(MAX_ANSWER_CHARS).nullable(),
});

const recorder = (user: SessionUser) => ({ id: user.id, label: user.email });

export const recordingsRouter = createTRPCRouter({
  start: scopedProcedure('demos:record')
    .input(ZStartRecordingRequestSchema)
    .mutation(({ ctx, input }) => startRecording(ctx.db, { taskId: input.taskId, user: recorder(ctx.user) })),
  startCorrection: scopedProcedure('corrections:record')
    .input(ZStartCorrectionRequestSchema)
    .mutation(({ ctx, input }) => startCorrection(ctx.db, { ...input, user: recorder(ctx.user) })),
  /** The caller's open session, or null. */
  mine: scopedProcedure('demos:record').query(({ ctx }) => getMyRecording(recorder(ctx.user))),
  get: scopedProcedure('demos:record')
    .input(ZSessionSchema)
    .query(({ ctx, input }) => getRecordingView(input.sessionId, recorder(ctx.user))),
  act: scopedProcedure('demos:record')
    .input(ZRecordingActRequestSchema)
    .mutation(({ ctx, input }) =>
      actInRecording(input.sessionId, recorder(ctx.user), { version: input.version, action: input.action }),
    ),
  undo: scopedProcedure('demos:record')
    .input(ZSessionSchema)
    .mutation(({ ctx, input }) => undoInRecording(input.sessionId, recorder(ctx.user))),
  finish: scopedProcedure('demos:record')
    .input(ZFinishRecordingRequestSchema)
    .mutation(({ ctx, input }) =>
      finishRecording(ctx.db, ctx.dataDir, input.sessionId, recorder(ctx.user), { answer: input.answer }),
    ),
  discard: scopedProcedure('demos:record')
    .input(ZSessionSchema)
    .mutation(({ ctx, input }) => discardRecording(input.sessionId, recorder(ctx.user))),
  events: scopedProcedure('demos:record')
    .input(ZSessionSchema)
    .subscription(({ ctx, input, signal }): AsyncGenerator<RecordingEvent> => {
      // Attached before the stream starts, so a session that is not the caller's is refused as
      // NOT_FOUND by the procedure itself (an error inside the stream would surface as a 500).
      const detach = attachRecordingPage(input.sessionId, recorder(ctx.user));
      // Detach on disconnect too: a stream closed before its first read never runs `finally`.
      signal?.addEventListener('abort', detach, { once: true });
      return (async function* () {
        try {
          for await (const event of iterateRecordingEvents(input.sessionId, signal)) yield event;
        } finally {
          detach();
        }
      })();
    }),
});
