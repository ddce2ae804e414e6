/**
 * Promotion (issue 16 › Expert demos from people; DESIGN.md › Promoted demo): a rollout or an
 * ingested run that the environment judged a success becomes an expert demo of its own task, so
 * that `abstract` learns key steps and label functions from it.
 *
 * - **What may be promoted.** A finished (`complete`) rollout, ingested run or correction with at
 *   least one step, whose environment verdict is success. With `allowUnverified` a run whose verdict
 *   is failure or unknown is promoted too (the person vouches for it; the audit row says so).
 *   Refused: expert demos (already demos), running or errored trajectories, and a source promoted
 *   before (CONFLICT naming the demo).
 * - **Corrections** may be promoted: a correction is the source rollout's steps up to the takeover
 *   and a person's steps after it, one complete attempt at the task; once its verifier passed it is
 *   as much a demonstration as any rollout that passed. The same verdict rule applies.
 * - **The copy**: kind `expert`, source `promoted`, `derivedFromId` = the source, same task, steps
 *   copied (screenshots shared by hash), environment verdict, explanation and final answer carried
 *   over; `createdBy` = the person's user id (`cli` from the command line).
 * - **Iteration**: the open iteration (created if none), not the source's. The demo is made now, by
 *   a person, so it belongs to the iteration being curated (DESIGN.md: everything a human produces
 *   carries its iteration); demos are cumulative in exports, so it is in every later iteration's
 *   export, and an earlier iteration's export stays as it was.
 * - Audited as `trajectory.promote` on the source: before = the source's summary, after = the demo's
 *   id and whether it was promoted unverified. All of it in one IMMEDIATE transaction, so two people
 *   promoting the same run at once get one demo and one CONFLICT.
 */
import { and, eq } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { PROMOTED_SOURCE } from '@/lib/core/provenance';
import { inTransaction, type Db } from '@/server/db/client';
import { task, trajectory } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { copyTrajectoryAsDemo } from '@/server/services/trajectory-copy';

/** The audit action of a promotion. */
export const PROMOTE_AUDIT_ACTION = 'trajectory.promote';

export interface PromoteActor {
  /** The person's user id; null from the command line. */
  userId: string | null;
  /** As shown in the audit log: the person's email, or `cli`. */
  label: string;
}

export interface PromoteResult {
  demoId: string;
  sourceId: string;
  taskId: string;
  taskExternalId: string;
  iterationId: number;
  stepCount: number;
  /** Promoted although the environment's verdict was not success. */
  unverified: boolean;
}

function verdictWord(envSuccess: boolean | null): string {
  return envSuccess === null ? 'unknown' : envSuccess ? 'success' : 'failure';
}

/** "failure ('cart has 0 items')", with long or multi-line explanations shortened to one line. */
function describeVerdict(envSuccess: boolean | null, envMessage: string | null): string {
  const message = envMessage?.replace(/\s+/g, ' ').trim();
  if (!message) return verdictWord(envSuccess);
  return `${verdictWord(envSuccess)} ('${message.length > 200 ? `${message.slice(0, 199)}…` : message}')`;
}

/**
 * Makes trajectory `trajectoryId` an expert demo of its task (see the module comment for the rules).
 * @throws DomainError NOT_FOUND (unknown id); BAD_INPUT (verdict not success without
 *   `allowUnverified`, an errored run, no steps); CONFLICT (already an expert demo, still running,
 *   promoted before).
 */
export function promoteTrajectory(
  db: Db,
  params: { trajectoryId: string; allowUnverified: boolean; actor: PromoteActor },
): PromoteResult {
  return inTransaction(
    db,
    (tx) => {
      const source = tx.select().from(trajectory).where(eq(trajectory.id, params.trajectoryId)).get();
      if (!source) throw new DomainError('NOT_FOUND', `Trajectory ${params.trajectoryId} not found`);
      const name = `Trajectory ${source.externalId ?? source.id}`;
      if (source.kind === 'expert')
        throw new DomainError('CONFLICT', `${name} is already an expert demo; only rollouts are promoted`);
      if (source.status === 'running')
        throw new DomainError('CONFLICT', `${name} is still running; promote it once it has finished`);
      if (source.status === 'errored')
        throw new DomainError(
          'BAD_INPUT',
          `${name} ended with an error (${source.error ?? 'no reason recorded'}); an errored run is not promoted`,
        );
      if (source.stepCount === 0) throw new DomainError('BAD_INPUT', `${name} has no steps`);
      const unverified = source.envSuccess !== true;
      if (unverified && !params.allowUnverified)
        throw new DomainError(
          'BAD_INPUT',
          `${name} was not promoted: its environment verdict is ${describeVerdict(source.envSuccess, source.envMessage)}. ` +
            'Only a run the environment judged a success is promoted unless it is explicitly promoted unverified ' +
            '(--allow-unverified on the command line).',
        );
      const existing = tx
        .select({ id: trajectory.id })
        .from(trajectory)
        .where(and(eq(trajectory.derivedFromId, source.id), eq(trajectory.source, PROMOTED_SOURCE)))
        .get();
      if (existing)
        throw new DomainError('CONFLICT', `${name} was already promoted: expert demo ${existing.id}`);

      const iterationId = getOrCreateOpenIteration(tx);
      const demoId = copyTrajectoryAsDemo(tx, {
        sourceId: source.id,
        taskId: source.taskId,
        source: PROMOTED_SOURCE,
        createdBy: params.actor.userId ?? params.actor.label,
        iterationId,
        linkToSource: true,
        keepEnvVerdict: true,
      });
      recordAudit(tx, {
        userId: params.actor.userId,
        actor: params.actor.label,
        action: PROMOTE_AUDIT_ACTION,
        objectType: 'trajectory',
        objectId: source.id,
        before: {
          trajectoryId: source.id,
          externalId: source.externalId,
          taskId: source.taskId,
          kind: source.kind,
          source: source.source,
          policy: source.policy,
          iterationId: source.iterationId,
          stepCount: source.stepCount,
          envSuccess: source.envSuccess,
          envMessage: source.envMessage,
        },
        after: { demoId, taskId: source.taskId, iterationId, unverified },
      });
      const parent = tx
        .select({ externalId: task.externalId })
        .from(task)
        .where(eq(task.id, source.taskId))
        .get();
      return {
        demoId,
        sourceId: source.id,
        taskId: source.taskId,
        taskExternalId: parent?.externalId ?? source.taskId,
        iterationId,
        stepCount: source.stepCount,
        unverified,
      };
    },
    { immediate: true },
  );
}
