/**
 * Serves a State-API web app (DESIGN.md › Formats › State-API web apps, the WebArena-Infinity
 * convention) on a loopback port, answering as the convention's own `server.py` does:
 *
 * - `GET /api/state` → 200 with the current state as JSON; **404**
 *   `{"error":"No state available. Open the app in a browser first."}` while there is none (so a
 *   verifier's `if resp.status_code != 200: return False, …` returns instead of crashing);
 * - `PUT /api/state` with a JSON body → 200 `{"status":"ok"}`, the body becomes the state; while
 *   there is no seed yet, the first state stored also becomes the seed (a copy);
 * - `POST /api/reset` → 200 `{"status":"ok","action":"reset","seed_restored":bool,
 *   "clients_notified":n}`: the state becomes a copy of the seed (none without a seed) and every
 *   `/api/events` client gets `data: reset`;
 * - `GET /api/events` → a Server-Sent Events stream that first sends `data: connected` and stays
 *   open (apps reload their data when they hear `reset`);
 * - `PUT` / `POST` to any other path → 404; other paths are the folder's static files (`sirv`).
 *
 * Added here (README › State-API apps: parity with WebArena-Infinity's server.py): the folder's
 * optional `seed-state.json` is the initial seed and state (so `GET /api/state` answers 200 before
 * the app loads); a PUT body is capped at MAX_STATE_BYTES (413); the server listens on 127.0.0.1
 * only; a static file that resolves outside the folder through a symbolic link is 404; the API
 * paths match with any query string. The runner starts one server per browser, so parallel
 * rollouts never share state, and resets (`reset()`, which notifies the event clients too) before
 * every rollout. `close()` ends open event streams, so it never waits on a connected app.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sirv from 'sirv';
import { DomainError } from '@/lib/core/errors';
import { isPathInside, realAppFolder, resolveAppFile } from '@/server/rollouts/app-files';

/** Largest state a PUT may store, in bytes. */
export const MAX_STATE_BYTES = 5 * 1024 * 1024;
export const SEED_STATE_FILE = 'seed-state.json';
/** `GET /api/state` before any state exists: the body of the convention's server, verbatim. */
export const NO_STATE_ERROR = 'No state available. Open the app in a browser first.';

export interface ResetResult {
  /** False when the app has no seed yet (no `seed-state.json` and no PUT so far): no state now. */
  seedRestored: boolean;
  /** `/api/events` clients told `reset`. */
  clientsNotified: number;
}

export interface StateApiServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** As `POST /api/reset`: state = copy of the seed, event clients notified. */
  reset(): ResetResult;
  /** The current state; `null` while there is none. */
  getState(): unknown;
  /** Whether the app has stored state (or the folder has a seed): `GET /api/state` answers 200. */
  hasState(): boolean;
  /** Clients connected to `/api/events`. */
  eventClientCount(): number;
  /** How many `PUT /api/state` were stored so far (to tell when an app has saved its data). */
  stateWriteCount(): number;
  /** Stops listening and ends every open connection, event streams included. */
  close(): Promise<void>;
}

/**
 * Reads the folder's seed state.
 * @throws DomainError('BAD_INPUT') naming `seed-state.json` when it is not valid JSON or is a link
 *   to a file outside the folder.
 */
export function readSeedState(folder: string): unknown {
  const file = path.join(folder, SEED_STATE_FILE);
  const real = resolveAppFile(folder, SEED_STATE_FILE, `${file}:`);
  if (!fs.existsSync(real)) return null;
  try {
    return JSON.parse(fs.readFileSync(real, 'utf8')) as unknown;
  } catch (error) {
    throw new DomainError('BAD_INPUT', `${file}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * False when any file sirv might serve for `pathname` (the path itself, with `.html` / `.htm`, or
 * its `index` page) exists and resolves, through symbolic links, outside the real folder `root`.
 */
export function isStaticRequestInside(root: string, pathname: string): boolean {
  let decoded = pathname;
  try {
    decoded = decodeURI(pathname);
  } catch {
    // sirv keeps a malformed path as it is.
  }
  const base = path.join(root, path.normalize(`/${decoded}`)).replace(/[/\\]+$/, '');
  const candidates = ['', '.html', '.htm', '/index', '/index.html', '/index.htm'].map((x) => base + x);
  return candidates.every((file) => {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      return true; // missing: sirv answers 404 for it
    }
    return isPathInside(root, real);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * Starts the server on `127.0.0.1` (a free port unless `port` is given).
 * @throws DomainError('BAD_INPUT') when `folder` has no `index.html` or a bad seed file.
 */
export async function startStateApiServer(
  folder: string,
  options: { port?: number } = {},
): Promise<StateApiServer> {
  if (!fs.existsSync(path.join(folder, 'index.html'))) {
    throw new DomainError('BAD_INPUT', `${folder}: no index.html (a State-API app folder needs one)`);
  }
  // State and seed are kept as JSON text: every read and reset hands out a fresh copy.
  // `null` = none (a `seed-state.json` or a PUT of JSON `null` counts as none, as in server.py).
  const seedValue = readSeedState(folder);
  let seedText: string | null = seedValue === null ? null : JSON.stringify(seedValue);
  let stateText: string | null = seedText;
  const events = new Set<http.ServerResponse>();
  let writes = 0;
  const root = realAppFolder(folder);
  const serveStatic = sirv(root, { dev: true, dotfiles: false, etag: false });

  const notify = (event: string): number => {
    for (const client of events) client.write(`data: ${event}\n\n`);
    return events.size;
  };
  const reset = (): ResetResult => {
    stateText = seedText;
    return { seedRestored: seedText !== null, clientsNotified: notify('reset') };
  };
  const storeState = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_STATE_BYTES) {
        if (!res.headersSent) sendJson(res, 413, { error: `state larger than ${MAX_STATE_BYTES} bytes` });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let text: string;
      try {
        text = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        sendJson(res, 400, { error: 'Invalid JSON' });
        return;
      }
      stateText = text === 'null' ? null : text;
      if (seedText === null) seedText = stateText;
      writes++;
      sendJson(res, 200, { status: 'ok' });
    });
  };
  const openEvents = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('data: connected\n\n');
    events.add(res);
    const forget = () => events.delete(res);
    req.on('close', forget);
    res.on('close', forget);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'PUT') {
      if (url.pathname === '/api/state') return storeState(req, res);
      return sendJson(res, 404, { error: `not found: ${url.pathname}` });
    }
    if (method === 'POST') {
      if (url.pathname !== '/api/reset') return sendJson(res, 404, { error: `not found: ${url.pathname}` });
      const result = reset();
      return sendJson(res, 200, {
        status: 'ok',
        action: 'reset',
        seed_restored: result.seedRestored,
        clients_notified: result.clientsNotified,
      });
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return sendJson(res, 501, { error: `unsupported method ${method}` });
    }
    if (url.pathname === '/api/state') {
      if (stateText === null) return sendJson(res, 404, { error: NO_STATE_ERROR });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : stateText);
      return;
    }
    if (url.pathname === '/api/events' && method === 'GET') return openEvents(req, res);
    // sirv follows symbolic links; a file it would serve must stay inside the folder (app-files.ts).
    if (!isStaticRequestInside(root, url.pathname))
      return sendJson(res, 404, { error: `not found: ${url.pathname}` });
    serveStatic(req, res, () => sendJson(res, 404, { error: `not found: ${url.pathname}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    reset,
    getState: () => (stateText === null ? null : (JSON.parse(stateText) as unknown)),
    hasState: () => stateText !== null,
    eventClientCount: () => events.size,
    stateWriteCount: () => writes,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        // Stop listening first (an app reconnecting to /api/events is refused from now on), then
        // end the open streams and keep-alive connections so `close` has nothing to wait for.
        server.close(() => resolve());
        for (const client of events) client.end();
        events.clear();
        server.closeAllConnections();
      })),
  };
}
