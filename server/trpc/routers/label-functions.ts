/**
 * The label-function editor (issue 5 › Label-function editing): read a node's LF and its history
 * (`label-functions:read`, annotators up), test-run a draft as a job, save and revert
 * (`label-functions:edit`, researchers up). Saves and reverts enqueue rescoring of the affected tasks.
 */
import { z } from 'zod';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';
import {
  getLabelFunctionEditor,
  getLabelFunctionTest,
  listLabelFunctionVersions,
  MAX_REASON_CHARS,
  MAX_TEST_TRAJECTORIES,
  revertLabelFunctionEdit,
  saveLabelFunctionEdit,
  startLabelFunctionTest,
} from '@/server/services/lf-edit-service';

/** Code is bounded by bytes in the service (the sandbox's source limit); this only stops abuse. */
const ZCodeSchema = z
  .string()
  .min(1)
  .max(512 * 1024);

export const ZLabelFunctionNodeRequestSchema = z.object({ nodeId: z.string().min(1) });
export type TLabelFunctionNodeRequest = z.infer<typeof ZLabelFunctionNodeRequestSchema>;

export const ZStartLabelFunctionTestRequestSchema = z.object({
  nodeId: z.string().min(1),
  code: ZCodeSchema,
  /** The sample; omitted or null = the node's default sample. Over the cap is refused by the service. */
  trajectoryIds: z
    .array(z.string().min(1))
    .max(MAX_TEST_TRAJECTORIES * 10)
    .nullable()
    .default(null),
});
export type TStartLabelFunctionTestRequest = z.infer<typeof ZStartLabelFunctionTestRequestSchema>;

export const ZLabelFunctionTestResultRequestSchema = z.object({ jobId: z.string().min(1) });

export const ZSaveLabelFunctionRequestSchema = z.object({
  nodeId: z.string().min(1),
  code: ZCodeSchema,
  /** The version the editor started from (null for a node without one). */
  basedOnVersionId: z.string().min(1).nullable(),
  reason: z.string().trim().min(1, 'say why you changed the label function').max(MAX_REASON_CHARS),
});
export type TSaveLabelFunctionRequest = z.infer<typeof ZSaveLabelFunctionRequestSchema>;

export const ZRevertLabelFunctionRequestSchema = z.object({
  nodeId: z.string().min(1),
  toVersionId: z.string().min(1),
  basedOnVersionId: z.string().min(1).nullable(),
});
export type TRevertLabelFunctionRequest = z.infer<typeof ZRevertLabelFunctionRequestSchema>;

export const labelFunctionsRouter = createTRPCRouter({
  /** The node, its current version, the tasks using it and the trajectories to test on. */
  editor: scopedProcedure('label-functions:read')
    .input(ZLabelFunctionNodeRequestSchema)
    .query(({ ctx, input }) => getLabelFunctionEditor(ctx.db, input.nodeId)),
  /** Every version, newest first. */
  versions: scopedProcedure('label-functions:read')
    .input(ZLabelFunctionNodeRequestSchema)
    .query(({ ctx, input }) => listLabelFunctionVersions(ctx.db, input.nodeId)),
  /** Starts a test run (draft vs current, in the sandbox) as an `lf_test` job. */
  startTest: scopedProcedure('label-functions:edit')
    .input(ZStartLabelFunctionTestRequestSchema)
    .mutation(({ ctx, input }) =>
      startLabelFunctionTest(ctx.db, ctx.jobs, {
        ...input,
        actor: { userId: ctx.user.id, label: ctx.user.email },
      }),
    ),
  /** A test run's status and progress, and its matrix once it succeeded. */
  testResult: scopedProcedure('label-functions:edit')
    .input(ZLabelFunctionTestResultRequestSchema)
    .query(({ ctx, input }) => getLabelFunctionTest(ctx.db, input.jobId)),
  /** Saves a new version (refused on a stale base) and enqueues rescoring. */
  save: scopedProcedure('label-functions:edit')
    .input(ZSaveLabelFunctionRequestSchema)
    .mutation(({ ctx, input }) =>
      saveLabelFunctionEdit(ctx.db, ctx.jobs, {
        ...input,
        actor: { userId: ctx.user.id, label: ctx.user.email },
      }),
    ),
  /** Saves an older version's code as a new version (`revert to vN`) and enqueues rescoring. */
  revert: scopedProcedure('label-functions:edit')
    .input(ZRevertLabelFunctionRequestSchema)
    .mutation(({ ctx, input }) =>
      revertLabelFunctionEdit(ctx.db, ctx.jobs, {
        ...input,
        actor: { userId: ctx.user.id, label: ctx.user.email },
      }),
    ),
});
