/**
 * Strategy graphs and the node pool in the database: versions of a task's graph, the pool nodes
 * they use with their current label-function versions, and per-trajectory node results.
 * Graph semantics (verdict, categories, progress, merge) live in `lib/core/strategy-graph`.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { NodeStatus } from '@/lib/core/strategy-graph/cytoscape';
import { computeProgress } from '@/lib/core/strategy-graph/progress';
import { computeGraphStats } from '@/lib/core/strategy-graph/stats';
import type { NodeResult, StrategyGraph } from '@/lib/core/strategy-graph/types';
import { validateGraph } from '@/lib/core/strategy-graph/validate';
import { categorize, computeVerdict } from '@/lib/core/strategy-graph/verdict';
import { SINK_ID, SOURCE_ID } from '@/lib/core/strategy-graph/types';
import type { Db } from '@/server/db/client';
import {
  labelFunctionVersion,
  lfResult,
  poolNode,
  strategyGraphVersion,
  trajectory,
  type GraphDiff,
} from '@/server/db/schema';

/** Real (non-sentinel) node ids of a graph, including ids that appear only in adjacency lists. */
export function graphNodeIds(graph: StrategyGraph): string[] {
  const ids = new Set<string>();
  for (const [id, adj] of Object.entries(graph)) {
    ids.add(id);
    for (const other of [...adj.parent_node_id, ...adj.child_node_id]) ids.add(other);
  }
  ids.delete(SOURCE_ID);
  ids.delete(SINK_ID);
  return [...ids];
}

/** The newest graph version of a task, or undefined when the task has no graph yet. */
export function getLatestGraphVersion(db: Db, taskId: string) {
  return db
    .select()
    .from(strategyGraphVersion)
    .where(eq(strategyGraphVersion.taskId, taskId))
    .orderBy(desc(strategyGraphVersion.version))
    .get();
}

/**
 * The newest graph of every task that has one, by task id (task id order). One query over all
 * versions; callers use it to find where nodes are used.
 */
export function getNewestGraphs(db: Db): Map<string, StrategyGraph> {
  const rows = db
    .select({ taskId: strategyGraphVersion.taskId, graph: strategyGraphVersion.graph })
    .from(strategyGraphVersion)
    .orderBy(asc(strategyGraphVersion.taskId), asc(strategyGraphVersion.version))
    .all();
  return new Map(rows.map((r) => [r.taskId, r.graph]));
}

/**
 * Adds a graph version (the next number) for a task. Call inside a transaction.
 * @returns the new version's id and number.
 */
export function addGraphVersion(
  db: Db,
  params: {
    taskId: string;
    graph: StrategyGraph;
    diff: GraphDiff;
    reason: 'init' | 'import' | 'merge' | 'edit';
    createdBy: string;
    iterationId: number | null;
    sourceTrajectoryId?: string | null;
  },
): { id: string; version: number } {
  const latest = getLatestGraphVersion(db, params.taskId);
  const id = randomUUID();
  const version = (latest?.version ?? 0) + 1;
  db.insert(strategyGraphVersion)
    .values({
      id,
      taskId: params.taskId,
      version,
      graph: params.graph,
      diff: params.diff,
      reason: params.reason,
      createdBy: params.createdBy,
      iterationId: params.iterationId,
      sourceTrajectoryId: params.sourceTrajectoryId ?? null,
    })
    .run();
  return { id, version };
}

/** Pool nodes by id with their current label-function version (code and number). */
export function getPoolNodes(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select({
      id: poolNode.id,
      description: poolNode.description,
      lfVersionId: labelFunctionVersion.id,
      lfVersion: labelFunctionVersion.version,
      code: labelFunctionVersion.code,
      author: labelFunctionVersion.author,
    })
    .from(poolNode)
    .leftJoin(labelFunctionVersion, eq(labelFunctionVersion.id, poolNode.currentVersionId))
    .where(inArray(poolNode.id, ids))
    .orderBy(asc(poolNode.id))
    .all();
}

/**
 * A task's graph at `version` (default: the newest) with every version's summary and the pool
 * nodes it uses. @throws DomainError NOT_FOUND when the task has no such version.
 */
export function getTaskGraph(db: Db, taskId: string, version?: number) {
  const versions = db
    .select({
      id: strategyGraphVersion.id,
      version: strategyGraphVersion.version,
      reason: strategyGraphVersion.reason,
      diff: strategyGraphVersion.diff,
      createdBy: strategyGraphVersion.createdBy,
      createdAt: strategyGraphVersion.createdAt,
      iterationId: strategyGraphVersion.iterationId,
      sourceTrajectoryId: strategyGraphVersion.sourceTrajectoryId,
    })
    .from(strategyGraphVersion)
    .where(eq(strategyGraphVersion.taskId, taskId))
    .orderBy(asc(strategyGraphVersion.version))
    .all();
  if (versions.length === 0) return { versions, current: null, nodes: [] };
  const wanted = version ?? versions[versions.length - 1]!.version;
  const row = db
    .select()
    .from(strategyGraphVersion)
    .where(and(eq(strategyGraphVersion.taskId, taskId), eq(strategyGraphVersion.version, wanted)))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Task ${taskId} has no graph version ${wanted}`);
  return {
    versions,
    current: { id: row.id, version: row.version, graph: row.graph, diff: row.diff, reason: row.reason },
    nodes: getPoolNodes(db, graphNodeIds(row.graph)),
  };
}

/**
 * The stored results of the given label-function versions on one trajectory, by node id.
 * Used to colour a graph for a selected trajectory.
 */
export function getTrajectoryNodeResults(db: Db, trajectoryId: string, lfVersionIds: string[]) {
  if (lfVersionIds.length === 0) return [];
  return db
    .select({
      nodeId: lfResult.nodeId,
      lfVersionId: lfResult.lfVersionId,
      result: lfResult.result,
      outcome: lfResult.outcome,
      evidenceStep: lfResult.evidenceStep,
      error: lfResult.error,
      durationMs: lfResult.durationMs,
    })
    .from(lfResult)
    .where(and(eq(lfResult.trajectoryId, trajectoryId), inArray(lfResult.lfVersionId, lfVersionIds)))
    .all();
}

/**
 * A node's label-function results across a task's trajectories for one LF version: pass rate and
 * the trajectories it passed and failed on (with outcome and evidence step).
 */
export function getNodeResultsForTask(db: Db, taskId: string, lfVersionId: string) {
  const rows = db
    .select({
      trajectoryId: lfResult.trajectoryId,
      externalId: trajectory.externalId,
      kind: trajectory.kind,
      result: lfResult.result,
      outcome: lfResult.outcome,
      evidenceStep: lfResult.evidenceStep,
      error: lfResult.error,
    })
    .from(lfResult)
    .innerJoin(trajectory, eq(trajectory.id, lfResult.trajectoryId))
    .where(and(eq(trajectory.taskId, taskId), eq(lfResult.lfVersionId, lfVersionId)))
    .orderBy(asc(trajectory.kind), asc(trajectory.externalId))
    .all();
  const passed = rows.filter((r) => r.result === true).length;
  return { rows, passed, total: rows.length, passRate: rows.length ? passed / rows.length : null };
}

/** Number of tasks that have a strategy graph. */
export function countTasksWithGraphs(db: Db): number {
  return (
    db
      .select({ n: sql<number>`count(distinct ${strategyGraphVersion.taskId})` })
      .from(strategyGraphVersion)
      .get()?.n ?? 0
  );
}

/**
 * A task's graph at `version` prepared for display: validation report, stats, pool nodes, and —
 * when `trajectoryId` is given — each node's result on that trajectory (current LF versions),
 * the verdict and matched path against this version, and the progress score.
 */
export function getGraphView(
  db: Db,
  params: { taskId: string; version?: number; trajectoryId?: string | null },
) {
  const base = getTaskGraph(db, params.taskId, params.version);
  if (!base.current) return { ...base, validation: null, stats: null, trajectory: null };
  const graph = base.current.graph;
  const validation = validateGraph(graph);
  const stats = computeGraphStats(graph);
  if (!params.trajectoryId) return { ...base, validation, stats, trajectory: null };

  const traj = db
    .select({ id: trajectory.id, taskId: trajectory.taskId, envSuccess: trajectory.envSuccess })
    .from(trajectory)
    .where(eq(trajectory.id, params.trajectoryId))
    .get();
  if (!traj || traj.taskId !== params.taskId) {
    throw new DomainError('NOT_FOUND', `Trajectory ${params.trajectoryId} is not one of this task's`);
  }
  const versionIds = base.nodes.map((n) => n.lfVersionId).filter((v): v is string => v !== null);
  const rows = getTrajectoryNodeResults(db, traj.id, versionIds);
  const results: Record<string, NodeResult> = {};
  const status: Record<string, NodeStatus> = {};
  for (const r of rows) {
    results[r.nodeId] = { passed: r.result === true, evidenceStep: r.evidenceStep };
    status[r.nodeId] = r.outcome !== 'ok' ? 'error' : r.result ? 'passed' : 'failed';
  }
  const { verdict, path } = computeVerdict(graph, results);
  const category = categorize({
    verdict,
    envSuccess: traj.envSuccess,
    anyNodePassed: rows.some((r) => r.result === true),
    nodeCount: graphNodeIds(graph).length,
  });
  return {
    ...base,
    validation,
    stats,
    trajectory: {
      id: traj.id,
      scored: rows.length > 0,
      nodeResults: rows,
      status,
      verdict,
      category,
      matchedPath: path,
      progress: computeProgress(graph, results),
    },
  };
}

/** A node of a task's graph: description, current label function, and its results on the task. */
export function getGraphNodeDetail(db: Db, taskId: string, nodeId: string) {
  const [node] = getPoolNodes(db, [nodeId]);
  if (!node) throw new DomainError('NOT_FOUND', `Node ${nodeId} is not in the pool`);
  const results = node.lfVersionId ? getNodeResultsForTask(db, taskId, node.lfVersionId) : null;
  return { ...node, results };
}
