/**
 * `core-curator trajectories promote`: an unverified rollout is refused without
 * `--allow-unverified` (exit 1, the verdict and the environment's explanation on stderr, nothing
 * written) and promoted with it; `--json` prints the result. One call through the real binary
 * (the wiring in main.ts and its exit code); the rest in process.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerTrajectoryCommands } from '@/server/cli/commands/trajectories';
import { auditLog, step, task, trajectory } from '@/server/db/schema';
import type { PromoteResult } from '@/server/services/promote-service';
import { runCliInProcess } from '@/server/testing/cli-in-process';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

function promote(dataDir: string, ...args: string[]) {
  return runCliInProcess([registerTrajectoryCommands], dataDir, ['trajectories', 'promote', ...args]);
}

/** A task with one finished two-step rollout the environment judged a failure. */
function seedFailedRollout(world: TestWorld): string {
  const taskId = randomUUID();
  const rolloutId = randomUUID();
  world.db
    .insert(task)
    .values({
      id: taskId,
      externalId: 'app:shop:shop-002',
      source: 'app',
      intent: 'Buy two daypacks',
      createdBy: 'test',
    })
    .run();
  world.db
    .insert(trajectory)
    .values({
      id: rolloutId,
      externalId: 'app:shop:shop-002#1',
      taskId,
      kind: 'rollout',
      source: 'rollouts',
      envSuccess: false,
      envMessage: 'cart has 1 of 2 daypacks',
      stepCount: 2,
      contentHash: 'x',
      createdBy: 'test',
    })
    .run();
  for (const index of [0, 1])
    world.db
      .insert(step)
      .values({
        id: randomUUID(),
        trajectoryId: rolloutId,
        index,
        actionType: 'click',
        action: { type: 'click', elementName: 'Add to cart', raw: 'Click [3]' },
        actionDescription: "Click on a UI element 'Add to cart' on the screen.",
      })
      .run();
  return rolloutId;
}

describe('core-curator trajectories promote', { timeout: 90_000 }, () => {
  let world: TestWorld;
  let rolloutId: string;
  beforeEach(() => {
    world = createTestWorld();
    rolloutId = seedFailedRollout(world);
  });
  afterEach(async () => {
    await world.cleanup();
  });

  it('refuses an unverified rollout through the real binary: exit 1 and the reason', () => {
    const out = spawnSync(
      'node',
      ['bin/core-curator.mjs', '--data-dir', world.dataDir, 'trajectories', 'promote', rolloutId],
      { encoding: 'utf8' },
    );
    expect(out.status, out.stderr).toBe(1);
    expect(out.stderr).toContain(
      "error: Trajectory app:shop:shop-002#1 was not promoted: its environment verdict is failure ('cart has 1 of 2 daypacks')",
    );
    expect(out.stderr).toContain('--allow-unverified');
    expect(out.stdout).toBe('');
    expect(world.db.select().from(trajectory).where(eq(trajectory.kind, 'expert')).all()).toEqual([]);
  });

  it('promotes it with --allow-unverified, audited as cli; a second promotion is refused', async () => {
    const refused = await promote(world.dataDir, rolloutId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('environment verdict is failure');

    const out = await promote(world.dataDir, rolloutId, '--allow-unverified');
    expect(out.code, out.stderr).toBe(0);
    const demo = world.db.select().from(trajectory).where(eq(trajectory.kind, 'expert')).get()!;
    expect(demo).toMatchObject({
      source: 'promoted',
      derivedFromId: rolloutId,
      createdBy: 'cli',
      stepCount: 2,
    });
    expect(out.stdout).toContain(`Promoted trajectory ${rolloutId} to expert demo ${demo.id}`);
    expect(out.stdout).toContain('task:       app:shop:shop-002');
    expect(out.stdout).toContain('unverified');
    expect(out.stdout).toContain('npx core-curator abstract --task app:shop:shop-002');
    expect(world.db.select().from(auditLog).all()).toMatchObject([
      { action: 'trajectory.promote', actor: 'cli', userId: null, objectId: rolloutId },
    ]);

    const again = await promote(world.dataDir, rolloutId, '--allow-unverified', '--json');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already promoted: expert demo ${demo.id}`);
  });

  it('prints the result as JSON with --json', async () => {
    world.db.update(trajectory).set({ envSuccess: true }).where(eq(trajectory.id, rolloutId)).run();
    const out = await promote(world.dataDir, rolloutId, '--json');
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as PromoteResult;
    expect(result).toMatchObject({
      sourceId: rolloutId,
      taskExternalId: 'app:shop:shop-002',
      stepCount: 2,
      unverified: false,
    });
  });
});
