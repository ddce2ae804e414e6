/**
 * Node-pool helpers and graph expansion (DESIGN.md › Semantics › Graph expansion; › Domain terms:
 * the shared node pool is deduplicated by case-insensitive description). Pure: inputs are never
 * mutated, new values are returned.
 */
import { edgeKey, isSentinelId, readEntries, type GraphEdge } from '@/lib/core/strategy-graph/graph-index';
import {
  SINK_ID,
  SOURCE_ID,
  type GraphAdjacency,
  type NodeId,
  type PoolNode,
  type StrategyGraph,
} from '@/lib/core/strategy-graph/types';

/**
 * The form under which descriptions are compared: trimmed and lower-cased (`String#toLowerCase`,
 * locale-independent). DESIGN.md › Domain terms says case-insensitive; trimming is our choice (a
 * model's trailing space is not a new key step). Inner whitespace is kept as is.
 */
export function normalizeDescription(description: string): string {
  return description.trim().toLowerCase();
}

/**
 * The first pool node (pool order) whose description equals `description` case-insensitively,
 * after trimming both ({@link normalizeDescription}); null when none does. O(pool).
 */
export function findPoolNodeByDescription(pool: readonly PoolNode[], description: string): PoolNode | null {
  const wanted = normalizeDescription(description);
  return pool.find((node) => normalizeDescription(node.description) === wanted) ?? null;
}

const NUMERIC_ID = /^\d+$/;

/**
 * Sets an own entry, also for an id such as `"__proto__"` (plain assignment would change the
 * object's prototype instead).
 */
function setEntry(graph: StrategyGraph, id: NodeId, entry: GraphAdjacency): void {
  Object.defineProperty(graph, id, { value: entry, enumerable: true, writable: true, configurable: true });
}

/**
 * The id for the next new pool node: the largest numeric id in the pool plus one, as a string —
 * the reference pipeline's numeric string ids (DESIGN.md › Formats: ids such as `"7"`). Ids that
 * are not all digits are ignored; an empty pool gives `"1"` (`"0"` is the source). O(pool).
 */
export function getNextNodeId(pool: readonly PoolNode[]): NodeId {
  let max = 0;
  for (const node of pool) {
    if (NUMERIC_ID.test(node.id)) max = Math.max(max, Number(node.id));
  }
  return String(max + 1);
}

/** A key step with its synthesised label function, before it has a pool id. */
export interface NodeDraft {
  description: string;
  label_function: string;
}

export interface ReuseOrCreateResult {
  /** One id per draft, in draft order. */
  ids: NodeId[];
  /** The new pool: the input pool followed by the created nodes. */
  pool: PoolNode[];
  /** The nodes created, in draft order. */
  created: PoolNode[];
}

/**
 * Maps key-step drafts to pool ids — DESIGN.md › Graph expansion: "reuse existing nodes whose
 * description matches case-insensitively, create the rest". A reused node keeps its own
 * description and label function (the draft's code is dropped). A created node gets the id
 * {@link getNextNodeId} (max numeric id + 1, then counting up) and the draft's fields; two drafts
 * with the same description in one call share one new node. The input pool is not mutated.
 * O(pool + drafts).
 */
export function reuseOrCreateNodes(
  pool: readonly PoolNode[],
  drafts: readonly NodeDraft[],
): ReuseOrCreateResult {
  const byDescription = new Map<string, PoolNode>();
  for (const node of pool) {
    const key = normalizeDescription(node.description);
    if (!byDescription.has(key)) byDescription.set(key, node);
  }
  let nextId = Number(getNextNodeId(pool));
  const created: PoolNode[] = [];
  const ids = drafts.map((draft) => {
    const key = normalizeDescription(draft.description);
    const existing = byDescription.get(key);
    if (existing) return existing.id;
    const node: PoolNode = {
      id: String(nextId++),
      description: draft.description,
      label_function: draft.label_function,
    };
    byDescription.set(key, node);
    created.push(node);
    return node.id;
  });
  return { ids, pool: [...pool, ...created], created };
}

/**
 * The linear path `"0" → ids[0] → … → ids[n-1] → "-1"` as a `key_nodes` object (DESIGN.md › Graph
 * expansion): `ids[0]` has parent `"0"`, the last has child `"-1"`. Sentinel entries are not
 * written (the reference form). Our choices: consecutive repeats of one id are collapsed (a
 * self-loop adds no path), a non-consecutive repeat is kept and makes a cycle (reported by
 * `validateGraph`); sentinel ids inside `ids` are skipped; an empty list gives `{}`.
 */
export function linearPath(ids: readonly NodeId[]): StrategyGraph {
  const sequence: NodeId[] = [];
  for (const id of ids) {
    if (isSentinelId(id) || sequence[sequence.length - 1] === id) continue;
    sequence.push(id);
  }
  const graph: StrategyGraph = {};
  const entry = (id: NodeId): GraphAdjacency => {
    if (!Object.hasOwn(graph, id)) setEntry(graph, id, { parent_node_id: [], child_node_id: [] });
    return graph[id]!;
  };
  sequence.forEach((id, i) => {
    const parent = i === 0 ? SOURCE_ID : sequence[i - 1]!;
    const child = i === sequence.length - 1 ? SINK_ID : sequence[i + 1]!;
    const node = entry(id);
    if (!node.parent_node_id.includes(parent)) node.parent_node_id.push(parent);
    if (!node.child_node_id.includes(child)) node.child_node_id.push(child);
  });
  return graph;
}

/** What a merge changed. */
export interface GraphDiff {
  /** Ids that had no entry before (sentinels excluded), in `path` key order. */
  addedNodes: NodeId[];
  /**
   * Edges (sentinel edges included) recorded in neither list before — `a → b` exists when `a`'s
   * child list has `b` or `b`'s parent list has `a` — in `path` key order, child edges first.
   */
  addedEdges: GraphEdge[];
}

export interface MergeResult {
  graph: StrategyGraph;
  diff: GraphDiff;
}

function appendMissing(target: NodeId[], values: readonly NodeId[]): void {
  const present = new Set(target);
  for (const value of values) {
    if (present.has(value)) continue;
    present.add(value);
    target.push(value);
  }
}

/**
 * Merges a path (any `key_nodes` object, typically {@link linearPath}) into a graph — DESIGN.md ›
 * Graph expansion: "union of parent/child lists". Returns a NEW graph (the inputs are not
 * mutated; every list is copied) and the {@link GraphDiff}. Unions are order-stable: a node's
 * existing list keeps its order, then the path's new ids follow in path order, without duplicates
 * (duplicates already in the graph are kept as they were). Nodes new to the graph are appended.
 * Fields other than the two lists on an existing entry are kept. Merging a path already in the
 * graph returns an equal graph and an empty diff. O(graph + path).
 */
export function mergePath(graph: StrategyGraph, path: StrategyGraph): MergeResult {
  const merged: StrategyGraph = {};
  const oldEdges = new Set<string>();
  for (const [id, entry] of Object.entries(graph)) {
    setEntry(merged, id, {
      ...entry,
      parent_node_id: [...entry.parent_node_id],
      child_node_id: [...entry.child_node_id],
    });
  }
  for (const [id, parents, children] of readEntries(graph)) {
    for (const child of children) oldEdges.add(edgeKey(id, child));
    for (const parent of parents) oldEdges.add(edgeKey(parent, id));
  }

  const addedNodes: NodeId[] = [];
  const addedEdges: GraphEdge[] = [];
  const addEdge = (from: NodeId, to: NodeId) => {
    const key = edgeKey(from, to);
    if (oldEdges.has(key)) return;
    oldEdges.add(key);
    addedEdges.push({ from, to });
  };
  for (const [id, parents, children] of readEntries(path)) {
    let target = Object.hasOwn(merged, id) ? merged[id] : undefined;
    if (!target) {
      target = { parent_node_id: [], child_node_id: [] };
      setEntry(merged, id, target);
      if (!isSentinelId(id)) addedNodes.push(id);
    }
    appendMissing(target.parent_node_id, parents);
    appendMissing(target.child_node_id, children);
    for (const child of children) addEdge(id, child);
    for (const parent of parents) addEdge(parent, id);
  }
  return { graph: merged, diff: { addedNodes, addedEdges } };
}
