/** Job queries for the UI (progress bars, job list). */
import { desc, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { job, user } from '@/server/db/schema';

const JOB_COLUMNS = {
  id: job.id,
  kind: job.kind,
  status: job.status,
  progress: job.progress,
  progressMessage: job.progressMessage,
  input: job.input,
  result: job.result,
  error: job.error,
  createdAt: job.createdAt,
  startedAt: job.startedAt,
  finishedAt: job.finishedAt,
  createdByEmail: user.email,
};

export function listJobs(db: Db, params: { kind?: string; limit: number }) {
  return db
    .select(JOB_COLUMNS)
    .from(job)
    .leftJoin(user, eq(user.id, job.createdBy))
    .where(params.kind ? eq(job.kind, params.kind) : undefined)
    .orderBy(desc(job.createdAt))
    .limit(params.limit)
    .all();
}

/** @throws DomainError('NOT_FOUND') */
export function getJobOrThrow(db: Db, id: string) {
  const row = db
    .select(JOB_COLUMNS)
    .from(job)
    .leftJoin(user, eq(user.id, job.createdBy))
    .where(eq(job.id, id))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Job ${id} not found`);
  return row;
}
