/**
 * A compact, integer-indexed view of a {@link StrategyGraph}, shared by the verdict, the progress
 * score, path counting, validation and statistics. Building it is O(nodes + list entries); every
 * algorithm on it is linear or near-linear, none lists paths.
 *
 * Semantics follow DESIGN.md › Domain terms / › Semantics (Graph verdict) — the reference
 * pipeline's reading of `key_nodes`:
 * - the real nodes are the graph's keys other than the sentinels `"0"` / `"-1"`, in graph key
 *   order (JavaScript property order: integer-like ids ascending, then other ids in insertion
 *   order — `JSON.parse` already orders a file's keys this way);
 * - a real node is a start node iff its `parent_node_id` list contains `"0"`, an end node iff its
 *   `child_node_id` list contains `"-1"`;
 * - edges between real nodes are read from the `child_node_id` lists only (the verdict traverses
 *   child lists). Parent lists are used for the start-node rule and checked against child lists by
 *   {@link validateGraph}.
 *
 * Ids listed but without an entry ("dangling", see `validate.ts`) are left out: such an id has no
 * child list, so it can never be on a source-to-sink path and dropping it changes no verdict.
 */
import { SINK_ID, SOURCE_ID, type NodeId, type StrategyGraph } from '@/lib/core/strategy-graph/types';

export interface GraphIndex {
  /** Real node ids (sentinels excluded) in graph key order. Position `i` is node `ids[i]`. */
  readonly ids: readonly NodeId[];
  /** Node id → position in {@link ids}. */
  readonly positions: ReadonlyMap<NodeId, number>;
  /**
   * `children[i]`: positions of the real children of node `i`, in `child_node_id` list order,
   * without duplicates; sentinels and dangling ids are left out.
   */
  readonly children: readonly (readonly number[])[];
  /** `isStart[i]`: node `i`'s `parent_node_id` contains `"0"`. */
  readonly isStart: readonly boolean[];
  /** `isEnd[i]`: node `i`'s `child_node_id` contains `"-1"`. */
  readonly isEnd: readonly boolean[];
  /** Positions of the start nodes, in graph key order. */
  readonly starts: readonly number[];
}

/** True for the virtual source `"0"` and sink `"-1"`. */
export function isSentinelId(id: NodeId): boolean {
  return id === SOURCE_ID || id === SINK_ID;
}

/**
 * An adjacency list as an array of string ids whatever the input held: a missing or non-array list
 * reads as `[]`, numbers become strings, other values are skipped. Our choice, so that the
 * functions documented as "never throws" (validation, statistics) hold on hand-edited data that
 * bypassed the parsers of `lib/core/core-format`.
 */
export function readIdList(list: unknown): NodeId[] {
  if (!Array.isArray(list)) return [];
  const out: NodeId[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(item);
    else if (typeof item === 'number') out.push(String(item));
  }
  return out;
}

/** The entries of a graph as `[id, parents, children]`, in key order, read defensively. */
export function readEntries(graph: StrategyGraph): [NodeId, NodeId[], NodeId[]][] {
  if (typeof graph !== 'object' || graph === null) return [];
  return Object.entries(graph).map(([id, entry]) => {
    const adjacency = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<
      Record<'parent_node_id' | 'child_node_id', unknown>
    >;
    return [id, readIdList(adjacency.parent_node_id), readIdList(adjacency.child_node_id)];
  });
}

/**
 * Builds the {@link GraphIndex} of `graph`. O(nodes + list entries). Never throws (malformed
 * lists read as empty, see {@link readIdList}).
 */
export function indexGraph(graph: StrategyGraph): GraphIndex {
  const entries = readEntries(graph).filter(([id]) => !isSentinelId(id));
  const ids = entries.map(([id]) => id);
  const positions = new Map<NodeId, number>();
  ids.forEach((id, i) => positions.set(id, i));
  const children: number[][] = [];
  const isStart: boolean[] = [];
  const isEnd: boolean[] = [];
  const starts: number[] = [];
  entries.forEach(([, parentIds, childIds], i) => {
    const start = parentIds.includes(SOURCE_ID);
    isStart.push(start);
    if (start) starts.push(i);
    isEnd.push(childIds.includes(SINK_ID));
    const seen = new Set<number>();
    const list: number[] = [];
    for (const childId of childIds) {
      const position = positions.get(childId);
      if (position !== undefined && !seen.has(position)) {
        seen.add(position);
        list.push(position);
      }
    }
    children.push(list);
  });
  return { ids, positions, children, isStart, isEnd, starts };
}

/** The acyclic part of a graph seen from the source; see {@link buildSourceDag}. */
export interface SourceDag {
  /** `reached[i]`: node `i` is reachable from the source through start nodes and child lists. */
  readonly reached: readonly boolean[];
  /** Reached nodes in topological order of the DAG (reverse DFS post-order). */
  readonly topologicalOrder: readonly number[];
  /** `children[i]`: node `i`'s children minus the dropped back edges (list order kept). */
  readonly children: readonly (readonly number[])[];
  /** `parents[i]`: the reverse of {@link children}, in discovery order. */
  readonly parents: readonly (readonly number[])[];
  /** The dropped back edges `[from, to]` (positions), in discovery order; empty for a DAG. */
  readonly backEdges: readonly (readonly [number, number])[];
}

/**
 * The DAG left after dropping the DFS back edges, seen from the source. Our choice for cycles in
 * the progress score and the path count (DESIGN.md only says cycles arise after merges): a
 * depth-first search from the source — start nodes in graph key order, children in list order —
 * classifies every edge it meets; edges to a node still on the DFS stack (back edges, including
 * self-loops) close a cycle and are dropped. What remains is acyclic, contains every edge of an
 * acyclic graph, and keeps every node reachable from the source reachable. On a cyclic graph,
 * paths that need a dropped edge are not counted; which edge is dropped depends on the (fixed) DFS
 * order. Iterative, so deep graphs cannot overflow the call stack. O(nodes + edges).
 */
export function buildSourceDag(index: GraphIndex): SourceDag {
  const reached = new Array<boolean>(index.ids.length).fill(false);
  const children: number[][] = index.children.map(() => []);
  const parents: number[][] = index.children.map(() => []);
  const backEdges: [number, number][] = [];
  const postOrder: number[] = [];
  walkDepthFirst(index.children, index.starts, {
    onEnter: (node) => {
      reached[node] = true;
    },
    onEdge: (node, child, kind) => {
      if (kind === 'back') {
        backEdges.push([node, child]);
        return;
      }
      children[node]!.push(child);
      parents[child]!.push(node);
    },
    onExit: (node) => postOrder.push(node),
  });
  return { reached, topologicalOrder: postOrder.reverse(), children, parents, backEdges };
}

/** How a depth-first search met an edge: to a new node, to a node on the stack, or to a finished one. */
export type DfsEdgeKind = 'tree' | 'back' | 'other';

export interface DfsVisitor {
  /** A node is pushed; `depth` is its position on the DFS stack. */
  onEnter?: (node: number, depth: number) => void;
  /** Every edge met, in order; `stack` is the current DFS path (positions), ending with `node`. */
  onEdge?: (node: number, child: number, kind: DfsEdgeKind, stack: readonly number[]) => void;
  /** A node is popped (post-order). */
  onExit?: (node: number) => void;
}

/**
 * Iterative depth-first search over `children` (positions) from `roots` in order, children in list
 * order, each node entered once; deep graphs cannot overflow the call stack. O(nodes + edges).
 * Shared by {@link buildSourceDag} (back edges dropped) and cycle detection in `validate.ts`.
 */
export function walkDepthFirst(
  children: readonly (readonly number[])[],
  roots: Iterable<number>,
  visitor: DfsVisitor,
): void {
  const state = new Uint8Array(children.length); // 0 new, 1 on stack, 2 done
  const stackNode: number[] = [];
  const stackNext: number[] = [];
  const enter = (node: number) => {
    state[node] = 1;
    visitor.onEnter?.(node, stackNode.length);
    stackNode.push(node);
    stackNext.push(0);
  };
  for (const root of roots) {
    if (state[root] !== 0) continue;
    enter(root);
    while (stackNode.length > 0) {
      const top = stackNode.length - 1;
      const node = stackNode[top]!;
      const next = stackNext[top]!;
      const list = children[node]!;
      if (next < list.length) {
        stackNext[top] = next + 1;
        const child = list[next]!;
        const kind: DfsEdgeKind = state[child] === 0 ? 'tree' : state[child] === 1 ? 'back' : 'other';
        visitor.onEdge?.(node, child, kind, stackNode);
        if (kind === 'tree') enter(child);
      } else {
        state[node] = 2;
        visitor.onExit?.(node);
        stackNode.pop();
        stackNext.pop();
      }
    }
  }
}

/** One directed edge between two ids (sentinels included). */
export interface GraphEdge {
  from: NodeId;
  to: NodeId;
}

/**
 * The distinct edges of a graph, sentinel edges included, for drawing and statistics: `a → b` is an
 * edge when `a`'s `child_node_id` lists `b` or `b`'s `parent_node_id` lists `a` (the union, so an
 * asymmetric edge — see `validate.ts` — still shows), and both ends exist (have an entry or are a
 * sentinel). Order: by entry in key order, its child-list edges first, then the edges only its
 * parent list names. Our choice: drawing the union shows what the file says; the verdict itself
 * reads child lists only. Never throws.
 */
export function listGraphEdges(graph: StrategyGraph): GraphEdge[] {
  const entries = readEntries(graph);
  const exists = new Set<NodeId>(entries.map(([id]) => id));
  exists.add(SOURCE_ID);
  exists.add(SINK_ID);
  const seen = new Set<string>();
  const edges: GraphEdge[] = [];
  const add = (from: NodeId, to: NodeId) => {
    if (!exists.has(from) || !exists.has(to)) return;
    const key = edgeKey(from, to);
    if (seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to });
  };
  for (const [id, parentIds, childIds] of entries) {
    for (const child of childIds) add(id, child);
    for (const parent of parentIds) add(parent, id);
  }
  return edges;
}

/** A collision-free string key for the edge `from → to` (ids may contain any character). */
export function edgeKey(from: NodeId, to: NodeId): string {
  return JSON.stringify([from, to]);
}
