/**
 * Serves a State-API web app (DESIGN.md › Formats › State-API web apps, the WebArena-Infinity
 * convention) on a loopback port: the folder's static files (through `sirv`), and
 *
 * - `GET /api/state` → 200 with the current state as JSON (`null` before the app stores any);
 * - `PUT /api/state` with a JSON body → 204, the body becomes the state (at most MAX_STATE_BYTES);
 * - `POST /api/reset` → 204, the state becomes the seed again.
 *
 * The seed is the folder's `seed-state.json` when it has one (read at start-up); without it the seed
 * is `null` and the app initialises its own data on load, as WebArena-Infinity apps do. The runner
 * starts one server per browser, so parallel rollouts never share state, and resets before every
 * rollout.
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

export interface StateApiServer {
  /** e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  reset(): void;
  getState(): unknown;
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
  const seed = readSeedState(folder);
  const seedText = JSON.stringify(seed);
  let state: unknown = JSON.parse(seedText);
  const root = realAppFolder(folder);
  const serveStatic = sirv(root, { dev: true, dotfiles: false, etag: false });

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/state') {
      if (req.method === 'GET') return sendJson(res, 200, state);
      if (req.method === 'PUT') {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.byteLength;
          if (size > MAX_STATE_BYTES) {
            sendJson(res, 413, { error: `state larger than ${MAX_STATE_BYTES} bytes` });
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        req.on('end', () => {
          if (res.headersSent) return;
          try {
            state = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
            res.writeHead(204).end();
          } catch {
            sendJson(res, 400, { error: 'body is not valid JSON' });
          }
        });
        return;
      }
      return sendJson(res, 405, { error: 'use GET or PUT' });
    }
    if (url.pathname === '/api/reset') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' });
      state = JSON.parse(seedText);
      res.writeHead(204).end();
      return;
    }
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
  return {
    url: `http://127.0.0.1:${port}`,
    reset() {
      state = JSON.parse(seedText);
    },
    getState: () => state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
