/**
 * The seed check in real Chromium on a third-party-style app (WebArena-Infinity convention): the
 * app GETs nothing, seeds its data in JS and PUTs it, and keeps `/api/events` open; its verifiers
 * are written the convention's way (`requests`-like, `if resp.status_code != 200: return False`).
 * One task passes on the seed, one does not, one verifier raises. Then: what is stored (one
 * transaction, audited), the job with progress and cancel, the tRPC procedure, rollouts and
 * exports skipping tasks that pass on the seed unless asked, and the difficulty filter.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, job, task, trajectory } from '@/server/db/schema';
import { addStateApiApp } from '@/server/services/environment-service';
import { selectExportTrajectories } from '@/server/services/export-selection';
import { resolveRolloutTaskIds } from '@/server/services/rollout-launch-service';
import { executeRolloutJob, SEED_PASSING_REASON } from '@/server/services/rollout-service';
import { executeSeedCheck, startSeedCheckJob } from '@/server/services/seed-check-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const actor = { userId: null, label: 'test' };

/** `requests`-like helpers with the standard library (the convention's verifiers use requests). */
const REQUESTS_LIKE = `
import json
import urllib.error
import urllib.request


class _Response:
    def __init__(self, status_code, body):
        self.status_code = status_code
        self._body = body

    def json(self):
        return json.loads(self._body)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return _Response(resp.status, resp.read())
    except urllib.error.HTTPError as err:
        return _Response(err.code, err.read())
`;

function verifier(body: string): string {
  return `${REQUESTS_LIKE}

def verify(server_url: str) -> tuple[bool, str]:
    resp = _get(f"{server_url}/api/state")
    if resp.status_code != 200:
        return False, "Could not retrieve application state."
    state = resp.json()
${body}
`;
}

/** A WebArena-Infinity-style app: seeds in JS, PUTs the whole state, listens on /api/events. */
function writeFixtureApp(dir: string): void {
  fs.mkdirSync(path.join(dir, 'js'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'real-tasks'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'function-tasks'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><title>Todo &amp; Co &#8212; Lists</title></head>' +
      '<body><h1>Todos</h1><ul id="list"></ul><script src="js/app.js"></script></body></html>',
  );
  fs.writeFileSync(
    path.join(dir, 'js/app.js'),
    `const SEED = { items: [{ name: 'Milk', done: true }, { name: 'Bread', done: false }] };
const AppState = JSON.parse(JSON.stringify(SEED));
function render() {
  document.getElementById('list').innerHTML = AppState.items
    .map((i) => '<li>' + i.name + (i.done ? ' (done)' : '') + '</li>')
    .join('');
}
function pushStateToServer() {
  fetch('/api/state', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(AppState) }).catch(() => {});
}
render();
pushStateToServer();
const events = new EventSource('/api/events');
events.onmessage = (e) => { if (e.data === 'reset') location.reload(); };
`,
  );
  fs.writeFileSync(
    path.join(dir, 'real-tasks.json'),
    JSON.stringify([
      {
        id: 'task_e1',
        difficulty: 'Easy',
        instruction: 'Mark Milk as done.',
        verify: 'real-tasks/task_e1.py',
      },
      {
        id: 'task_m1',
        difficulty: 'medium',
        instruction: 'Mark Bread as done.',
        verify: 'real-tasks/task_m1.py',
      },
    ]),
  );
  fs.writeFileSync(
    path.join(dir, 'function-tasks.json'),
    JSON.stringify([{ id: 'task_1', instruction: 'Add Eggs.', verify: 'function-tasks/task_1.py' }]),
  );
  // Passes on the seed: Milk is already done.
  fs.writeFileSync(
    path.join(dir, 'real-tasks/task_e1.py'),
    verifier(`    milk = next((i for i in state["items"] if i["name"] == "Milk"), None)
    if milk is None or not milk["done"]:
        return False, "Milk is not done."
    return True, "Milk is done."`),
  );
  // Does not pass on the seed.
  fs.writeFileSync(
    path.join(dir, 'real-tasks/task_m1.py'),
    verifier(`    bread = next((i for i in state["items"] if i["name"] == "Bread"), None)
    if bread is None or not bread["done"]:
        return False, "Bread is not done."
    return True, "Bread is done."`),
  );
  // Raises (a key the state does not have).
  fs.writeFileSync(
    path.join(dir, 'function-tasks/task_1.py'),
    verifier(`    eggs = state["shopping"]["eggs"]
    return bool(eggs), "eggs"`),
  );
}

let world: TestWorld | null = null;
let appDir: string;
beforeEach(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-seed-app-'));
  writeFixtureApp(appDir);
});
afterEach(async () => {
  await world?.cleanup();
  world = null;
  fs.rmSync(appDir, { recursive: true, force: true });
});

function taskRow(w: TestWorld, externalId: string) {
  return w.db
    .select({
      id: task.id,
      difficulty: task.difficulty,
      passesOnSeed: task.passesOnSeed,
      seedCheckMessage: task.seedCheckMessage,
      seedCheckedAt: task.seedCheckedAt,
    })
    .from(task)
    .where(eq(task.externalId, externalId))
    .get()!;
}

describe('seed check', () => {
  it(
    'opens the app in Chromium, runs every verifier on the untouched seed and stores the results',
    { timeout: 120_000 },
    async () => {
      world = createTestWorld();
      const w = world;
      const added = addStateApiApp(w.db, appDir, { id: 'todo', actor });
      expect(added.name).toBe('Todo & Co — Lists');
      expect(taskRow(w, 'app:todo:task_e1').passesOnSeed).toBeNull();

      const progress: string[] = [];
      const summary = await executeSeedCheck(
        w.db,
        { appIds: ['todo'], actor: { userId: null, label: 'cli' } },
        { onProgress: (_f, m) => progress.push(m) },
      );
      expect(summary).toMatchObject({ checked: 3, passing: 1, failing: 1, undetermined: 1 });
      const [app] = summary.apps;
      expect(app?.loadError).toBeNull();
      expect(app?.passing.map((t) => [t.externalId, t.message])).toEqual([
        ['app:todo:task_e1', 'Milk is done.'],
      ]);
      expect(app?.undetermined.map((t) => t.externalId)).toEqual(['app:todo:function:task_1']);
      expect(app?.undetermined[0]?.message).toMatch(/^Verifier error: .*KeyError: 'shopping'/);
      expect(progress.at(-1)).toBe('Done');
      expect(progress.some((m) => /3 of 3 task\(s\) checked/.test(m))).toBe(true);

      const pass = taskRow(w, 'app:todo:task_e1');
      expect(pass).toMatchObject({
        difficulty: 'easy',
        passesOnSeed: true,
        seedCheckMessage: 'Milk is done.',
      });
      expect(pass.seedCheckedAt).toBeInstanceOf(Date);
      expect(taskRow(w, 'app:todo:task_m1')).toMatchObject({
        passesOnSeed: false,
        seedCheckMessage: 'Bread is not done.',
      });
      expect(taskRow(w, 'app:todo:function:task_1')).toMatchObject({ passesOnSeed: null });
      expect(taskRow(w, 'app:todo:function:task_1').seedCheckMessage).toMatch(/KeyError/);
      // One transaction: every task carries the same check time.
      expect(taskRow(w, 'app:todo:task_m1').seedCheckedAt?.getTime()).toBe(pass.seedCheckedAt?.getTime());

      const audit = w.db.select().from(auditLog).where(eq(auditLog.action, 'environment.seed_check')).all();
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor: 'cli', objectType: 'environment_app', objectId: 'todo' });
      expect(audit[0]?.after).toMatchObject({
        tasks: 3,
        passing: ['app:todo:task_e1'],
        failing: 1,
        undetermined: 1,
      });

      // Rollouts skip the task that passes on the seed unless asked, and say so.
      const ids = resolveRolloutTaskIds(w.db, ['todo'], []);
      await expect(
        executeRolloutJob(w.db, w.dataDir, { taskIds: [pass.id], kind: 'expert', actor }, null),
      ).rejects.toThrow(`Nothing to play: app:todo:task_e1 (${SEED_PASSING_REASON})`);
      await expect(
        executeRolloutJob(
          w.db,
          w.dataDir,
          { taskIds: [pass.id], kind: 'expert', includeSeedPassing: true, actor },
          null,
        ),
      ).rejects.toThrow('Nothing to play: app:todo:task_e1 (no scripted demo in expert-demos.json)');
      expect(ids).toHaveLength(3);

      // Exports leave out trajectories of tasks that pass on the seed unless asked.
      const iterationId = 1;
      for (const externalId of ['app:todo:task_e1', 'app:todo:task_m1']) {
        w.db
          .insert(trajectory)
          .values({
            id: randomUUID(),
            taskId: taskRow(w, externalId).id,
            kind: 'expert',
            source: 'test',
            stepCount: 1,
            contentHash: randomUUID(),
            createdBy: 'test',
            iterationId,
          })
          .run();
      }
      const scope = { iterationId, sources: ['expert_demos'] as const, includeEarlierIterations: false };
      const without = selectExportTrajectories(w.db, scope);
      expect(without.trajectories.map((t) => t.taskId)).toEqual([taskRow(w, 'app:todo:task_m1').id]);
      expect(without.skippedSeedPassing).toBe(1);
      const withPassing = selectExportTrajectories(w.db, { ...scope, includeSeedPassing: true });
      expect(withPassing.trajectories).toHaveLength(2);
      expect(withPassing.skippedSeedPassing).toBe(0);
      const preview = await w
        .caller(w.makeUser('researcher'))
        .exports.preview({ iterationId, sources: ['expert_demos'] });
      expect(preview).toMatchObject({ trajectories: 1, skippedSeedPassing: 1 });
    },
  );

  it(
    'runs as a job through rollouts.checkApps, with progress; a cancelled check stores nothing',
    { timeout: 120_000 },
    async () => {
      world = createTestWorld();
      const w = world;
      addStateApiApp(w.db, appDir, { id: 'todo', actor });
      const researcher = w.makeUser('researcher');
      const { jobId } = await w.caller(researcher).rollouts.checkApps({ appIds: ['todo'] });
      await w.jobs.idle();
      const done = w.db.select().from(job).where(eq(job.id, jobId)).get();
      expect(done).toMatchObject({
        kind: 'seed-check',
        status: 'succeeded',
        progress: 1,
        createdBy: researcher.id,
      });
      expect(done?.result).toMatchObject({ checked: 3, passing: 1 });
      expect(taskRow(w, 'app:todo:task_e1').passesOnSeed).toBe(true);
      const audit = w.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'environment.seed_check'), eq(auditLog.userId, researcher.id)))
        .all();
      expect(audit).toHaveLength(1);

      // Cancelled while it runs: nothing changes (the earlier results stay).
      w.db.update(task).set({ passesOnSeed: null, seedCheckMessage: null, seedCheckedAt: null }).run();
      const second = startSeedCheckJob(w.db, w.jobs, { appIds: ['todo'], actor });
      expect(w.jobs.cancel(second.jobId)).toBe(true);
      await w.jobs.idle();
      expect(
        w.db.select({ status: job.status }).from(job).where(eq(job.id, second.jobId)).get()?.status,
      ).toBe('cancelled');
      expect(
        w.db
          .select({ p: task.passesOnSeed })
          .from(task)
          .all()
          .every((r) => r.p === null),
      ).toBe(true);

      await expect(w.caller(researcher).rollouts.checkApps({ appIds: ['nope'] })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        w.caller(w.makeUser('annotator')).rollouts.checkApps({ appIds: ['todo'] }),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
    },
  );
});

describe('difficulty filter of rollouts', () => {
  it('keeps the chosen tasks of one difficulty and names a difficulty that leaves none', () => {
    world = createTestWorld();
    addStateApiApp(world.db, appDir, { id: 'todo', actor });
    const externalIds = (ids: string[]) =>
      ids.map((id) => world!.db.select({ e: task.externalId }).from(task).where(eq(task.id, id)).get()?.e);
    expect(externalIds(resolveRolloutTaskIds(world.db, ['todo'], [], { difficulty: 'EASY' }))).toEqual([
      'app:todo:task_e1',
    ]);
    expect(resolveRolloutTaskIds(world.db, ['todo'], [], { difficulty: null })).toHaveLength(3);
    expect(() => resolveRolloutTaskIds(world!.db, ['todo'], [], { difficulty: 'hard' })).toThrow(
      "difficulty 'hard': none of the 3 chosen task(s) has it (they have: easy, medium)",
    );
  });
});
