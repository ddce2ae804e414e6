/**
 * Building the model clients from the stored settings (`llm_setting`), and the connection test.
 *
 * A job calls {@link createLlmClients} once at its start: the settings (and decrypted keys) are read
 * then, so a settings change applies to the next job, never halfway through one.
 */
import { DomainError } from '@/lib/core/errors';
import { renderMessages } from '@/lib/core/llm/messages';
import {
  LlmCallError,
  type LlmClient,
  type LlmProviderName,
  type LlmRole,
  type LlmTask,
} from '@/lib/core/llm/types';
import type { Db } from '@/server/db/client';
import { createHeuristicClient } from '@/server/llm/heuristic-client';
import { createOpenAiClient } from '@/server/llm/openai-client';
import { loadPrompt } from '@/server/llm/prompts';
import { resolveLlmSettings } from '@/server/llm/settings-service';

export interface LlmClients {
  coder: LlmClient;
  agent: LlmClient;
  /** Provider and model per role, e.g. for the pipeline run's record. */
  describe(): Record<LlmRole, { provider: LlmProviderName; model: string }>;
}

/** Test hooks: a replacement `fetch` for the OpenAI SDK. */
export interface LlmClientOptions {
  fetch?: typeof fetch;
}

/**
 * The client of one role from its stored settings (the heuristic provider when none are stored).
 * @throws DomainError('CONFLICT') when the stored API key cannot be decrypted.
 */
export function createLlmClient(
  db: Db,
  dataDir: string,
  role: LlmRole,
  options: LlmClientOptions = {},
): LlmClient {
  const settings = resolveLlmSettings(db, dataDir, role);
  if (settings.provider === 'heuristic') return createHeuristicClient(db, role);
  if (!settings.baseUrl) {
    throw new DomainError('CONFLICT', `The ${role} model has no base URL; set one on the Models page.`);
  }
  return createOpenAiClient(db, dataDir, role, settings, options);
}

/**
 * Both roles' clients from the stored settings, read once.
 * @throws DomainError('CONFLICT') when a stored API key cannot be decrypted or a base URL is missing.
 */
export function createLlmClients(db: Db, dataDir: string, options: LlmClientOptions = {}): LlmClients {
  const coder = createLlmClient(db, dataDir, 'coder', options);
  const agent = createLlmClient(db, dataDir, 'agent', options);
  return {
    coder,
    agent,
    describe: () => ({
      coder: { provider: coder.provider, model: coder.model },
      agent: { provider: agent.provider, model: agent.model },
    }),
  };
}

export interface ConnectionTestResult {
  ok: boolean;
  role: LlmRole;
  provider: LlmProviderName | null;
  /** The configured model (null when the client could not be built). */
  model: string | null;
  /** Wall time of the whole call, ms. */
  latencyMs: number;
  /** The reply, cut to 500 characters (null on failure). */
  reply: string | null;
  error: string | null;
  /** The recorded model call (null when the call never started, e.g. an undecryptable key). */
  callId: string | null;
}

/**
 * Sends the `ping` prompt through the role's real client and reports how it went. Never throws for
 * a failing model or endpoint: the failure is in `error` (and recorded as a model call).
 */
export async function testConnection(
  db: Db,
  dataDir: string,
  role: LlmRole,
  options: LlmClientOptions = {},
): Promise<ConnectionTestResult> {
  const started = performance.now();
  const result = (partial: Partial<ConnectionTestResult>): ConnectionTestResult => ({
    ok: false,
    role,
    provider: null,
    model: null,
    reply: null,
    error: null,
    callId: null,
    ...partial,
    latencyMs: Math.round(performance.now() - started),
  });
  let client: LlmClient;
  try {
    client = createLlmClient(db, dataDir, role, options);
  } catch (error) {
    if (error instanceof DomainError) return result({ error: error.message });
    throw error;
  }
  const base = { provider: client.provider, model: client.model };
  const task: LlmTask = { purpose: 'ping' };
  let messages;
  let template;
  try {
    template = loadPrompt('ping');
    messages = renderMessages(template, task);
  } catch (error) {
    return result({ ...base, error: `Prompt 'ping': ${(error as Error).message}` });
  }
  try {
    const completion = await client.complete({
      task,
      messages,
      promptId: template.id,
      promptVersion: template.version,
    });
    return result({ ...base, ok: true, reply: completion.text.slice(0, 500), callId: completion.callId });
  } catch (error) {
    if (error instanceof LlmCallError) return result({ ...base, error: error.message, callId: error.callId });
    throw error;
  }
}
