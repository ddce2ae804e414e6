/**
 * Promotion (issue 16): a verified rollout becomes a linked expert demo of its task (steps copied,
 * screenshots shared), audited; unverified runs need the explicit flag; demos, running and errored
 * runs and a second promotion are refused with the reason; a correction that passed may be
 * promoted. Then `abstract` (heuristic provider, real sandbox) learns from the promoted demo, where
 * before it skipped the task for want of a demo.
 */
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { auditLog, job, keyStep, pipelineRun, step, task, trajectory } from '@/server/db/schema';
import { getLatestGraphVersion } from '@/server/services/graph-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { getOpenIterationId } from '@/server/services/iteration-service';
import type { PipelineRunStats } from '@/server/services/pipeline-query-service';
import { startPipelineRun } from '@/server/services/pipeline-service';
import { promoteTrajectory } from '@/server/services/promote-service';
import { getTrajectoryOrThrow } from '@/server/services/trajectory-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const TASK = 'webvoyager:GitHub--0';
const importActor = { userId: null, label: 'test' };

function caught(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

describe('promoteTrajectory', () => {
  let world: TestWorld;
  let taskId: string;
  let rolloutId: string;

  beforeAll(async () => {
    world = createTestWorld();
    // The GitHub run imported as a rollout: the task has no expert demo.
    const bundle = await readImportSource('webvoyager', path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'), {
      kind: 'rollout',
    });
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor: importActor });
    taskId = world.db.select().from(task).where(eq(task.externalId, TASK)).get()!.id;
    rolloutId = world.db.select().from(trajectory).where(eq(trajectory.taskId, taskId)).get()!.id;
  }, 120_000);

  afterAll(async () => {
    await world.cleanup();
  });

  beforeEach(() => {
    // Each test starts from the rollout alone: demos made by an earlier test are removed.
    world.db
      .delete(trajectory)
      .where(and(eq(trajectory.taskId, taskId), eq(trajectory.kind, 'expert')))
      .run();
    world.db.delete(auditLog).run();
    world.db
      .update(trajectory)
      .set({
        envSuccess: true,
        envMessage: 'The answer names the repository.',
        status: 'complete',
        error: null,
      })
      .where(eq(trajectory.id, rolloutId))
      .run();
  });

  const stepsOf = (id: string) =>
    world.db.select().from(step).where(eq(step.trajectoryId, id)).orderBy(asc(step.index)).all();

  it('copies a verified rollout as a linked expert demo of its task, and audits it', () => {
    const researcher = world.makeUser('researcher', 'res@example.test');
    const result = promoteTrajectory(world.db, {
      trajectoryId: rolloutId,
      allowUnverified: false,
      actor: { userId: researcher.id, label: researcher.email },
    });
    const source = world.db.select().from(trajectory).where(eq(trajectory.id, rolloutId)).get()!;
    const demo = world.db.select().from(trajectory).where(eq(trajectory.id, result.demoId)).get()!;
    expect(result).toMatchObject({
      sourceId: rolloutId,
      taskId,
      taskExternalId: TASK,
      stepCount: source.stepCount,
      unverified: false,
      iterationId: getOpenIterationId(world.db),
    });
    expect(demo).toMatchObject({
      kind: 'expert',
      source: 'promoted',
      taskId,
      derivedFromId: rolloutId,
      status: 'complete',
      envSuccess: true,
      envMessage: 'The answer names the repository.',
      finalAnswer: source.finalAnswer,
      stepCount: source.stepCount,
      createdBy: researcher.id,
      iterationId: result.iterationId,
      externalId: null,
      graphVerdict: null,
    });
    // Steps copied one for one; screenshots shared by hash, never duplicated.
    const strip = (s: ReturnType<typeof stepsOf>[number]) => ({ ...s, id: '', trajectoryId: '' });
    expect(stepsOf(result.demoId).map(strip)).toEqual(stepsOf(rolloutId).map(strip));
    expect(stepsOf(result.demoId).length).toBeGreaterThan(0);
    expect(stepsOf(result.demoId)[0]!.screenshotHash).toBe(stepsOf(rolloutId)[0]!.screenshotHash);
    // The source is untouched.
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, rolloutId)).get()).toEqual(source);

    const audit = world.db.select().from(auditLog).all();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'trajectory.promote',
      objectType: 'trajectory',
      objectId: rolloutId,
      userId: researcher.id,
      actor: 'res@example.test',
      before: { trajectoryId: rolloutId, kind: 'rollout', envSuccess: true, stepCount: source.stepCount },
      after: { demoId: result.demoId, unverified: false },
    });

    // The viewer's provenance, both ways.
    expect(getTrajectoryOrThrow(world.db, result.demoId)).toMatchObject({
      derivedFromId: rolloutId,
      derivedFrom: { id: rolloutId, kind: 'rollout' },
      promotedTo: [],
    });
    expect(getTrajectoryOrThrow(world.db, rolloutId)).toMatchObject({
      derivedFrom: null,
      promotedTo: [{ id: result.demoId, kind: 'expert', source: 'promoted' }],
    });
  });

  it('refuses an unverified run without the flag, naming the verdict; promotes it with the flag', () => {
    world.db
      .update(trajectory)
      .set({ envSuccess: false, envMessage: 'wrong repository\nexpected 2 stars' })
      .where(eq(trajectory.id, rolloutId))
      .run();
    const refused = caught(() =>
      promoteTrajectory(world.db, { trajectoryId: rolloutId, allowUnverified: false, actor: importActor }),
    );
    expect(refused.code).toBe('BAD_INPUT');
    expect(refused.message).toContain('Trajectory webvoyager:taskGitHub--0 was not promoted');
    expect(refused.message).toContain("environment verdict is failure ('wrong repository expected 2 stars')");
    expect(refused.message).toContain('--allow-unverified');
    expect(world.db.select().from(auditLog).all()).toEqual([]);

    world.db
      .update(trajectory)
      .set({ envSuccess: null, envMessage: null })
      .where(eq(trajectory.id, rolloutId))
      .run();
    expect(
      caught(() =>
        promoteTrajectory(world.db, { trajectoryId: rolloutId, allowUnverified: false, actor: importActor }),
      ).message,
    ).toContain('environment verdict is unknown');

    const result = promoteTrajectory(world.db, {
      trajectoryId: rolloutId,
      allowUnverified: true,
      actor: { userId: null, label: 'cli' },
    });
    expect(result.unverified).toBe(true);
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, result.demoId)).get()).toMatchObject({
      createdBy: 'cli',
      envSuccess: null,
    });
    expect(world.db.select().from(auditLog).get()).toMatchObject({
      actor: 'cli',
      userId: null,
      after: { demoId: result.demoId, unverified: true },
    });
  });

  it('refuses a second promotion, demos, running and errored runs, each with the reason', () => {
    const first = promoteTrajectory(world.db, {
      trajectoryId: rolloutId,
      allowUnverified: false,
      actor: importActor,
    });
    const again = caught(() =>
      promoteTrajectory(world.db, { trajectoryId: rolloutId, allowUnverified: true, actor: importActor }),
    );
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain(`already promoted: expert demo ${first.demoId}`);

    const demo = caught(() =>
      promoteTrajectory(world.db, { trajectoryId: first.demoId, allowUnverified: true, actor: importActor }),
    );
    expect(demo.code).toBe('CONFLICT');
    expect(demo.message).toContain('already an expert demo');

    world.db.delete(trajectory).where(eq(trajectory.id, first.demoId)).run();
    world.db.update(trajectory).set({ status: 'running' }).where(eq(trajectory.id, rolloutId)).run();
    expect(
      caught(() =>
        promoteTrajectory(world.db, { trajectoryId: rolloutId, allowUnverified: true, actor: importActor }),
      ),
    ).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('still running') as string });
    world.db
      .update(trajectory)
      .set({ status: 'errored', error: 'Step 3: took longer than 30000 ms' })
      .where(eq(trajectory.id, rolloutId))
      .run();
    expect(
      caught(() =>
        promoteTrajectory(world.db, { trajectoryId: rolloutId, allowUnverified: true, actor: importActor }),
      ),
    ).toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('took longer than 30000 ms') as string,
    });
    expect(
      caught(() =>
        promoteTrajectory(world.db, { trajectoryId: 'nope', allowUnverified: true, actor: importActor }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(world.db.select().from(auditLog).all()).toHaveLength(1);
  });

  it('promotes a correction that passed its verifier (a complete demonstration)', () => {
    world.db
      .update(trajectory)
      .set({ kind: 'correction', takeoverStep: 2 })
      .where(eq(trajectory.id, rolloutId))
      .run();
    try {
      const result = promoteTrajectory(world.db, {
        trajectoryId: rolloutId,
        allowUnverified: false,
        actor: importActor,
      });
      expect(world.db.select().from(trajectory).where(eq(trajectory.id, result.demoId)).get()).toMatchObject({
        kind: 'expert',
        derivedFromId: rolloutId,
        takeoverStep: null,
      });
    } finally {
      world.db
        .update(trajectory)
        .set({ kind: 'rollout', takeoverStep: null })
        .where(eq(trajectory.id, rolloutId))
        .run();
    }
  });

  it('abstract skips the task without a demo, then learns from the promoted demo', async () => {
    const abstract = async () => {
      const { runId, jobId } = startPipelineRun(world.db, world.jobs, {
        stage: 'abstract',
        scope: { taskIds: [taskId], iterationId: null },
        actor: importActor,
        providers: () => ({
          coder: { provider: 'heuristic' as const, model: 'heuristic-v1' },
          agent: { provider: 'heuristic' as const, model: 'heuristic-v1' },
        }),
      });
      await world.jobs.idle();
      expect(world.db.select().from(job).where(eq(job.id, jobId)).get()).toMatchObject({
        status: 'succeeded',
        error: null,
      });
      const run = world.db.select().from(pipelineRun).where(eq(pipelineRun.id, runId)).get()!;
      return { runId, stats: run.stats as PipelineRunStats };
    };

    const before = await abstract();
    expect(before.stats.units).toEqual({ done: 0, failed: 0, skipped: 1 });
    expect(before.stats.skipped).toEqual([
      {
        taskId,
        taskExternalId: TASK,
        trajectoryId: null,
        trajectoryExternalId: null,
        code: 'no_expert_demo',
        reason: 'no expert demo',
        hint: 'record a demo on the task page, or promote a verified rollout',
      },
    ]);
    expect(getLatestGraphVersion(world.db, taskId)).toBeFalsy();

    const { demoId } = promoteTrajectory(world.db, {
      trajectoryId: rolloutId,
      allowUnverified: false,
      actor: importActor,
    });
    const after = await abstract();
    expect(after.stats.units).toEqual({ done: 1, failed: 0, skipped: 0 });
    expect(after.stats.skipped).toEqual([]);
    const keySteps = world.db.select().from(keyStep).where(eq(keyStep.runId, after.runId)).all();
    expect(keySteps.length).toBeGreaterThan(0);
    // Learnt from the promoted demo only: the rollout is no demo.
    expect(new Set(keySteps.map((k) => k.trajectoryId))).toEqual(new Set([demoId]));
    expect(getLatestGraphVersion(world.db, taskId)).toMatchObject({ version: 1, reason: 'init' });
    // The run scored the task: the demo passes its own graph.
    expect(world.db.select().from(trajectory).where(eq(trajectory.id, demoId)).get()).toMatchObject({
      graphVerdict: true,
    });
  }, 300_000);
});
