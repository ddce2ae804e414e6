/**
 * The ingestion API over HTTP: the route handlers called with real `Request`s on a fresh database.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { asc, count, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { media, step, trajectory, user } from '@/server/db/schema';
import {
  handleAppendStep,
  handleCreateTrajectory,
  handleFinishTrajectory,
  handleGetTrajectory,
  MAX_STEP_MULTIPART_BYTES,
} from '@/server/http/ingest-handlers';
import { subscribeLiveEvents, type LiveEvent } from '@/server/rollouts/live-bus';
import { createApiKey, revokeApiKey } from '@/server/services/api-key-service';
import { MAX_SCREENSHOT_BYTES, MAX_SCREENSHOT_PIXELS } from '@/server/services/media-store';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';
import type { SessionUser } from '@/server/trpc/init';

const BASE = 'http://curator.test';

let world: TestWorld;
let researcher: SessionUser;
let key: string;
beforeEach(() => {
  world = createTestWorld();
  researcher = world.makeUser('researcher');
  key = createApiKey(world.db, researcher, 'harness').key;
});
afterEach(async () => world.cleanup());

const png = (width = 40) =>
  sharp({ create: { width, height: 30, channels: 3, background: { r: 10, g: 120, b: 220 } } })
    .png()
    .toBuffer();

interface RequestOptions {
  method?: string;
  /** `null`: no Authorization header; a string: sent as it is. */
  auth?: string | null;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

function request(pathname: string, options: RequestOptions = {}): Request {
  const headers = new Headers(options.headers);
  const auth = options.auth === undefined ? `Bearer ${key}` : options.auth;
  if (auth !== null) headers.set('authorization', auth);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  }
  return new Request(`${BASE}${pathname}`, { method: options.method ?? 'POST', headers, body });
}

async function read(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const deps = () => ({ db: world.db, dataDir: world.dataDir });

async function createTrajectory(options: RequestOptions = {}): Promise<string> {
  const res = await read(
    await handleCreateTrajectory(
      request('/api/ingest/v1/trajectories', { json: { task: { intent: 'Buy a tent' } }, ...options }),
      deps(),
    ),
  );
  expect(res.status).toBe(201);
  return res.body.trajectoryId as string;
}

function multipartStep(stepFields: unknown, screenshot?: Blob | string, stepText?: string): FormData {
  const form = new FormData();
  form.set('step', stepText ?? JSON.stringify(stepFields));
  if (typeof screenshot === 'string') form.set('screenshot', screenshot);
  else if (screenshot !== undefined) form.set('screenshot', screenshot, 'shot.png');
  return form;
}

function appendStep(trajectoryId: string, options: RequestOptions) {
  return handleAppendStep(
    request(`/api/ingest/v1/trajectories/${trajectoryId}/steps`, options),
    deps(),
    trajectoryId,
  );
}

function stepCount(trajectoryId: string): number {
  return world.db.select({ n: count() }).from(step).where(eq(step.trajectoryId, trajectoryId)).get()!.n;
}

/** What is left under `<data dir>/uploads/.tmp` (multipart steps are received there). */
function uploadTemps(): string[] {
  const root = path.join(world.dataDir, 'uploads', '.tmp');
  return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) : [];
}

function storedFiles(): string[] {
  const root = path.join(world.dataDir, 'media');
  return fs.existsSync(root) ? fs.readdirSync(root, { recursive: true, encoding: 'utf8' }) : [];
}

describe('ingestion API: authentication', () => {
  it('answers 401 with a distinct message for a missing, malformed, unknown or revoked key', async () => {
    const attempt = (auth: string | null) =>
      handleCreateTrajectory(
        request('/api/ingest/v1/trajectories', { auth, json: { task: { intent: 'x' } } }),
        deps(),
      );
    const { id, key: revoked } = createApiKey(world.db, researcher, 'old');
    revokeApiKey(world.db, researcher, id);

    const cases: [string | null, RegExp][] = [
      [null, /^Missing API key/],
      ['Token abc', /^Malformed API key/],
      [`Bearer ${key}x`, /^Malformed API key/],
      [`Bearer cck_${'x'.repeat(43)}`, /^Unknown API key$/],
      [`Bearer ${revoked}`, /^API key revoked$/],
    ];
    const messages: string[] = [];
    for (const [auth, message] of cases) {
      const res = await attempt(auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const body = (await res.json()) as { error: string };
      expect(body.error).toMatch(message);
      messages.push(body.error);
    }
    expect(new Set(messages).size).toBe(4); // both malformed cases share a message
    expect(world.db.select({ n: count() }).from(trajectory).get()?.n).toBe(0);
  });

  it('answers 403 for a key whose user may not ingest (an annotator, or a demoted researcher)', async () => {
    const annotator = world.makeUser('annotator');
    const annotatorKey = createApiKey(world.db, annotator, 'mine').key;
    const res = await read(
      await handleCreateTrajectory(
        request('/api/ingest/v1/trajectories', {
          auth: `Bearer ${annotatorKey}`,
          json: { task: { intent: 'x' } },
        }),
        deps(),
      ),
    );
    expect(res).toEqual({
      status: 403,
      body: { error: expect.stringMatching(/no longer has a role/) as string },
    });

    const trajectoryId = await createTrajectory();
    world.db.update(user).set({ role: 'annotator' }).where(eq(user.id, researcher.id)).run();
    const refused = await appendStep(trajectoryId, { json: { actionText: 'Wait' } });
    expect(refused.status).toBe(403);
  });
});

describe('ingestion API: a harness run', () => {
  it('creates, appends steps with screenshots (multipart and base64) in order, finishes, and publishes live', async () => {
    const events: LiveEvent[] = [];
    const stop = subscribeLiveEvents((e) => events.push(e));
    try {
      const created = await read(
        await handleCreateTrajectory(
          request('/api/ingest/v1/trajectories', {
            json: {
              task: { intent: 'Find the cheapest tent', startUrl: 'http://shop.test/' },
              policy: 'browsergym:gpt-4o',
              externalId: 'bg-run-1',
            },
          }),
          deps(),
        ),
      );
      expect(created).toMatchObject({
        status: 201,
        body: {
          taskCreated: true,
          viewUrl: expect.stringMatching(/^http:\/\/curator\.test\/trajectories\//) as string,
        },
      });
      const id = created.body.trajectoryId as string;

      const elements = [{ id: '0', role: 'link', name: 'Tents', box: { x: 1, y: 2, width: 30, height: 10 } }];
      const first = await appendStep(id, {
        body: multipartStep(
          {
            url: 'http://shop.test/',
            title: 'Shop',
            elements,
            actionText: 'Click [0]',
            capturedAt: 1_700_000_000_000,
          },
          new Blob([new Uint8Array(await png())], { type: 'image/png' }),
        ),
      });
      expect(await read(first)).toMatchObject({ status: 201, body: { index: 0 } });
      const second = await appendStep(id, {
        json: {
          url: 'http://shop.test/tents',
          action: { type: 'answer', answer: '$129' },
          thought: 'The first tent is the cheapest.',
          screenshotBase64: (await png(50)).toString('base64'),
        },
      });
      expect(await read(second)).toMatchObject({ status: 201, body: { index: 1 } });

      const status = await read(
        await handleGetTrajectory(
          request(`/api/ingest/v1/trajectories/${id}`, { method: 'GET' }),
          deps(),
          id,
        ),
      );
      expect(status).toMatchObject({ status: 200, body: { status: 'running', stepCount: 2 } });

      const finished = await read(
        await handleFinishTrajectory(
          request(`/api/ingest/v1/trajectories/${id}/finish`, {
            json: { envSuccess: true, finalAnswer: '$129' },
          }),
          deps(),
          id,
        ),
      );
      expect(finished).toMatchObject({
        status: 200,
        body: { trajectoryId: id, status: 'complete', stepCount: 2, envSuccess: true, finalAnswer: '$129' },
      });

      const steps = world.db
        .select({
          index: step.index,
          actionType: step.actionType,
          screenshotHash: step.screenshotHash,
          thought: step.thought,
        })
        .from(step)
        .where(eq(step.trajectoryId, id))
        .orderBy(asc(step.index))
        .all();
      expect(steps.map((s) => [s.index, s.actionType])).toEqual([
        [0, 'click'],
        [1, 'answer'],
      ]);
      expect(steps[1]?.thought).toBe('The first tent is the cheapest.');
      const widths = world.db.select({ hash: media.hash, width: media.width }).from(media).all();
      expect(new Set(widths.map((m) => m.width))).toEqual(new Set([40, 50]));
      expect(steps.every((s) => widths.some((m) => m.hash === s.screenshotHash))).toBe(true);
      expect(storedFiles().filter((f) => f.endsWith('.png'))).toHaveLength(2);

      const mine = events.filter((e) => e.trajectoryId === id);
      expect(mine.map((e) => (e.type === 'step' ? `step ${e.stepIndex}` : `trajectory ${e.status}`))).toEqual(
        ['trajectory running', 'step 0', 'step 1', 'trajectory complete'],
      );
      expect(mine[1]).toMatchObject({
        capturedAt: 1_700_000_000_000,
        screenshotHash: steps[0]?.screenshotHash,
      });
    } finally {
      stop();
    }
  });

  it('refuses a second trajectory with the same externalId (409)', async () => {
    await createTrajectory({ json: { task: { intent: 'x' }, externalId: 'run-7' } });
    const again = await handleCreateTrajectory(
      request('/api/ingest/v1/trajectories', { json: { task: { intent: 'x' }, externalId: 'run-7' } }),
      deps(),
    );
    expect(again.status).toBe(409);
  });
});

describe('ingestion API: refusals', () => {
  it('answers 400 naming the field for a malformed step, and stores nothing', async () => {
    const id = await createTrajectory();
    const cases: [RequestOptions, RegExp][] = [
      [{ body: '{"url": ', headers: { 'content-type': 'application/json' } }, /^step: invalid JSON/],
      [{ body: multipartStep(null, undefined, '{nope') }, /^step: invalid JSON/],
      [{ body: multipartStep({ actionText: 'Wait' }, 'not a file') }, /^screenshot: expected a file part/],
      [{ json: { url: 'http://shop.test/' } }, /^step\.action: Required/],
      [{ json: { action: { type: 'teleport' } } }, /^step\.action\.type: Invalid option/],
      [
        {
          json: {
            actionText: 'Click [0]',
            elements: [{ id: '0', name: 'Go', box: { x: 0, y: 0, width: 'wide', height: 1 } }],
          },
        },
        /^step\.elements\[0\]\.box\.width: /,
      ],
      [{ json: { actionText: 'Wait', screenshotBase64: '%%%' } }, /^screenshotBase64: not base64/],
      [
        {
          body: multipartStep(
            { actionText: 'Wait' },
            new Blob(['hello, not an image'], { type: 'image/png' }),
          ),
        },
        /not a readable image/,
      ],
      [{ body: new FormData() }, /^step: missing form field/],
    ];
    for (const [options, message] of cases) {
      const res = await read(await appendStep(id, options));
      expect(res.status, String(message)).toBe(400);
      expect(res.body.error).toMatch(message);
    }
    expect(stepCount(id)).toBe(0);
    expect(storedFiles()).toEqual([]);

    const badCreate = await read(
      await handleCreateTrajectory(
        request('/api/ingest/v1/trajectories', { json: { task: { intent: '' } } }),
        deps(),
      ),
    );
    expect(badCreate).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^task\.intent: /) as string },
    });
    const badFinish = await read(
      await handleFinishTrajectory(
        request(`/api/ingest/v1/trajectories/${id}/finish`, { json: { envSuccess: 'yes' } }),
        deps(),
        id,
      ),
    );
    expect(badFinish).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^envSuccess: /) as string },
    });
  });

  it('answers 413 for an oversized screenshot and stores nothing', async () => {
    const id = await createTrajectory();
    const huge = new Blob([new Uint8Array(MAX_SCREENSHOT_BYTES + 1)], { type: 'image/png' });
    const multipart = await read(await appendStep(id, { body: multipartStep({ actionText: 'Wait' }, huge) }));
    expect(multipart.status).toBe(413);
    expect(multipart.body.error).toBe(
      `screenshot: file 'shot.png' is over the limit of ${MAX_SCREENSHOT_BYTES} bytes`,
    );
    expect(uploadTemps()).toEqual([]);

    const base64 = await appendStep(id, {
      json: {
        actionText: 'Wait',
        screenshotBase64: Buffer.alloc(MAX_SCREENSHOT_BYTES + 1).toString('base64'),
      },
    });
    expect(base64.status).toBe(413);

    // Refused from Content-Length before the body is read.
    const declared = await appendStep(id, {
      body: 'x',
      headers: {
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(MAX_STEP_MULTIPART_BYTES + 1),
      },
    });
    expect(declared.status).toBe(413);

    expect(stepCount(id)).toBe(0);
    expect(storedFiles()).toEqual([]);
    expect(world.db.select({ n: count() }).from(media).get()?.n).toBe(0);
  });

  it('answers 409 for a step or finish after the end', async () => {
    const id = await createTrajectory();
    const finish = () =>
      handleFinishTrajectory(
        request(`/api/ingest/v1/trajectories/${id}/finish`, { json: { envSuccess: false } }),
        deps(),
        id,
      );
    expect((await finish()).status).toBe(200);
    const late = await read(await appendStep(id, { json: { actionText: 'Wait' } }));
    expect(late).toEqual({
      status: 409,
      body: { error: expect.stringMatching(/is complete; steps can no longer be added/) as string },
    });
    expect((await finish()).status).toBe(409);
  });

  it("answers 404 for another user's trajectory and for an unknown one", async () => {
    const id = await createTrajectory();
    const other = world.makeUser('researcher');
    const otherKey = createApiKey(world.db, other, 'theirs').key;
    const auth = `Bearer ${otherKey}`;
    expect((await appendStep(id, { auth, json: { actionText: 'Wait' } })).status).toBe(404);
    expect(
      (
        await handleGetTrajectory(
          request(`/api/ingest/v1/trajectories/${id}`, { method: 'GET', auth }),
          deps(),
          id,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await handleFinishTrajectory(
          request(`/api/ingest/v1/trajectories/${id}/finish`, { auth, json: { envSuccess: null } }),
          deps(),
          id,
        )
      ).status,
    ).toBe(404);
    expect((await appendStep('nope', { json: { actionText: 'Wait' } })).status).toBe(404);
    expect(stepCount(id)).toBe(0);

    // A PI's key may act on it (e.g. to close a run whose harness crashed).
    const pi = world.makeUser('pi');
    const piKey = createApiKey(world.db, pi, 'pi').key;
    expect((await appendStep(id, { auth: `Bearer ${piKey}`, json: { actionText: 'Wait' } })).status).toBe(
      201,
    );
  });
});

describe('ingestion API: hostile screenshots and multipart bodies', () => {
  /** A PNG whose IHDR declares `width` × `height` (CRC fixed), followed by the real small image. */
  async function pngDeclaring(width: number, height: number): Promise<Buffer> {
    const bytes = Buffer.from(await png());
    bytes.writeUInt32BE(width, 16);
    bytes.writeUInt32BE(height, 20);
    bytes.writeUInt32BE(zlib.crc32(bytes.subarray(12, 29)), 29);
    return bytes;
  }

  it('answers 400 naming the screenshot for a truncated PNG, junk named .png, an empty file and a pixel bomb; stores nothing', async () => {
    const id = await createTrajectory();
    const whole = await png(400);
    const cases: [string, Buffer, RegExp][] = [
      [
        'truncated',
        whole.subarray(0, Math.floor(whole.length / 2)),
        /^screenshot of step 0 is not a valid PNG: .+/,
      ],
      ['junk', Buffer.from('GIF? no, just text in a .png'), /^screenshot of step 0: not a readable image/],
      ['empty', Buffer.alloc(0), /^screenshot: empty file/],
      [
        'pixel bomb',
        await pngDeclaring(100_000, 100_000),
        new RegExp(
          `^screenshot of step 0: 100000×100000 pixels is over the limit of ${MAX_SCREENSHOT_PIXELS} pixels$`,
        ),
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const form = multipartStep(
        { actionText: 'Wait' },
        new Blob([new Uint8Array(bytes)], { type: 'image/png' }),
      );
      const multipart = await read(await appendStep(id, { body: form }));
      expect(multipart, `${name} (multipart)`).toMatchObject({ status: 400 });
      expect(multipart.body.error, name).toMatch(message);
      if (bytes.length > 0) {
        const base64 = await read(
          await appendStep(id, { json: { actionText: 'Wait', screenshotBase64: bytes.toString('base64') } }),
        );
        expect(base64, `${name} (base64)`).toMatchObject({ status: 400 });
        expect(base64.body.error, name).toMatch(message);
      }
    }
    expect(stepCount(id)).toBe(0);
    expect(storedFiles()).toEqual([]);
    expect(fs.existsSync(path.join(world.dataDir, 'thumbs'))).toBe(false);
    expect(uploadTemps()).toEqual([]);

    // The same trajectory still takes a good step afterwards.
    const ok = await appendStep(id, {
      body: multipartStep({ actionText: 'Wait' }, new Blob([new Uint8Array(whole)])),
    });
    expect(ok.status).toBe(201);
    expect(uploadTemps()).toEqual([]);
  });

  it('answers 413 for a chunked multipart body over the limit (no Content-Length) and keeps no temporary file', async () => {
    const id = await createTrajectory();
    const boundary = 'core-curator-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="step"\r\n\r\n{"actionText":"Wait"}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="junk"; filename="junk.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new Uint8Array(head));
        controller.enqueue(new Uint8Array(1024 * 1024));
        sent += 1024 * 1024;
        if (sent > MAX_STEP_MULTIPART_BYTES * 2) controller.close();
      },
    });
    const req = new Request(`${BASE}/api/ingest/v1/trajectories/${id}/steps`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body,
      duplex: 'half',
    } as RequestInit);
    const res = await read(await handleAppendStep(req, deps(), id));
    // An unexpected file part is refused as soon as it starts.
    expect(res).toEqual({ status: 400, body: { error: "step: unexpected file part 'junk'" } });
    expect(sent).toBeLessThan(MAX_STEP_MULTIPART_BYTES);

    sent = 0;
    const screenshotHead = Buffer.from(head.toString().replace('name="junk"', 'name="screenshot"'));
    const big = new Request(`${BASE}/api/ingest/v1/trajectories/${id}/steps`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new Uint8Array(screenshotHead));
          controller.enqueue(new Uint8Array(1024 * 1024));
          sent += 1024 * 1024;
          if (sent > MAX_STEP_MULTIPART_BYTES * 2) controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const tooBig = await read(await handleAppendStep(big, deps(), id));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toBe(
      `screenshot: file 'junk.bin' is over the limit of ${MAX_SCREENSHOT_BYTES} bytes`,
    );
    // Reading stopped at the limit (plus what was in flight), not at the end of the body.
    expect(sent).toBeLessThan(MAX_STEP_MULTIPART_BYTES + 8 * 1024 * 1024);
    expect(uploadTemps()).toEqual([]);
    expect(stepCount(id)).toBe(0);
  });

  it('answers 400 for a multipart body cut short or without a boundary', async () => {
    const id = await createTrajectory();
    const cut = await read(
      await appendStep(id, {
        body: '--b\r\nContent-Disposition: form-data; name="step"\r\n\r\n{"actionText":"Wait"}',
        headers: { 'content-type': 'multipart/form-data; boundary=b' },
      }),
    );
    expect(cut.status).toBe(400);
    expect(cut.body.error).toMatch(/^step: not a readable multipart\/form-data body \(.+\)$/);
    const noBoundary = await read(
      await appendStep(id, { body: 'x', headers: { 'content-type': 'multipart/form-data' } }),
    );
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.body.error).toMatch(/^step: not a readable multipart\/form-data body/);
    expect(uploadTemps()).toEqual([]);
  });
});
