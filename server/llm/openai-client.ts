/**
 * The `openai` provider: an {@link LlmClient} over the `openai` SDK (v6) for any
 * OpenAI-compatible chat-completions server (OpenAI, vLLM, SGLang, Ollama, …).
 *
 * - **Endpoint and key**: `baseURL` from the settings; without a stored key the placeholder
 *   {@link NO_API_KEY} is sent (vLLM / Ollama ignore it).
 * - **Timeout and retries** are the SDK's: `timeout` (ms) bounds each attempt, `maxRetries` retries
 *   after the first attempt on connection errors, timeouts, 408, 409, 429 and 5xx (or when the
 *   server sends `x-should-retry: true`), waiting `retry-after-ms` / `retry-after` when the server
 *   sends one, else exponential backoff 0.5 s · 2^n capped at 8 s with up to 25% jitter
 *   (`node_modules/openai/client.js` `retryRequest`, `calculateDefaultRetryTimeoutMillis`). So a call
 *   that keeps timing out ends after about (maxRetries + 1) × timeout plus the backoff. Reading the
 *   body after the headers arrived is bounded by one more `timeout` here.
 * - **Concurrency**: one `p-queue` per (data directory, role) in the process, so all jobs share the
 *   role's limit; the latest client created sets it.
 * - **Sampling**: `temperature`, `top_p`, `max_tokens` and `top_k` as top-level body fields when not
 *   null (`top_k` is an extra field vLLM / SGLang accept; the SDK's per-request `body` option would
 *   replace the whole body, so it is not used).
 * - **Images**: parts `{type: 'image', mediaHash, mime}` are read from the media store and sent as
 *   `image_url` data URIs; the stored call keeps the hash reference, never the base64.
 * - **Response**: `choices[0].message.content`; empty or missing content, invalid JSON, an HTTP error
 *   or a body over {@link MAX_RESPONSE_BYTES} is a failed call. The caller gets at most
 *   {@link MAX_RETURNED_RESPONSE_CHARS} characters; the log keeps 64 KiB and the full length.
 */
import fs from 'node:fs/promises';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import PQueue from 'p-queue';
import {
  LlmCallError,
  type LlmClient,
  type LlmCompletion,
  type LlmMessage,
  type LlmRequest,
  type LlmRole,
} from '@/lib/core/llm/types';
import type { Db } from '@/server/db/client';
import { recordModelCall } from '@/server/llm/record-call';
import type { ResolvedLlmSettings } from '@/server/llm/settings-service';
import { mediaPath } from '@/server/services/media-store';

/** Sent as the key when none is stored (local servers ignore it; the SDK requires one). */
export const NO_API_KEY = 'not-needed';
/** The text handed back to the caller is cut to this many characters (1 MiB). */
export const MAX_RETURNED_RESPONSE_CHARS = 1024 * 1024;
/** A response body above this many bytes is a failed call (16 MiB). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** A failure detected here (not by the SDK); its message is stored as the call's error. */
class CallFailure extends Error {
  constructor(
    message: string,
    readonly rawResponse: string | null = null,
  ) {
    super(message);
  }
}

const queues = new Map<string, PQueue>();

function roleQueue(dataDir: string, role: LlmRole, concurrency: number): PQueue {
  const key = `${dataDir}\u0000${role}`;
  let queue = queues.get(key);
  if (!queue) {
    queue = new PQueue({ concurrency });
    queues.set(key, queue);
  } else if (queue.concurrency !== concurrency) {
    queue.concurrency = concurrency;
  }
  return queue;
}

/** The body fields sent besides `messages` (non-null sampling only); also what the call log stores. */
export function buildBodyParams(
  settings: Pick<ResolvedLlmSettings, 'model' | 'sampling'>,
): Record<string, unknown> {
  const params: Record<string, unknown> = { model: settings.model };
  for (const key of ['temperature', 'top_p', 'max_tokens', 'top_k'] as const) {
    const value = settings.sampling[key];
    if (value !== null) params[key] = value;
  }
  return params;
}

/** Replaces image parts by `image_url` data URIs read from the media store. */
async function inlineImages(dataDir: string, messages: LlmMessage[]): Promise<ChatCompletionMessageParam[]> {
  const out: ChatCompletionMessageParam[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') {
      out.push({ role: message.role, content: message.content });
      continue;
    }
    const parts: ChatCompletionContentPart[] = [];
    for (const part of message.content) {
      if (part.type === 'text') {
        parts.push({ type: 'text', text: part.text });
        continue;
      }
      const file = mediaPath(dataDir, part.mediaHash, part.mime);
      if (!file) throw new CallFailure(`Image part has a malformed media hash '${part.mediaHash}'`);
      let data: Buffer;
      try {
        data = await fs.readFile(file);
      } catch {
        throw new CallFailure(`Image ${part.mediaHash} (${part.mime}) is missing from the media store`);
      }
      parts.push({
        type: 'image_url',
        image_url: { url: `data:${part.mime};base64,${data.toString('base64')}` },
      });
    }
    out.push({ role: message.role, content: parts } as ChatCompletionMessageParam);
  }
  return out;
}

/** Reads a response body as text, failing above `maxBytes` or after `timeoutMs`. */
async function readBodyCapped(response: Response, maxBytes: number, timeoutMs: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel().catch(() => undefined);
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new CallFailure(`Response body is larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new CallFailure(`Reading the response body took longer than ${timeoutMs} ms`);
  return Buffer.concat(chunks).toString('utf8');
}

interface ParsedCompletion {
  text: string;
  promptTokens: number | null;
  completionTokens: number | null;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** `choices[0].message.content` of a chat-completions body, with usage. */
export function parseCompletionBody(raw: string): ParsedCompletion {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CallFailure('Response is not JSON', raw);
  }
  const body = asRecord(json);
  const choices = body?.['choices'];
  if (!Array.isArray(choices) || choices.length === 0) throw new CallFailure('Response has no choices', raw);
  const message = asRecord(asRecord(choices[0])?.['message']);
  const content = message?.['content'];
  let text: string | null = null;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    // Some servers answer with content parts; keep their text.
    text = content
      .map((p) => asRecord(p))
      .map((p) => (p && typeof p['text'] === 'string' ? p['text'] : ''))
      .join('');
  }
  if (!text || text.trim() === '') {
    const refusal = message?.['refusal'];
    throw new CallFailure(
      typeof refusal === 'string' && refusal
        ? `The model refused: ${refusal}`
        : 'Response has no message content (choices[0].message.content is empty or missing)',
      raw,
    );
  }
  const usage = asRecord(body?.['usage']);
  return {
    text,
    promptTokens: tokenCount(usage?.['prompt_tokens']),
    completionTokens: tokenCount(usage?.['completion_tokens']),
  };
}

function describeError(error: unknown, settings: ResolvedLlmSettings): string {
  const attempts = `${settings.maxRetries + 1} attempt${settings.maxRetries === 0 ? '' : 's'}`;
  if (error instanceof CallFailure) return error.message;
  if (error instanceof APIUserAbortError) return 'Cancelled';
  if (error instanceof APIConnectionTimeoutError)
    return `Timed out after ${settings.timeoutMs} ms per attempt (${attempts})`;
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `Connection to ${settings.baseUrl ?? 'the server'} failed (${attempts})${cause}`;
  }
  if (error instanceof APIError) {
    const statusValue: unknown = error.status;
    const status = typeof statusValue === 'number' ? statusValue : 0;
    const retried =
      status === 408 || status === 409 || status === 429 || status >= 500 ? ` (${attempts})` : '';
    return `HTTP ${error.message}${retried}`;
  }
  if (error instanceof Error && error.name === 'AbortError') return 'Cancelled';
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds the client for one role. `settings.provider` must be `openai` and `settings.baseUrl` set.
 * `fetch` replaces the global fetch (tests).
 */
export function createOpenAiClient(
  db: Db,
  dataDir: string,
  role: LlmRole,
  settings: ResolvedLlmSettings,
  options: { fetch?: typeof fetch } = {},
): LlmClient {
  const sdk = new OpenAI({
    baseURL: settings.baseUrl,
    apiKey: settings.apiKey ?? NO_API_KEY,
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    organization: null,
    project: null,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const queue = roleQueue(dataDir, role, settings.concurrency);
  const bodyParams = buildBodyParams(settings);

  async function attempt(request: Omit<LlmRequest, 'role'>): Promise<ParsedCompletion> {
    const messages = await inlineImages(dataDir, request.messages);
    // Extra fields (top_k) go straight into the params object (STACK.md › openai SDK).
    const body = { ...bodyParams, messages, stream: false } as ChatCompletionCreateParamsNonStreaming;
    const response = await sdk.chat.completions
      .create(body, {
        signal: request.signal ?? null,
        timeout: settings.timeoutMs,
        maxRetries: settings.maxRetries,
      })
      .asResponse();
    const raw = await readBodyCapped(response, MAX_RESPONSE_BYTES, settings.timeoutMs);
    return parseCompletionBody(raw);
  }

  return {
    role,
    provider: 'openai',
    model: settings.model,
    async complete(request): Promise<LlmCompletion> {
      let started = performance.now();
      let outcome: { ok: true; value: ParsedCompletion } | { ok: false; error: unknown };
      try {
        const value = await queue.add(
          () => {
            started = performance.now();
            return attempt(request);
          },
          { signal: request.signal, throwOnTimeout: true },
        );
        outcome = { ok: true, value };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const latencyMs = performance.now() - started;
      const common = {
        runId: request.runId ?? null,
        role,
        provider: 'openai' as const,
        model: settings.model,
        purpose: request.task.purpose,
        promptId: request.promptId,
        promptVersion: request.promptVersion,
        messages: request.messages,
        params: bodyParams,
        latencyMs,
      };
      if (!outcome.ok) {
        const message = describeError(outcome.error, settings);
        const callId = recordModelCall(db, {
          ...common,
          response: outcome.error instanceof CallFailure ? outcome.error.rawResponse : null,
          promptTokens: null,
          completionTokens: null,
          error: message,
        });
        throw new LlmCallError(`${role} model ${settings.model}: ${message}`, callId, {
          cause: outcome.error,
        });
      }
      const { text, promptTokens, completionTokens } = outcome.value;
      const callId = recordModelCall(db, {
        ...common,
        response: text,
        promptTokens,
        completionTokens,
        error: null,
      });
      return {
        text: text.length > MAX_RETURNED_RESPONSE_CHARS ? text.slice(0, MAX_RETURNED_RESPONSE_CHARS) : text,
        callId,
        provider: 'openai',
        model: settings.model,
        promptVersion: request.promptVersion,
      };
    },
  };
}
