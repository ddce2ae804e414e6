/**
 * The job runner: status transitions, progress, errors, cancellation (queued and running) and
 * recovery of jobs a previous process left behind. Also the real `import` handler end to end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { job, type JobStatus } from '@/server/db/schema';
import type { TImportJobInput } from '@/server/jobs/handlers';
import { JobRunner, recoverInterruptedJobs, type JobContext, type JobHandler } from '@/server/jobs/runner';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

/** A promise with its resolve function, to hold a handler at a known point. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

describe('JobRunner', () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  const row = (id: string) => world.db.select().from(job).where(eq(job.id, id)).get()!;

  it('runs a job to success with its result and progress 1', async () => {
    const user = world.makeUser('researcher');
    const seen: { input: unknown; jobId: string }[] = [];
    const runner = new JobRunner(world.db, {
      double: async (input, ctx) => {
        seen.push({ input, jobId: ctx.jobId });
        ctx.progress(0.5, 'half way');
        await Promise.resolve();
        return { doubled: (input as { n: number }).n * 2 };
      },
    });
    const id = runner.enqueue('double', { n: 21 }, { createdBy: user.id });
    await runner.idle();

    expect(seen).toEqual([{ input: { n: 21 }, jobId: id }]);
    const done = row(id);
    expect(done).toMatchObject({
      kind: 'double',
      status: 'succeeded',
      progress: 1,
      result: { doubled: 42 },
      error: null,
      input: { n: 21 },
      createdBy: user.id,
    });
    expect(done.startedAt).toBeInstanceOf(Date);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
  });

  it('writes progress while running (clamped to [0, 1])', async () => {
    const gate = deferred();
    const reported = deferred();
    const runner = new JobRunner(world.db, {
      slow: async (_input, ctx) => {
        ctx.progress(1.7, 'over the top');
        reported.resolve();
        await gate.promise;
        return null;
      },
    });
    const id = runner.enqueue('slow', null, { createdBy: null });
    await reported.promise;
    expect(row(id)).toMatchObject({ status: 'running', progress: 1, progressMessage: 'over the top' });
    gate.resolve();
    await runner.idle();
    expect(row(id)).toMatchObject({ status: 'succeeded', progress: 1, result: null });
  });

  it('a handler throwing a DomainError fails the job with its message', async () => {
    const runner = new JobRunner(world.db, {
      bad: () => Promise.reject(new DomainError('BAD_INPUT', 'tasks.json: field [3].objective is missing')),
    });
    const id = runner.enqueue('bad', {}, { createdBy: null });
    await runner.idle();
    expect(row(id)).toMatchObject({
      status: 'failed',
      error: 'tasks.json: field [3].objective is missing',
      result: null,
      progress: 0,
    });
    expect(row(id).finishedAt).toBeInstanceOf(Date);
  });

  it('any other error fails the job as an internal error', async () => {
    const runner = new JobRunner(world.db, { boom: () => Promise.reject(new TypeError('x is undefined')) });
    const id = runner.enqueue('boom', {}, { createdBy: null });
    await runner.idle();
    expect(row(id)).toMatchObject({ status: 'failed', error: 'Internal error: x is undefined' });
  });

  it('refuses an unknown kind without writing a row', () => {
    const runner = new JobRunner(world.db, {});
    expect(() => runner.enqueue('nope', {}, { createdBy: null })).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', message: "Unknown job kind 'nope'" }),
    );
    expect(world.db.select().from(job).all()).toEqual([]);
  });

  it('cancelling a running job aborts its signal and ends it cancelled', async () => {
    const started = deferred<JobContext>();
    const runner = new JobRunner(world.db, {
      wait: async (_input, ctx) => {
        started.resolve(ctx);
        await untilAborted(ctx.signal);
        throw new DomainError('CONFLICT', 'Import cancelled');
      },
    });
    const id = runner.enqueue('wait', {}, { createdBy: null });
    const ctx = await started.promise;
    expect(row(id).status).toBe('running');

    expect(runner.cancel(id)).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
    await runner.idle();
    expect(row(id)).toMatchObject({ status: 'cancelled', error: 'Import cancelled' });
    expect(row(id).finishedAt).toBeInstanceOf(Date);
    // Finished jobs cannot be cancelled again.
    expect(runner.cancel(id)).toBe(false);
  });

  it('a handler that returns despite a cancel has finished its work: the job ends succeeded', async () => {
    const started = deferred();
    const runner = new JobRunner(world.db, {
      wait: async (_input, ctx) => {
        started.resolve();
        await untilAborted(ctx.signal);
        return { committed: true };
      },
    });
    const id = runner.enqueue('wait', {}, { createdBy: null });
    await started.promise;
    expect(runner.cancel(id)).toBe(true);
    await runner.idle();
    expect(row(id)).toMatchObject({
      status: 'succeeded',
      progress: 1,
      result: { committed: true },
      error: null,
    });
  });

  it('cancelling a queued job marks it cancelled at once and never runs it', async () => {
    const gate = deferred();
    const ran: string[] = [];
    const handlers: Record<string, JobHandler> = {
      block: async () => {
        ran.push('block');
        await gate.promise;
        return 'first';
      },
      second: () => {
        ran.push('second');
        return Promise.resolve('second');
      },
    };
    const runner = new JobRunner(world.db, handlers);
    const first = runner.enqueue('block', {}, { createdBy: null });
    const second = runner.enqueue('second', {}, { createdBy: null });
    const third = runner.enqueue('second', {}, { createdBy: null });
    await Promise.resolve();
    expect(row(second).status).toBe('queued');

    expect(runner.cancel(second)).toBe(true);
    expect(row(second)).toMatchObject({ status: 'cancelled', startedAt: null });
    expect(row(second).finishedAt).toBeInstanceOf(Date);

    gate.resolve();
    await runner.idle();
    expect(ran).toEqual(['block', 'second']); // the `second` that ran is the third job
    expect(row(first)).toMatchObject({ status: 'succeeded', result: 'first' });
    expect(row(second)).toMatchObject({ status: 'cancelled', startedAt: null, result: null });
    expect(row(third)).toMatchObject({ status: 'succeeded', result: 'second' });
  });

  it('cancel of an unknown job is NOT_FOUND', () => {
    const runner = new JobRunner(world.db, {});
    expect(() => runner.cancel('missing')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('recoverInterruptedJobs marks queued and running rows interrupted and leaves finished ones', () => {
    const statuses: JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'];
    for (const status of statuses)
      world.db
        .insert(job)
        .values({ id: status, kind: 'import', status, error: status === 'failed' ? 'earlier' : null })
        .run();

    expect(recoverInterruptedJobs(world.db)).toBe(2);
    const after = Object.fromEntries(
      world.db
        .select({ id: job.id, status: job.status, error: job.error })
        .from(job)
        .all()
        .map((r) => [r.id, r]),
    );
    expect(after.queued).toMatchObject({
      status: 'interrupted',
      error: expect.stringContaining('start it again') as string,
    });
    expect(after.running).toMatchObject({ status: 'interrupted' });
    expect(row('queued').finishedAt).toBeInstanceOf(Date);
    expect(after.succeeded).toEqual({ id: 'succeeded', status: 'succeeded', error: null });
    expect(after.failed).toEqual({ id: 'failed', status: 'failed', error: 'earlier' });
    expect(after.cancelled).toMatchObject({ status: 'cancelled' });
    expect(after.interrupted).toMatchObject({ status: 'interrupted', error: null });
    expect(recoverInterruptedJobs(world.db)).toBe(0);
  });

  describe('the import handler', () => {
    it('imports a staged copy of a WebVoyager run and removes the staging folder', async () => {
      const staging = path.join(world.dataDir, 'uploads', 'staged-test');
      fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, 'taskAmazon--0'), path.join(staging, 'taskAmazon--0'), {
        recursive: true,
      });
      const user = world.makeUser('researcher');
      const input: TImportJobInput = {
        format: 'webvoyager',
        path: path.join(staging, 'taskAmazon--0'),
        kind: 'rollout',
        stagingDir: staging,
        actor: { userId: user.id, label: user.email },
      };
      const id = world.jobs.enqueue('import', input, { createdBy: user.id });
      await world.jobs.idle();

      expect(row(id)).toMatchObject({
        status: 'succeeded',
        progress: 1,
        progressMessage: 'Done',
        result: {
          format: 'webvoyager',
          tasks: { created: 1 },
          trajectories: { created: 1 },
          steps: 3,
          screenshots: { stored: 3, reused: 0 },
        },
      });
      expect(fs.existsSync(staging)).toBe(false);
      expect(world.db.$client.prepare('select kind, created_by as createdBy from trajectory').all()).toEqual([
        { kind: 'rollout', createdBy: user.id },
      ]);
    });

    it('a missing path fails the job naming it (inside the upload) and still removes the staging folder', async () => {
      const staging = path.join(world.dataDir, 'uploads', 'staged-missing');
      fs.mkdirSync(staging, { recursive: true });
      const missing = path.join(staging, 'nothing-here');
      const id = world.jobs.enqueue(
        'import',
        {
          format: 'webvoyager',
          path: missing,
          stagingDir: staging,
          actor: { userId: null, label: 'cli' },
        } satisfies Partial<TImportJobInput>,
        { createdBy: null },
      );
      await world.jobs.idle();
      expect(row(id)).toMatchObject({
        status: 'failed',
        error: 'nothing-here: no such file or folder' /* named inside the upload, not by the server path */,
      });
      expect(fs.existsSync(staging)).toBe(false);
    });

    it('malformed input fails the job without touching the database', async () => {
      const id = world.jobs.enqueue('import', { format: 'csv', path: '/x' }, { createdBy: null });
      await world.jobs.idle();
      expect(row(id).status).toBe('failed');
      expect(row(id).error).toMatch(/^Bad import job input: format: /);
      expect(world.db.$client.prepare('select count(*) as n from task').get()).toEqual({ n: 0 });
    });
  });
});
