/**
 * The Import page's upload handler with real requests: bodies are generated as streams (never held
 * whole in memory here either), the cap is made small through the handler's deps, and every test
 * checks that nothing is left under `<data dir>/uploads`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { job } from '@/server/db/schema';
import { handleImportUpload, type ImportUploadDeps } from '@/server/http/import-handlers';
import {
  createTestWorld,
  SHARED_DATA_DIR,
  WEBVOYAGER_EXAMPLES,
  type TestWorld,
} from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';

const MiB = 1024 * 1024;
const BOUNDARY = 'core-curator-import-test';

type Part =
  | { name: string; value: string }
  /** A file whose bytes come from `chunks` (each pulled when the body is read). */
  | { name: string; filename: string; chunks: () => AsyncIterable<Uint8Array> };

/** Fresh zero-filled chunks: a handler that kept them would grow by their total size. */
async function* zeros(total: number, chunk = MiB, gate?: { at: number; wait: Promise<void> }) {
  for (let sent = 0; sent < total; sent += chunk) {
    if (gate && sent >= gate.at) await gate.wait;
    yield new Uint8Array(Math.min(chunk, total - sent));
  }
}

async function* bytesOf(file: string) {
  yield new Uint8Array(await fs.promises.readFile(file));
}

/** A multipart/form-data body as a byte stream, generated part by part as it is read. */
function multipartBody(parts: Part[]): ReadableStream<Uint8Array> {
  async function* generate() {
    const enc = new TextEncoder();
    for (const part of parts) {
      if ('value' in part) {
        yield enc.encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`,
        );
      } else {
        yield enc.encode(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        );
        yield* part.chunks();
        yield enc.encode('\r\n');
      }
    }
    yield enc.encode(`--${BOUNDARY}--\r\n`);
  }
  return Readable.toWeb(Readable.from(generate(), { objectMode: false })) as ReadableStream<Uint8Array>;
}

function uploadRequest(parts: Part[], headers: Record<string, string> = {}): Request {
  return new Request('http://curator.test/api/import', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
    body: multipartBody(parts),
    duplex: 'half',
  } as RequestInit);
}

/** Every path under `<data dir>/uploads` (temporary and staged). */
function uploadsContent(dataDir: string): string[] {
  const dir = path.join(dataDir, 'uploads');
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) : [];
}

async function read(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const RUN = 'taskAmazon--0';
const WEBARENA_TASKS = path.join(SHARED_DATA_DIR, 'webarena/test_webarena.raw.json');

let world: TestWorld;
let researcher: SessionUser;
beforeEach(() => {
  world = createTestWorld();
  researcher = world.makeUser('researcher');
});
afterEach(async () => {
  await world.jobs.idle();
  await world.cleanup();
});

const deps = (uploadLimitBytes = 64 * MiB): ImportUploadDeps => ({
  dataDir: world.dataDir,
  jobs: world.jobs,
  uploadLimitBytes,
});

function jobRow(id: string) {
  return world.db.select().from(job).where(eq(job.id, id)).get();
}

describe('POST /api/import', () => {
  it('streams a folder upload to disk, stages it and imports it as a job', async () => {
    const runDir = path.join(WEBVOYAGER_EXAMPLES, RUN);
    const names = fs.readdirSync(runDir).sort();
    const parts: Part[] = [{ name: 'format', value: 'webvoyager' }];
    for (const name of names) {
      parts.push({ name: 'files', filename: name, chunks: () => bytesOf(path.join(runDir, name)) });
      parts.push({ name: 'paths', value: `${RUN}/${name}` });
    }
    const res = await read(await handleImportUpload(uploadRequest(parts), researcher, deps()));
    expect(res.status).toBe(202);
    await world.jobs.idle();
    expect(jobRow(res.body.jobId as string)).toMatchObject({ status: 'succeeded' });
    // The job removed its staging folder; the receiving folder was removed by the handler.
    expect(uploadsContent(world.dataDir).filter((p) => p !== '.tmp')).toEqual([]);
  });

  it('answers 401 and 403 before reading the body', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(MiB));
      },
    });
    const req = () =>
      new Request('http://curator.test/api/import', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body,
        duplex: 'half',
      } as RequestInit);
    expect((await handleImportUpload(req(), null, deps())).status).toBe(401);
    expect((await handleImportUpload(req(), world.makeUser('annotator'), deps())).status).toBe(403);
    expect(pulled).toBeLessThanOrEqual(1); // the stream's first pull fills its queue, nothing reads it
    expect(uploadsContent(world.dataDir)).toEqual([]);
  });

  it('answers 413 from Content-Length before reading', async () => {
    let pulled = 0;
    const req = new Request('http://curator.test/api/import', {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(64 * MiB + 1),
      },
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(MiB));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const res = await read(await handleImportUpload(req, researcher, deps(64 * MiB)));
    expect(res).toEqual({
      status: 413,
      body: {
        error: `Import upload: the request body is ${64 * MiB + 1} bytes, over the limit of ${64 * MiB} bytes`,
      },
    });
    expect(pulled).toBeLessThanOrEqual(1); // the stream's own first pull; nothing read it
    expect(uploadsContent(world.dataDir)).toEqual([]);
  });

  it('answers 413 for a streamed body over the cap (no Content-Length), stops reading there, keeps no temporary file, and memory stays bounded', async () => {
    const cap = 48 * MiB;
    const total = 400 * MiB; // what the client would send; it must not all be read
    let produced = 0;
    async function* counted() {
      for await (const chunk of zeros(total)) {
        produced += chunk.byteLength;
        yield chunk;
      }
    }
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    const res = await read(
      await handleImportUpload(
        uploadRequest([
          { name: 'format', value: 'webvoyager' },
          { name: 'archive', filename: 'runs.zip', chunks: counted },
        ]),
        researcher,
        deps(cap),
      ),
    );
    clearInterval(sampler);
    expect(res).toEqual({
      status: 413,
      body: { error: `Import upload: the request body is over the limit of ${cap} bytes` },
    });
    console.log(
      `over-cap upload: read ${Math.round(produced / MiB)} MiB of ${total / MiB} MiB, RSS ${Math.round(rssBefore / MiB)} → peak ${Math.round(rssPeak / MiB)} MiB`,
    );
    // Stopped near the cap (plus a few chunks in flight), not at the end of the body.
    expect(produced).toBeLessThan(cap + 16 * MiB);
    expect(uploadsContent(world.dataDir).filter((p) => p !== '.tmp')).toEqual([]);
  });

  it('streams a large accepted body to disk without buffering it (RSS grows far less than the body)', async () => {
    const size = 320 * MiB;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    const res = await read(
      await handleImportUpload(
        uploadRequest([
          { name: 'format', value: 'webvoyager' },
          { name: 'archive', filename: 'zeros.zip', chunks: () => zeros(size) },
        ]),
        researcher,
        deps(size + MiB),
      ),
    );
    clearInterval(sampler);
    const growth = rssPeak - rssBefore;
    console.log(
      `accepted ${size / MiB} MiB upload: RSS ${Math.round(rssBefore / MiB)} → peak ${Math.round(rssPeak / MiB)} MiB (+${Math.round(growth / MiB)})`,
    );
    // It was received whole, then refused as an archive: parsing starts only once it is on disk.
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^Not a readable zip archive/);
    expect(growth).toBeLessThan(size / 2);
    expect(uploadsContent(world.dataDir).filter((p) => p !== '.tmp')).toEqual([]);
  });

  it.each<[string, Part[], number, RegExp]>([
    [
      'a file part under an unknown name',
      [
        { name: 'format', value: 'webvoyager' },
        { name: 'payload', filename: 'x.bin', chunks: () => zeros(10) },
      ],
      400,
      /^Import upload: unexpected file part 'payload'$/,
    ],
    ['no file', [{ name: 'format', value: 'webvoyager' }], 400, /^Choose a folder/],
    [
      'a bad format',
      [
        { name: 'format', value: 'nope' },
        { name: 'archive', filename: 'a.json', chunks: () => zeros(10) },
      ],
      400,
      /^Bad form field: format: /,
    ],
    [
      'paths that do not match the files',
      [
        { name: 'format', value: 'webvoyager' },
        { name: 'files', filename: 'a.json', chunks: () => zeros(10) },
        { name: 'files', filename: 'b.json', chunks: () => zeros(10) },
        { name: 'paths', value: 'run/a.json' },
      ],
      400,
      /^Bad form field: paths: 1 paths for 2 files/,
    ],
    [
      'a traversal path',
      [
        { name: 'format', value: 'webvoyager' },
        { name: 'files', filename: 'a.json', chunks: () => zeros(10) },
        { name: 'paths', value: '../../a.json' },
      ],
      400,
      /^Upload path '\.\.\/\.\.\/a\.json' is not allowed/,
    ],
    [
      'a file and a folder of the same name',
      [
        { name: 'format', value: 'webvoyager' },
        { name: 'files', filename: 'a', chunks: () => zeros(10) },
        { name: 'paths', value: 'run/a' },
        { name: 'files', filename: 'b.json', chunks: () => zeros(10) },
        { name: 'paths', value: 'run/a/b.json' },
      ],
      400,
      /^Upload entry 'run\/a' is a file, but 'run\/a\/b\.json' needs a folder of that name$/,
    ],
    [
      'a form field over its limit',
      [{ name: 'format', value: 'x'.repeat(5000) }],
      413,
      /^Import upload: form field 'format' is over the limit of \d+ bytes$/,
    ],
  ])('answers %s with a message, keeping nothing', async (_case, parts, status, message) => {
    const res = await read(await handleImportUpload(uploadRequest(parts), researcher, deps()));
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
    expect(uploadsContent(world.dataDir).filter((p) => p !== '.tmp')).toEqual([]);
  });

  it('answers 400 naming the entries for a zip holding a file and a folder of the same name', async () => {
    const zip = path.join(world.dataDir, 'clash.zip');
    execFileSync('python3', [
      '-c',
      "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('run/a', 'x')\n    z.writestr('run/a/b.json', '{}')",
      zip,
    ]);
    const res = await read(
      await handleImportUpload(
        uploadRequest([
          { name: 'format', value: 'webvoyager' },
          { name: 'archive', filename: 'clash.zip', chunks: () => bytesOf(zip) },
        ]),
        researcher,
        deps(),
      ),
    );
    expect(res).toEqual({
      status: 400,
      body: { error: "Upload entry 'run/a' is a file, but 'run/a/b.json' needs a folder of that name" },
    });
    expect(uploadsContent(world.dataDir).filter((p) => p !== '.tmp')).toEqual([]);
  });

  it('serves a small import over HTTP while a large upload is still streaming', async () => {
    // A real HTTP server handing each request's body stream to the handler, as Next does.
    const server = http.createServer((incoming, outgoing) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string') headers.set(name, value);
      const req = new Request(`http://${incoming.headers.host}${incoming.url}`, {
        method: incoming.method,
        headers,
        body: Readable.toWeb(incoming) as unknown as NodeWebReadableStream<Uint8Array> as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      void handleImportUpload(req, researcher, deps(256 * MiB)).then(async (res) => {
        outgoing.writeHead(res.status, { 'content-type': 'application/json' });
        outgoing.end(Buffer.from(await res.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/import`;
    try {
      let openGate = () => {};
      const gate = { at: 32 * MiB, wait: new Promise<void>((resolve) => (openGate = resolve)) };
      let bigSent = 0;
      async function* bigChunks() {
        for await (const chunk of zeros(128 * MiB, MiB, gate)) {
          bigSent += chunk.byteLength;
          yield chunk;
        }
      }
      const post = (parts: Part[]) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
          body: multipartBody(parts),
          duplex: 'half',
        } as RequestInit);
      const big = post([
        { name: 'format', value: 'webvoyager' },
        { name: 'archive', filename: 'big.zip', chunks: bigChunks },
      ]);
      // Wait until the big upload is parked mid-body at the gate.
      while (bigSent < gate.at) await new Promise((resolve) => setTimeout(resolve, 10));
      const small = await post([
        { name: 'format', value: 'webarena-tasks' },
        { name: 'archive', filename: 'tasks.json', chunks: () => bytesOf(WEBARENA_TASKS) },
      ]);
      expect(small.status).toBe(202);
      expect(bigSent).toBe(gate.at); // the big one is still waiting to send the rest
      openGate();
      const bigRes = await big;
      expect(bigRes.status).toBe(400); // received whole, then not a zip
      expect(bigSent).toBe(128 * MiB);
      const { jobId } = (await small.json()) as { jobId: string };
      await world.jobs.idle();
      expect(jobRow(jobId)).toMatchObject({ status: 'succeeded' });
      expect(uploadsContent(world.dataDir).filter((p) => p !== '.tmp')).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
