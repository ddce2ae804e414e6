/**
 * tRPC mutations over HTTP must come from a dashboard page (server/http/origin.ts); queries and
 * server-side callers are not affected. Requests go through the real fetch adapter of
 * `/api/trpc`, with the context a request gets there.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invitation } from '@/server/db/schema';
import { trustedOriginsFor } from '@/server/http/origin';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';
import { appRouter } from '@/server/trpc/root';

const BASE = 'http://127.0.0.1:3100';

let world: TestWorld;
let pi: SessionUser;

beforeEach(() => {
  world = createTestWorld();
  pi = world.makeUser('pi');
});
afterEach(() => world.cleanup());

let inviteCount = 0;

/** Calls `users.invite` (a mutation) over HTTP with `headers`; returns the HTTP status and message. */
async function invite(headers: Record<string, string>) {
  const email = `invitee-${++inviteCount}@example.test`;
  const req = new Request(`${BASE}/api/trpc/users.invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(superjson.serialize({ email, role: 'annotator' })),
  });
  const res = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => ({
      ...world.context(pi),
      http: { headers: req.headers, allowedOrigins: trustedOriginsFor(BASE) },
    }),
  });
  const body = (await res.json()) as { error?: { json?: { message?: string } } };
  return { status: res.status, message: body.error?.json?.message ?? null };
}

function invitations() {
  return world.db.select().from(invitation).all().length;
}

describe('tRPC mutations over HTTP', () => {
  it('run from the dashboard origin', async () => {
    expect((await invite({ origin: BASE, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await invite({ origin: BASE })).status).toBe(200);
    // Another loopback name of the same port is the same machine's dashboard.
    expect((await invite({ origin: 'http://localhost:3100' })).status).toBe(200);
    // Older browsers that send only Fetch Metadata.
    expect((await invite({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(invitations()).toBe(4);
  });

  it.each([
    ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ['another site without Fetch Metadata', { origin: 'https://evil.example' }],
    ['another port of the same host', { origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-site' }],
    ['the same host over https', { origin: 'https://127.0.0.1:3100' }],
    ['a look-alike host', { origin: 'http://127.0.0.1:3100.evil.example' }],
    ['an origin with a path', { origin: 'http://127.0.0.1:3100/tasks' }],
    ['an opaque origin', { origin: 'null' }],
    ['an opaque origin claiming same-origin', { origin: 'null', 'sec-fetch-site': 'same-origin' }],
    ['a matching Origin but a cross-site fetch', { origin: BASE, 'sec-fetch-site': 'cross-site' }],
    ['no Origin at all (a browser-shaped form post)', { 'sec-fetch-site': 'cross-site' }],
    ['no Origin and no Fetch Metadata', {}],
  ])('are refused from %s with 403 and change nothing', async (_label, headers) => {
    const result = await invite(headers);
    expect(result.status).toBe(403);
    expect(result.message).toMatch(/must come from the dashboard itself/);
    expect(invitations()).toBe(0);
  });

  it('queries are not checked (GET cannot change state)', async () => {
    const req = new Request(`${BASE}/api/trpc/users.list`, { headers: { origin: 'https://evil.example' } });
    const res = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: () => ({
        ...world.context(pi),
        http: { headers: req.headers, allowedOrigins: trustedOriginsFor(BASE) },
      }),
    });
    expect(res.status).toBe(200);
  });

  it('a mutation sent as GET is refused by tRPC itself', async () => {
    const req = new Request(
      `${BASE}/api/trpc/users.invite?input=${encodeURIComponent(JSON.stringify(superjson.serialize({ email: 'g@example.test', role: 'pi' })))}`,
    );
    const res = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: () => ({
        ...world.context(pi),
        http: { headers: req.headers, allowedOrigins: trustedOriginsFor(BASE) },
      }),
    });
    expect(res.status).toBe(405);
    expect(invitations()).toBe(0);
  });

  it('server-side callers (createCaller, the CLI) are not affected', async () => {
    await world.caller(pi).users.invite({ email: 'server-side@example.test', role: 'annotator' });
    expect(invitations()).toBe(1);
  });
});

describe('trustedOriginsFor', () => {
  it('is the base origin, plus the other loopback names when the base is loopback', () => {
    expect(trustedOriginsFor('https://curator.lab.example/')).toEqual(['https://curator.lab.example']);
    expect(trustedOriginsFor('http://gpu-box.lab:3000')).toEqual(['http://gpu-box.lab:3000']);
    expect(trustedOriginsFor('http://localhost:3000')).toEqual([
      'http://localhost:3000',
      'http://127.0.0.1:3000',
      'http://[::1]:3000',
    ]);
  });
});

describe('/api/auth (Better Auth checks Origin itself)', () => {
  /** A sign-in attempt with `headers` (no cookie: a first sign-in, the login-CSRF case). */
  async function signIn(headers: Record<string, string>) {
    const res = await world.auth.handler(
      new Request('http://localhost:3000/api/auth/sign-in/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ email: 'nobody@example.test', password: 'not the password at all' }),
      }),
    );
    return res.status;
  }

  it('refuses a sign-in posted from another origin, before looking at the credentials', async () => {
    expect(await signIn({ origin: 'https://evil.example' })).toBe(403);
    expect(
      await signIn({
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'cors',
      }),
    ).toBe(403);
    expect(await signIn({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' })).toBe(403);
    expect(await signIn({ referer: 'https://evil.example/page' })).toBe(403);
    // From the dashboard the credentials are checked (and are wrong).
    expect(await signIn({ origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' })).toBe(401);
  });
});
