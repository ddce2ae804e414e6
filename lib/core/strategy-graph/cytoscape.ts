/**
 * Cytoscape element definitions for a strategy graph (STYLE.md §9: the elements come from a pure
 * function in `lib/core`; the component owns only viewport and gestures). Plain objects — no
 * cytoscape import — so this runs in tests and on the server.
 */
import { edgeKey, isSentinelId, listGraphEdges, readEntries } from '@/lib/core/strategy-graph/graph-index';
import type { GraphDiff } from '@/lib/core/strategy-graph/merge';
import {
  SINK_ID,
  SOURCE_ID,
  type NodeId,
  type PoolNode,
  type StrategyGraph,
} from '@/lib/core/strategy-graph/types';

/** A node's outcome on the selected trajectory; `error` = the LF raised, timed out or crashed. */
export const NODE_STATUSES = ['passed', 'failed', 'error', 'unknown'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** `start` / `end` are the sentinels; `dangling` an id some list names but that has no entry. */
export type CytoscapeNodeKind = 'start' | 'end' | 'node' | 'dangling';

export interface CytoscapeNodeData {
  /** The node id (`"0"` for start, `"-1"` for end). */
  id: string;
  /** Short text to draw: the description cut to {@link LABEL_MAX_CHARS}, `start` / `end`, or `#id`. */
  label: string;
  /** The full pool description; null for sentinels and ids not in the pool. */
  description: string | null;
  kind: CytoscapeNodeKind;
  /** The status given for this node; null when no status map was given or for sentinels. */
  status: NodeStatus | null;
}

export interface CytoscapeEdgeData {
  /** `e:` + JSON `[from, to]` — never equal to a node id. */
  id: string;
  source: string;
  target: string;
}

export interface CytoscapeNodeElement {
  group: 'nodes';
  data: CytoscapeNodeData;
  /** Space-separated classes, see {@link buildCytoscapeElements}. */
  classes: string;
}

export interface CytoscapeEdgeElement {
  group: 'edges';
  data: CytoscapeEdgeData;
  classes: string;
}

export type CytoscapeElement = CytoscapeNodeElement | CytoscapeEdgeElement;

/** Labels longer than this are cut with an ellipsis (our choice: fits a 200 px node at 11 px). */
export const LABEL_MAX_CHARS = 48;

export interface BuildCytoscapeElementsParams {
  graph: StrategyGraph;
  /** The node pool, for descriptions; nodes missing from it are labelled `#id`. */
  pool?: readonly PoolNode[];
  /** Per-node status on the selected trajectory; nodes of the graph missing from it get `unknown`. */
  status?: Readonly<Record<NodeId, NodeStatus>>;
  /** The matched path (real ids, as `computeVerdict` returns it); the sentinel edges around it are matched too. */
  matchedPath?: readonly NodeId[] | null;
  /** What a given version added (`mergePath`'s diff) — those nodes and edges get `added`. */
  added?: Partial<GraphDiff> | null;
}

function cutLabel(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= LABEL_MAX_CHARS ? flat : `${flat.slice(0, LABEL_MAX_CHARS - 1)}…`;
}

/**
 * Builds Cytoscape element definitions (`{ group, data, classes }`) for a strategy graph: nodes
 * first (start sentinel, real nodes in graph key order, dangling ids, end sentinel), then the
 * edges of `listGraphEdges` (union of child and parent lists, sentinel edges included).
 *
 * Classes (for the stylesheet):
 * - `sentinel` plus `start` or `end` on `"0"` / `"-1"` — always present, drawn as start / end
 *   (issue 3 › In the product);
 * - `dangling` on an id a list names but that has no entry (shown, so the problem is visible);
 * - one of `passed` / `failed` / `error` / `unknown` on real nodes when `status` is given;
 * - `matched` on the nodes of `matchedPath`, the edges between consecutive ones, `"0" → first`,
 *   `last → "-1"` and both sentinels;
 * - `added` on the nodes and edges of `added`.
 * Pure; O(nodes + edges); never throws on a malformed graph (lists read defensively).
 */
export function buildCytoscapeElements(params: BuildCytoscapeElementsParams): CytoscapeElement[] {
  const { graph, status } = params;
  const descriptions = new Map<NodeId, string>();
  for (const node of params.pool ?? []) {
    if (!descriptions.has(node.id)) descriptions.set(node.id, node.description);
  }
  const entries = readEntries(graph);
  const realIds = entries.map(([id]) => id).filter((id) => !isSentinelId(id));
  const known = new Set<NodeId>(realIds);
  const dangling: NodeId[] = [];
  const danglingSet = new Set<NodeId>();
  for (const [, parents, children] of entries) {
    for (const id of [...parents, ...children]) {
      if (isSentinelId(id) || known.has(id) || danglingSet.has(id)) continue;
      danglingSet.add(id);
      dangling.push(id);
    }
  }

  const path = params.matchedPath ?? [];
  const matchedNodes = new Set<NodeId>(path.length > 0 ? [SOURCE_ID, ...path, SINK_ID] : []);
  const matchedEdges = new Set<string>();
  if (path.length > 0) {
    const full = [SOURCE_ID, ...path, SINK_ID];
    for (let i = 0; i + 1 < full.length; i++) matchedEdges.add(edgeKey(full[i]!, full[i + 1]!));
  }
  const addedNodes = new Set<NodeId>(params.added?.addedNodes ?? []);
  const addedEdges = new Set<string>((params.added?.addedEdges ?? []).map((e) => edgeKey(e.from, e.to)));

  const nodeClasses = (id: NodeId, base: string[]): string => {
    const classes = [...base];
    if (matchedNodes.has(id)) classes.push('matched');
    if (addedNodes.has(id)) classes.push('added');
    return classes.join(' ');
  };
  const elements: CytoscapeElement[] = [];
  const pushSentinel = (id: NodeId, kind: 'start' | 'end') =>
    elements.push({
      group: 'nodes',
      data: { id, label: kind, description: null, kind, status: null },
      classes: nodeClasses(id, ['sentinel', kind]),
    });

  pushSentinel(SOURCE_ID, 'start');
  for (const id of realIds) {
    const description = descriptions.get(id) ?? null;
    const nodeStatus: NodeStatus | null = status
      ? Object.hasOwn(status, id)
        ? (status[id] ?? 'unknown')
        : 'unknown'
      : null;
    elements.push({
      group: 'nodes',
      data: {
        id,
        label: description === null ? `#${id}` : cutLabel(description),
        description,
        kind: 'node',
        status: nodeStatus,
      },
      classes: nodeClasses(id, nodeStatus ? [nodeStatus] : []),
    });
  }
  for (const id of dangling) {
    elements.push({
      group: 'nodes',
      data: {
        id,
        label: `#${id}`,
        description: descriptions.get(id) ?? null,
        kind: 'dangling',
        status: null,
      },
      classes: nodeClasses(id, ['dangling']),
    });
  }
  pushSentinel(SINK_ID, 'end');

  const withDangling = new Set<NodeId>([...known, ...dangling, SOURCE_ID, SINK_ID]);
  const edges = listGraphEdges(graph);
  const listed = new Set(edges.map((e) => edgeKey(e.from, e.to)));
  // listGraphEdges leaves out edges to dangling ids; draw those too so the problem is visible.
  for (const [id, parents, children] of entries) {
    for (const child of children) {
      if (danglingSet.has(child) && !listed.has(edgeKey(id, child))) {
        listed.add(edgeKey(id, child));
        edges.push({ from: id, to: child });
      }
    }
    for (const parent of parents) {
      if (danglingSet.has(parent) && !listed.has(edgeKey(parent, id))) {
        listed.add(edgeKey(parent, id));
        edges.push({ from: parent, to: id });
      }
    }
  }
  for (const edge of edges) {
    if (!withDangling.has(edge.from) || !withDangling.has(edge.to)) continue;
    const key = edgeKey(edge.from, edge.to);
    const classes: string[] = [];
    if (matchedEdges.has(key)) classes.push('matched');
    if (addedEdges.has(key)) classes.push('added');
    elements.push({
      group: 'edges',
      data: { id: `e:${key}`, source: edge.from, target: edge.to },
      classes: classes.join(' '),
    });
  }
  return elements;
}
