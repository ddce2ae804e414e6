/**
 * Every sandbox execution a person triggers is in the audit log (issue 14 › 1): a job that runs
 * label-function code (scoring, a pipeline run, an LF test run, rollouts that score, the demo)
 * records one `sandbox.run` entry the first time it reaches for the sandbox, naming who started
 * the job and what it was given — for a test run that includes the draft code itself, so a PI can
 * see exactly what ran even though a test run stores nothing else. CLI commands that start their
 * own sandbox (`score`, `pipeline`, `rollouts`) record the same entry with the actor `cli`.
 * `lf run` (a file in, JSON out, no database) is the one execution not logged.
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';

import type { Db } from '@/server/db/client';
import { job, user } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';

/** The audit action of a sandbox execution. */
export const SANDBOX_RUN_ACTION = 'sandbox.run';
/** Job inputs up to this size (JSON, bytes) are kept whole in the entry; larger ones as a digest. */
export const MAX_AUDITED_INPUT_BYTES = 512 * 1024;

function auditedInput(input: unknown): unknown {
  const json = JSON.stringify(input ?? null);
  if (Buffer.byteLength(json, 'utf8') <= MAX_AUDITED_INPUT_BYTES) return input ?? null;
  return {
    truncated: true,
    bytes: Buffer.byteLength(json, 'utf8'),
    sha256: createHash('sha256').update(json).digest('hex'),
  };
}

/**
 * Records that job `jobId` runs label-function code: actor = the job's creator (email), `system`
 * when no person started it (the embedded demo). The entry's `after` is `{kind, input}`.
 * @returns the audit entry id, or null when the job does not exist.
 */
export function recordSandboxJobRun(db: Db, jobId: string): number | null {
  const row = db
    .select({ kind: job.kind, input: job.input, userId: job.createdBy, email: user.email })
    .from(job)
    .leftJoin(user, eq(user.id, job.createdBy))
    .where(eq(job.id, jobId))
    .get();
  if (!row) return null;
  return recordAudit(db, {
    userId: row.userId,
    actor: row.email ?? 'system',
    action: SANDBOX_RUN_ACTION,
    objectType: 'job',
    objectId: jobId,
    after: { kind: row.kind, input: auditedInput(row.input) },
  });
}

/** Records a sandbox execution started from the CLI (`actor: cli`); `after` is `{command, input}`. */
export function recordSandboxCliRun(db: Db, command: string, input: unknown): number {
  return recordAudit(db, {
    userId: null,
    actor: 'cli',
    action: SANDBOX_RUN_ACTION,
    objectType: 'cli',
    objectId: command,
    after: { command, input: auditedInput(input) },
  });
}
