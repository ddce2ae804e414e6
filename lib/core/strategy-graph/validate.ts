/**
 * Strategy-graph validation (issue 3 › Domain): reports, never throws. Cyclic graphs are legal —
 * they arise after merges (DESIGN.md › Graph verdict) — but are reported.
 */
import {
  indexGraph,
  isSentinelId,
  readEntries,
  walkDepthFirst,
  type GraphIndex,
} from '@/lib/core/strategy-graph/graph-index';
import { SINK_ID, SOURCE_ID, type NodeId, type StrategyGraph } from '@/lib/core/strategy-graph/types';

export type AdjacencyListName = 'parent_node_id' | 'child_node_id';

/** An id listed in `list` of entry `referencedBy` that has no entry of its own and is not a sentinel. */
export interface DanglingReference {
  id: NodeId;
  referencedBy: NodeId;
  list: AdjacencyListName;
}

/**
 * An edge only one side records: `from`'s `child_node_id` lists `to` but `to`'s `parent_node_id`
 * does not list `from` (`missing: 'parent_node_id'`), or the other way round
 * (`missing: 'child_node_id'`, `from`'s child list lacks `to`). Only checked when both ends have
 * an entry; a sentinel without an entry needs no back reference.
 */
export interface AsymmetricEdge {
  from: NodeId;
  to: NodeId;
  missing: AdjacencyListName;
}

/** A sentinel on the wrong side: `"0"` in entry `id`'s child list or `"-1"` in its parent list. */
export interface MisplacedSentinel {
  id: NodeId;
  sentinel: NodeId;
  list: AdjacencyListName;
}

export interface GraphValidationReport {
  /** True when nothing below is reported except cycles (which are legal). */
  isWellFormed: boolean;
  /**
   * One cycle per DFS back edge (see {@link validateGraph}), as the node list `[v, …, u]` where
   * each node's child list holds the next one and `u`'s holds `v` (a self-loop is `[v]`). Not every
   * elementary cycle — their number can grow exponentially — but every cyclic graph reports at
   * least one.
   */
  cycles: NodeId[][];
  danglingIds: DanglingReference[];
  asymmetricEdges: AsymmetricEdge[];
  misplacedSentinels: MisplacedSentinel[];
  /** Real nodes not reachable from the source (through start nodes and child lists), key order. */
  unreachableFromSource: NodeId[];
  /** Real nodes from which no end node can be reached through child lists, key order. */
  cannotReachSink: NodeId[];
  /** No real node lists `"0"` as a parent. */
  missingStartNode: boolean;
  /** No real node lists `"-1"` as a child. */
  missingEndNode: boolean;
}

/**
 * Cycles through child lists: a DFS over all real nodes — start nodes in key order first, then the
 * remaining nodes in key order — reports, for each back edge `u → v`, the DFS stack from `v` to `u`.
 */
function findCycles(index: GraphIndex): NodeId[][] {
  const stackPosition = new Int32Array(index.ids.length).fill(-1);
  const cycles: NodeId[][] = [];
  walkDepthFirst(index.children, [...index.starts, ...index.ids.map((_, i) => i)], {
    onEnter: (node, depth) => {
      stackPosition[node] = depth;
    },
    onEdge: (_node, child, kind, stack) => {
      if (kind === 'back')
        cycles.push(stack.slice(stackPosition[child]).map((position) => index.ids[position]!));
    },
    onExit: (node) => {
      stackPosition[node] = -1;
    },
  });
  return cycles;
}

/** Marks every node reachable from `seeds` along `adjacency`. */
function markReachable(seeds: readonly number[], adjacency: readonly (readonly number[])[]): Uint8Array {
  const marked = new Uint8Array(adjacency.length);
  const queue: number[] = [];
  for (const seed of seeds) {
    if (marked[seed] === 1) continue;
    marked[seed] = 1;
    queue.push(seed);
  }
  for (let head = 0; head < queue.length; head++) {
    for (const next of adjacency[queue[head]!]!) {
      if (marked[next] === 1) continue;
      marked[next] = 1;
      queue.push(next);
    }
  }
  return marked;
}

/**
 * Checks a strategy graph (the `key_nodes` object) and reports every problem found; never throws,
 * whatever the input (malformed lists read as empty).
 *
 * Reported (rules: issue 3 › Domain, DESIGN.md › Domain terms; the exact checks are our choice):
 * - `cycles`: through child lists, one per DFS back edge (see {@link GraphValidationReport.cycles});
 *   legal, so they do not affect `isWellFormed`;
 * - `danglingIds`: ids in any list of any entry (sentinel entries included) that are neither a
 *   key of the graph nor a sentinel; one report per (id, entry, list);
 * - `asymmetricEdges`: `a` lists `b` as a child but `b` has an entry not listing `a` as a parent,
 *   and vice versa; sentinel entries, when the file has them, are checked like any other;
 * - `misplacedSentinels`: `"0"` in a child list or `"-1"` in a parent list;
 * - `unreachableFromSource` / `cannotReachSink`: real nodes not on any source-to-sink walk;
 * - `missingStartNode` / `missingEndNode`: no start / end node (also true for an empty graph).
 *
 * Lists are in graph key order, then list order. O(nodes + list entries) plus the size of the
 * reported cycles.
 */
export function validateGraph(graph: StrategyGraph): GraphValidationReport {
  const entries = readEntries(graph);
  const index = indexGraph(graph);
  const keys = new Set(entries.map(([id]) => id));
  const parentSets = new Map<NodeId, Set<NodeId>>();
  const childSets = new Map<NodeId, Set<NodeId>>();
  for (const [id, parents, children] of entries) {
    parentSets.set(id, new Set(parents));
    childSets.set(id, new Set(children));
  }

  const danglingIds: DanglingReference[] = [];
  const asymmetricEdges: AsymmetricEdge[] = [];
  const misplacedSentinels: MisplacedSentinel[] = [];
  const seenDangling = new Set<string>();
  const seenAsymmetric = new Set<string>();
  const checkDangling = (id: NodeId, referencedBy: NodeId, list: AdjacencyListName) => {
    if (isSentinelId(id) || keys.has(id)) return;
    const key = JSON.stringify([id, referencedBy, list]);
    if (seenDangling.has(key)) return;
    seenDangling.add(key);
    danglingIds.push({ id, referencedBy, list });
  };
  const reportAsymmetric = (edge: AsymmetricEdge) => {
    const key = JSON.stringify([edge.from, edge.to, edge.missing]);
    if (seenAsymmetric.has(key)) return;
    seenAsymmetric.add(key);
    asymmetricEdges.push(edge);
  };

  for (const [id, parents, children] of entries) {
    for (const child of children) {
      checkDangling(child, id, 'child_node_id');
      if (child === SOURCE_ID) misplacedSentinels.push({ id, sentinel: SOURCE_ID, list: 'child_node_id' });
      if (keys.has(child) && !parentSets.get(child)!.has(id)) {
        reportAsymmetric({ from: id, to: child, missing: 'parent_node_id' });
      }
    }
    for (const parent of parents) {
      checkDangling(parent, id, 'parent_node_id');
      if (parent === SINK_ID) misplacedSentinels.push({ id, sentinel: SINK_ID, list: 'parent_node_id' });
      if (keys.has(parent) && !childSets.get(parent)!.has(id)) {
        reportAsymmetric({ from: parent, to: id, missing: 'child_node_id' });
      }
    }
  }

  const forward = markReachable(index.starts, index.children);
  const reverse: number[][] = index.children.map(() => []);
  index.children.forEach((list, from) => list.forEach((to) => reverse[to]!.push(from)));
  const ends = index.ids.flatMap((_, i) => (index.isEnd[i] ? [i] : []));
  const backward = markReachable(ends, reverse);
  const unreachableFromSource = index.ids.filter((_, i) => forward[i] !== 1);
  const cannotReachSink = index.ids.filter((_, i) => backward[i] !== 1);

  const cycles = findCycles(index);
  const missingStartNode = index.starts.length === 0;
  const missingEndNode = ends.length === 0;
  const isWellFormed =
    danglingIds.length === 0 &&
    asymmetricEdges.length === 0 &&
    misplacedSentinels.length === 0 &&
    unreachableFromSource.length === 0 &&
    cannotReachSink.length === 0 &&
    !missingStartNode &&
    !missingEndNode;
  return {
    isWellFormed,
    cycles,
    danglingIds,
    asymmetricEdges,
    misplacedSentinels,
    unreachableFromSource,
    cannotReachSink,
    missingStartNode,
    missingEndNode,
  };
}
