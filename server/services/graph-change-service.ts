/**
 * Changes to strategy graphs and label functions made inside the product — merging an approved
 * path into a task's graph (DESIGN.md › Graph expansion) and saving a new label-function version —
 * with what they imply: a new graph version, graph-verdict metrics snapshots before and after each
 * merge (DESIGN.md › Label-function quality), an audit entry, and the tasks to rescore.
 *
 * Rescoring itself is the `score` job (`scoring-service.ts`): it evaluates only the (trajectory,
 * label-function version) pairs with no stored result — after a merge the new nodes, after an LF
 * edit the new version — and recomputes verdicts of the affected tasks from stored results. When
 * it has scored a task whose newest graph version came from a merge, it writes that merge's
 * `after` snapshots ({@link recordAfterMergeSnapshots}).
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { computeConfusionMetrics, type ConfusionMetrics } from '@/lib/core/metrics';
import { getNextNodeId, linearPath, mergePath, type GraphDiff } from '@/lib/core/strategy-graph/merge';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';
import { inTransaction, type Db } from '@/server/db/client';
import {
  auditLog,
  labelFunctionVersion,
  metricsSnapshot,
  poolNode,
  task,
  trajectory,
} from '@/server/db/schema';
import {
  addGraphVersion,
  getLatestGraphVersion,
  getNewestGraphs,
  graphNodeIds,
} from '@/server/services/graph-service';
import {
  addLabelFunctionVersion,
  descriptionKey,
  findPoolNodeByDescription,
} from '@/server/services/label-function-service';

/** Who made a change: a user (id and label) or a machine actor (`userId` null, label e.g. `cli`). */
export interface ChangeActor {
  userId: string | null;
  label: string;
}

/** One node of a path to merge: an existing pool node (`nodeId`), or a description with new code. */
export interface PathNodeDraft {
  description: string;
  code: string;
  /** Reuse this pool node as it is (its own description and code win). */
  nodeId: string | null;
}

export interface MergeOutcome {
  /** False when the path was already in the graph: no version is created. */
  changed: boolean;
  graphVersionId: string;
  version: number;
  diff: GraphDiff;
  /** Pool ids along the path, in order. */
  nodeIds: string[];
  createdNodeIds: string[];
}

/**
 * The graph-verdict metrics of DESIGN.md › Label-function quality: over (task, rollout) pairs with a
 * known environment verdict and a stored graph verdict, TP/TN/FP/FN and rates
 * (`computeConfusionMetrics`). Expert demos are left out (the reference computes over rollouts).
 * `taskId` undefined = all tasks.
 */
export function computeRolloutMetrics(db: Db, taskId?: string): ConfusionMetrics & { pairs: number } {
  const rows = db
    .select({ verdict: trajectory.graphVerdict, envSuccess: trajectory.envSuccess })
    .from(trajectory)
    .where(and(eq(trajectory.kind, 'rollout'), taskId ? eq(trajectory.taskId, taskId) : undefined))
    .all()
    .filter((r) => r.verdict !== null && r.envSuccess !== null);
  return {
    ...computeConfusionMetrics(rows.map((r) => ({ verdict: r.verdict === true, envSuccess: r.envSuccess }))),
    pairs: rows.length,
  };
}

function insertSnapshots(
  db: Db,
  params: { taskId: string; graphVersionId: string; type: 'before' | 'after'; iterationId: number | null },
): void {
  const time = new Date().toISOString();
  for (const scope of [params.taskId, null]) {
    const { pairs, ...metrics } = computeRolloutMetrics(db, scope ?? undefined);
    db.insert(metricsSnapshot)
      .values({
        id: randomUUID(),
        taskId: scope,
        graphVersionId: params.graphVersionId,
        type: params.type,
        time,
        metrics: { ...metrics, pairs },
        record: null,
        iterationId: params.iterationId,
      })
      .run();
  }
}

/** The id for the next new pool node (`getNextNodeId`: largest numeric pool id + 1). */
function nextPoolNodeId(db: Db): number {
  const ids = db.select({ id: poolNode.id }).from(poolNode).all();
  return Number(getNextNodeId(ids.map((r) => ({ id: r.id, description: '', label_function: '' }))));
}

/**
 * Resolves path drafts to pool ids, in order (DESIGN.md › Graph expansion: reuse nodes whose
 * description matches case-insensitively, create the rest). A draft with `nodeId` uses that node.
 * Created nodes get the next numeric pool id and a first LF version authored by `actor.label`.
 * Call inside a transaction. `label` names the drafts in errors (e.g. `nodes`).
 * @throws DomainError NOT_FOUND for an unknown `nodeId`; BAD_INPUT for a blank description / code.
 */
export function resolvePathNodes(
  tx: Db,
  drafts: readonly PathNodeDraft[],
  params: { actor: ChangeActor; iterationId: number | null; label?: string },
): { nodeIds: string[]; createdNodeIds: string[] } {
  const label = params.label ?? 'nodes';
  const nodeIds: string[] = [];
  const createdNodeIds: string[] = [];
  let nextId: number | null = null; // read once, on the first node created, then counted up
  for (const [i, draft] of drafts.entries()) {
    if (draft.nodeId !== null) {
      const existing = tx
        .select({ id: poolNode.id })
        .from(poolNode)
        .where(eq(poolNode.id, draft.nodeId))
        .get();
      if (!existing) {
        throw new DomainError('NOT_FOUND', `${label}[${i}].nodeId: pool node ${draft.nodeId} not found`);
      }
      nodeIds.push(existing.id);
      continue;
    }
    if (!draft.description.trim()) throw new DomainError('BAD_INPUT', `${label}[${i}].description is empty`);
    const reused = findPoolNodeByDescription(tx, draft.description);
    if (reused) {
      nodeIds.push(reused.id);
      continue;
    }
    if (!draft.code.trim()) throw new DomainError('BAD_INPUT', `${label}[${i}].code is empty`);
    nextId ??= nextPoolNodeId(tx);
    const id = String(nextId++);
    tx.insert(poolNode)
      .values({
        id,
        description: draft.description.trim(),
        descriptionKey: descriptionKey(draft.description),
        createdBy: params.actor.label,
        iterationId: params.iterationId,
      })
      .run();
    addLabelFunctionVersion(tx, {
      nodeId: id,
      code: draft.code,
      author: params.actor.label,
      reason: 'created',
    });
    nodeIds.push(id);
    createdNodeIds.push(id);
  }
  return { nodeIds, createdNodeIds };
}

/**
 * Merges a linear path `"0" → nodes… → "-1"` into a task's newest graph (DESIGN.md › Graph
 * expansion: nodes resolved by {@link resolvePathNodes}; union of parent/child lists) and records a
 * new graph version (reason `merge`), in one transaction. A task without a graph gets the path as
 * version 1 (reason `init`). Writes `before` metrics snapshots (per task and overall,
 * {@link computeRolloutMetrics}) tied to the new version; the rescoring job writes the `after` ones.
 * @returns the outcome; `changed: false` (and the current version) when the path added nothing.
 * @throws DomainError NOT_FOUND for an unknown task or `nodeId`; BAD_INPUT for an empty path or a
 *   blank description / code.
 */
export function mergePathIntoTask(
  db: Db,
  params: {
    taskId: string;
    nodes: PathNodeDraft[];
    sourceTrajectoryId: string | null;
    actor: ChangeActor;
    iterationId: number | null;
  },
): MergeOutcome {
  if (params.nodes.length === 0) throw new DomainError('BAD_INPUT', 'A path needs at least one node');
  return inTransaction(db, (tx) => {
    const taskRow = tx.select({ id: task.id }).from(task).where(eq(task.id, params.taskId)).get();
    if (!taskRow) throw new DomainError('NOT_FOUND', `Task ${params.taskId} not found`);
    const { nodeIds, createdNodeIds } = resolvePathNodes(tx, params.nodes, params);

    const latest = getLatestGraphVersion(tx, params.taskId);
    const { graph, diff } = mergePath(latest?.graph ?? {}, linearPath(nodeIds));
    if (latest && diff.addedNodes.length === 0 && diff.addedEdges.length === 0) {
      return {
        changed: false,
        graphVersionId: latest.id,
        version: latest.version,
        diff,
        nodeIds,
        createdNodeIds,
      };
    }
    const created = addGraphVersion(tx, {
      taskId: params.taskId,
      graph,
      diff,
      reason: latest ? 'merge' : 'init',
      createdBy: params.actor.label,
      iterationId: params.iterationId,
      sourceTrajectoryId: params.sourceTrajectoryId,
    });
    if (latest) {
      insertSnapshots(tx, {
        taskId: params.taskId,
        graphVersionId: created.id,
        type: 'before',
        iterationId: params.iterationId,
      });
    }
    tx.insert(auditLog)
      .values({
        userId: params.actor.userId,
        actor: params.actor.label,
        action: latest ? 'graph.merge' : 'graph.init',
        objectType: 'strategy_graph',
        objectId: params.taskId,
        before: latest ? { version: latest.version } : null,
        after: { version: created.version, diff, nodeIds, createdNodeIds },
      })
      .run();
    return {
      changed: true,
      graphVersionId: created.id,
      version: created.version,
      diff,
      nodeIds,
      createdNodeIds,
    };
  });
}

/**
 * Graph initialisation (issue 4 › stage 4): the union of one linear path per expert demo becomes
 * version 1 of a task's graph (reason `init`). Paths with no nodes are skipped. Call inside a
 * transaction (the caller stores the key steps with it).
 * @returns the version and each path's pool ids (in path order), or null when every path was empty.
 * @throws DomainError CONFLICT when the task already has a graph; as {@link resolvePathNodes}.
 */
export function initTaskGraph(
  tx: Db,
  params: { taskId: string; paths: PathNodeDraft[][]; actor: ChangeActor; iterationId: number | null },
): { graphVersionId: string; version: number; pathNodeIds: string[][]; createdNodeIds: string[] } | null {
  if (getLatestGraphVersion(tx, params.taskId)) {
    throw new DomainError('CONFLICT', `Task ${params.taskId} already has a strategy graph`);
  }
  let graph: StrategyGraph = {};
  const pathNodeIds: string[][] = [];
  const createdNodeIds: string[] = [];
  for (const [i, drafts] of params.paths.entries()) {
    const resolved = resolvePathNodes(tx, drafts, { ...params, label: `paths[${i}]` });
    pathNodeIds.push(resolved.nodeIds);
    createdNodeIds.push(...resolved.createdNodeIds);
    if (resolved.nodeIds.length > 0) graph = mergePath(graph, linearPath(resolved.nodeIds)).graph;
  }
  if (Object.keys(graph).length === 0) return null;
  const diff = mergePath({}, graph).diff;
  const created = addGraphVersion(tx, {
    taskId: params.taskId,
    graph,
    diff,
    reason: 'init',
    createdBy: params.actor.label,
    iterationId: params.iterationId,
  });
  tx.insert(auditLog)
    .values({
      userId: params.actor.userId,
      actor: params.actor.label,
      action: 'graph.init',
      objectType: 'strategy_graph',
      objectId: params.taskId,
      after: { version: created.version, pathNodeIds, createdNodeIds },
    })
    .run();
  return { graphVersionId: created.id, version: created.version, pathNodeIds, createdNodeIds };
}

/**
 * Writes the `after` snapshots (per task and overall) of the merge that created the task's newest
 * graph version, once that version has been scored — when its `before` snapshot exists and no
 * `after` does. Called by the scoring job after it recomputed the task's verdicts.
 * @returns whether snapshots were written.
 */
export function recordAfterMergeSnapshots(db: Db, taskId: string): boolean {
  const latest = getLatestGraphVersion(db, taskId);
  if (!latest || latest.reason !== 'merge') return false;
  const existing = db
    .select({ type: metricsSnapshot.type })
    .from(metricsSnapshot)
    .where(and(eq(metricsSnapshot.graphVersionId, latest.id), eq(metricsSnapshot.taskId, taskId)))
    .all();
  if (!existing.some((s) => s.type === 'before') || existing.some((s) => s.type === 'after')) return false;
  inTransaction(db, (tx) =>
    insertSnapshots(tx, {
      taskId,
      graphVersionId: latest.id,
      type: 'after',
      iterationId: latest.iterationId,
    }),
  );
  return true;
}

/** Tasks whose newest graph version uses `nodeId` (the tasks an LF edit affects). */
export function tasksUsingNode(db: Db, nodeId: string): string[] {
  return [...getNewestGraphs(db)]
    .filter(([, graph]) => graphNodeIds(graph).includes(nodeId))
    .map(([id]) => id);
}

/**
 * Saves a new version of a node's label function and makes it current (versions are never edited).
 * `basedOnVersionId` is the version the editor started from: a save based on an older version is
 * refused rather than silently overwriting someone else's edit.
 * @returns the new version and the tasks to rescore (those whose newest graph uses the node).
 * @throws DomainError NOT_FOUND (node), CONFLICT (stale base, or code unchanged), BAD_INPUT (blank code).
 */
export function saveLabelFunctionVersion(
  db: Db,
  params: {
    nodeId: string;
    code: string;
    basedOnVersionId: string | null;
    reason: string | null;
    actor: ChangeActor;
  },
): { lfVersionId: string; version: number; affectedTaskIds: string[] } {
  if (!params.code.trim()) throw new DomainError('BAD_INPUT', 'code: a label function cannot be empty');
  return inTransaction(db, (tx) => {
    const node = tx.select().from(poolNode).where(eq(poolNode.id, params.nodeId)).get();
    if (!node) throw new DomainError('NOT_FOUND', `Pool node ${params.nodeId} not found`);
    if (node.currentVersionId !== params.basedOnVersionId) {
      throw new DomainError(
        'CONFLICT',
        `Node ${params.nodeId}'s label function changed since you opened it; reload to see the current version`,
      );
    }
    const current = node.currentVersionId
      ? tx
          .select({ code: labelFunctionVersion.code, version: labelFunctionVersion.version })
          .from(labelFunctionVersion)
          .where(eq(labelFunctionVersion.id, node.currentVersionId))
          .get()
      : undefined;
    if (current?.code === params.code)
      throw new DomainError('CONFLICT', 'The code is unchanged; nothing to save');
    const created = addLabelFunctionVersion(tx, {
      nodeId: params.nodeId,
      code: params.code,
      author: params.actor.label,
      reason: params.reason,
    });
    tx.insert(auditLog)
      .values({
        userId: params.actor.userId,
        actor: params.actor.label,
        action: 'label_function.save',
        objectType: 'pool_node',
        objectId: params.nodeId,
        before: current ? { version: current.version, code: current.code } : null,
        after: { version: created.version, code: params.code, reason: params.reason },
      })
      .run();
    return {
      lfVersionId: created.id,
      version: created.version,
      affectedTaskIds: tasksUsingNode(tx, params.nodeId),
    };
  });
}

/** Snapshots of one task (or overall when `taskId` is null), oldest first. */
export function listMetricsSnapshots(db: Db, taskId: string | null) {
  return db
    .select()
    .from(metricsSnapshot)
    .where(taskId ? eq(metricsSnapshot.taskId, taskId) : isNull(metricsSnapshot.taskId))
    .orderBy(metricsSnapshot.createdAt)
    .all();
}
