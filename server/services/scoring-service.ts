/**
 * Scoring: runs the label functions of each task's current strategy graph on the task's
 * trajectories in the sandbox, stores every (trajectory, LF version) result, and writes each
 * trajectory's graph verdict, category, progress score and matched path (DESIGN.md › Semantics).
 *
 * Only what is missing is evaluated: a result is kept per (trajectory, label-function version), so
 * after a merge or an LF edit just the new versions run; verdicts are then recomputed from stored
 * results for every trajectory of the task (cheap: no Python involved).
 */
import { and, eq, inArray } from 'drizzle-orm';
import { computeProgress } from '@/lib/core/strategy-graph/progress';
import type { NodeResult, StrategyGraph } from '@/lib/core/strategy-graph/types';
import { categorize, computeVerdict } from '@/lib/core/strategy-graph/verdict';
import { DomainError } from '@/lib/core/errors';
import type { Category } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import { lfResult, strategyGraphVersion, task, trajectory } from '@/server/db/schema';
import { getLatestGraphVersion, getPoolNodes, graphNodeIds } from '@/server/services/graph-service';
import { recordAfterMergeSnapshots } from '@/server/services/graph-change-service';
import { loadTrajectoryDicts } from '@/server/services/trajectory-service';
import type { LabelFunctionRunner } from '@/server/sandbox/label-function-runner';

export interface ScoreSummary {
  tasks: number;
  trajectories: number;
  /** Label-function evaluations run in the sandbox now. */
  evaluated: number;
  /** Evaluations reused from earlier runs of the same LF version. */
  reused: number;
  categories: Record<Category, number>;
  seconds: number;
}

export interface ScoreOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
  /**
   * Evaluate every pair again and overwrite stored results (default: only missing pairs). For
   * results that can no longer be trusted, e.g. those computed before the sandbox isolated label
   * functions from each other (issue 14).
   */
  reevaluate?: boolean;
}

/** All task ids that have a strategy graph. */
/**
 * Only finished trajectories are scored: a `running` one is still growing, and an `errored` one
 * (crashed browser, harness gave up) is no attempt the environment judged, so it would land among
 * the Failed rollouts that feed intent extrapolation.
 */
export const SCORABLE_STATUS = 'complete';

export function listTaskIdsWithGraphs(db: Db): string[] {
  return db
    .selectDistinct({ taskId: strategyGraphVersion.taskId })
    .from(strategyGraphVersion)
    .all()
    .map((r) => r.taskId);
}

/**
 * Scores the trajectories of `taskIds` (default: every task with a graph).
 * @throws DomainError CONFLICT when cancelled between tasks (results stored so far are kept: they
 *   are valid on their own).
 */
export async function scoreTasks(
  db: Db,
  runner: LabelFunctionRunner,
  taskIds: string[] | null,
  options: ScoreOptions = {},
): Promise<ScoreSummary> {
  const started = performance.now();
  const ids = taskIds ?? listTaskIdsWithGraphs(db);
  const summary: ScoreSummary = {
    tasks: 0,
    trajectories: 0,
    evaluated: 0,
    reused: 0,
    categories: { fully_passed: 0, partially_passed: 0, failed: 0 },
    seconds: 0,
  };
  for (const [i, taskId] of ids.entries()) {
    if (options.signal?.aborted) throw new DomainError('CONFLICT', 'Scoring cancelled');
    options.onProgress?.(i / Math.max(ids.length, 1), `Scoring task ${i + 1} of ${ids.length}`);
    const part = await scoreTask(db, runner, taskId, options.reevaluate ?? false);
    if (!part) continue;
    summary.tasks++;
    summary.trajectories += part.trajectories;
    summary.evaluated += part.evaluated;
    summary.reused += part.reused;
    for (const c of part.categories) summary.categories[c]++;
  }
  options.onProgress?.(1, 'Done');
  summary.seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  return summary;
}

async function scoreTask(db: Db, runner: LabelFunctionRunner, taskId: string, reevaluate: boolean) {
  const graphRow = getLatestGraphVersion(db, taskId);
  const taskRow = db.select({ id: task.id }).from(task).where(eq(task.id, taskId)).get();
  if (!graphRow || !taskRow) return null;
  const graph: StrategyGraph = graphRow.graph;
  const nodes = getPoolNodes(db, graphNodeIds(graph)).filter(
    (n): n is typeof n & { lfVersionId: string; code: string } => n.lfVersionId !== null && n.code !== null,
  );
  const trajectories = db
    .select({ id: trajectory.id, envSuccess: trajectory.envSuccess })
    .from(trajectory)
    .where(and(eq(trajectory.taskId, taskId), eq(trajectory.status, SCORABLE_STATUS)))
    .all();
  if (trajectories.length === 0) return { trajectories: 0, evaluated: 0, reused: 0, categories: [] };

  const trajectoryIds = trajectories.map((t) => t.id);
  const versionIds = nodes.map((n) => n.lfVersionId);
  const stored =
    versionIds.length && !reevaluate
      ? db
          .select({ trajectoryId: lfResult.trajectoryId, lfVersionId: lfResult.lfVersionId })
          .from(lfResult)
          .where(
            and(inArray(lfResult.trajectoryId, trajectoryIds), inArray(lfResult.lfVersionId, versionIds)),
          )
          .all()
      : [];
  const have = new Set(stored.map((r) => `${r.trajectoryId}\u0000${r.lfVersionId}`));
  const pairs = trajectories.flatMap((t) =>
    nodes
      .filter((n) => !have.has(`${t.id}\u0000${n.lfVersionId}`))
      .map((n) => ({ labelFunctionId: n.lfVersionId, trajectoryId: t.id })),
  );

  if (pairs.length > 0) {
    const needed = new Set(pairs.map((p) => p.trajectoryId));
    const dicts = loadTrajectoryDicts(db, [...needed]);
    const results = await runner.evaluate({
      labelFunctions: nodes.map((n) => ({ id: n.lfVersionId, code: n.code })),
      trajectories: dicts,
      pairs,
    });
    const nodeByVersion = new Map(nodes.map((n) => [n.lfVersionId, n.id]));
    db.transaction((tx) => {
      for (const r of results) {
        tx.insert(lfResult)
          .values({
            trajectoryId: r.trajectoryId,
            lfVersionId: r.labelFunctionId,
            nodeId: nodeByVersion.get(r.labelFunctionId)!,
            result: r.evaluation.result,
            outcome: r.evaluation.outcome,
            evidenceStep: r.evaluation.evidenceStep,
            error: r.evaluation.error,
            durationMs: r.evaluation.durationMs,
          })
          .onConflictDoUpdate({
            target: [lfResult.trajectoryId, lfResult.lfVersionId],
            set: {
              result: r.evaluation.result,
              outcome: r.evaluation.outcome,
              evidenceStep: r.evaluation.evidenceStep,
              error: r.evaluation.error,
              durationMs: r.evaluation.durationMs,
            },
          })
          .run();
      }
    });
  }

  const categories = recomputeTaskVerdicts(db, taskId, graphRow.id, graph, nodes);
  recordAfterMergeSnapshots(db, taskId);
  return { trajectories: trajectories.length, evaluated: pairs.length, reused: stored.length, categories };
}

/**
 * Recomputes verdict, category, progress and matched path of every trajectory of a task from the
 * stored results of `nodes`' current LF versions against `graph`. No Python runs.
 */
export function recomputeTaskVerdicts(
  db: Db,
  taskId: string,
  graphVersionId: string,
  graph: StrategyGraph,
  nodes: { id: string; lfVersionId: string }[],
): Category[] {
  const trajectories = db
    .select({ id: trajectory.id, envSuccess: trajectory.envSuccess })
    .from(trajectory)
    .where(and(eq(trajectory.taskId, taskId), eq(trajectory.status, SCORABLE_STATUS)))
    .all();
  const versionIds = nodes.map((n) => n.lfVersionId);
  const rows = versionIds.length
    ? db
        .select({
          trajectoryId: lfResult.trajectoryId,
          nodeId: lfResult.nodeId,
          result: lfResult.result,
          evidenceStep: lfResult.evidenceStep,
        })
        .from(lfResult)
        .where(
          and(
            inArray(
              lfResult.trajectoryId,
              trajectories.map((t) => t.id),
            ),
            inArray(lfResult.lfVersionId, versionIds),
          ),
        )
        .all()
    : [];
  const byTrajectory = new Map<string, Record<string, NodeResult>>();
  for (const r of rows) {
    const results = byTrajectory.get(r.trajectoryId) ?? {};
    results[r.nodeId] = { passed: r.result === true, evidenceStep: r.evidenceStep };
    byTrajectory.set(r.trajectoryId, results);
  }
  const nodeCount = graphNodeIds(graph).length;
  const now = new Date();
  return db.transaction((tx) =>
    trajectories.map((t) => {
      const results = byTrajectory.get(t.id) ?? {};
      const { verdict, path } = computeVerdict(graph, results);
      const category = categorize({
        verdict,
        envSuccess: t.envSuccess,
        anyNodePassed: Object.values(results).some((r) => r.passed),
        nodeCount,
      });
      const progress = computeProgress(graph, results);
      tx.update(trajectory)
        .set({
          graphVerdict: verdict,
          category,
          progress: progress.score,
          matchedPath: path,
          scoredGraphVersionId: graphVersionId,
          scoredAt: now,
        })
        .where(eq(trajectory.id, t.id))
        .run();
      return category;
    }),
  );
}
