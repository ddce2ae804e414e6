/**
 * The sign-in limit keys on the client address the server sees. A real HTTP server (Node's, as
 * under `next start`) with the client-address hook installed hands requests to Better Auth;
 * clients try to get past the limit with forged forwarding headers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from 'better-auth/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '@/server/auth/auth';
import {
  clientAddressHeader,
  installClientAddressHook,
  resolveClientAddress,
} from '@/server/http/client-address';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const LIMIT = 3;

let world: TestWorld;
let server: http.Server;
let base: string;
let uninstall: () => void = () => {};

beforeAll(async () => {
  world = createTestWorld();
  const handle = toNodeHandler(
    createAuth(world.db, {
      secret: 'test-secret-test-secret-test-secret-0123',
      baseUrl: 'http://127.0.0.1',
      signInLimitPerMinute: LIMIT,
    }),
  );
  server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await world.cleanup();
});
afterEach(() => uninstall());

/** One failed sign-in attempt with `headers`; the HTTP status (401 wrong password, 429 limited). */
async function attempt(headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${base}/api/auth/sign-in/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1', ...headers },
    body: JSON.stringify({ email: 'nobody@example.test', password: 'not the password at all' }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('sign-in limit per client address', () => {
  it('forged X-Forwarded-For (and look-alike headers) do not get past it without a trusted proxy', async () => {
    uninstall = installClientAddressHook([]);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 3; i++)
      statuses.push(
        await attempt({
          'x-forwarded-for': `198.51.100.${i}`,
          'x-real-ip': `198.51.100.${i}`,
          'cf-connecting-ip': `198.51.100.${i}`,
          forwarded: `for=198.51.100.${i}`,
          'x-core-curator-client-ip': `198.51.100.${i}`,
        }),
      );
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // A guess at the hook's own header name is overwritten, whatever it is.
    expect(await attempt({ [clientAddressHeader()]: '198.51.100.77' })).toBe(429);
  });

  it('behind a trusted proxy, distinct clients are keyed apart and a forged hop is ignored', async () => {
    uninstall = installClientAddressHook(['loopback']);
    // Client A (as the proxy reports it) uses up its attempts …
    const a: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) a.push(await attempt({ 'x-forwarded-for': '203.0.113.10' }));
    expect(a).toEqual([401, 401, 401, 429]);
    // … while client B still gets in;
    expect(await attempt({ 'x-forwarded-for': '203.0.113.20' })).toBe(401);
    // A prepends a forged address: the proxy appended A's real one, which is the right-most
    // untrusted hop, so A is still limited.
    expect(await attempt({ 'x-forwarded-for': '192.0.2.99, 203.0.113.10' })).toBe(429);
    // IPv6 clients count per /64.
    const v6: number[] = [];
    for (let i = 1; i <= LIMIT + 1; i++) v6.push(await attempt({ 'x-forwarded-for': `2001:db8:1:2::${i}` }));
    expect(v6).toEqual([401, 401, 401, 429]);
  });
});

describe('resolveClientAddress', () => {
  const req = (remoteAddress: string, xff?: string) =>
    ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as Parameters<
      typeof resolveClientAddress
    >[0];

  it('is the socket peer when no proxy is trusted', () => {
    expect(resolveClientAddress(req('192.0.2.1', '10.0.0.1'), [])).toBe('192.0.2.1');
    expect(resolveClientAddress(req('127.0.0.1', '10.0.0.1'), [])).toBe('127.0.0.1');
  });

  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    const trusted = ['10.0.0.0/8', '127.0.0.1'];
    expect(resolveClientAddress(req('10.0.0.2', '198.51.100.7'), trusted)).toBe('198.51.100.7');
    expect(resolveClientAddress(req('10.0.0.2', 'forged, 198.51.100.7, 10.0.0.9'), trusted)).toBe(
      '198.51.100.7',
    );
    // A peer that is not trusted: its header is not read.
    expect(resolveClientAddress(req('192.0.2.1', '198.51.100.7'), trusted)).toBe('192.0.2.1');
    // Everything trusted: the left-most hop.
    expect(resolveClientAddress(req('127.0.0.1', '10.0.0.3'), trusted)).toBe('10.0.0.3');
    expect(resolveClientAddress(req('::ffff:10.0.0.2', '198.51.100.7'), trusted)).toBe('198.51.100.7');
  });

  it('is undefined for a closed socket', () => {
    expect(
      resolveClientAddress({ socket: {}, headers: {} } as Parameters<typeof resolveClientAddress>[0], []),
    ).toBeUndefined();
  });
});
