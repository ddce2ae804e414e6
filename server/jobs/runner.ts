/**
 * Long work runs as jobs: a row in `job` (status, progress 0..1, message, result, error) and an
 * in-process queue (p-queue, concurrency JOB_CONCURRENCY) that executes the handler registered
 * for the job's kind. Progress is written at most every PROGRESS_WRITE_INTERVAL_MS. Cancelling
 * aborts the handler's `AbortSignal`; a queued job is cancelled before it starts. Jobs that were
 * queued or running when a previous process stopped are marked `interrupted` at start-up
 * (`recoverInterruptedJobs`), so the UI never shows a job running that nothing runs.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import PQueue from 'p-queue';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { job } from '@/server/db/schema';

export const JOB_CONCURRENCY = 1;
export const PROGRESS_WRITE_INTERVAL_MS = 200;

export interface JobContext {
  jobId: string;
  signal: AbortSignal;
  /** Reports progress as a fraction in [0, 1] with an optional short message. */
  progress: (fraction: number, message?: string) => void;
}

export type JobHandler = (input: unknown, ctx: JobContext) => Promise<unknown>;

export class JobRunner {
  private readonly queue = new PQueue({ concurrency: JOB_CONCURRENCY });
  private readonly controllers = new Map<string, AbortController>();

  constructor(
    private readonly db: Db,
    private readonly handlers: Record<string, JobHandler>,
  ) {}

  /** Inserts a queued job and schedules it. @returns the job id. @throws DomainError('BAD_INPUT') for an unknown kind. */
  enqueue(
    kind: string,
    input: unknown,
    options: { createdBy: string | null; iterationId?: number | null },
  ): string {
    const handler = this.handlers[kind];
    if (!handler) throw new DomainError('BAD_INPUT', `Unknown job kind '${kind}'`);
    const id = randomUUID();
    this.db
      .insert(job)
      .values({ id, kind, input, createdBy: options.createdBy, iterationId: options.iterationId ?? null })
      .run();
    const controller = new AbortController();
    this.controllers.set(id, controller);
    void this.queue.add(() => this.execute(id, handler, input, controller));
    return id;
  }

  /** Cancels a queued or running job. @returns false when the job had already finished. */
  cancel(id: string): boolean {
    const row = this.db.select({ status: job.status }).from(job).where(eq(job.id, id)).get();
    if (!row) throw new DomainError('NOT_FOUND', `Job ${id} not found`);
    if (row.status !== 'queued' && row.status !== 'running') return false;
    this.controllers.get(id)?.abort();
    if (row.status === 'queued') {
      this.db
        .update(job)
        .set({ status: 'cancelled', finishedAt: new Date() })
        .where(and(eq(job.id, id), eq(job.status, 'queued')))
        .run();
    }
    return true;
  }

  /** Resolves when every queued job has finished (tests, CLI). */
  async idle(): Promise<void> {
    await this.queue.onIdle();
  }

  private async execute(
    id: string,
    handler: JobHandler,
    input: unknown,
    controller: AbortController,
  ): Promise<void> {
    try {
      const current = this.db.select({ status: job.status }).from(job).where(eq(job.id, id)).get();
      if (current?.status !== 'queued' || controller.signal.aborted) return;
      this.db.update(job).set({ status: 'running', startedAt: new Date() }).where(eq(job.id, id)).run();
      let lastWrite = 0;
      const progress = (fraction: number, message?: string) => {
        const now = Date.now();
        if (now - lastWrite < PROGRESS_WRITE_INTERVAL_MS && fraction < 1) return;
        lastWrite = now;
        const clamped = Math.max(0, Math.min(1, fraction));
        this.db
          .update(job)
          .set({ progress: clamped, progressMessage: message ?? null })
          .where(eq(job.id, id))
          .run();
      };
      try {
        const result = await handler(input, { jobId: id, signal: controller.signal, progress });
        // A handler that returns has finished its work (handlers throw when they honour a cancel),
        // so a cancel that arrives after the work committed does not relabel it as cancelled.
        this.db
          .update(job)
          .set({ status: 'succeeded', result: result ?? null, progress: 1, finishedAt: new Date() })
          .where(eq(job.id, id))
          .run();
      } catch (error) {
        const status = controller.signal.aborted ? 'cancelled' : 'failed';
        const message =
          error instanceof DomainError
            ? error.message
            : status === 'cancelled'
              ? 'Cancelled'
              : `Internal error: ${(error as Error).message}`;
        this.db
          .update(job)
          .set({ status, error: message, finishedAt: new Date() })
          .where(eq(job.id, id))
          .run();
      }
    } finally {
      this.controllers.delete(id);
    }
  }
}

/** Marks jobs left queued/running by a previous process as `interrupted`. @returns how many. */
export function recoverInterruptedJobs(db: Db): number {
  const result = db
    .update(job)
    .set({
      status: 'interrupted',
      error: 'The server stopped while this job was pending; start it again.',
      finishedAt: new Date(),
    })
    .where(inArray(job.status, ['queued', 'running']))
    .run();
  return result.changes;
}
