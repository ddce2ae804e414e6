import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { task, trajectory } from '@/server/db/schema';
import { listLiveTrajectories } from '@/server/services/live-query-service';
import {
  appendLiveStep,
  createLiveTrajectory,
  finishLiveTrajectory,
} from '@/server/services/live-trajectory-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld;
afterEach(async () => world?.cleanup());

function seedTask(w: TestWorld, intent: string): string {
  const id = randomUUID();
  w.db
    .insert(task)
    .values({ id, externalId: `t:${id}`, source: 'test', intent, site: 'shop', createdBy: 'test' })
    .run();
  return id;
}

const png = () =>
  sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toBuffer();

const wait = { type: 'wait' as const, raw: 'Wait' };

function startRollout(w: TestWorld, taskId: string, sampleIndex: number) {
  return createLiveTrajectory(w.db, {
    taskId,
    kind: 'rollout',
    source: 'rollout:noisy-expert',
    policy: 'noisy-expert',
    createdBy: 'noisy-expert',
    jobId: 'job-1',
    sampleIndex,
  });
}

describe('listLiveTrajectories', () => {
  it('lists running and recently finished trajectories with their latest step, running first', async () => {
    world = createTestWorld();
    const taskId = seedTask(world, 'Buy a <b>tent</b>');
    const running = startRollout(world, taskId, 0);
    await appendLiveStep(world.db, world.dataDir, running, {
      url: 'http://shop/#/',
      title: 'Shop',
      elements: [],
      screenshot: await png(),
      action: wait,
    });
    await appendLiveStep(world.db, world.dataDir, running, {
      url: 'http://shop/#/tents',
      title: 'Tents',
      elements: [],
      action: { type: 'answer', answer: '$129', raw: 'ANSWER; $129' },
    });
    const errored = startRollout(world, taskId, 1);
    finishLiveTrajectory(world.db, errored, {
      status: 'errored',
      envSuccess: null,
      error: 'browser crashed',
    });
    const empty = startRollout(world, taskId, 2);
    // Finished long ago: left out.
    const old = startRollout(world, taskId, 3);
    finishLiveTrajectory(world.db, old, { status: 'complete', envSuccess: true });
    world.db
      .update(trajectory)
      .set({ finishedAt: new Date(Date.now() - 2 * 60 * 60_000) })
      .where(eq(trajectory.id, old))
      .run();
    // Imported trajectories (complete, never finished live) are not live.
    world.db
      .insert(trajectory)
      .values({
        id: randomUUID(),
        taskId,
        kind: 'expert',
        source: 'import',
        contentHash: 'x',
        createdBy: 'test',
      })
      .run();

    const rows = listLiveTrajectories(world.db);
    // Running rows first (newest first), then the recently finished.
    expect(rows.map((r) => r.status)).toEqual(['running', 'running', 'errored']);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set([running, empty, errored]));
    const first = rows.find((r) => r.id === running)!;
    expect(first).toMatchObject({
      status: 'running',
      stepCount: 2,
      sampleIndex: 0,
      jobId: 'job-1',
      policy: 'noisy-expert',
      intent: 'Buy a <b>tent</b>',
      site: 'shop',
      taskId,
      error: null,
      finishedAt: null,
      latestStep: {
        index: 1,
        screenshotHash: null,
        url: 'http://shop/#/tents',
        actionDescription: "Answer user's question with text: '$129'",
      },
    });
    expect(first.createdAt).toBeInstanceOf(Date);
    expect(rows.find((r) => r.id === empty)?.latestStep).toBeNull();
    expect(rows.find((r) => r.id === errored)).toMatchObject({
      status: 'errored',
      error: 'browser crashed',
      finishedAt: expect.any(Date) as Date,
    });

    expect(listLiveTrajectories(world.db, { recentMinutes: 180 }).map((r) => r.id)).toContain(old);
    expect(listLiveTrajectories(world.db, { limit: 1 })).toHaveLength(1);
  });

  it('shows the latest screenshot hash', async () => {
    world = createTestWorld();
    const id = startRollout(world, seedTask(world, 'Find a kayak'), 0);
    await appendLiveStep(world.db, world.dataDir, id, {
      url: null,
      title: null,
      elements: [],
      screenshot: await png(),
      action: wait,
    });
    expect(listLiveTrajectories(world.db)[0]?.latestStep?.screenshotHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
