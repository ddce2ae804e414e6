/**
 * Runs the README's Python client (`examples/ingest_client.py`) with `python3` against a real HTTP
 * server that hands each request to the ingestion route handlers, as the Next routes do.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { asc, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { media, step, task, trajectory } from '@/server/db/schema';
import {
  handleAppendStep,
  handleCreateTrajectory,
  handleFinishTrajectory,
  handleGetTrajectory,
  type IngestHandlerDeps,
} from '@/server/http/ingest-handlers';
import { createApiKey } from '@/server/services/api-key-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const CLIENT = path.resolve(import.meta.dirname, '../../examples/ingest_client.py');

/** The App Router's four ingestion routes, matched by hand. */
function routeIngest(req: Request, deps: IngestHandlerDeps): Promise<Response> {
  const { pathname } = new URL(req.url);
  const match = /^\/api\/ingest\/v1\/trajectories(?:\/([^/]+)(?:\/(steps|finish))?)?$/.exec(pathname);
  const id = match?.[1] ? decodeURIComponent(match[1]) : undefined;
  if (match && req.method === 'POST' && !id) return handleCreateTrajectory(req, deps);
  if (match && req.method === 'GET' && id && !match[2]) return handleGetTrajectory(req, deps, id);
  if (match && req.method === 'POST' && id && match[2] === 'steps') return handleAppendStep(req, deps, id);
  if (match && req.method === 'POST' && id && match[2] === 'finish')
    return handleFinishTrajectory(req, deps, id);
  return Promise.resolve(Response.json({ error: 'Not found' }, { status: 404 }));
}

async function startServer(deps: IngestHandlerDeps): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const req = new Request(`http://${incoming.headers.host}${incoming.url}`, {
        method: incoming.method,
        headers,
        body: body && incoming.method !== 'GET' ? new Uint8Array(body) : undefined,
      });
      void routeIngest(req, deps).then(async (res) => {
        outgoing.writeHead(res.status, Object.fromEntries(res.headers));
        outgoing.end(Buffer.from(await res.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

let world: TestWorld;
let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  await world?.cleanup();
});

describe('examples/ingest_client.py', () => {
  it('creates a trajectory, appends two steps with screenshots and finishes it over HTTP', async () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    const { key } = createApiKey(world.db, researcher, 'python example');
    const server = await startServer({ db: world.db, dataDir: world.dataDir });
    closeServer = server.close;
    const shots = await Promise.all(
      [60, 80].map(async (width, i) => {
        const file = path.join(world.dataDir, `shot${i}.png`);
        const data = await sharp({ create: { width, height: 40, channels: 3, background: '#336699' } })
          .png()
          .toBuffer();
        fs.writeFileSync(file, data);
        return file;
      }),
    );

    const { stdout } = await promisify(execFile)('python3', [CLIENT, ...shots], {
      env: {
        ...process.env,
        CORE_CURATOR_URL: server.url,
        CORE_CURATOR_API_KEY: key,
        // Never send the loopback request through a proxy the environment may configure.
        NO_PROXY: '*',
        no_proxy: '*',
      },
      timeout: 60_000,
    });

    const match = /^trajectory (\S+): (\S+)$/m.exec(stdout);
    expect(match, stdout).not.toBeNull();
    const trajectoryId = match![1]!;
    expect(match![2]).toBe(`${server.url}/trajectories/${trajectoryId}`);
    const row = world.db.select().from(trajectory).where(eq(trajectory.id, trajectoryId)).get();
    expect(row).toMatchObject({
      status: 'complete',
      stepCount: 2,
      envSuccess: true,
      finalAnswer: '$129',
      policy: 'my-agent',
      createdBy: researcher.id,
    });
    expect(world.db.select({ intent: task.intent }).from(task).where(eq(task.id, row!.taskId)).get()).toEqual(
      {
        intent: 'Find the cheapest tent',
      },
    );
    const steps = world.db
      .select({ index: step.index, actionDescription: step.actionDescription, width: media.width })
      .from(step)
      .innerJoin(media, eq(media.hash, step.screenshotHash))
      .where(eq(step.trajectoryId, trajectoryId))
      .orderBy(asc(step.index))
      .all();
    expect(steps).toEqual([
      { index: 0, actionDescription: "Click on a UI element 'Camping' on the screen.", width: 60 },
      { index: 1, actionDescription: "Answer user's question with text: '$129'", width: 80 },
    ]);
  });
});
