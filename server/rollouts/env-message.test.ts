/**
 * The environment's explanation is kept with its verdict (`trajectory.envMessage`): a verifier's
 * `(bool, str)` message on a complete rollout, and the reason on a rollout whose verifier raised
 * (errored, verdict unknown). One Chromium, a throwaway State-API app with two one-step tasks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { task, trajectory } from '@/server/db/schema';
import { addStateApiApp, listAppTaskIds } from '@/server/services/environment-service';
import { executeRolloutJob } from '@/server/services/rollout-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld | null = null;
let folder: string | null = null;
afterEach(async () => {
  await world?.cleanup();
  world = null;
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
  folder = null;
});

const actor = { userId: null, label: 'test' };
/** Markup in a message stays text: the viewer renders it as such (it is third-party output). */
const FAIL_MESSAGE = 'cart has 0 items <b>expected 2</b>';

function writeApp(dir: string) {
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Env</title><h1>Env</h1>');
  fs.writeFileSync(
    path.join(dir, 'real-tasks.json'),
    JSON.stringify([
      { id: 'says-no', difficulty: 'easy', instruction: 'Say no.', verify: 'v_no.py' },
      { id: 'raises', difficulty: 'easy', instruction: 'Break it.', verify: 'v_raise.py' },
    ]),
  );
  fs.writeFileSync(
    path.join(dir, 'v_no.py'),
    `def verify(server_url):\n    return False, ${JSON.stringify(FAIL_MESSAGE)}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'v_raise.py'),
    "def verify(server_url):\n    raise ValueError('state endpoint unreachable')\n",
  );
  const answer = [{ type: 'answer', answer: 'done' }];
  fs.writeFileSync(
    path.join(dir, 'expert-demos.json'),
    JSON.stringify({ 'says-no': answer, raises: answer }),
  );
}

describe('environment message', () => {
  it(
    "stores the verifier's message beside its verdict, and why a verifier that raised gave none",
    { timeout: 120_000 },
    async () => {
      world = createTestWorld();
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-env-message-'));
      writeApp(folder);
      addStateApiApp(world.db, folder, { id: 'envmsg', actor });
      const taskIds = listAppTaskIds(world.db, 'envmsg');
      const summary = await executeRolloutJob(
        world.db,
        world.dataDir,
        { taskIds, kind: 'expert', score: false, parallelBrowsers: 1, actor },
        null,
      );
      expect(summary.episodes).toBe(2);
      const rows = world.db
        .select({
          externalId: task.externalId,
          status: trajectory.status,
          envSuccess: trajectory.envSuccess,
          envMessage: trajectory.envMessage,
          error: trajectory.error,
        })
        .from(trajectory)
        .innerJoin(task, eq(task.id, trajectory.taskId))
        .where(eq(trajectory.kind, 'expert'))
        .all();
      const byTask = new Map(rows.map((r) => [r.externalId, r]));
      const saysNo = byTask.get('app:envmsg:says-no');
      const raises = byTask.get('app:envmsg:raises');
      expect(saysNo).toMatchObject({
        status: 'complete',
        envSuccess: false,
        envMessage: FAIL_MESSAGE,
        error: null,
      });
      expect(raises).toMatchObject({ status: 'errored', envSuccess: null });
      expect(raises!.error).toMatch(
        /^Environment verdict: Verifier v_raise\.py failed: .*state endpoint unreachable/,
      );
      expect(raises!.envMessage).toMatch(
        /^Verifier v_raise\.py failed: .*ValueError: state endpoint unreachable/,
      );
    },
  );
});
