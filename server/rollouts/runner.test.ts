/**
 * The rollout runner in real Chromium on the bundled State-API apps (`environments/`): every
 * expert demo passes its verifier (and no verifier passes on the untouched seed), a killed browser
 * ends only its own rollout, and the environment pieces (State-API server, verifier runner) behave.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { step, trajectory } from '@/server/db/schema';
import { startStateApiServer } from '@/server/rollouts/state-api-server';
import { runVerifier } from '@/server/rollouts/verifier';
import {
  addStateApiApp,
  BUNDLED_APP_IDS,
  BUNDLED_APPS_DIR,
  listAppTaskIds,
  readStateApiApp,
} from '@/server/services/environment-service';
import { executeRolloutJob } from '@/server/services/rollout-service';
import { executeSeedCheck } from '@/server/services/seed-check-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld | null = null;
afterEach(async () => {
  await world?.cleanup();
  world = null;
});

const actor = { userId: null, label: 'test' };

describe('State-API server', () => {
  it('serves the app, reads and writes the state, and resets to the seed', async () => {
    const folder = path.join(BUNDLED_APPS_DIR, 'shop');
    const seed = JSON.parse(fs.readFileSync(path.join(folder, 'seed-state.json'), 'utf8')) as unknown;
    const server = await startStateApiServer(folder);
    try {
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      expect(await (await fetch(`${server.url}/api/state`)).json()).toEqual(seed);
      const put = await fetch(`${server.url}/api/state`, {
        method: 'PUT',
        body: JSON.stringify({ cart: [1] }),
      });
      expect(put.status).toBe(200);
      expect(await (await fetch(`${server.url}/api/state`)).json()).toEqual({ cart: [1] });
      expect((await fetch(`${server.url}/api/state`, { method: 'PUT', body: '{nope' })).status).toBe(400);
      expect((await fetch(`${server.url}/api/reset`, { method: 'POST' })).status).toBe(200);
      expect(await (await fetch(`${server.url}/api/state`)).json()).toEqual(seed);
      expect((await fetch(`${server.url}/../../package.json`)).status).toBe(404);
      expect((await fetch(`${server.url}/nothing-here.js`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('verifier runner', () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-verifier-'));
  fs.writeFileSync(
    path.join(folder, 'needs_module.py'),
    'import module_that_is_not_installed_xyz\ndef verify(u):\n  return True, "x"\n',
  );
  fs.writeFileSync(
    path.join(folder, 'ok.py'),
    'def verify(server_url, final_answer=None):\n  return final_answer == "42", f"got {final_answer!r} from {server_url}"\n',
  );
  fs.writeFileSync(path.join(folder, 'slow.py'), 'import time\ndef verify(u):\n  time.sleep(30)\n');
  const base = { folder, serverUrl: 'http://127.0.0.1:1', finalAnswer: '42' };

  it('passes the final answer to verifiers that take it and returns their verdict', async () => {
    expect(await runVerifier({ ...base, verifyFile: 'ok.py' })).toEqual({
      success: true,
      message: "got '42' from http://127.0.0.1:1",
    });
    expect((await runVerifier({ ...base, verifyFile: 'ok.py', finalAnswer: null })).success).toBe(false);
  });

  it('names a missing interpreter, a missing module, a timeout and a path outside the folder', async () => {
    await expect(
      runVerifier({ ...base, verifyFile: 'ok.py', python: 'python-that-does-not-exist' }),
    ).rejects.toThrow(/'python-that-does-not-exist' was not found: .*Install it/);
    await expect(runVerifier({ ...base, verifyFile: 'needs_module.py' })).rejects.toThrow(
      /needs the Python module 'module_that_is_not_installed_xyz'.*pip install module_that_is_not_installed_xyz/,
    );
    await expect(runVerifier({ ...base, verifyFile: 'slow.py', timeoutMs: 500 })).rejects.toThrow(
      /longer than 500 ms/,
    );
    await expect(runVerifier({ ...base, verifyFile: '../etc/passwd' })).rejects.toThrow(
      /outside the app folder/,
    );
  });
});

describe('the mail app (third-party idioms) in Chromium', () => {
  it(
    'records every expert demo through the product set-of-marks, each passes its verifier; only the fixture passes on the seed',
    { timeout: 300_000 },
    async () => {
      world = createTestWorld();
      const summary = addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, 'mail'), { id: 'mail', actor });
      expect(summary.tasks.created).toBe(18);
      expect(summary.expertDemos).toBe(18);
      const seed = await executeSeedCheck(world.db, { appIds: ['mail'], actor });
      expect(seed.apps[0]!.loadError).toBeNull();
      expect(seed.apps[0]!.passing.map((t) => t.externalId)).toEqual(['app:mail:mail-014']);
      expect(seed.undetermined).toBe(0);

      const taskIds = listAppTaskIds(world.db, 'mail');
      const demos = await executeRolloutJob(
        world.db,
        world.dataDir,
        { taskIds, kind: 'expert', score: false, actor, includeSeedPassing: true },
        null,
      );
      const runs = world.db.select().from(trajectory).where(eq(trajectory.kind, 'expert')).all();
      for (const run of runs)
        expect(run.envSuccess, `${run.taskId}: ${run.error ?? run.envMessage ?? ''}`).toBe(true);
      expect(demos.errored).toBe(0);
      expect(demos.envSuccess).toEqual({ true: 18, false: 0, unknown: 0 });
    },
  );
});

describe('bundled apps in Chromium', () => {
  it(
    'records every expert demo, and each passes its verifier; none passes on the seed state',
    { timeout: 240_000 },
    async () => {
      world = createTestWorld();
      const taskIds: string[] = [];
      for (const id of BUNDLED_APP_IDS) {
        const summary = addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, id), { id, actor });
        expect(summary.tasks.created).toBeGreaterThanOrEqual(8);
        expect(summary.expertDemos).toBe(summary.tasks.created);
        taskIds.push(...listAppTaskIds(world.db, id));
      }
      // Untouched seed: every verifier says no (state tasks see no change, answer tasks get no answer).
      for (const id of BUNDLED_APP_IDS) {
        const app = readStateApiApp(path.join(BUNDLED_APPS_DIR, id));
        const server = await startStateApiServer(app.folder);
        try {
          for (const t of app.tasks) {
            const verdict = await runVerifier({
              folder: app.folder,
              verifyFile: t.verify,
              serverUrl: server.url,
              finalAnswer: null,
            });
            expect(verdict.success, `${id}/${t.id} on the seed: ${verdict.message}`).toBe(false);
          }
        } finally {
          await server.close();
        }
      }

      const summary = await executeRolloutJob(
        world.db,
        world.dataDir,
        { taskIds, kind: 'expert', score: false, actor },
        null,
      );
      expect(summary.episodes).toBe(taskIds.length);
      expect(summary.errored).toBe(0);
      expect(summary.envSuccess).toEqual({ true: taskIds.length, false: 0, unknown: 0 });

      const demos = world.db.select().from(trajectory).where(eq(trajectory.kind, 'expert')).all();
      expect(demos).toHaveLength(taskIds.length);
      for (const demo of demos) {
        expect(demo).toMatchObject({
          status: 'complete',
          envSuccess: true,
          policy: 'expert-script',
          source: 'recorded:expert-script',
        });
        const steps = world.db
          .select()
          .from(step)
          .where(eq(step.trajectoryId, demo.id))
          .orderBy(step.index)
          .all();
        expect(steps.length).toBe(demo.stepCount);
        expect(steps.every((s) => s.screenshotHash !== null && s.url?.startsWith('http://127.0.0.1:'))).toBe(
          true,
        );
        // The bundled apps stay inside their own server: nothing of theirs is refused. (Chromium's
        // own form-autofill queries to Google are, and are recorded: README › Rollout network.)
        expect(steps.flatMap((s) => s.blockedRequests).filter((r) => r.url.includes('127.0.0.1'))).toEqual(
          [],
        );
        const first = steps[0]!;
        expect(first.elements.length).toBeGreaterThan(0);
        expect(first.elements[0]?.box?.width).toBeGreaterThan(0);
        expect(first.elementsText).toMatch(/^\[0\]: <\w+> "/);
      }
    },
  );

  it(
    'a browser killed mid-rollout ends that rollout as errored while the others finish',
    { timeout: 120_000 },
    async () => {
      world = createTestWorld();
      addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, 'shop'), { id: 'shop', actor });
      const [taskId] = listAppTaskIds(world.db, 'shop').slice(6, 7); // shop-007: the longest demo (9 actions)
      let killed: string | null = null;
      const summary = await executeRolloutJob(
        world.db,
        world.dataDir,
        {
          taskIds: [taskId!],
          kind: 'rollout',
          policy: 'noisy-expert',
          samplesPerTask: 3,
          parallelBrowsers: 3,
          noise: 0,
          score: false,
          actor,
        },
        null,
        {
          onStep: ({ episode, trajectoryId, stepIndex, killBrowser }) => {
            if (episode.sampleIndex === 1 && stepIndex === 1 && !killed) {
              killed = trajectoryId;
              killBrowser();
            }
          },
        },
      );
      expect(killed, JSON.stringify(summary)).not.toBeNull();
      expect(summary.episodes).toBe(3);
      const rows = world.db.select().from(trajectory).where(eq(trajectory.kind, 'rollout')).all();
      const crashed = rows.find((r) => r.id === killed)!;
      expect(crashed.status).toBe('errored');
      expect(crashed.error).toMatch(/browser crashed or was closed at step/);
      const others = rows.filter((r) => r.id !== killed);
      expect(
        others.map((r) => [r.status, r.envSuccess]),
        JSON.stringify(others.map((r) => r.error)),
      ).toEqual([
        ['complete', true],
        ['complete', true],
      ]);
    },
  );
});
