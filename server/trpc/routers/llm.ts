import { z } from 'zod';
import { LLM_ROLES } from '@/lib/core/llm/types';
import { testConnection } from '@/server/llm/clients';
import { getModelCall, listModelCalls } from '@/server/llm/model-call-service';
import {
  getAllLlmSettings,
  updateLlmSettings,
  ZLlmSettingsUpdateSchema,
} from '@/server/llm/settings-service';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';

export { ZLlmSettingsUpdateSchema };
export const ZTestConnectionRequestSchema = z.object({ role: z.enum(LLM_ROLES) });
export const ZModelCallGetRequestSchema = z.object({ id: z.string().min(1).max(100) });
export const ZModelCallListRequestSchema = z.object({
  runId: z.string().min(1).max(100).nullable().optional(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type TModelCallListRequest = z.input<typeof ZModelCallListRequestSchema>;

const manage = scopedProcedure('llm-settings:manage');
const readCalls = scopedProcedure('model-calls:read');

export const llmRouter = createTRPCRouter({
  settings: createTRPCRouter({
    /** `{coder, agent}` views; never the API key, only `hasApiKey`. */
    get: manage.query(({ ctx }) => getAllLlmSettings(ctx.db)),
    update: manage
      .input(ZLlmSettingsUpdateSchema)
      .mutation(({ ctx, input }) => updateLlmSettings(ctx.db, ctx.dataDir, ctx.user, input)),
  }),
  /** Sends the `ping` prompt through the role's stored settings; `{ok, latencyMs, model, error, callId, …}`. */
  testConnection: manage
    .input(ZTestConnectionRequestSchema)
    .mutation(({ ctx, input }) => testConnection(ctx.db, ctx.dataDir, input.role)),
  modelCalls: createTRPCRouter({
    get: readCalls
      .input(ZModelCallGetRequestSchema)
      .query(({ ctx, input }) => getModelCall(ctx.db, input.id)),
    list: readCalls
      .input(ZModelCallListRequestSchema)
      .query(({ ctx, input }) => listModelCalls(ctx.db, input)),
  }),
});
