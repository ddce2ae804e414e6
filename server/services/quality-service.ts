/**
 * Label-function quality for PIs and graph growth for researchers (issue 3 › In the product).
 *
 * Quality: the graph verdict against the environment verdict (TP/TN/FP/FN, accuracy, precision,
 * recall, F1 — `lib/core/metrics.ts`) overall, per task and per iteration, over scored rollouts
 * whose environment verdict is known; the before/after snapshots of each merge; per label function (current versions), how its runs ended and the
 * flags "passes on everything", "passes on nothing", "errors".
 *
 * Growth: per iteration, for each task the newest graph version created in or before it, counted
 * as nodes / edges / paths (by DP, `computeGraphStats`), plus trajectory categories per iteration.
 */
import { and, asc, count, eq, isNotNull, sql } from 'drizzle-orm';
import {
  computeConfusionMetrics,
  DEFAULT_FLAG_MIN_RUNS,
  flagLabelFunctions,
  type LfRunCounts,
} from '@/lib/core/metrics';
import { computeGraphStats } from '@/lib/core/strategy-graph/stats';
import type { Category } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import { getNewestGraphs, graphNodeIds } from '@/server/services/graph-service';
import {
  iteration,
  labelFunctionVersion,
  lfResult,
  metricsSnapshot,
  poolNode,
  strategyGraphVersion,
  task,
  trajectory,
} from '@/server/db/schema';

/**
 * Quality figures for the PI page. `minRuns`: label functions with fewer runs get no flags
 * (default {@link DEFAULT_FLAG_MIN_RUNS}).
 */
export function getLabelFunctionQuality(db: Db, options: { minRuns?: number } = {}) {
  const pairs = db
    .select({
      taskId: trajectory.taskId,
      iterationId: trajectory.iterationId,
      externalId: task.externalId,
      intent: task.intent,
      verdict: trajectory.graphVerdict,
      envSuccess: trajectory.envSuccess,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    // DESIGN.md › Label-function quality: over (task, rollout) pairs — expert demos are left out.
    .where(and(isNotNull(trajectory.graphVerdict), eq(trajectory.kind, 'rollout')))
    .all();
  const known = pairs.filter((p) => p.envSuccess !== null);
  const byTask = new Map<string, typeof pairs>();
  for (const p of pairs) byTask.set(p.taskId, [...(byTask.get(p.taskId) ?? []), p]);
  const perTask = [...byTask.entries()].map(([taskId, rows]) => ({
    taskId,
    externalId: rows[0]!.externalId,
    intent: rows[0]!.intent,
    scored: rows.length,
    withEnvVerdict: rows.filter((r) => r.envSuccess !== null).length,
    metrics: computeConfusionMetrics(
      rows.map((r) => ({ verdict: r.verdict === true, envSuccess: r.envSuccess })),
    ),
  }));

  const runs = db
    .select({
      nodeId: poolNode.id,
      description: poolNode.description,
      version: labelFunctionVersion.version,
      passed: sql<number>`sum(case when ${lfResult.outcome} = 'ok' and ${lfResult.result} = 1 then 1 else 0 end)`,
      failed: sql<number>`sum(case when ${lfResult.outcome} = 'ok' and ${lfResult.result} = 0 then 1 else 0 end)`,
      errored: sql<number>`sum(case when ${lfResult.outcome} <> 'ok' then 1 else 0 end)`,
    })
    .from(poolNode)
    .innerJoin(labelFunctionVersion, eq(labelFunctionVersion.id, poolNode.currentVersionId))
    .innerJoin(lfResult, eq(lfResult.lfVersionId, labelFunctionVersion.id))
    .groupBy(poolNode.id)
    .all();
  const counts: Record<string, LfRunCounts> = Object.fromEntries(
    runs.map((r) => [r.nodeId, { passed: r.passed, failed: r.failed, errored: r.errored }]),
  );
  const minRuns = options.minRuns ?? DEFAULT_FLAG_MIN_RUNS;
  const flags = new Map(flagLabelFunctions(counts, { minRuns }).map((f) => [f.id, f]));
  // Where each node is used (tasks whose newest graph holds it), so a row links to its evidence.
  const newest = getNewestGraphs(db);
  const tasksByNode = new Map<string, string[]>();
  for (const [taskId, graph] of newest) {
    for (const nodeId of graphNodeIds(graph))
      tasksByNode.set(nodeId, [...(tasksByNode.get(nodeId) ?? []), taskId]);
  }
  const perLabelFunction = runs.map((r) => ({
    ...r,
    ...flags.get(r.nodeId)!,
    taskIds: tasksByNode.get(r.nodeId) ?? [],
  }));

  const snapshots = db
    .select({
      id: metricsSnapshot.id,
      time: metricsSnapshot.time,
      type: metricsSnapshot.type,
      metrics: metricsSnapshot.metrics,
      taskId: metricsSnapshot.taskId,
      externalId: task.externalId,
      graphVersion: strategyGraphVersion.version,
    })
    .from(metricsSnapshot)
    .leftJoin(task, eq(task.id, metricsSnapshot.taskId))
    .leftJoin(strategyGraphVersion, eq(strategyGraphVersion.id, metricsSnapshot.graphVersionId))
    .orderBy(asc(metricsSnapshot.createdAt), sql`${metricsSnapshot}.rowid`)
    .all();

  const byIteration = new Map<number | null, typeof known>();
  for (const p of known) byIteration.set(p.iterationId, [...(byIteration.get(p.iterationId) ?? []), p]);
  const perIteration = [...byIteration.entries()]
    .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
    .map(([iterationId, rows]) => ({
      iterationId,
      pairs: rows.length,
      metrics: computeConfusionMetrics(
        rows.map((r) => ({ verdict: r.verdict === true, envSuccess: r.envSuccess })),
      ),
    }));

  return {
    overall: {
      scored: pairs.length,
      withEnvVerdict: known.length,
      metrics: computeConfusionMetrics(
        known.map((p) => ({ verdict: p.verdict === true, envSuccess: p.envSuccess })),
      ),
    },
    perTask,
    perIteration,
    perLabelFunction,
    minRuns,
    snapshots,
  };
}

export function getGraphGrowth(db: Db, taskId?: string) {
  const iterations = db
    .select({ id: iteration.id })
    .from(iteration)
    .orderBy(asc(iteration.id))
    .all()
    .map((i) => i.id);
  const versions = db
    .select({
      taskId: strategyGraphVersion.taskId,
      version: strategyGraphVersion.version,
      iterationId: strategyGraphVersion.iterationId,
      graph: strategyGraphVersion.graph,
    })
    .from(strategyGraphVersion)
    .where(taskId ? eq(strategyGraphVersion.taskId, taskId) : undefined)
    .orderBy(asc(strategyGraphVersion.taskId), asc(strategyGraphVersion.version))
    .all();
  const statsByVersion = new Map(
    versions.map((v) => [`${v.taskId}:${v.version}`, computeGraphStats(v.graph)]),
  );
  const graphs = iterations.map((it) => {
    const latest = new Map<string, (typeof versions)[number]>();
    for (const v of versions) if ((v.iterationId ?? 0) <= it) latest.set(v.taskId, v);
    let nodes = 0;
    let edges = 0;
    let paths = 0;
    for (const v of latest.values()) {
      const s = statsByVersion.get(`${v.taskId}:${v.version}`)!;
      nodes += s.nodes;
      edges += s.edges;
      paths += s.pathCount;
    }
    return { iteration: it, tasksWithGraphs: latest.size, nodes, edges, paths };
  });
  const categoryRows = db
    .select({ iterationId: trajectory.iterationId, category: trajectory.category, n: count() })
    .from(trajectory)
    .where(and(isNotNull(trajectory.category), taskId ? eq(trajectory.taskId, taskId) : undefined))
    .groupBy(trajectory.iterationId, trajectory.category)
    .all();
  const categories = iterations.map((it) => {
    const row: Record<Category, number> & { iteration: number } = {
      iteration: it,
      fully_passed: 0,
      partially_passed: 0,
      failed: 0,
    };
    for (const c of categoryRows) if (c.iterationId === it && c.category) row[c.category] += c.n;
    return row;
  });
  return { graphs, categories };
}
