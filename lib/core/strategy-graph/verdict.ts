/**
 * The CORE graph verdict and the trajectory categories (DESIGN.md › Semantics › Graph verdict,
 * › Categories). Pure and framework-free.
 */
import type { Category } from '@/lib/core/types';
import { indexGraph, type GraphIndex } from '@/lib/core/strategy-graph/graph-index';
import type { NodeId, NodeResult, StrategyGraph } from '@/lib/core/strategy-graph/types';

/** Per-node outcomes of one trajectory: a {@link NodeResult} or a bare pass/fail boolean. */
export type NodeResults = Readonly<Record<NodeId, NodeResult | boolean>>;

export interface VerdictResult {
  /** True iff some start-to-end path consists only of passing nodes. */
  verdict: boolean;
  /** The matched path (real node ids, start node first, end node last); null when `verdict` is false. */
  path: NodeId[] | null;
}

/**
 * Whether `results` says node `id` passed. A missing entry, `false`, or a {@link NodeResult} with
 * `passed: false` (which is how an exception, timeout or non-bool return is recorded) is a fail —
 * DESIGN.md › Graph verdict ("an exception counts as False"). Own properties only, so an id such as
 * `"constructor"` never reads `Object.prototype`.
 */
export function isNodePassed(results: NodeResults, id: NodeId): boolean {
  if (!Object.hasOwn(results, id)) return false;
  const result = results[id];
  if (typeof result === 'boolean') return result;
  return result?.passed === true;
}

/**
 * The graph verdict on an already built {@link GraphIndex}, for scoring many trajectories against
 * one graph. `isPassed(i)` tells whether the node at position `i` passed. Same rules and path order
 * as {@link computeVerdict}. O(nodes + edges) per call.
 */
export function computeVerdictOnIndex(
  index: GraphIndex,
  isPassed: (position: number) => boolean,
): VerdictResult {
  const n = index.ids.length;
  const visited = new Uint8Array(n);
  const stackNode: number[] = [];
  const stackNext: number[] = [];
  for (const start of index.starts) {
    if (visited[start] === 1) continue;
    visited[start] = 1;
    if (!isPassed(start)) continue;
    stackNode.push(start);
    stackNext.push(0);
    while (stackNode.length > 0) {
      const top = stackNode.length - 1;
      const node = stackNode[top]!;
      const next = stackNext[top]!;
      if (next === 0 && index.isEnd[node]) {
        return { verdict: true, path: stackNode.map((position) => index.ids[position]!) };
      }
      const list = index.children[node]!;
      if (next < list.length) {
        stackNext[top] = next + 1;
        const child = list[next]!;
        if (visited[child] === 1) continue;
        visited[child] = 1;
        if (!isPassed(child)) continue;
        stackNode.push(child);
        stackNext.push(0);
      } else {
        stackNode.pop();
        stackNext.pop();
      }
    }
  }
  return { verdict: false, path: null };
}

/**
 * The CORE graph verdict — DESIGN.md › Semantics › Graph verdict, exactly as the reference
 * pipeline: a node whose `parent_node_id` includes `"0"` is a start node, one whose
 * `child_node_id` includes `"-1"` an end node; the verdict is true iff some path from a start node
 * to an end node consists only of passing nodes. A missing result or a failed / raised LF is a fail
 * ({@link isNodePassed}). A node that is both a start and an end node is a path on its own.
 *
 * Search (order is our choice, fixed so the reported path is deterministic): depth-first, start
 * nodes in graph key order (JavaScript property order: integer-like ids ascending, then the others
 * in insertion order), children in `child_node_id` list order, one visited set shared by the whole
 * search, so cycles terminate and every node is expanded at most once. The first end node reached
 * (the first passing end node in DFS pre-order) ends the search and the DFS stack at that moment is
 * the reported path: a simple path (no repeated node) of passing nodes. Children that are
 * sentinels or dangling ids (no entry) are skipped. Iterative; O(nodes + edges).
 *
 * @param graph the task's `key_nodes` object.
 * @param results per node id, a {@link NodeResult} or a boolean; ids not in the graph are ignored.
 * @returns `{ verdict, path }` with `path` null iff `verdict` is false. Never throws.
 */
export function computeVerdict(graph: StrategyGraph, results: NodeResults): VerdictResult {
  const index = indexGraph(graph);
  return computeVerdictOnIndex(index, (position) => isNodePassed(results, index.ids[position]!));
}

export interface CategorizeParams {
  /** The graph verdict. */
  verdict: boolean;
  /** The environment's own verdict; null when unknown. */
  envSuccess: boolean | null;
  /** Whether at least one real node of the graph passed on this trajectory. */
  anyNodePassed: boolean;
  /** Number of real nodes in the graph (sentinels excluded). */
  nodeCount: number;
}

/**
 * The trajectory category — DESIGN.md › Semantics › Categories:
 * - `fully_passed`: the graph verdict is true (whatever the environment says);
 * - `partially_passed`: the environment says success (`envSuccess === true`), the verdict is
 *   false, and at least one node passed — that last condition is dropped when the graph has at most
 *   one node (`nodeCount <= 1`);
 * - `failed`: everything else, including an unknown environment verdict (`null`) with a false
 *   graph verdict.
 * Never throws.
 */
export function categorize(params: CategorizeParams): Category {
  if (params.verdict) return 'fully_passed';
  if (params.envSuccess === true && (params.anyNodePassed || params.nodeCount <= 1))
    return 'partially_passed';
  return 'failed';
}
