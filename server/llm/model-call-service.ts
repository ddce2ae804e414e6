/**
 * Reading the call log (`model_call`): one call in full, or a list of summaries.
 */
import { desc, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { modelCall } from '@/server/db/schema';

export type ModelCallDetail = typeof modelCall.$inferSelect;

/**
 * One stored call: messages (images by media hash), params, response (capped at 64 KiB, with
 * `responseChars` the full length), latency, tokens, error.
 * @throws DomainError('NOT_FOUND')
 */
export function getModelCall(db: Db, id: string): ModelCallDetail {
  const row = db.select().from(modelCall).where(eq(modelCall.id, id)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Model call ${id} not found`);
  return row;
}

const SUMMARY_COLUMNS = {
  id: modelCall.id,
  runId: modelCall.runId,
  role: modelCall.role,
  provider: modelCall.provider,
  model: modelCall.model,
  purpose: modelCall.purpose,
  promptId: modelCall.promptId,
  promptVersion: modelCall.promptVersion,
  latencyMs: modelCall.latencyMs,
  promptTokens: modelCall.promptTokens,
  completionTokens: modelCall.completionTokens,
  responseChars: modelCall.responseChars,
  error: modelCall.error,
  createdAt: modelCall.createdAt,
};

export type ModelCallSummary = { [K in keyof typeof SUMMARY_COLUMNS]: ModelCallDetail[K] };

/** The latest calls first (all, or one pipeline run's), without messages and response. */
export function listModelCalls(db: Db, params: { runId?: string | null; limit: number }): ModelCallSummary[] {
  const query = db.select(SUMMARY_COLUMNS).from(modelCall);
  const filtered = params.runId ? query.where(eq(modelCall.runId, params.runId)) : query;
  return filtered.orderBy(desc(modelCall.createdAt), desc(modelCall.id)).limit(params.limit).all();
}
