/**
 * The egress proxy spoken to directly, with request lines no browser would send: it forwards only
 * what the policy allows, connects only to the host and port it checked, and reports each refusal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUrlPolicy } from '@/lib/core/rollouts/url-policy';
import { startEgressProxy, type EgressProxy } from '@/server/rollouts/egress-proxy';

const hits: string[] = [];
let allowedServer: http.Server;
let secretServer: http.Server;
let proxy: EgressProxy;
let ALLOWED_PORT = 0;
let SECRET_PORT = 0;
const refused: string[] = [];

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** Sends raw bytes to the proxy and returns the first line of its answer. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(proxy.url).port), '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

beforeAll(async () => {
  allowedServer = http.createServer((req, res) => {
    hits.push(`allowed ${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'allowed' }).end('hello');
  });
  secretServer = http.createServer((req, res) => {
    hits.push(`secret ${req.method} ${req.url}`);
    res.end('secret');
  });
  secretServer.on('connect', (req, socket) => {
    hits.push(`secret CONNECT ${req.url}`);
    socket.destroy();
  });
  ALLOWED_PORT = await listen(allowedServer);
  SECRET_PORT = await listen(secretServer);
  proxy = await startEgressProxy(createUrlPolicy([`http://127.0.0.1:${ALLOWED_PORT}`]), (r) =>
    refused.push(`${r.method} ${r.url} ${r.reason}`),
  );
});

afterAll(async () => {
  await proxy.close();
  await Promise.all(
    [allowedServer, secretServer].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

describe('egress proxy', () => {
  it('forwards an allowed absolute-form request with its response', async () => {
    const response = await new Promise<{ status: number; body: string; header: string | undefined }>(
      (resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: Number(new URL(proxy.url).port),
            method: 'GET',
            path: `http://127.0.0.1:${ALLOWED_PORT}/page?q=1`,
          },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body, header: res.headers['x-upstream'] as string }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(response).toEqual({ status: 200, body: 'hello', header: 'allowed' });
    expect(hits).toContain('allowed GET /page?q=1');
  });

  it('refuses other ports, spellings, userinfo tricks, origin-form and non-http requests with 403', async () => {
    const lines = [
      `GET http://127.0.0.1:${SECRET_PORT}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET http://127.0.0.1:${ALLOWED_PORT}@127.0.0.1:${SECRET_PORT}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET http://[::ffff:127.0.0.1]:${ALLOWED_PORT}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET /relative HTTP/1.1\r\nHost: 127.0.0.1:${SECRET_PORT}\r\n\r\n`,
      `GET https://127.0.0.1:${ALLOWED_PORT}/ HTTP/1.1\r\nHost: x\r\n\r\n`,
      `GET file:///etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const line of lines) expect(await raw(line), line).toMatch(/^HTTP\/1\.1 403/);
    expect(refused.length).toBeGreaterThanOrEqual(lines.length);
  });

  it('opens CONNECT tunnels only to an allowed host:port given as a bare authority', async () => {
    expect(await raw(`CONNECT 127.0.0.1:${ALLOWED_PORT} HTTP/1.1\r\nHost: x\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 200/,
    );
    for (const authority of [
      `127.0.0.1:${SECRET_PORT}`,
      `127.0.0.1:${ALLOWED_PORT}@127.0.0.1:${SECRET_PORT}`,
      `127.0.0.1:${SECRET_PORT}/x:${ALLOWED_PORT}`,
      `[::1]:${ALLOWED_PORT}`,
      `localhost:${ALLOWED_PORT}`,
      `127.0.0.1`,
    ]) {
      expect(await raw(`CONNECT ${authority} HTTP/1.1\r\nHost: x\r\n\r\n`), authority).toMatch(
        /^HTTP\/1\.1 (403|400)/,
      );
    }
    expect(hits.filter((h) => h.startsWith('secret'))).toEqual([]);
  });
});
