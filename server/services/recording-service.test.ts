/**
 * Recording sessions in real Chromium on the bundled shop app: a person records a demo (with an
 * undo), a failed rollout is corrected from its harmful step, a replay that diverges stops with
 * the step and target named, and sessions that end without Finish — discarded, idle, a killed
 * browser, a closed page — leave no trajectory, step or media row behind.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '@/server/db/client';
import { auditLog, media, step, task, trajectory } from '@/server/db/schema';
import { addStateApiApp, BUNDLED_APPS_DIR } from '@/server/services/environment-service';
import {
  actInRecording,
  attachRecordingPage,
  discardRecording,
  endAllRecordings,
  finishRecording,
  getMyRecording,
  getRecordingImage,
  getRecordingView,
  startCorrection,
  startRecording,
  undoInRecording,
  type RecordingUser,
  type RecordingView,
} from '@/server/services/recording-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld | null = null;
afterEach(async () => {
  await endAllRecordings('test over');
  await world?.cleanup();
  world = null;
});

function setUp() {
  world = createTestWorld();
  addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, 'shop'), {
    id: 'shop',
    actor: { userId: null, label: 'test' },
  });
  const u = world.makeUser('annotator');
  const user: RecordingUser = { id: u.id, label: u.email };
  const taskId = (externalId: string) =>
    world!.db.select({ id: task.id }).from(task).where(eq(task.externalId, externalId)).get()!.id;
  return { world, user, taskId };
}

async function until(
  sessionId: string,
  user: RecordingUser,
  done: (view: RecordingView) => boolean,
  timeoutMs = 60_000,
): Promise<RecordingView> {
  const started = Date.now();
  for (;;) {
    const view = getRecordingView(sessionId, user);
    if (done(view)) return view;
    if (Date.now() - started > timeoutMs)
      throw new Error(`session stuck in ${view.status}: ${view.notice ?? ''} ${view.endReason ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (v: RecordingView) => v.status === 'ready' || v.status === 'ended';

/** The mark of the element with this role and name on the current page. */
function mark(view: RecordingView, role: string, name: string): string {
  const found = view.current?.elements.find((e) => e.role === role && e.name === name);
  if (!found)
    throw new Error(
      `no ${role} "${name}" among ${view.current?.elements.map((e) => `${e.role} "${e.name}"`).join(', ')}`,
    );
  return found.id;
}

async function click(sessionId: string, user: RecordingUser, role: string, name: string) {
  const view = getRecordingView(sessionId, user);
  return actInRecording(sessionId, user, {
    version: view.version,
    action: { type: 'click', elementId: mark(view, role, name) },
  });
}

function counts(w: TestWorld) {
  return {
    trajectories: w.db.select().from(trajectory).all().length,
    steps: w.db.select().from(step).all().length,
    media: w.db.select().from(media).all().length,
  };
}

describe('recording a demo', () => {
  it(
    'records clicks on marks, undoes a wrong one by replaying, and saves a verified expert demo',
    { timeout: 180_000 },
    async () => {
      const { world: w, user, taskId } = setUp();
      const { sessionId } = startRecording(w.db, { taskId: taskId('app:shop:shop-003'), user });
      expect(() => startRecording(w.db, { taskId: taskId('app:shop:shop-001'), user })).toThrow(
        /already have a recording session/,
      );
      const other: RecordingUser = { id: w.makeUser('annotator').id, label: 'other' };
      expect(() => getRecordingView(sessionId, other)).toThrow(/not found/);

      let view = await until(sessionId, user, ready);
      expect(view.status).toBe('ready');
      expect(view.current!.elements.length).toBeGreaterThan(3);
      expect(getRecordingImage(sessionId, user, { marks: true }).subarray(1, 4).toString()).toBe('PNG');

      await click(sessionId, user, 'link', 'Clothing');
      // A wrong turn, then undo (reset + replay of the first step).
      view = await click(sessionId, user, 'link', 'Summit Down Jacket');
      expect(view.steps).toHaveLength(2);
      view = await undoInRecording(sessionId, user);
      expect(view.lastError).toBeNull();
      expect(view.notice).toBeNull();
      expect(view.steps.map((s) => s.actionDescription)).toEqual([
        "Click on a UI element 'Clothing' on the screen.",
      ]);

      await click(sessionId, user, 'link', 'Summit Down Jacket');
      // Stale marks are refused.
      await expect(
        actInRecording(sessionId, user, { version: 0, action: { type: 'click', elementId: '0' } }),
      ).rejects.toThrow(/page changed since you looked/);
      await click(sessionId, user, 'button', 'Add to wishlist');
      const saved = await finishRecording(w.db, w.dataDir, sessionId, user, { answer: null });
      expect(saved).toMatchObject({ kind: 'expert', envSuccess: true, stepCount: 4, takeoverStep: null });

      const demo = w.db.select().from(trajectory).where(eq(trajectory.id, saved.trajectoryId)).get()!;
      expect(demo).toMatchObject({
        kind: 'expert',
        source: 'recorded',
        status: 'complete',
        createdBy: user.id,
      });
      const steps = w.db.select().from(step).where(eq(step.trajectoryId, demo.id)).orderBy(step.index).all();
      expect(steps.map((s) => s.actionType)).toEqual(['click', 'click', 'click', 'status']);
      expect(steps[2]!.action).toMatchObject({ elementRole: 'button', elementName: 'Add to wishlist' });
      expect(steps.every((s) => s.screenshotHash && s.modelImageHash && s.elements.length > 0)).toBe(true);
      expect(getRecordingView(sessionId, user).status).toBe('ended');
      expect(getMyRecording(user)).toBeNull();
      const actions = w.db
        .select({ action: auditLog.action })
        .from(auditLog)
        .all()
        .map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['recording.start', 'recording.save']));
      expect(actions).not.toContain('recording.discard');
    },
  );
});

describe('sessions that end without Finish leave nothing', () => {
  it('discard, idle timeout, a killed browser and a closed page', { timeout: 180_000 }, async () => {
    const { world: w, user, taskId } = setUp();
    const before = counts(w);
    const id = taskId('app:shop:shop-003');

    const discarded = startRecording(w.db, { taskId: id, user });
    await until(discarded.sessionId, user, ready);
    await click(discarded.sessionId, user, 'link', 'Clothing');
    await discardRecording(discarded.sessionId, user);
    expect(getRecordingView(discarded.sessionId, user).endReason).toMatch(/Discarded/);

    const idle = startRecording(w.db, { taskId: id, user, options: { idleTimeoutMs: 3_000 } });
    const idleEnd = await until(idle.sessionId, user, (v) => v.status === 'ended', 30_000);
    expect(idleEnd.endReason).toMatch(/Nothing happened for 3 s/);

    const killed = startRecording(w.db, { taskId: id, user });
    await until(killed.sessionId, user, ready);
    await click(killed.sessionId, user, 'link', 'Clothing');
    const { session } = (
      globalThis as unknown as {
        coreCuratorRecordings: { sessions: Map<string, { session: { killBrowser(): void } }> };
      }
    ).coreCuratorRecordings.sessions.get(killed.sessionId)!;
    session.killBrowser();
    const killedEnd = await until(killed.sessionId, user, (v) => v.status === 'ended', 30_000);
    expect(killedEnd.endReason).toMatch(/browser closed unexpectedly/);
    await expect(
      actInRecording(killed.sessionId, user, {
        version: killedEnd.version,
        action: { type: 'click', elementId: '0' },
      }),
    ).rejects.toThrow(/has ended/);

    const closed = startRecording(w.db, { taskId: id, user, options: { detachGraceMs: 1_000 } });
    const detach = attachRecordingPage(closed.sessionId, user);
    await until(closed.sessionId, user, ready);
    detach();
    const closedEnd = await until(closed.sessionId, user, (v) => v.status === 'ended', 30_000);
    expect(closedEnd.endReason).toMatch(/recording page was closed/);

    expect(counts(w)).toEqual(before);
    const discards = w.db
      .select({ after: auditLog.after })
      .from(auditLog)
      .where(eq(auditLog.action, 'recording.discard'))
      .all();
    expect(discards).toHaveLength(4);
    // Free to start again.
    expect(getMyRecording(user)).toBeNull();
  });
});

describe('correcting a failed rollout', () => {
  /** A failed rollout made of a recorded demo's steps with the last one replaced by a wrong click. */
  async function failedRollout(w: TestWorld, user: RecordingUser, taskId: string) {
    const { sessionId } = startRecording(w.db, { taskId, user });
    await until(sessionId, user, ready);
    await click(sessionId, user, 'link', 'Clothing');
    await click(sessionId, user, 'link', 'Summit Down Jacket');
    const saved = await finishRecording(w.db, w.dataDir, sessionId, user, { answer: null });
    const rolloutId = randomUUID();
    const demo = w.db.select().from(trajectory).where(eq(trajectory.id, saved.trajectoryId)).get()!;
    w.db
      .insert(trajectory)
      .values({
        ...demo,
        id: rolloutId,
        kind: 'rollout',
        source: 'rollout:test',
        envSuccess: false,
        category: 'failed',
      })
      .run();
    for (const s of w.db.select().from(step).where(eq(step.trajectoryId, demo.id)).all())
      w.db
        .insert(step)
        .values({ ...s, id: randomUUID(), trajectoryId: rolloutId })
        .run();
    return rolloutId;
  }

  it(
    'replays the steps before the marked one, hands over, and saves a linked correction',
    { timeout: 240_000 },
    async () => {
      const { world: w, user, taskId } = setUp();
      const id = taskId('app:shop:shop-003');
      const rolloutId = await failedRollout(w, user, id);

      const { sessionId } = startCorrection(w.db, { trajectoryId: rolloutId, fromStep: 2, user });
      let view = await until(sessionId, user, ready);
      expect(view.status).toBe('ready');
      expect(view.takeoverStep).toBe(2);
      expect(view.steps.map((s) => s.replayed)).toEqual([true, true]);
      expect(view.notice).toMatch(/Replayed 2 step\(s\)\. You take over from step 3/);
      expect(w.db.select().from(trajectory).where(eq(trajectory.id, rolloutId)).get()!.harmfulStep).toBe(2);
      // The replayed steps are the rollout's, not the person's: they cannot be undone.
      await expect(undoInRecording(sessionId, user)).rejects.toThrow(/Nothing of yours to undo/);

      view = await click(sessionId, user, 'button', 'Add to wishlist');
      const saved = await finishRecording(w.db, w.dataDir, sessionId, user, { answer: null });
      expect(saved).toMatchObject({ kind: 'correction', envSuccess: true, takeoverStep: 2, stepCount: 4 });
      const correction = w.db.select().from(trajectory).where(eq(trajectory.id, saved.trajectoryId)).get()!;
      expect(correction).toMatchObject({
        kind: 'correction',
        source: 'corrected',
        derivedFromId: rolloutId,
        takeoverStep: 2,
        createdBy: user.id,
      });
      const steps = w.db
        .select()
        .from(step)
        .where(eq(step.trajectoryId, correction.id))
        .orderBy(step.index)
        .all();
      expect(steps.map((s) => s.thought)).toEqual([
        'Replayed from the rollout being corrected.',
        'Replayed from the rollout being corrected.',
        null,
        null,
      ]);
    },
  );

  it(
    'stops the replay where the page no longer offers the target, naming step and target',
    { timeout: 240_000 },
    async () => {
      const { world: w, user, taskId } = setUp();
      const rolloutId = await failedRollout(w, user, taskId('app:shop:shop-003'));
      // The rollout's second step targeted a link the page does not have (the app changed).
      const second = w.db
        .select()
        .from(step)
        .where(and(eq(step.trajectoryId, rolloutId), eq(step.index, 1)))
        .get()!;
      const elements = second.elements.map((e) =>
        e.id === second.action.elementId ? { ...e, name: 'Discontinued Parka' } : e,
      );
      w.db.update(step).set({ elements }).where(eq(step.id, second.id)).run();

      const { sessionId } = startCorrection(w.db, { trajectoryId: rolloutId, fromStep: 2, user });
      const view = await until(sessionId, user, ready);
      expect(view.status).toBe('ready');
      expect(view.notice).toMatch(
        /^Replay stopped at step 2 of 2: .*the page no longer offers <link> "Discontinued Parka"\. You take over from step 2\.$/,
      );
      expect(view.takeoverStep).toBe(1);
      expect(view.steps).toHaveLength(1);
      await discardRecording(sessionId, user);
    },
  );

  it('refuses a rollout that did not fail and a step out of range', () => {
    const { world: w, user } = setUp();
    const [anyTask] = w.db.select({ id: task.id }).from(task).all();
    const okId = randomUUID();
    w.db
      .insert(trajectory)
      .values({
        id: okId,
        taskId: anyTask!.id,
        kind: 'rollout',
        source: 'rollout:test',
        envSuccess: true,
        category: 'fully_passed',
        stepCount: 2,
        contentHash: okId,
        createdBy: 'test',
      })
      .run();
    expect(() => startCorrection(w.db, { trajectoryId: okId, fromStep: 0, user })).toThrow(
      /only failed rollouts/,
    );
    w.db
      .update(trajectory)
      .set({ envSuccess: false, category: 'failed' })
      .where(eq(trajectory.id, okId))
      .run();
    expect(() => startCorrection(w.db, { trajectoryId: okId, fromStep: 5, user })).toThrow(
      /stepIndex 5 is out of range .*: 0 to 1/,
    );
    expect(getMyRecording(user)).toBeNull();
  });
});

describe('how many sessions', () => {
  it('one per person, and no more than the server allows', () => {
    const { world: w, user, taskId } = setUp();
    const id = taskId('app:shop:shop-001');
    // A browser that never comes up: the session stays "starting" and holds its place.
    const options = { maxSessions: 1, launchBrowser: () => new Promise<never>(() => undefined) };
    const { sessionId } = startRecording(w.db, { taskId: id, user, options });
    expect(getRecordingView(sessionId, user).status).toBe('starting');
    const other: RecordingUser = { id: w.makeUser('researcher').id, label: 'other' };
    expect(() => startRecording(w.db, { taskId: id, user: other, options })).toThrow(
      /1 recording sessions are open, the most this server allows \(CORE_CURATOR_MAX_RECORDINGS = 1\)/,
    );
  });
});

describe('a server killed mid-recording', () => {
  it('takes its browser with it and leaves nothing saved', { timeout: 120_000 }, async () => {
    const { world: w, user, taskId } = setUp();
    const before = counts(w);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/testing/recording-server.ts',
        path.join(w.dataDir, DB_FILE_NAME),
        taskId('app:shop:shop-003'),
        user.id,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`the stand-in server exited with ${code}`)));
    });
    const { chromiumPid } = JSON.parse(line) as { chromiumPid: number };
    expect(chromiumPid).toBeGreaterThan(0);
    // A process that exited but was not reaped yet (a zombie, state Z) is gone too.
    const alive = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    expect(alive(chromiumPid)).toBe(true);
    child.kill('SIGKILL');
    const started = Date.now();
    while (alive(chromiumPid) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 200));
    expect(alive(chromiumPid), 'Chromium outlived its server').toBe(false);
    expect(counts(w)).toEqual(before);
  });
});
