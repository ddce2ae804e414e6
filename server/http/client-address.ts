/**
 * The client address the sign-in limit keys on: the socket peer the server sees, or — only when
 * that peer is a trusted reverse proxy (`CORE_CURATOR_TRUSTED_PROXIES`) — the right-most address
 * of `X-Forwarded-For` that is not itself a trusted proxy (proxy-addr's rule, as in Express's
 * `trust proxy`).
 *
 * Why a hook: Next route handlers get a `Request` without the socket, and `next start` only fills
 * `X-Forwarded-For` when the client did not send one (`req.headers['x-forwarded-for'] ??=
 * socket.remoteAddress` in next/dist/server/base-server.js), so that header is whatever the client
 * says. The hook subscribes to Node's `http.server.request.start` diagnostics channel, which
 * fires for every request before the server's `request` listener (Next) sees it, and writes the
 * resolved address into a request header whose name is random per process
 * ({@link clientAddressHeader}); any copy of that header a client sent is overwritten. Better Auth
 * reads only that header (`advanced.ipAddress.ipAddressHeaders`, `server/auth/auth.ts`). A request
 * the hook did not see (none should exist; the hook is installed by `instrumentation.ts` before
 * Next handles requests) carries no such header, and Better Auth then counts it in one shared
 * bucket: fail closed, never keyed on a client-chosen value.
 *
 * IPv6 clients are keyed per /64 (Better Auth's default normalisation: one host usually holds a
 * whole /64); IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) count as their IPv4 address.
 */
import { randomBytes } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

const REQUEST_START_CHANNEL = 'http.server.request.start';

interface HookState {
  /** The per-process header name. */
  header: string;
  /** Compiled trust function for the current trusted-proxy list. */
  trust: (address: string, hop: number) => boolean;
  /** The diagnostics-channel subscriber, when installed. */
  subscriber: ((message: unknown) => void) | null;
}

// One state per process, shared by the instrumentation hook and the route bundles (globalThis).
const holder = globalThis as unknown as { coreCuratorClientAddress?: HookState };

function state(): HookState {
  holder.coreCuratorClientAddress ??= {
    header: `x-core-curator-client-ip-${randomBytes(8).toString('hex')}`,
    trust: proxyAddr.compile([]),
    subscriber: null,
  };
  return holder.coreCuratorClientAddress;
}

/** The (per-process, unguessable) request header that carries the resolved client address. */
export function clientAddressHeader(): string {
  return state().header;
}

/**
 * The client address of `req` under `trustedProxies` (proxy-addr syntax: IPs, CIDRs, `loopback`,
 * `linklocal`, `uniquelocal`). With no trusted proxies this is the socket peer, whatever
 * `X-Forwarded-For` says. `undefined` when the socket has no address (already closed).
 */
export function resolveClientAddress(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustedProxies: readonly string[] | ((address: string, hop: number) => boolean),
): string | undefined {
  if (!req.socket?.remoteAddress) return undefined;
  const trust =
    typeof trustedProxies === 'function' ? trustedProxies : proxyAddr.compile([...trustedProxies]);
  return proxyAddr(req as IncomingMessage, trust);
}

/**
 * Installs (or re-configures) the hook for this process. Idempotent; returns a function that
 * removes it (for tests). @throws when an entry of `trustedProxies` is not an IP, CIDR or name.
 */
export function installClientAddressHook(trustedProxies: readonly string[]): () => void {
  const current = state();
  current.trust = proxyAddr.compile([...trustedProxies]);
  if (!current.subscriber) {
    current.subscriber = (message: unknown) => {
      const req = (message as { request?: IncomingMessage }).request;
      if (!req) return;
      const { header, trust } = state();
      const address = resolveClientAddress(req, trust);
      if (address) req.headers[header] = address;
      else delete req.headers[header];
    };
    diagnosticsChannel.subscribe(REQUEST_START_CHANNEL, current.subscriber);
  }
  return () => {
    const installed = state();
    if (installed.subscriber) diagnosticsChannel.unsubscribe(REQUEST_START_CHANNEL, installed.subscriber);
    installed.subscriber = null;
  };
}
