/**
 * The egress proxy of a rollout's browser context: the network-level half of the rollout network
 * policy (`lib/core/rollouts/url-policy.ts`, README › Security › Rollout network).
 *
 * Playwright's routes see most of a page's requests but not all: Chromium follows redirects
 * without asking the route again, and shared workers, speculation-rules prefetch / prerender and
 * WebRTC's TURN-over-TCP never reach it (measured in `network-guard.test.ts`). The runner therefore
 * gives every rollout context this proxy (`newContext({ proxy })`, loopback included through
 * `<-loopback>`), so whatever Chromium's network stack sends for that context passes here and is
 * checked against the same policy:
 *
 * - absolute-form HTTP requests (`GET http://host:port/path`) are forwarded when their URL is
 *   allowed, else answered `403` with a plain-text reason;
 * - `CONNECT host:port` tunnels (https, wss, WebSockets) are opened when some allowed origin has
 *   that host and port, else answered `403`; the authority must be a bare `host:port`;
 * - `Upgrade` requests in absolute form are tunnelled or refused the same way.
 *
 * Connections go to the host and port the policy checked (the WHATWG-canonical form), never to the
 * raw text. The proxy listens on `127.0.0.1` on a free port and resolves allowed host names with the
 * system resolver (README: DNS rebinding). Refusals are reported through `onBlocked`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import {
  effectivePort,
  truncateUrl,
  type BlockedRequest,
  type UrlPolicy,
} from '@/lib/core/rollouts/url-policy';

export interface EgressProxy {
  /** `http://127.0.0.1:<port>`, for `newContext({ proxy: { server } })`. */
  url: string;
  close(): Promise<void>;
}

/** Request headers that belong to the hop to this proxy, not to the origin server. */
const HOP_HEADERS = new Set(['proxy-connection', 'proxy-authorization', 'keep-alive']);

const BLOCKED_BODY = 'Blocked by the rollout network policy (core-curator).';

/** `host` for `net.connect` / `http.request`: IPv6 literals without their brackets. */
function socketHost(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

function refuseSocket(socket: Duplex): void {
  socket.end(
    `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${BLOCKED_BODY.length}\r\nconnection: close\r\n\r\n${BLOCKED_BODY}`,
  );
}

/**
 * Starts a proxy enforcing `policy`. `onBlocked` gets each refusal (method, URL or `host:port`,
 * reason); leave it out for a proxy that refuses silently (the browser-wide fallback for Chromium's
 * own background traffic, which belongs to no rollout).
 */
export async function startEgressProxy(
  policy: UrlPolicy,
  onBlocked?: (request: Omit<BlockedRequest, 'at' | 'layer' | 'resourceType'>) => void,
): Promise<EgressProxy> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = http.createServer((req, res) => {
    const target = parseTarget(req.url ?? '');
    const verdict = target && target.protocol === 'http:' ? policy.check(target.href) : null;
    if (!target || !verdict?.allowed) {
      onBlocked?.({
        url: truncateUrl(req.url ?? ''),
        method: req.method ?? 'GET',
        reason: verdict && !verdict.allowed ? verdict.reason : target ? 'scheme' : 'unparsable',
      });
      res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' }).end(BLOCKED_BODY);
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_HEADERS.has(name) && value !== undefined) headers[name] = value;
    }
    const upstream = http.request(
      {
        host: socketHost(target.hostname),
        port: effectivePort(target),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.statusMessage, response.rawHeaders);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad gateway');
      else res.destroy();
    });
    req.pipe(upstream);
  });

  server.on('connection', track);
  server.on('clientError', (_error, socket) => socket.destroy());

  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const authority = req.url ?? '';
    const target = /^[^\s/@?#\\]+:\d+$/.test(authority) ? parseTarget(`http://${authority}/`) : null;
    const port = target && target.port !== '' ? Number(target.port) : null;
    if (!target || port === null || !policy.allowsHostPort(target.hostname, port)) {
      onBlocked?.({
        url: truncateUrl(authority),
        method: 'CONNECT',
        reason: target ? 'origin' : 'unparsable',
      });
      refuseSocket(socket);
      return;
    }
    tunnel(socket, socketHost(target.hostname), port, head, 'HTTP/1.1 200 Connection Established\r\n\r\n');
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = parseTarget(req.url ?? '');
    const verdict = target ? policy.check(target.href) : null;
    if (!target || !verdict?.allowed) {
      onBlocked?.({
        url: truncateUrl(req.url ?? ''),
        method: req.method ?? 'GET',
        reason: verdict && !verdict.allowed ? verdict.reason : 'unparsable',
      });
      refuseSocket(socket);
      return;
    }
    const lines = [`${req.method} ${target.pathname}${target.search} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!HOP_HEADERS.has(name.toLowerCase())) lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    tunnel(
      socket,
      socketHost(target.hostname),
      effectivePort(target),
      head,
      '',
      `${lines.join('\r\n')}\r\n\r\n`,
    );
  });

  function tunnel(
    client: Duplex,
    host: string,
    port: number,
    head: Buffer,
    replyToClient: string,
    sendUpstream = '',
  ): void {
    const upstream = net.connect(port, host, () => {
      if (replyToClient) client.write(replyToClient);
      if (sendUpstream) upstream.write(sendUpstream);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseTarget(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
