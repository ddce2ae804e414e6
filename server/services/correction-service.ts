/**
 * Corrections of failed rollouts (issue 16 § 3, DESIGN.md › Correction): a reviewer marks a failed
 * rollout's first harmful step (where a person takes over), helped by a suggestion from the progress
 * score's evidence. The recording of the correction itself is `recording-service.ts`'s; the review
 * queue that asks for corrections is `corrections_wanted` (`lib/core/review.ts`).
 *
 * Step indices are 0-based, as stored (`trajectory.harmfulStep`, `trajectory.takeoverStep`); the UI
 * shows them 1-based.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
  explainNotFailedRollout,
  suggestHarmfulStepFromProgress,
  type HarmfulStepSuggestion,
} from '@/lib/core/corrections';
import { DomainError } from '@/lib/core/errors';
import type { NodeResult } from '@/lib/core/strategy-graph/types';
import { inTransaction, type Db } from '@/server/db/client';
import { auditLog, lfResult, strategyGraphVersion, trajectory } from '@/server/db/schema';
import type { ChangeActor } from '@/server/services/graph-change-service';
import { getPoolNodes, graphNodeIds } from '@/server/services/graph-service';

/** A failed rollout's harmful-step mark, as stored. */
export interface HarmfulStepMark {
  harmfulStep: number | null;
  harmfulStepBy: string | null;
  harmfulStepAt: Date | null;
}

function getRolloutOrThrow(db: Db, trajectoryId: string) {
  const row = db
    .select({
      id: trajectory.id,
      kind: trajectory.kind,
      status: trajectory.status,
      envSuccess: trajectory.envSuccess,
      category: trajectory.category,
      stepCount: trajectory.stepCount,
      scoredGraphVersionId: trajectory.scoredGraphVersionId,
      harmfulStep: trajectory.harmfulStep,
      harmfulStepBy: trajectory.harmfulStepBy,
      harmfulStepAt: trajectory.harmfulStepAt,
    })
    .from(trajectory)
    .where(eq(trajectory.id, trajectoryId))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Trajectory ${trajectoryId} not found`);
  return row;
}

/**
 * Marks (or, with `stepIndex` null, clears) the first harmful step of a failed rollout — the step a
 * correction takes over at. Only failed rollouts take a mark (`isFailedRollout`: a complete rollout
 * the environment failed, or, with no environment verdict, one categorised Failed; never one the
 * environment judged a success). Audited as `trajectory.mark_harmful_step` with the mark before and
 * after. Runs in its own transaction, or inside the caller's (a review decision).
 * @param stepIndex 0-based, from 0 to the rollout's step count − 1; null clears the mark.
 * @throws DomainError NOT_FOUND for an unknown trajectory; BAD_INPUT when it is not a failed rollout
 *   or the step is out of range (the message names the trajectory and the bound).
 */
export function markHarmfulStep(
  db: Db,
  params: { trajectoryId: string; stepIndex: number | null; actor: ChangeActor; now?: Date },
): HarmfulStepMark & { trajectoryId: string } {
  return inTransaction(db, (tx) => {
    const row = getRolloutOrThrow(tx, params.trajectoryId);
    const notFailed = explainNotFailedRollout(row);
    if (notFailed)
      throw new DomainError(
        'BAD_INPUT',
        `Trajectory ${row.id} takes no harmful-step mark: only failed rollouts do, and ${notFailed}`,
      );
    const { stepIndex } = params;
    if (stepIndex !== null) {
      if (row.stepCount === 0)
        throw new DomainError('BAD_INPUT', `Trajectory ${row.id} has no steps to mark as harmful`);
      if (!Number.isInteger(stepIndex) || stepIndex < 0 || stepIndex > row.stepCount - 1)
        throw new DomainError(
          'BAD_INPUT',
          `stepIndex ${stepIndex} is out of range for trajectory ${row.id}: 0 to ${row.stepCount - 1} (0-based; it has ${row.stepCount} steps)`,
        );
    }
    const before: HarmfulStepMark = {
      harmfulStep: row.harmfulStep,
      harmfulStepBy: row.harmfulStepBy,
      harmfulStepAt: row.harmfulStepAt,
    };
    const after: HarmfulStepMark =
      stepIndex === null
        ? { harmfulStep: null, harmfulStepBy: null, harmfulStepAt: null }
        : {
            harmfulStep: stepIndex,
            harmfulStepBy: params.actor.userId ?? params.actor.label,
            harmfulStepAt: params.now ?? new Date(),
          };
    tx.update(trajectory).set(after).where(eq(trajectory.id, row.id)).run();
    tx.insert(auditLog)
      .values({
        userId: params.actor.userId,
        actor: params.actor.label,
        action: 'trajectory.mark_harmful_step',
        objectType: 'trajectory',
        objectId: row.id,
        before: { ...before, harmfulStepAt: before.harmfulStepAt?.toISOString() ?? null },
        after: { ...after, harmfulStepAt: after.harmfulStepAt?.toISOString() ?? null },
      })
      .run();
    return { trajectoryId: row.id, ...after };
  });
}

/**
 * Where a correction of `trajectoryId` should take over: the first step after the progress score's
 * evidence stopped (`suggestHarmfulStepFromProgress`), computed against the graph version the
 * rollout was scored against (`scoredGraphVersionId`) with the stored results of its nodes' current
 * label-function versions — the same inputs scoring used. Unscored rollouts (or ones whose results
 * are gone) get no suggestion, with the reason.
 * @returns `{ stepIndex, reason }`: 0-based `stepIndex`, or null when there is no suggestion.
 * @throws DomainError NOT_FOUND for an unknown trajectory.
 */
export function suggestHarmfulStep(db: Db, trajectoryId: string): HarmfulStepSuggestion {
  const row = getRolloutOrThrow(db, trajectoryId);
  if (!row.scoredGraphVersionId)
    return {
      stepIndex: null,
      reason: 'Not scored yet: score its task to get a suggestion from the strategy graph.',
    };
  const version = db
    .select({ graph: strategyGraphVersion.graph, version: strategyGraphVersion.version })
    .from(strategyGraphVersion)
    .where(eq(strategyGraphVersion.id, row.scoredGraphVersionId))
    .get();
  if (!version)
    return {
      stepIndex: null,
      reason: 'The graph version it was scored against no longer exists: score its task again.',
    };
  const nodes = getPoolNodes(db, graphNodeIds(version.graph));
  const versionIds = nodes.map((n) => n.lfVersionId).filter((v): v is string => v !== null);
  const rows = versionIds.length
    ? db
        .select({ nodeId: lfResult.nodeId, result: lfResult.result, evidenceStep: lfResult.evidenceStep })
        .from(lfResult)
        .where(and(eq(lfResult.trajectoryId, row.id), inArray(lfResult.lfVersionId, versionIds)))
        .all()
    : [];
  if (rows.length === 0)
    return {
      stepIndex: null,
      reason:
        "No label-function results of its graph's current label functions are stored: score its task again.",
    };
  const results: Record<string, NodeResult> = {};
  for (const r of rows) results[r.nodeId] = { passed: r.result === true, evidenceStep: r.evidenceStep };
  const descriptions = new Map(nodes.map((n) => [n.id, n.description]));
  return suggestHarmfulStepFromProgress({
    graph: version.graph,
    results,
    stepCount: row.stepCount,
    describe: (id) => descriptions.get(id),
  });
}

/** The corrections saved of a rollout (trajectories of kind `correction` derived from it), oldest first. */
export function listCorrectionsOf(db: Db, rolloutId: string) {
  return db
    .select({
      id: trajectory.id,
      takeoverStep: trajectory.takeoverStep,
      envSuccess: trajectory.envSuccess,
      status: trajectory.status,
      stepCount: trajectory.stepCount,
      createdBy: trajectory.createdBy,
      createdAt: trajectory.createdAt,
    })
    .from(trajectory)
    .where(and(eq(trajectory.kind, 'correction'), eq(trajectory.derivedFromId, rolloutId)))
    .orderBy(trajectory.createdAt, trajectory.id)
    .all();
}
