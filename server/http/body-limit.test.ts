/**
 * Body caps for handlers that read a whole JSON body (tRPC, Better Auth, the ingestion API's JSON).
 */
import { describe, expect, it } from 'vitest';
import { readBodyCapped, requestWithinLimit } from '@/server/http/body-limit';

const MiB = 1024 * 1024;

/** An endless body that counts what was pulled from it. */
function endlessBody() {
  const counter = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      counter.pulled += 64 * 1024;
      controller.enqueue(new Uint8Array(64 * 1024));
    },
  });
  return { body, counter };
}

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request('http://curator.test/api/trpc/x', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

describe('requestWithinLimit', () => {
  it('hands on an equivalent request holding the same bytes', async () => {
    const text = JSON.stringify({ 0: { json: { code: 'x'.repeat(1000) } } });
    const out = await requestWithinLimit(post(text, { cookie: 'a=b', origin: 'http://curator.test' }), MiB);
    expect(out).toBeInstanceOf(Request);
    const req = out as Request;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('http://curator.test/api/trpc/x');
    expect(req.headers.get('cookie')).toBe('a=b');
    expect(req.headers.get('origin')).toBe('http://curator.test');
    expect(await req.text()).toBe(text);
  });

  it('returns GET requests untouched', async () => {
    const req = new Request('http://curator.test/api/trpc/x?input=1');
    expect(await requestWithinLimit(req, 10)).toBe(req);
  });

  it('answers 413 from Content-Length without reading the body', async () => {
    const { body, counter } = endlessBody();
    const res = await requestWithinLimit(post(body, { 'content-length': String(MiB + 1) }), MiB);
    expect(res).toBeInstanceOf(Response);
    expect((res as Response).status).toBe(413);
    expect(await (res as Response).json()).toEqual({
      error: `Request body is over the limit of ${MiB} bytes`,
    });
    expect(counter.pulled).toBeLessThanOrEqual(64 * 1024); // the stream's own first pull only
  });

  it('answers 413 for a chunked body once it passes the cap, and stops reading there', async () => {
    const { body, counter } = endlessBody();
    const res = await requestWithinLimit(post(body), MiB);
    expect((res as Response).status).toBe(413);
    expect(counter.pulled).toBeLessThan(MiB + 256 * 1024);
  });
});

describe('readBodyCapped', () => {
  it('reads a body at the cap and refuses one byte more', async () => {
    expect((await readBodyCapped(post(new Uint8Array(1000)), 1000)).byteLength).toBe(1000);
    await expect(readBodyCapped(post(new Uint8Array(1001)), 1000)).rejects.toThrow(
      'Request body is over the limit of 1000 bytes',
    );
  });
});
