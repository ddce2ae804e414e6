/**
 * The `openai` provider against a local OpenAI-compatible server started in the test: what goes
 * over the wire (images as data URIs, sampling and `top_k` top-level, model and messages), retries,
 * timeouts, malformed and huge replies, cancellation, concurrency, and what the call log keeps.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LlmCallError, type LlmMessage, type LlmRequest } from '@/lib/core/llm/types';
import {
  completionBody,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from '@/server/llm/fake-openai-server';
import { getModelCall } from '@/server/llm/model-call-service';
import { createOpenAiClient, MAX_RETURNED_RESPONSE_CHARS } from '@/server/llm/openai-client';
import { MAX_STORED_RESPONSE_CHARS } from '@/server/llm/record-call';
import type { ResolvedLlmSettings } from '@/server/llm/settings-service';
import { mediaPath } from '@/server/services/media-store';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const API_KEY = 'sk-test-SECRET-0123456789';

let world: TestWorld;
let server: FakeOpenAiServer;

beforeEach(async () => {
  world = createTestWorld();
  server = await startFakeOpenAiServer();
});
afterEach(async () => {
  await server.close();
  await world.cleanup();
});

function settings(overrides: Partial<ResolvedLlmSettings> = {}): ResolvedLlmSettings {
  return {
    role: 'agent',
    provider: 'openai',
    baseUrl: server.baseUrl,
    model: 'qwen2.5-vl-7b',
    apiKey: API_KEY,
    timeoutMs: 5_000,
    maxRetries: 2,
    concurrency: 4,
    sampling: { temperature: 1.0, top_p: 0.9, top_k: 50, max_tokens: 2048 },
    ...overrides,
  };
}

function client(overrides: Partial<ResolvedLlmSettings> = {}) {
  return createOpenAiClient(world.db, world.dataDir, overrides.role ?? 'agent', settings(overrides));
}

function request(messages: LlmMessage[], extra: Partial<LlmRequest> = {}): Omit<LlmRequest, 'role'> {
  return {
    task: { purpose: 'intent_refine', candidate: 'Find a red kayak' },
    messages,
    promptId: 'intent_refine',
    promptVersion: '3',
    runId: 'run-1',
    ...extra,
  };
}

const TEXT_MESSAGES: LlmMessage[] = [
  { role: 'system', content: 'You infer task intents.' },
  { role: 'user', content: 'Refine: Find a red kayak' },
];

/** Stores `bytes` in the media store the way imports do, returning its hash. */
function storeMedia(bytes: Buffer, mime = 'image/png'): string {
  const hash = createHash('sha256').update(bytes).digest('hex');
  const file = mediaPath(world.dataDir, hash, mime)!;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return hash;
}

async function failure(promise: Promise<unknown>): Promise<LlmCallError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LlmCallError);
    return error as LlmCallError;
  }
  throw new Error('expected the call to fail');
}

describe('openai client: the request', () => {
  it('sends images as data URIs, sampling and top_k top-level, model and messages intact; stores the hash, not the base64 or the key', async () => {
    const image = Buffer.from('\x89PNG fake screenshot bytes \x00\x01\x02 for the test', 'binary');
    const hash = storeMedia(image);
    const messages: LlmMessage[] = [
      { role: 'system', content: 'You infer task intents.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Trajectory:' },
          { type: 'text', text: 'SCREENSHOT:' },
          { type: 'image', mediaHash: hash, mime: 'image/png' },
          { type: 'text', text: 'OBSERVATION: (none recorded)\nACTION: Scroll down on the screen.' },
          { type: 'text', text: 'New task intent:' },
        ],
      },
    ];
    const completion = await client().complete(request(messages));
    expect(completion).toMatchObject({
      text: 'pong',
      provider: 'openai',
      model: 'qwen2.5-vl-7b',
      promptVersion: '3',
    });

    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent.body).toEqual({
      model: 'qwen2.5-vl-7b',
      temperature: 1.0,
      top_p: 0.9,
      top_k: 50,
      max_tokens: 2048,
      stream: false,
      messages: [
        { role: 'system', content: 'You infer task intents.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Trajectory:' },
            { type: 'text', text: 'SCREENSHOT:' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
            { type: 'text', text: 'OBSERVATION: (none recorded)\nACTION: Scroll down on the screen.' },
            { type: 'text', text: 'New task intent:' },
          ],
        },
      ],
    });

    const stored = getModelCall(world.db, completion.callId);
    expect(stored).toMatchObject({
      runId: 'run-1',
      role: 'agent',
      provider: 'openai',
      model: 'qwen2.5-vl-7b',
      purpose: 'intent_refine',
      promptId: 'intent_refine',
      promptVersion: '3',
      messages,
      params: { model: 'qwen2.5-vl-7b', temperature: 1.0, top_p: 0.9, top_k: 50, max_tokens: 2048 },
      response: 'pong',
      responseChars: 4,
      promptTokens: 11,
      completionTokens: 7,
      error: null,
    });
    expect(stored.latencyMs).toBeGreaterThan(0);
    const row = JSON.stringify(world.db.$client.prepare('select * from model_call').all());
    expect(row).not.toContain(image.toString('base64'));
    expect(row).not.toContain('base64');
    expect(row).not.toContain(API_KEY);
  });

  it('leaves out null sampling fields and sends a placeholder key when none is stored', async () => {
    const completion = await client({
      apiKey: null,
      sampling: { temperature: 0.2, top_p: null, top_k: null, max_tokens: null },
    }).complete(request(TEXT_MESSAGES));
    const body = server.requests[0]!.body!;
    expect(body).toEqual({
      model: 'qwen2.5-vl-7b',
      temperature: 0.2,
      stream: false,
      messages: TEXT_MESSAGES,
    });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer not-needed');
    expect(getModelCall(world.db, completion.callId).params).toEqual({
      model: 'qwen2.5-vl-7b',
      temperature: 0.2,
    });
  });

  it('a missing image file is a recorded failed call and nothing is sent', async () => {
    const hash = 'a'.repeat(64);
    const error = await failure(
      client().complete(
        request([{ role: 'user', content: [{ type: 'image', mediaHash: hash, mime: 'image/png' }] }]),
      ),
    );
    expect(error.message).toContain(`Image ${hash} (image/png) is missing from the media store`);
    expect(server.requests).toHaveLength(0);
    expect(getModelCall(world.db, error.callId)).toMatchObject({
      error: expect.stringContaining('missing') as string,
      response: null,
    });
  });
});

describe('openai client: retries and timeouts', () => {
  it('retries a 500 and stops after maxRetries, recording one failed call', async () => {
    server.respond = () => ({
      status: 500,
      headers: { 'retry-after-ms': '10' },
      body: { error: { message: 'boom' } },
    });
    const error = await failure(client({ maxRetries: 2 }).complete(request(TEXT_MESSAGES)));
    expect(server.requests).toHaveLength(3);
    expect(error.message).toMatch(/HTTP 500 .*boom.*\(3 attempts\)/);
    expect(world.db.$client.prepare('select count(*) as n from model_call').get()).toEqual({ n: 1 });
    expect(getModelCall(world.db, error.callId).error).toMatch(/500/);
  });

  it('retries a 429 with the SDK backoff and succeeds when the server recovers', async () => {
    server.respond = (_r, i) =>
      i === 0 ? { status: 429, body: { error: { message: 'slow down' } } } : { body: completionBody('ok') };
    const started = Date.now();
    const completion = await client({ maxRetries: 1 }).complete(request(TEXT_MESSAGES));
    expect(completion.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // 0.5 s backoff minus up to 25% jitter
    expect(getModelCall(world.db, completion.callId).error).toBeNull();
  });

  it('does not retry a 400', async () => {
    server.respond = () => ({ status: 400, body: { error: { message: 'top_k is not supported' } } });
    const error = await failure(client({ maxRetries: 2 }).complete(request(TEXT_MESSAGES)));
    expect(server.requests).toHaveLength(1);
    expect(error.message).toContain('top_k is not supported');
  });

  it('a server that never answers ends as a recorded failed call within the timeout', async () => {
    server.respond = () => 'hang';
    const started = Date.now();
    const error = await failure(client({ timeoutMs: 300, maxRetries: 0 }).complete(request(TEXT_MESSAGES)));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(1_500);
    expect(error.message).toContain('Timed out after 300 ms per attempt (1 attempt)');
    expect(getModelCall(world.db, error.callId)).toMatchObject({
      error: expect.stringContaining('Timed out') as string,
    });
  });

  it('retries a timeout too: each attempt gets the timeout', async () => {
    server.respond = () => 'hang';
    const error = await failure(client({ timeoutMs: 200, maxRetries: 1 }).complete(request(TEXT_MESSAGES)));
    expect(server.requests).toHaveLength(2);
    expect(error.message).toContain('(2 attempts)');
  });

  it('honours the request signal', async () => {
    server.respond = () => 'hang';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await failure(
      client({ timeoutMs: 10_000 }).complete(request(TEXT_MESSAGES, { signal: controller.signal })),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.message).toContain('Cancelled');
    expect(getModelCall(world.db, error.callId).error).toBe('Cancelled');
  });
});

describe('openai client: responses', () => {
  it.each([
    [
      'not JSON',
      { body: 'Internal gateway page <html>' },
      'Response is not JSON',
      'Internal gateway page <html>',
    ],
    [
      'invalid JSON labelled as JSON',
      { body: '{"choices": [', headers: { 'content-type': 'application/json' } },
      'Response is not JSON',
      '{"choices": [',
    ],
    [
      'no choices',
      { body: { object: 'chat.completion', choices: [] } },
      'Response has no choices',
      '{"object":"chat.completion","choices":[]}',
    ],
    ['empty content', { body: completionBody('') }, 'no message content', null],
    ['null content', { body: completionBody(null) }, 'no message content', null],
  ] as const)('%s is a recorded failed call', async (_name, reply, message, response) => {
    server.respond = () => reply;
    const error = await failure(client().complete(request(TEXT_MESSAGES)));
    expect(error.message).toContain(message);
    const stored = getModelCall(world.db, error.callId);
    expect(stored.error).toContain(message);
    if (response !== null) expect(stored.response).toBe(response);
    else expect(stored.response).toContain('"choices"');
  });

  it('a 1 MB reply is returned whole and stored capped with its full length', async () => {
    const big = 'x'.repeat(1_000_000);
    server.respond = () => ({ body: completionBody(big) });
    const completion = await client().complete(request(TEXT_MESSAGES));
    expect(completion.text).toHaveLength(1_000_000);
    const stored = getModelCall(world.db, completion.callId);
    expect(stored.response).toHaveLength(MAX_STORED_RESPONSE_CHARS);
    expect(stored.responseChars).toBe(1_000_000);
  });

  it('a reply over 1 MiB reaches the caller cut to 1 MiB', async () => {
    server.respond = () => ({ body: completionBody('y'.repeat(3_000_000)) });
    const completion = await client().complete(request(TEXT_MESSAGES));
    expect(completion.text).toHaveLength(MAX_RETURNED_RESPONSE_CHARS);
    expect(getModelCall(world.db, completion.callId).responseChars).toBe(3_000_000);
  });
});

describe('openai client: concurrency', () => {
  it('keeps at most `concurrency` calls of a role in flight', async () => {
    server.respond = () =>
      new Promise((resolve) => setTimeout(() => resolve({ body: completionBody('ok') }), 50));
    const c = client({ role: 'coder', concurrency: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => c.complete(request(TEXT_MESSAGES))));
    expect(results.map((r) => r.text)).toEqual(Array(6).fill('ok'));
    expect(server.requests).toHaveLength(6);
    expect(server.maxInFlight()).toBe(2);
  });
});
