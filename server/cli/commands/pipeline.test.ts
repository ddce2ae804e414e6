/**
 * `core-curator abstract` says which tasks it skipped and why (issue 16): on stderr a "Skipped N
 * tasks:" list with each task's reason and a hint (record or promote a demo), and the same in the
 * JSON on stdout as `stats.skipped`. In process, with the offline heuristic provider.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerPipelineCommands } from '@/server/cli/commands/pipeline';
import { task, trajectory } from '@/server/db/schema';
import type { PipelineRunStats } from '@/server/services/pipeline-query-service';
import { runCliInProcess } from '@/server/testing/cli-in-process';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

describe('core-curator abstract: skipped tasks', { timeout: 120_000 }, () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  function addTask(externalId: string): string {
    const id = randomUUID();
    world.db
      .insert(task)
      .values({ id, externalId, source: 'test', intent: `Do ${externalId}`, createdBy: 'test' })
      .run();
    return id;
  }

  it('lists each skipped task with its reason and what to do', async () => {
    addTask('test:no-demo');
    const recording = addTask('test:recording');
    // A demo a person is still recording: unfinished, so not abstracted.
    world.db
      .insert(trajectory)
      .values({
        id: randomUUID(),
        taskId: recording,
        kind: 'expert',
        source: 'recorded',
        status: 'running',
        stepCount: 1,
        contentHash: 'x',
        createdBy: 'test',
      })
      .run();

    const out = await runCliInProcess([registerPipelineCommands], world.dataDir, [
      'abstract',
      '--task',
      'test:no-demo',
      'test:recording',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(
      [
        'Skipped 2 tasks:',
        '  task test:no-demo — no expert demo (record a demo on the task page, or promote a verified rollout)',
        '  task test:recording — its expert demo is still running (wait until the demo has finished, then run abstract again)',
        "To promote a rollout: 'Promote to expert demo' on its trajectory page, or npx core-curator trajectories promote <trajectory-id> [--allow-unverified]; then run abstract again.",
      ].join('\n'),
    );
    const result = JSON.parse(out.stdout) as { stage: string; stats: PipelineRunStats };
    expect(result.stats.units).toEqual({ done: 0, failed: 0, skipped: 2 });
    expect(result.stats.skipped).toMatchObject([
      { taskExternalId: 'test:no-demo', code: 'no_expert_demo', reason: 'no expert demo' },
      {
        taskExternalId: 'test:recording',
        code: 'demos_unfinished',
        reason: 'its expert demo is still running',
      },
    ]);
  });
});
