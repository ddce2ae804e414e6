/**
 * The State-API server against the WebArena-Infinity convention's `server.py` (README › State-API
 * apps: parity with WebArena-Infinity's server.py): 404 before any state, the first PUT becomes the
 * seed, reset restores it and tells `/api/events` clients, verifiers written in the convention's
 * style return False (not crash) before the app has stored state, and `close()` never waits on an
 * open event stream.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_STATE_BYTES,
  NO_STATE_ERROR,
  startStateApiServer,
  type StateApiServer,
} from '@/server/rollouts/state-api-server';
import { runVerifier } from '@/server/rollouts/verifier';

let folder: string;
let server: StateApiServer | null = null;

beforeEach(() => {
  folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-state-api-'));
  fs.writeFileSync(path.join(folder, 'index.html'), '<!doctype html><title>T</title><p>app</p>');
});
afterEach(async () => {
  await server?.close();
  server = null;
  fs.rmSync(folder, { recursive: true, force: true });
});

const put = (url: string, body: unknown) =>
  fetch(`${url}/api/state`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Reads an SSE stream until `count` `data:` events arrived (or `ms` passed). */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const events: string[] = [];
  return {
    reader,
    async next(ms = 3_000): Promise<string> {
      const deadline = Date.now() + ms;
      while (!buffer.includes('\n\n')) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no event within ${ms} ms (got ${JSON.stringify(buffer)})`);
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), left)),
        ]);
        if (chunk.done) throw new Error('stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      const end = buffer.indexOf('\n\n');
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      events.push(event);
      return event;
    },
  };
}

describe('State-API server (WebArena-Infinity parity)', () => {
  it('answers 404 with the convention body before any state, then 200 after the first PUT', async () => {
    server = await startStateApiServer(folder);
    const before = await fetch(`${server.url}/api/state`);
    expect(before.status).toBe(404);
    expect(before.headers.get('content-type')).toContain('application/json');
    expect(await before.json()).toEqual({ error: NO_STATE_ERROR });
    expect(NO_STATE_ERROR).toBe('No state available. Open the app in a browser first.');
    expect(server.hasState()).toBe(false);
    expect(server.getState()).toBeNull();
    expect(server.stateWriteCount()).toBe(0);

    const res = await put(server.url, { items: [1, 2] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const after = await fetch(`${server.url}/api/state?cache=1`);
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ items: [1, 2] });
    expect(server.getState()).toEqual({ items: [1, 2] });
    expect(server.stateWriteCount()).toBe(1);
  });

  it('keeps the first PUT as the seed: later PUTs change the state, reset restores the first', async () => {
    server = await startStateApiServer(folder);
    const noSeed = await fetch(`${server.url}/api/reset`, { method: 'POST' });
    expect(noSeed.status).toBe(200);
    expect(await noSeed.json()).toEqual({
      status: 'ok',
      action: 'reset',
      seed_restored: false,
      clients_notified: 0,
    });
    expect((await fetch(`${server.url}/api/state`)).status).toBe(404);

    await put(server.url, { items: ['seed'] });
    await put(server.url, { items: ['changed'] });
    expect(await (await fetch(`${server.url}/api/state`)).json()).toEqual({ items: ['changed'] });
    const reset = await fetch(`${server.url}/api/reset`, { method: 'POST' });
    expect(await reset.json()).toMatchObject({ seed_restored: true, clients_notified: 0 });
    expect(await (await fetch(`${server.url}/api/state`)).json()).toEqual({ items: ['seed'] });
    // The seed is a copy: a later state never leaks into it.
    await put(server.url, { items: ['again'] });
    expect(server.reset()).toEqual({ seedRestored: true, clientsNotified: 0 });
    expect(server.getState()).toEqual({ items: ['seed'] });
  });

  it('takes seed-state.json as the seed (200 before any PUT), and a PUT does not replace it', async () => {
    fs.writeFileSync(path.join(folder, 'seed-state.json'), '{"items":["file"]}');
    server = await startStateApiServer(folder);
    expect(await (await fetch(`${server.url}/api/state`)).json()).toEqual({ items: ['file'] });
    await put(server.url, { items: ['put'] });
    server.reset();
    expect(server.getState()).toEqual({ items: ['file'] });
  });

  it('answers 404 to PUT and POST on other paths, 400 to bad JSON and 413 above the cap', async () => {
    server = await startStateApiServer(folder);
    expect((await fetch(`${server.url}/api/other`, { method: 'PUT', body: '{}' })).status).toBe(404);
    expect((await fetch(`${server.url}/api/state`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${server.url}/api/reset`, { method: 'PUT', body: '{}' })).status).toBe(404);
    expect((await fetch(`${server.url}/api/state`, { method: 'DELETE' })).status).toBe(501);
    expect((await fetch(`${server.url}/api/state`, { method: 'PUT', body: '{nope' })).status).toBe(400);
    const big = await fetch(`${server.url}/api/state`, {
      method: 'PUT',
      body: JSON.stringify({ x: 'a'.repeat(MAX_STATE_BYTES) }),
    }).catch((error: unknown) => error);
    // The server answers 413 and drops the upload; the client sees the 413 or the dropped socket.
    if (big instanceof Response) expect(big.status).toBe(413);
    expect((await fetch(`${server.url}/api/state`)).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(200);
  });

  it('streams /api/events: connected first, then reset (from POST /api/reset and from reset())', async () => {
    server = await startStateApiServer(folder);
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const events = eventReader(res.body!);
    expect(await events.next()).toBe('data: connected');
    expect(server.eventClientCount()).toBe(1);

    await put(server.url, { n: 1 });
    const reset = await fetch(`${server.url}/api/reset`, { method: 'POST' });
    expect(await reset.json()).toMatchObject({ seed_restored: true, clients_notified: 1 });
    expect(await events.next()).toBe('data: reset');
    expect(server.reset().clientsNotified).toBe(1);
    expect(await events.next()).toBe('data: reset');

    controller.abort();
    await events.reader.cancel().catch(() => undefined);
    for (let i = 0; i < 50 && server.eventClientCount() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(server.eventClientCount()).toBe(0);
  });

  it('closes promptly with an open /api/events client and refuses reconnects afterwards', async () => {
    server = await startStateApiServer(folder);
    const url = server.url;
    const res = await fetch(`${url}/api/events`);
    const events = eventReader(res.body!);
    expect(await events.next()).toBe('data: connected');
    const started = Date.now();
    const closed = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 3_000)),
    ]);
    expect(closed).toBe('closed');
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(events.next(1_000)).rejects.toThrow();
    await expect(fetch(`${url}/api/events`)).rejects.toThrow();
    await server.close(); // a second close is harmless
    server = null;
  });
});

describe('verifiers written in the convention style', () => {
  // `requests`-like, with the standard library only: the verifier checks status_code first.
  const CONVENTION_VERIFIER = `
import json
import urllib.error
import urllib.request


class _Response:
    def __init__(self, status_code, body):
        self.status_code = status_code
        self._body = body

    def json(self):
        return json.loads(self._body)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return _Response(resp.status, resp.read())
    except urllib.error.HTTPError as err:
        return _Response(err.code, err.read())


def verify(server_url: str) -> tuple[bool, str]:
    resp = _get(f"{server_url}/api/state")
    if resp.status_code != 200:
        return False, "Could not retrieve application state."
    state = resp.json()
    items = state["items"]
    if "done" not in items:
        return False, f"items are {items}"
    return True, "an item is done"
`;

  it('returns False with its own message before any PUT, and judges the state after one', async () => {
    fs.writeFileSync(path.join(folder, 'task_1.py'), CONVENTION_VERIFIER);
    server = await startStateApiServer(folder);
    const run = () =>
      runVerifier({ folder, verifyFile: 'task_1.py', serverUrl: server!.url, finalAnswer: null });
    expect(await run()).toEqual({ success: false, message: 'Could not retrieve application state.' });
    await put(server.url, { items: ['todo'] });
    expect(await run()).toEqual({ success: false, message: "items are ['todo']" });
    await put(server.url, { items: ['todo', 'done'] });
    expect(await run()).toEqual({ success: true, message: 'an item is done' });
  });
});
