import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { task, trajectory } from '@/server/db/schema';
import { eq } from 'drizzle-orm';
import { subscribeLiveEvents, type LiveEvent } from '@/server/rollouts/live-bus';
import {
  appendLiveStep,
  createLiveTrajectory,
  finishLiveTrajectory,
  MAX_ENV_MESSAGE_CHARS,
  recoverInterruptedRollouts,
} from '@/server/services/live-trajectory-service';
import { getTrajectoryOrThrow } from '@/server/services/trajectory-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld;
afterEach(async () => world?.cleanup());

function seedTask(w: TestWorld): string {
  const id = randomUUID();
  w.db
    .insert(task)
    .values({ id, externalId: `t:${id}`, source: 'test', intent: 'Buy a tent', createdBy: 'test' })
    .run();
  return id;
}

const png = () =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 200, b: 30 } } })
    .png()
    .toBuffer();

describe('live trajectories', () => {
  it('creates, appends in order with screenshots and publishes every change', async () => {
    world = createTestWorld();
    const taskId = seedTask(world);
    const events: LiveEvent[] = [];
    const stop = subscribeLiveEvents((e) => events.push(e));
    const id = createLiveTrajectory(world.db, {
      taskId,
      kind: 'rollout',
      source: 'rollout:noisy-expert',
      policy: 'noisy-expert',
      createdBy: 'noisy-expert',
      jobId: 'job-1',
      sampleIndex: 0,
    });
    const first = await appendLiveStep(world.db, world.dataDir, id, {
      url: 'http://127.0.0.1/#/',
      title: 'Shop',
      elements: [{ id: '0', role: 'link', name: 'Tents', box: { x: 1, y: 2, width: 30, height: 10 } }],
      screenshot: await png(),
      action: { type: 'click', elementId: '0', elementRole: 'link', elementName: 'Tents', raw: 'Click [0]' },
      capturedAt: 1234,
    });
    const second = await appendLiveStep(world.db, world.dataDir, id, {
      url: 'http://127.0.0.1/#/tents',
      title: 'Tents',
      elements: [],
      action: { type: 'answer', answer: '$129', raw: 'ANSWER; $129' },
    });
    expect([first.index, second.index]).toEqual([0, 1]);
    finishLiveTrajectory(world.db, id, { status: 'complete', envSuccess: true, finalAnswer: '$129' });
    stop();

    const stored = getTrajectoryOrThrow(world.db, id);
    expect(stored.status).toBe('complete');
    expect(stored.stepCount).toBe(2);
    expect(stored.steps[0]?.elementsText).toBe('[0]: <link> "Tents"');
    expect(stored.steps[0]?.actionDescription).toBe("Click on a UI element 'Tents' on the screen.");
    expect(stored.steps[0]?.screenshotWidth).toBe(40);
    expect(stored.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(events.map((e) => (e.type === 'step' ? `step ${e.stepIndex}` : `trajectory ${e.status}`))).toEqual(
      ['trajectory running', 'step 0', 'step 1', 'trajectory complete'],
    );
    expect(events[1]).toMatchObject({ capturedAt: 1234, screenshotHash: stored.steps[0]?.screenshotHash });
  });

  it("keeps the environment's explanation with its verdict (bounded; blank is none); the viewer's query returns it", async () => {
    world = createTestWorld();
    const taskId = seedTask(world);
    const make = () =>
      createLiveTrajectory(world.db, {
        taskId,
        kind: 'rollout',
        source: 'rollout:noisy-expert',
        policy: 'noisy-expert',
        createdBy: 'noisy-expert',
      });
    const judged = make();
    const message = 'Cart holds 0 of 2 daypacks <script>alert(1)</script>';
    finishLiveTrajectory(world.db, judged, { status: 'complete', envSuccess: false, envMessage: message });
    const annotator = world.makeUser('annotator');
    const viewed = await world.caller(annotator).trajectories.get({ id: judged });
    expect(viewed).toMatchObject({ envSuccess: false, envMessage: message, error: null });

    const long = make();
    finishLiveTrajectory(world.db, long, {
      status: 'complete',
      envSuccess: true,
      envMessage: `${'x'.repeat(MAX_ENV_MESSAGE_CHARS - 2)}😀tail`,
    });
    const stored = getTrajectoryOrThrow(world.db, long).envMessage!;
    expect(stored).toHaveLength(MAX_ENV_MESSAGE_CHARS - 1); // the emoji's pair is not split
    expect(stored.endsWith('x…')).toBe(true);

    const blank = make();
    finishLiveTrajectory(world.db, blank, { status: 'complete', envSuccess: null, envMessage: '  ' });
    expect(getTrajectoryOrThrow(world.db, blank).envMessage).toBeNull();
    const none = make();
    finishLiveTrajectory(world.db, none, { status: 'errored', envSuccess: null, error: 'Cancelled' });
    expect(getTrajectoryOrThrow(world.db, none).envMessage).toBeNull();
  });

  it('refuses steps after the end, unreadable screenshots and unknown trajectories', async () => {
    world = createTestWorld();
    const taskId = seedTask(world);
    const id = createLiveTrajectory(world.db, {
      taskId,
      kind: 'rollout',
      source: 'ingest',
      policy: 'x',
      createdBy: 'u',
    });
    const action = { type: 'wait' as const, raw: 'Wait' };
    await expect(
      appendLiveStep(world.db, world.dataDir, id, {
        url: null,
        title: null,
        elements: [],
        action,
        screenshot: Buffer.from('nope'),
      }),
    ).rejects.toThrow(/screenshot of step 0: not a readable image/);
    finishLiveTrajectory(world.db, id, { status: 'errored', envSuccess: null, error: 'harness crashed' });
    await expect(
      appendLiveStep(world.db, world.dataDir, id, { url: null, title: null, elements: [], action }),
    ).rejects.toThrow(/is errored/);
    await expect(
      appendLiveStep(world.db, world.dataDir, 'missing', { url: null, title: null, elements: [], action }),
    ).rejects.toThrow(/not found/);
    expect(() =>
      createLiveTrajectory(world.db, {
        taskId: 'nope',
        kind: 'rollout',
        source: 's',
        policy: null,
        createdBy: 'u',
      }),
    ).toThrow(/not found/);
  });

  it('marks only built-in rollouts left running as errored at start-up', () => {
    world = createTestWorld();
    const taskId = seedTask(world);
    const builtIn = createLiveTrajectory(world.db, {
      taskId,
      kind: 'rollout',
      source: 's',
      policy: null,
      createdBy: 'u',
      jobId: 'j',
    });
    const ingested = createLiveTrajectory(world.db, {
      taskId,
      kind: 'rollout',
      source: 'ingest',
      policy: null,
      createdBy: 'u',
    });
    expect(recoverInterruptedRollouts(world.db)).toBe(1);
    const status = (id: string) =>
      world.db.select({ s: trajectory.status }).from(trajectory).where(eq(trajectory.id, id)).get()?.s;
    expect(status(builtIn)).toBe('errored');
    expect(status(ingested)).toBe('running');
  });
});
