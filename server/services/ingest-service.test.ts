import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { step, task, trajectory } from '@/server/db/schema';
import {
  appendIngestStep,
  createIngestTrajectory,
  decodeScreenshotBase64,
  finishIngestTrajectory,
  getIngestTrajectoryOrThrow,
  ingestTaskKey,
  parseIngestInput,
  toStepAction,
  ZIngestStepSchema,
} from '@/server/services/ingest-service';
import { createLiveTrajectory } from '@/server/services/live-trajectory-service';
import { MAX_SCREENSHOT_BYTES } from '@/server/services/media-store';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld;
afterEach(async () => world?.cleanup());

const png = () =>
  sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 20, b: 30 } } })
    .png()
    .toBuffer();

const parseStep = (value: unknown) => parseIngestInput(ZIngestStepSchema, value, 'step');

describe('ingestion service: tasks', () => {
  it('creates a task from its intent once and reuses it; finds tasks by id and externalId', () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    const first = createIngestTrajectory(world.db, researcher, {
      task: { intent: 'Find a red tent', startUrl: 'http://shop.test/', site: 'shop' },
      policy: 'browsergym:gpt-4o',
    });
    expect(first.taskCreated).toBe(true);
    const created = world.db.select().from(task).where(eq(task.id, first.taskId)).get();
    expect(created).toMatchObject({
      externalId: ingestTaskKey('Find a red tent', 'http://shop.test/'),
      source: 'ingest',
      origin: 'seed',
      environment: 'web',
      site: 'shop',
      createdBy: researcher.id,
    });
    expect(created?.externalId).toMatch(/^ingest:[0-9a-f]{16}$/);

    const again = createIngestTrajectory(world.db, researcher, {
      task: { intent: 'Find a red tent', startUrl: 'http://shop.test/' },
    });
    expect(again).toMatchObject({ taskId: first.taskId, taskCreated: false });
    expect(createIngestTrajectory(world.db, researcher, { task: { id: first.taskId } }).taskId).toBe(
      first.taskId,
    );
    expect(
      createIngestTrajectory(world.db, researcher, { task: { externalId: created!.externalId } }).taskId,
    ).toBe(first.taskId);

    const row = world.db.select().from(trajectory).where(eq(trajectory.id, first.trajectoryId)).get();
    expect(row).toMatchObject({
      status: 'running',
      kind: 'rollout',
      source: 'ingest',
      policy: 'browsergym:gpt-4o',
      createdBy: researcher.id,
      jobId: null,
    });
  });

  it('names the field of a bad create request and refuses unknown tasks and taken externalIds', () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    expect(() => createIngestTrajectory(world.db, researcher, { task: {} })).toThrow(
      'task: Required: give id, externalId or intent',
    );
    expect(() =>
      createIngestTrajectory(world.db, researcher, { task: { intent: 'x' }, kind: 'demo' }),
    ).toThrow(/^kind: Invalid option/);
    expect(() => createIngestTrajectory(world.db, researcher, { task: { id: 'nope' } })).toThrow(
      "task.id: no task with id 'nope'",
    );
    createIngestTrajectory(world.db, researcher, { task: { intent: 'x' }, externalId: 'run-1' });
    expect(() =>
      createIngestTrajectory(world.db, researcher, { task: { intent: 'x' }, externalId: 'run-1' }),
    ).toThrow(expect.objectContaining({ code: 'CONFLICT' }) as Error);
  });
});

describe('ingestion service: steps', () => {
  it('validates steps and names the field', () => {
    expect(() => parseStep({ url: 'http://x' })).toThrow(/^step\.action: Required/);
    expect(() => parseStep({ action: { type: 'teleport' } })).toThrow(/^step\.action\.type: Invalid option/);
    expect(() =>
      parseStep({
        actionText: 'Click [0]',
        elements: [{ id: '0', name: 'Go', box: { x: 0, y: 0, width: -1, height: 2 } }],
      }),
    ).toThrow(/^step\.elements\[0\]\.box\.width: /);
    expect(() => parseStep({ action: { type: 'click', elementid: '3' } })).toThrow(
      /^step\.action: Unrecognized key/,
    );
    expect(() => parseStep('Click [1]')).toThrow(/^step: Invalid input/);
  });

  it('parses WebVoyager action text, with or without the Action: label, and fills the target', () => {
    const elements = [{ id: '5', role: 'button', name: 'Search' }];
    expect(toStepAction(parseStep({ actionText: 'Click [5]', elements }))).toEqual({
      action: {
        type: 'click',
        elementId: '5',
        elementRole: 'button',
        elementName: 'Search',
        raw: 'Click [5]',
      },
      thought: null,
    });
    expect(toStepAction(parseStep({ actionText: 'Thought: done.\nAction: ANSWER; $129' }))).toEqual({
      action: { type: 'answer', answer: '$129', raw: 'ANSWER; $129' },
      thought: 'done.',
    });
    expect(toStepAction(parseStep({ actionText: 'dance wildly' })).action.type).toBe('unknown');
    expect(toStepAction(parseStep({ action: { type: 'click', elementId: 5 }, elements })).action).toEqual({
      type: 'click',
      elementId: '5',
      elementRole: 'button',
      elementName: 'Search',
      raw: '{"type":"click","elementId":"5"}',
    });
  });

  it('decodes base64 screenshots and refuses oversized ones from their length', () => {
    expect(decodeScreenshotBase64('data:image/png;base64,aGVsbG8=').toString()).toBe('hello');
    expect(decodeScreenshotBase64('aGVsbG8').toString()).toBe('hello');
    expect(() => decodeScreenshotBase64('not base64!')).toThrow('screenshotBase64: not base64 data');
    expect(() => decodeScreenshotBase64(12)).toThrow('screenshotBase64: expected a string');
    const tooBig = 'A'.repeat(Math.ceil((MAX_SCREENSHOT_BYTES + 3) / 3) * 4);
    expect(() => decodeScreenshotBase64(tooBig)).toThrow(
      expect.objectContaining({ code: 'TOO_LARGE' }) as Error,
    );
  });

  it('appends in order, finishes, and keeps other users and built-in rollouts out', async () => {
    world = createTestWorld();
    const alice = world.makeUser('researcher');
    const bob = world.makeUser('researcher');
    const pi = world.makeUser('pi');
    const { trajectoryId, taskId } = createIngestTrajectory(world.db, alice, {
      task: { intent: 'Buy a tent' },
    });
    const deps = { db: world.db, dataDir: world.dataDir };
    const first = await appendIngestStep(deps, alice, trajectoryId, {
      step: { url: 'http://shop.test/', actionText: 'Click [0]', elements: [{ id: 0, name: 'Tents' }] },
      screenshot: await png(),
    });
    await expect(
      appendIngestStep(deps, bob, trajectoryId, { step: { actionText: 'Wait' }, screenshot: null }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A PI may act on any harness's trajectory.
    const second = await appendIngestStep(deps, pi, trajectoryId, {
      step: { action: { type: 'answer', answer: '$129' } },
      screenshot: null,
    });
    expect([first.index, second.index]).toEqual([0, 1]);
    const done = finishIngestTrajectory(world.db, alice, trajectoryId, {
      envSuccess: true,
      envMessage: 'answer matches the reference ($129)',
      finalAnswer: '$129',
    });
    expect(done).toMatchObject({
      status: 'complete',
      stepCount: 2,
      envSuccess: true,
      envMessage: 'answer matches the reference ($129)',
      finalAnswer: '$129',
    });
    const steps = world.db.select().from(step).where(eq(step.trajectoryId, trajectoryId)).all();
    expect(steps.find((s) => s.index === 0)).toMatchObject({
      actionType: 'click',
      actionDescription: "Click on a UI element 'Tents' on the screen.",
      rawOutput: 'Click [0]',
      screenshotHash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
    });

    // A built-in rollout (it has a job) is not reachable through the API, even for a PI.
    const rolloutId = createLiveTrajectory(world.db, {
      taskId,
      kind: 'rollout',
      source: 'rollout:noisy-expert',
      policy: 'noisy-expert',
      createdBy: pi.id,
      jobId: randomUUID(),
    });
    expect(() => getIngestTrajectoryOrThrow(world.db, pi, rolloutId)).toThrow(/not found/);
  });

  it('records an errored end with a default reason', () => {
    world = createTestWorld();
    const alice = world.makeUser('researcher');
    const { trajectoryId } = createIngestTrajectory(world.db, alice, { task: { intent: 'Buy a tent' } });
    expect(() => finishIngestTrajectory(world.db, alice, trajectoryId, {})).toThrow(/^envSuccess: /);
    const done = finishIngestTrajectory(world.db, alice, trajectoryId, {
      envSuccess: null,
      status: 'errored',
    });
    expect(done).toMatchObject({
      status: 'errored',
      error: 'The harness reported an error.',
      envSuccess: null,
      envMessage: null,
    });
    expect(() => finishIngestTrajectory(world.db, alice, trajectoryId, { envSuccess: null })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }) as Error,
    );
  });
});
