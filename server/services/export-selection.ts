/**
 * Which trajectories a fine-tuning export holds (`lib/core/export/types.ts` ExportSource gives the
 * rule of each source), and what the selection relied on: the strategy-graph versions verdicts were
 * computed against, the label-function versions of those graphs, and the review decisions.
 *
 * Iterations: expert demos are cumulative (every demo of iteration ≤ N, or of none, is in the
 * export of iteration N: they are the base of every round's training set); rollouts, corrections
 * and reviewed proposals come from iteration N only, or from every iteration ≤ N with
 * `includeEarlierIterations`.
 *
 * Trajectories of tasks that pass on their app's untouched seed (the seed check) are left out and
 * counted, unless `includeSeedPassing`: their "success" shows nothing the agent did.
 */
import { and, asc, eq, inArray, isNotNull, isNull, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { ExportManifest } from '@/lib/core/export/manifest';
import { firstPersonStep } from '@/lib/core/corrections';
import { EXPORT_SOURCES, type ExportSource } from '@/lib/core/export/types';
import type { Category, Environment, TrajectoryKind } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import {
  extrapolatedIntent,
  labelFunctionVersion,
  poolNode,
  proposedPath,
  proposedTask,
  strategyGraphVersion,
  task,
  trajectory,
} from '@/server/db/schema';

export interface ExportScope {
  iterationId: number;
  sources: readonly ExportSource[];
  includeEarlierIterations: boolean;
  /**
   * Keep trajectories of tasks that pass on their app's untouched seed (`task.passesOnSeed`, the
   * seed check); left out by default (absent = false).
   */
  includeSeedPassing?: boolean;
}

/** One trajectory of an export, under the intent it is exported with. */
export interface SelectedTrajectory {
  trajectoryId: string;
  /** The task the examples are about (the created task for relabelled sources). */
  taskId: string;
  intent: string;
  environment: Environment;
  source: ExportSource;
  kind: TrajectoryKind;
  category: Category | null;
  stepCount: number;
  /**
   * The trajectory whose steps decide the split (the original rollout of a relabelled copy or of a
   * correction: its replayed steps are that rollout's, so both land in the same split).
   */
  splitKey: string;
  /** Steps before this index are history only, not targets (a correction's `takeoverStep`; else 0). */
  firstTargetStep: number;
  /** Corrections only: the failed rollout it corrects (null once that rollout was deleted). */
  correctedTrajectoryId?: string | null;
  scoredGraphVersionId: string | null;
  review: { kind: ExportManifest['reviewDecisions'][number]['kind']; id: string } | null;
}

export interface ExportSelection {
  trajectories: SelectedTrajectory[];
  /** Accepted template variants with no demonstration yet. */
  skippedProposedTasks: number;
  /** Trajectories left out because their task passes on the seed (see `includeSeedPassing`). */
  skippedSeedPassing: number;
}

function inIterations(column: SQLiteColumn, scope: ExportScope): SQL {
  return scope.includeEarlierIterations ? lte(column, scope.iterationId) : eq(column, scope.iterationId);
}

const HEAD = {
  trajectoryId: trajectory.id,
  taskId: trajectory.taskId,
  intent: task.intent,
  environment: task.environment,
  kind: trajectory.kind,
  category: trajectory.category,
  stepCount: trajectory.stepCount,
  scoredGraphVersionId: trajectory.scoredGraphVersionId,
};

type Head = Omit<
  SelectedTrajectory,
  'source' | 'splitKey' | 'review' | 'firstTargetStep' | 'correctedTrajectoryId'
>;

function heads(db: Db, where: SQL | undefined): Head[] {
  return db
    .select(HEAD)
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(and(eq(trajectory.status, 'complete'), where))
    .orderBy(asc(trajectory.createdAt), asc(trajectory.id))
    .all();
}

function selectSource(db: Db, source: ExportSource, scope: ExportScope): SelectedTrajectory[] {
  const plain = (row: Head, review: SelectedTrajectory['review'] = null): SelectedTrajectory => ({
    ...row,
    source,
    splitKey: row.trajectoryId,
    firstTargetStep: 0,
    review,
  });
  switch (source) {
    case 'expert_demos':
      return heads(
        db,
        and(
          eq(trajectory.kind, 'expert'),
          ne(task.origin, 'extrapolated'),
          or(isNull(trajectory.iterationId), lte(trajectory.iterationId, scope.iterationId)),
        ),
      ).map((row) => plain(row));
    case 'fully_passed':
      return heads(
        db,
        and(
          eq(trajectory.kind, 'rollout'),
          eq(trajectory.category, 'fully_passed'),
          inIterations(trajectory.iterationId, scope),
        ),
      ).map((row) => plain(row));
    case 'approved_paths': {
      const rows = heads(
        db,
        and(
          eq(trajectory.kind, 'rollout'),
          inIterations(trajectory.iterationId, scope),
          inArray(
            trajectory.id,
            db
              .select({ id: proposedPath.trajectoryId })
              .from(proposedPath)
              .where(eq(proposedPath.status, 'approved')),
          ),
        ),
      );
      const pathIds = new Map(
        db
          .select({ id: proposedPath.id, trajectoryId: proposedPath.trajectoryId })
          .from(proposedPath)
          .where(eq(proposedPath.status, 'approved'))
          .orderBy(asc(proposedPath.createdAt))
          .all()
          .map((p) => [p.trajectoryId, p.id]),
      );
      return rows.map((row) => plain(row, { kind: 'proposed_path', id: pathIds.get(row.trajectoryId)! }));
    }
    case 'extrapolated_intents':
      // The demo copy of the created task; its steps are the failed rollout's (split with it).
      return db
        .select({
          ...HEAD,
          reviewId: extrapolatedIntent.id,
          sourceTrajectoryId: extrapolatedIntent.trajectoryId,
        })
        .from(extrapolatedIntent)
        .innerJoin(trajectory, eq(trajectory.taskId, extrapolatedIntent.createdTaskId))
        .innerJoin(task, eq(task.id, trajectory.taskId))
        .where(
          and(
            eq(extrapolatedIntent.status, 'approved'),
            eq(trajectory.kind, 'expert'),
            eq(trajectory.status, 'complete'),
            inIterations(extrapolatedIntent.iterationId, scope),
          ),
        )
        .orderBy(asc(extrapolatedIntent.createdAt), asc(extrapolatedIntent.id))
        .all()
        .map(({ reviewId, sourceTrajectoryId, ...row }) => ({
          ...plain(row, { kind: 'extrapolated_intent', id: reviewId }),
          splitKey: sourceTrajectoryId,
        }));
    case 'proposed_tasks':
      return db
        .select({
          ...HEAD,
          taskId: proposedTask.createdTaskId,
          intent: proposedTask.intent,
          reviewId: proposedTask.id,
        })
        .from(proposedTask)
        .innerJoin(trajectory, eq(trajectory.id, proposedTask.sourceTrajectoryId))
        .innerJoin(task, eq(task.id, trajectory.taskId))
        .where(
          and(
            eq(proposedTask.status, 'approved'),
            eq(proposedTask.variant, 'paraphrase'),
            isNotNull(proposedTask.createdTaskId),
            ne(trajectory.kind, 'correction'),
            eq(trajectory.status, 'complete'),
            inIterations(proposedTask.iterationId, scope),
          ),
        )
        .orderBy(asc(proposedTask.createdAt), asc(proposedTask.id))
        .all()
        .map(({ reviewId, ...row }) => ({
          ...plain({ ...row, taskId: row.taskId! }, { kind: 'proposed_task', id: reviewId }),
        }));
    case 'corrections':
      // Verifier-passed corrections; the person's steps (from `takeoverStep`) are the targets.
      return db
        .select({ ...HEAD, takeoverStep: trajectory.takeoverStep, derivedFromId: trajectory.derivedFromId })
        .from(trajectory)
        .innerJoin(task, eq(task.id, trajectory.taskId))
        .where(
          and(
            eq(trajectory.status, 'complete'),
            eq(trajectory.kind, 'correction'),
            eq(trajectory.envSuccess, true),
            inIterations(trajectory.iterationId, scope),
          ),
        )
        .orderBy(asc(trajectory.createdAt), asc(trajectory.id))
        .all()
        .map(({ takeoverStep, derivedFromId, ...row }) => ({
          ...plain(row),
          splitKey: derivedFromId ?? row.trajectoryId,
          firstTargetStep: firstPersonStep(takeoverStep),
          correctedTrajectoryId: derivedFromId,
        }));
  }
}

/**
 * The trajectories of an export, in a stable order (sources in {@link EXPORT_SOURCES} order, then
 * creation time and id). A trajectory exported twice under the same intent is kept once, under the
 * first source.
 */
export function selectExportTrajectories(db: Db, scope: ExportScope): ExportSelection {
  const seen = new Set<string>();
  const trajectories: SelectedTrajectory[] = [];
  const seedPassing = scope.includeSeedPassing ? new Set<string>() : listSeedPassingTaskIds(db);
  let skippedSeedPassing = 0;
  for (const source of EXPORT_SOURCES) {
    if (!scope.sources.includes(source)) continue;
    for (const row of selectSource(db, source, scope)) {
      const key = `${row.trajectoryId}\u0000${row.intent}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seedPassing.has(row.taskId)) {
        skippedSeedPassing++;
        continue;
      }
      trajectories.push(row);
    }
  }
  const skippedProposedTasks = scope.sources.includes('proposed_tasks')
    ? (db
        .select({ n: sql<number>`count(*)` })
        .from(proposedTask)
        .where(
          and(
            eq(proposedTask.status, 'approved'),
            or(ne(proposedTask.variant, 'paraphrase'), isNull(proposedTask.sourceTrajectoryId)),
            inIterations(proposedTask.iterationId, scope),
          ),
        )
        .get()?.n ?? 0)
    : 0;
  return { trajectories, skippedProposedTasks, skippedSeedPassing };
}

/** Tasks whose verifier passes on their app's untouched seed (few: a set is cheap). */
function listSeedPassingTaskIds(db: Db): Set<string> {
  return new Set(
    db
      .select({ id: task.id })
      .from(task)
      .where(eq(task.passesOnSeed, true))
      .all()
      .map((r) => r.id),
  );
}

/** What an export relied on, for its manifest. */
export interface ExportReliance extends Pick<
  ExportManifest,
  'graphVersions' | 'labelFunctionVersions' | 'reviewDecisions'
> {
  /** Rollouts whose verdict was computed against an older graph version than their task's latest. */
  staleVerdicts: number;
}

function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The graph versions (each exported task's latest, and every version a rollout's verdict was
 * computed against), the label-function versions in force for the nodes of those graphs, and the
 * review decisions behind relabelled or approved-path trajectories.
 */
export function collectExportReliance(db: Db, selection: ExportSelection): ExportReliance {
  const taskIds = [...new Set(selection.trajectories.map((t) => t.taskId))];
  const latest = new Map<string, { id: string; version: number; taskId: string }>();
  for (const ids of chunks(taskIds)) {
    for (const row of db
      .select({
        id: strategyGraphVersion.id,
        taskId: strategyGraphVersion.taskId,
        version: strategyGraphVersion.version,
      })
      .from(strategyGraphVersion)
      .where(inArray(strategyGraphVersion.taskId, ids))
      .all()) {
      const current = latest.get(row.taskId);
      if (!current || row.version > current.version) latest.set(row.taskId, row);
    }
  }
  const versionIds = new Set([...latest.values()].map((v) => v.id));
  let staleVerdicts = 0;
  for (const t of selection.trajectories) {
    if (t.kind !== 'rollout' || !t.scoredGraphVersionId) continue;
    versionIds.add(t.scoredGraphVersionId);
    if (latest.get(t.taskId) && latest.get(t.taskId)!.id !== t.scoredGraphVersionId) staleVerdicts += 1;
  }
  const graphVersions: ExportReliance['graphVersions'] = [];
  const nodeIds = new Set<string>();
  for (const ids of chunks([...versionIds])) {
    for (const row of db
      .select({
        id: strategyGraphVersion.id,
        taskId: strategyGraphVersion.taskId,
        version: strategyGraphVersion.version,
        graph: strategyGraphVersion.graph,
      })
      .from(strategyGraphVersion)
      .where(inArray(strategyGraphVersion.id, ids))
      .all()) {
      graphVersions.push({ taskId: row.taskId, graphVersionId: row.id, version: row.version });
      for (const nodeId of Object.keys(row.graph)) if (nodeId !== '0' && nodeId !== '-1') nodeIds.add(nodeId);
    }
  }
  graphVersions.sort((a, b) => a.taskId.localeCompare(b.taskId) || a.version - b.version);
  const labelFunctionVersions: ExportReliance['labelFunctionVersions'] = [];
  for (const ids of chunks([...nodeIds])) {
    for (const row of db
      .select({
        nodeId: poolNode.id,
        lfVersionId: labelFunctionVersion.id,
        version: labelFunctionVersion.version,
      })
      .from(poolNode)
      .innerJoin(labelFunctionVersion, eq(labelFunctionVersion.id, poolNode.currentVersionId))
      .where(inArray(poolNode.id, ids))
      .all())
      labelFunctionVersions.push(row);
  }
  labelFunctionVersions.sort((a, b) => a.nodeId.localeCompare(b.nodeId, undefined, { numeric: true }));
  return {
    graphVersions,
    labelFunctionVersions,
    reviewDecisions: collectReviewDecisions(db, selection),
    staleVerdicts,
  };
}

function collectReviewDecisions(db: Db, selection: ExportSelection): ExportReliance['reviewDecisions'] {
  const byKind = {
    proposed_path: [] as string[],
    extrapolated_intent: [] as string[],
    proposed_task: [] as string[],
  };
  for (const t of selection.trajectories) if (t.review) byKind[t.review.kind].push(t.review.id);
  const tables = {
    proposed_path: proposedPath,
    extrapolated_intent: extrapolatedIntent,
    proposed_task: proposedTask,
  } as const;
  const out: ExportReliance['reviewDecisions'] = [];
  for (const kind of ['proposed_path', 'extrapolated_intent', 'proposed_task'] as const) {
    const table = tables[kind];
    for (const ids of chunks([...new Set(byKind[kind])])) {
      for (const row of db
        .select({
          id: table.id,
          status: table.status,
          reviewedBy: table.reviewedBy,
          reviewedAt: table.reviewedAt,
        })
        .from(table)
        .where(inArray(table.id, ids))
        .all())
        out.push({
          kind,
          id: row.id,
          status: row.status,
          reviewedBy: row.reviewedBy,
          reviewedAt: row.reviewedAt ? row.reviewedAt.toISOString() : null,
        });
    }
  }
  return out;
}
