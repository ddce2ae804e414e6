/**
 * Model settings through tRPC (`llm.settings.*`, `llm.testConnection`, `llm.modelCalls.*`) on a
 * fresh database: defaults, validation, the write-only API key (never returned, encrypted at rest,
 * audit entries without it), clients built from the settings, and the connection test against a
 * local OpenAI-compatible server.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HEURISTIC_MODEL } from '@/lib/core/llm/heuristic';
import { LlmCallError } from '@/lib/core/llm/types';
import { auditLog, llmSetting } from '@/server/db/schema';
import { createLlmClients } from '@/server/llm/clients';
import { createHeuristicClient } from '@/server/llm/heuristic-client';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '@/server/llm/fake-openai-server';
import { getModelCall } from '@/server/llm/model-call-service';
import { loadPrompt } from '@/server/llm/prompts';
import { DEFAULT_SAMPLING, resolveLlmSettings } from '@/server/llm/settings-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';

const API_KEY = 'sk-settings-SECRET-abcdef0123456789';

let world: TestWorld;
let server: FakeOpenAiServer;
let pi: SessionUser;

beforeEach(async () => {
  vi.stubEnv('BETTER_AUTH_SECRET', 'first-server-secret-first-server-secret');
  world = createTestWorld();
  server = await startFakeOpenAiServer();
  pi = world.makeUser('pi');
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server.close();
  await world.cleanup();
});

function openAiSettings(extra: Record<string, unknown> = {}) {
  return {
    role: 'agent' as const,
    provider: 'openai' as const,
    baseUrl: server.baseUrl,
    model: 'qwen2.5-vl-7b',
    ...extra,
  };
}

describe('llm.settings', () => {
  it('a role with nothing stored is the heuristic provider with the DESIGN sampling defaults', async () => {
    const view = await world.caller(pi).llm.settings.get();
    for (const role of ['coder', 'agent'] as const) {
      expect(view[role]).toEqual({
        role,
        provider: 'heuristic',
        baseUrl: null,
        model: HEURISTIC_MODEL,
        hasApiKey: false,
        timeoutMs: 60_000,
        maxRetries: 2,
        concurrency: 4,
        sampling: { temperature: 1.0, top_p: 0.9, top_k: 50, max_tokens: 2048 },
        isStored: false,
        updatedAt: null,
        updatedBy: null,
      });
    }
    expect(createLlmClients(world.db, world.dataDir).describe()).toEqual({
      coder: { provider: 'heuristic', model: HEURISTIC_MODEL },
      agent: { provider: 'heuristic', model: HEURISTIC_MODEL },
    });
  });

  it('the API key is write-only: encrypted at rest, never returned, kept, replaced and cleared on request, audited without it', async () => {
    const caller = world.caller(pi);
    const saved = await caller.llm.settings.update(openAiSettings({ apiKey: API_KEY, timeoutMs: 30_000 }));
    expect(saved).toMatchObject({
      provider: 'openai',
      hasApiKey: true,
      timeoutMs: 30_000,
      sampling: DEFAULT_SAMPLING,
    });
    expect(JSON.stringify(saved)).not.toContain(API_KEY);

    const got = await caller.llm.settings.get();
    expect(got.agent).toMatchObject({
      provider: 'openai',
      baseUrl: server.baseUrl,
      model: 'qwen2.5-vl-7b',
      hasApiKey: true,
      isStored: true,
      updatedBy: pi.id,
    });
    expect(got.coder.provider).toBe('heuristic');
    expect(JSON.stringify(got)).not.toContain(API_KEY);
    expect(Object.keys(got.agent)).not.toContain('apiKey');
    expect(Object.keys(got.agent)).not.toContain('apiKeyCiphertext');

    const row = world.db.select().from(llmSetting).get()!;
    expect(row.apiKeyCiphertext).toMatch(/^v1:/);
    expect(JSON.stringify(world.db.$client.prepare('select * from llm_setting').all())).not.toContain(
      API_KEY,
    );
    expect(resolveLlmSettings(world.db, world.dataDir, 'agent').apiKey).toBe(API_KEY);

    // undefined keeps the key
    await caller.llm.settings.update(openAiSettings({ model: 'other-model' }));
    expect(resolveLlmSettings(world.db, world.dataDir, 'agent')).toMatchObject({
      model: 'other-model',
      apiKey: API_KEY,
    });
    // a new string replaces it
    await caller.llm.settings.update(openAiSettings({ apiKey: 'sk-new' }));
    expect(resolveLlmSettings(world.db, world.dataDir, 'agent').apiKey).toBe('sk-new');
    // null clears it
    const cleared = await caller.llm.settings.update(openAiSettings({ apiKey: null }));
    expect(cleared.hasApiKey).toBe(false);
    expect(resolveLlmSettings(world.db, world.dataDir, 'agent').apiKey).toBeNull();

    const audit = world.db.select().from(auditLog).all();
    expect(audit.map((a) => (a.after as { apiKey: string }).apiKey)).toEqual([
      'set',
      'unchanged',
      'set',
      'cleared',
    ]);
    expect(audit[0]).toMatchObject({
      userId: pi.id,
      action: 'llm_settings.update',
      objectType: 'llm_setting',
      objectId: 'agent',
      before: null,
    });
    expect(audit[1]!.before).toMatchObject({ model: 'qwen2.5-vl-7b', hasApiKey: true });
    const auditText = JSON.stringify(audit);
    expect(auditText).not.toContain(API_KEY);
    expect(auditText).not.toContain('sk-new');
    expect(auditText).not.toContain('v1:');
  });

  it('switching to heuristic drops the endpoint and forces the heuristic model', async () => {
    const caller = world.caller(pi);
    await caller.llm.settings.update(openAiSettings());
    const view = await caller.llm.settings.update({
      role: 'agent',
      provider: 'heuristic',
      baseUrl: server.baseUrl,
      model: 'gpt-x',
    });
    expect(view).toMatchObject({ provider: 'heuristic', baseUrl: null, model: HEURISTIC_MODEL });
  });

  it.each([
    ['no base URL for openai', { baseUrl: null }],
    ['no model for openai', { model: '' }],
    ['a non-http URL', { baseUrl: 'file:///etc/passwd' }],
    ['credentials in the URL', { baseUrl: 'http://user:pw@127.0.0.1:8000/v1' }],
    ['temperature above 2', { sampling: { ...DEFAULT_SAMPLING, temperature: 3 } }],
    ['top_p of 0', { sampling: { ...DEFAULT_SAMPLING, top_p: 0 } }],
    ['a fractional top_k', { sampling: { ...DEFAULT_SAMPLING, top_k: 1.5 } }],
    ['concurrency 0', { concurrency: 0 }],
    ['a timeout under 1 s', { timeoutMs: 10 }],
    ['an empty key', { apiKey: '' }],
  ])('rejects %s as BAD_REQUEST and stores nothing', async (_name, extra) => {
    await expect(world.caller(pi).llm.settings.update(openAiSettings(extra))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(world.db.select().from(llmSetting).all()).toEqual([]);
    expect(world.db.select().from(auditLog).all()).toEqual([]);
  });

  it('nullable sampling fields are stored as null (not sent)', async () => {
    const sampling = { temperature: null, top_p: null, top_k: null, max_tokens: null };
    const view = await world.caller(pi).llm.settings.update(openAiSettings({ sampling }));
    expect(view.sampling).toEqual(sampling);
  });

  it('is for PIs only: a researcher can neither read nor change settings', async () => {
    const researcher = world.caller(world.makeUser('researcher'));
    await expect(researcher.llm.settings.get()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(researcher.llm.settings.update(openAiSettings())).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(researcher.llm.testConnection({ role: 'agent' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

describe('llm.testConnection', () => {
  it('sends the ping prompt through the stored settings and reports latency, model and the call', async () => {
    const caller = world.caller(pi);
    await caller.llm.settings.update(
      openAiSettings({ apiKey: API_KEY, sampling: { ...DEFAULT_SAMPLING, top_k: null } }),
    );
    const result = await caller.llm.testConnection({ role: 'agent' });
    expect(result).toMatchObject({
      ok: true,
      role: 'agent',
      provider: 'openai',
      model: 'qwen2.5-vl-7b',
      reply: 'pong',
      error: null,
    });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const ping = loadPrompt('ping');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server.requests[0]!.body).toMatchObject({
      model: 'qwen2.5-vl-7b',
      messages: [
        { role: 'system', content: ping.system },
        { role: 'user', content: ping.user },
      ],
    });
    expect(server.requests[0]!.body).not.toHaveProperty('top_k');
    const call = await caller.llm.modelCalls.get({ id: result.callId! });
    expect(call).toMatchObject({
      purpose: 'ping',
      promptId: 'ping',
      promptVersion: ping.version,
      response: 'pong',
      error: null,
    });
    expect(JSON.stringify(call)).not.toContain(API_KEY);
  });

  it('reports a failing endpoint as ok: false with the recorded call', async () => {
    server.respond = () => ({ status: 401, body: { error: { message: 'Incorrect API key provided' } } });
    await world.caller(pi).llm.settings.update(openAiSettings({ maxRetries: 0 }));
    const result = await world.caller(pi).llm.testConnection({ role: 'agent' });
    expect(result).toMatchObject({ ok: false, provider: 'openai', model: 'qwen2.5-vl-7b', reply: null });
    expect(result.error).toContain('Incorrect API key provided');
    expect(getModelCall(world.db, result.callId!).error).toContain('401');
  });

  it('reports an unreachable server', async () => {
    await world.caller(pi).llm.settings.update(openAiSettings({ maxRetries: 0 }));
    await server.close();
    const result = await world.caller(pi).llm.testConnection({ role: 'agent' });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Connection to http:\/\/127\.0\.0\.1:\d+\/v1 failed/);
  });

  it('answers offline with the heuristic provider', async () => {
    const result = await world.caller(pi).llm.testConnection({ role: 'coder' });
    expect(result).toMatchObject({ ok: true, provider: 'heuristic', model: HEURISTIC_MODEL, reply: 'pong' });
    expect(getModelCall(world.db, result.callId!)).toMatchObject({
      provider: 'heuristic',
      promptTokens: null,
      completionTokens: null,
      params: {},
    });
  });

  it('a key stored under another server secret is a clear error, not a garbage key', async () => {
    await world.caller(pi).llm.settings.update(openAiSettings({ apiKey: API_KEY }));
    vi.stubEnv('BETTER_AUTH_SECRET', 'second-server-secret-second-server-secret');
    const result = await world.caller(pi).llm.testConnection({ role: 'agent' });
    expect(result).toMatchObject({ ok: false, callId: null });
    expect(result.error).toMatch(/stored API key of the agent model cannot be decrypted.*enter it again/);
    expect(server.requests).toHaveLength(0);
    expect(() => createLlmClients(world.db, world.dataDir)).toThrow(/cannot be decrypted/);
  });
});

describe('heuristic client and llm.modelCalls', () => {
  it('records heuristic calls (success and failure) and lists them newest first, per run', async () => {
    const client = createHeuristicClient(world.db, 'coder');
    const ok = await client.complete({
      task: { purpose: 'ping' },
      messages: [{ role: 'user', content: 'ping' }],
      promptId: 'ping',
      promptVersion: '1',
      runId: 'run-a',
    });
    expect(ok).toMatchObject({ text: 'pong', provider: 'heuristic', model: HEURISTIC_MODEL });
    const controller = new AbortController();
    controller.abort();
    const failed = await client
      .complete({
        task: { purpose: 'ping' },
        messages: [],
        promptId: 'ping',
        promptVersion: '1',
        runId: 'run-b',
        signal: controller.signal,
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(failed).toBeInstanceOf(LlmCallError);
    const researcher = world.caller(world.makeUser('researcher'));
    const all = await researcher.llm.modelCalls.list({});
    expect(all.map((c) => c.runId).sort()).toEqual(['run-a', 'run-b']);
    expect(all[0]).not.toHaveProperty('messages');
    const runA = await researcher.llm.modelCalls.list({ runId: 'run-a', limit: 10 });
    expect(runA).toMatchObject([{ id: ok.callId, provider: 'heuristic', error: null, responseChars: 4 }]);
    const failedCall = await researcher.llm.modelCalls.get({ id: (failed as LlmCallError).callId });
    expect(failedCall).toMatchObject({ error: 'Cancelled', response: null });
    await expect(researcher.llm.modelCalls.get({ id: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Annotators read model calls too (they review what a model wrote); signed-out callers do not.
    await expect(world.caller(world.makeUser('annotator')).llm.modelCalls.list({})).resolves.toHaveLength(2);
    await expect(world.caller(null).llm.modelCalls.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
