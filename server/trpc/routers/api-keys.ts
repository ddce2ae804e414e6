import { z } from 'zod';
import {
  API_KEY_NAME_MAX_CHARS,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from '@/server/services/api-key-service';
import { createTRPCRouter, scopedProcedure } from '@/server/trpc/init';

export const ZCreateApiKeyRequestSchema = z.object({
  name: z.string().trim().min(1).max(API_KEY_NAME_MAX_CHARS),
});
export type TCreateApiKeyRequest = z.infer<typeof ZCreateApiKeyRequestSchema>;
export const ZRevokeApiKeyRequestSchema = z.object({ id: z.string().min(1) });
export type TRevokeApiKeyRequest = z.infer<typeof ZRevokeApiKeyRequestSchema>;

/** Ingestion API keys: one's own (researcher), everyone's for a PI (`api-keys:revoke-any`). */
export const apiKeysRouter = createTRPCRouter({
  list: scopedProcedure('api-keys:manage').query(({ ctx }) => listApiKeys(ctx.db, ctx.user)),
  /** Returns the plaintext key once; only its hash is stored. */
  create: scopedProcedure('api-keys:manage')
    .input(ZCreateApiKeyRequestSchema)
    .mutation(({ ctx, input }) => createApiKey(ctx.db, ctx.user, input.name)),
  revoke: scopedProcedure('api-keys:manage')
    .input(ZRevokeApiKeyRequestSchema)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx.user, input.id)),
});
