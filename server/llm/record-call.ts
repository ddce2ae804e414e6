/**
 * The call log: every model call, successful or failed, becomes one `model_call` row. Messages are
 * stored as the pipeline rendered them (images by media hash, never inlined); `params` holds the
 * body fields sent besides the messages (model, sampling), never a key.
 */
import { randomUUID } from 'node:crypto';
import type { LlmMessage, LlmProviderName, LlmRole } from '@/lib/core/llm/types';
import type { Db } from '@/server/db/client';
import { modelCall } from '@/server/db/schema';

/** Stored responses are cut to this many characters; `responseChars` keeps the full length. */
export const MAX_STORED_RESPONSE_CHARS = 64 * 1024;
/** Stored error messages are cut to this many characters. */
export const MAX_STORED_ERROR_CHARS = 4 * 1024;

export interface ModelCallRecord {
  runId: string | null;
  role: LlmRole;
  provider: LlmProviderName;
  model: string;
  purpose: string;
  promptId: string;
  promptVersion: string;
  messages: LlmMessage[];
  params: Record<string, unknown>;
  /** Raw response text (capped here); null when nothing usable came back. */
  response: string | null;
  latencyMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
  /** Null on success. */
  error: string | null;
}

function cap(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** Inserts the row and returns its id. */
export function recordModelCall(db: Db, record: ModelCallRecord): string {
  const id = randomUUID();
  db.insert(modelCall)
    .values({
      id,
      runId: record.runId,
      role: record.role,
      provider: record.provider,
      model: record.model,
      purpose: record.purpose,
      promptId: record.promptId,
      promptVersion: record.promptVersion,
      messages: record.messages,
      params: record.params,
      response: record.response === null ? null : cap(record.response, MAX_STORED_RESPONSE_CHARS),
      responseChars: record.response === null ? null : record.response.length,
      latencyMs: record.latencyMs,
      promptTokens: record.promptTokens,
      completionTokens: record.completionTokens,
      error: record.error === null ? null : cap(record.error, MAX_STORED_ERROR_CHARS),
    })
    .run();
  return id;
}
