import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { task } from '@/server/db/schema';
import type { LiveEvent } from '@/server/rollouts/live-bus';
import {
  appendLiveStep,
  createLiveTrajectory,
  finishLiveTrajectory,
} from '@/server/services/live-trajectory-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';
import { createCaller } from '@/server/trpc/root';

let world: TestWorld;
afterEach(async () => world?.cleanup());

function seedRunning(w: TestWorld): string {
  const taskId = randomUUID();
  w.db
    .insert(task)
    .values({ id: taskId, externalId: `t:${taskId}`, source: 'test', intent: 'Buy a tent', createdBy: 't' })
    .run();
  return createLiveTrajectory(w.db, {
    taskId,
    kind: 'rollout',
    source: 'rollout:test',
    policy: 'test',
    createdBy: 'test',
  });
}

const wait = { type: 'wait' as const, raw: 'Wait' };

describe('live.events', () => {
  it('pushes the steps and the end of one trajectory, and ignores the others', async () => {
    world = createTestWorld();
    const watched = seedRunning(world);
    const other = seedRunning(world);
    const caller = world.caller(world.makeUser('researcher'));
    const iterable = await caller.live.events({ trajectoryId: watched });
    const iterator = iterable[Symbol.asyncIterator]();
    // The first next() starts listening on the bus.
    const first = iterator.next();

    await appendLiveStep(world.db, world.dataDir, other, {
      url: null,
      title: null,
      elements: [],
      action: wait,
    });
    await appendLiveStep(world.db, world.dataDir, watched, {
      url: 'http://shop/',
      title: null,
      elements: [],
      action: wait,
      capturedAt: 1000,
    });
    finishLiveTrajectory(world.db, watched, { status: 'complete', envSuccess: true });

    const events: LiveEvent[] = [(await first).value as LiveEvent];
    events.push((await iterator.next()).value as LiveEvent);
    await iterator.return?.(undefined);

    expect(events).toMatchObject([
      { type: 'step', trajectoryId: watched, stepIndex: 0, capturedAt: 1000, url: 'http://shop/' },
      { type: 'trajectory', trajectoryId: watched, status: 'complete', stepCount: 1 },
    ]);
  });

  it('without a trajectory id, pushes every trajectory; ends when the request aborts', async () => {
    world = createTestWorld();
    const controller = new AbortController();
    const caller = createCaller(world.context(world.makeUser('pi')), { signal: controller.signal });
    const iterable = await caller.live.events({});
    const iterator = iterable[Symbol.asyncIterator]();
    const first = iterator.next();
    const id = seedRunning(world);
    expect((await first).value).toMatchObject({ type: 'trajectory', trajectoryId: id, status: 'running' });
    const next = iterator.next();
    controller.abort();
    expect(await next).toMatchObject({ done: true });
  });
});
