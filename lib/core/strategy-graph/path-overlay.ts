/**
 * How a proposed path sits on a task's strategy graph (DESIGN.md › Graph expansion), for review:
 * which of its nodes the graph already has, which come from the shared node pool but are new to
 * this graph, which are brand new; the edges approving it would add; and where the path leaves the
 * existing graph and where it comes back. Framework-free and pure.
 *
 * The merge itself is `mergePath(graph, linearPath(ids))` (`merge.ts`); this module runs exactly
 * that on the path, with a placeholder id for each node that has no pool id yet, so what it reports
 * is what an approval would add.
 */
import { LABEL_MAX_CHARS, type CytoscapeElement } from '@/lib/core/strategy-graph/cytoscape';
import { edgeKey, type GraphEdge } from '@/lib/core/strategy-graph/graph-index';
import { linearPath, mergePath, normalizeDescription } from '@/lib/core/strategy-graph/merge';
import { SINK_ID, SOURCE_ID, type NodeId, type StrategyGraph } from '@/lib/core/strategy-graph/types';

/** One node of a proposed path as stored (`proposed_path.nodes`): `nodeId` set when a pool node is reused. */
export interface ProposedPathNodeInput {
  description: string;
  code: string;
  nodeId: NodeId | null;
}

/**
 * - `reused`: a pool node this graph already has;
 * - `pool`: a pool node (another task's) that is new to this graph;
 * - `new`: no pool node yet — approving creates one with the proposed label function.
 */
export const PATH_NODE_KINDS = ['reused', 'pool', 'new'] as const;
export type PathNodeKind = (typeof PATH_NODE_KINDS)[number];

export interface PathNodeOverlay {
  /** 0-based position in the proposed path. */
  position: number;
  /** The id to draw: the pool id, or a placeholder (see {@link placeholderId}) for a `new` node. */
  overlayId: NodeId;
  /** The pool id, null for `new` nodes. */
  nodeId: NodeId | null;
  description: string;
  kind: PathNodeKind;
}

/** A stretch of the path outside the existing graph: it leaves at `from` and comes back at `to`. */
export interface PathDetour {
  /** The last node of the existing graph before the stretch (`"0"` when the path starts new). */
  from: NodeId;
  /** The first node of the existing graph after it (`"-1"` when the path ends new). */
  to: NodeId;
  /** Overlay ids strictly between `from` and `to` (empty for a new edge between two existing nodes). */
  nodes: NodeId[];
}

export interface PathOverlay {
  /** One entry per proposed node, in path order. */
  nodes: PathNodeOverlay[];
  /** `["0", …overlay ids (consecutive repeats collapsed)…, "-1"]`: the walk as it would be merged. */
  walk: NodeId[];
  /** Overlay ids of the nodes approving would add to the graph (pool and new nodes), in walk order. */
  addedNodes: NodeId[];
  /** Edges approving would add (overlay ids, sentinel edges included), in walk order. */
  newEdges: GraphEdge[];
  /** Edges of the walk the graph already has. */
  sharedEdges: GraphEdge[];
  /** Every stretch of the walk outside the existing graph, in walk order. */
  detours: PathDetour[];
  /** Where the path first leaves the existing graph (`detours[0].from`); null when it adds nothing. */
  branchPoint: NodeId | null;
  /** Where it first comes back (`detours[0].to`); null when it adds nothing. */
  rejoinPoint: NodeId | null;
  /** True when approving would change nothing: every node and edge is already in the graph. */
  alreadyInGraph: boolean;
}

/** Prefix of the placeholder ids of `new` nodes. */
export const NEW_NODE_PREFIX = 'new:';

/**
 * The placeholder id of a `new` node first seen at `position`: `new:<position>`, or, should the
 * graph already have an entry of that name, `new:<position>:<n>` for the smallest free `n`.
 */
export function placeholderId(graph: StrategyGraph, position: number): NodeId {
  const base = `${NEW_NODE_PREFIX}${position}`;
  if (!Object.hasOwn(graph, base)) return base;
  let n = 1;
  while (Object.hasOwn(graph, `${base}:${n}`)) n++;
  return `${base}:${n}`;
}

/**
 * Overlays a proposed path on a task's graph.
 *
 * `graph` is the task's newest graph (`{}` when it has none yet); `path` the proposed nodes in
 * order (`[{description, code, nodeId|null}]`). A node is `reused` when its `nodeId` has an entry
 * in `graph`, `pool` when it has a `nodeId` the graph lacks, `new` when `nodeId` is null. `new`
 * nodes with the same description (case-insensitive, trimmed — the pool's rule) share one
 * placeholder, as the merge would create one pool node for both. Callers that want the merge's
 * reuse-by-description applied to `new` nodes resolve `nodeId` against the pool first.
 *
 * The walk is `linearPath`'s (consecutive repeats collapsed); added nodes and edges are
 * `mergePath`'s diff. A detour starts at the first node or edge of the walk the graph lacks: its
 * `from` is the walk's previous node (in the graph by construction) and its `to` the next walk node
 * the graph has (a sentinel at the latest). An empty path gives an empty walk and
 * `alreadyInGraph: true`. Pure; O(graph + path); never throws.
 *
 * @example
 *   graph 0 → 1 → 2 → -1, path [1, new "X", 2]
 *   → nodes [reused 1, new new:1, reused 2], newEdges [1 → new:1, new:1 → 2],
 *     branchPoint "1", rejoinPoint "2", detours [{from: "1", to: "2", nodes: ["new:1"]}]
 */
export function overlayProposedPath(
  graph: StrategyGraph,
  path: readonly ProposedPathNodeInput[],
): PathOverlay {
  const inGraph = (id: NodeId) => id === SOURCE_ID || id === SINK_ID || Object.hasOwn(graph, id);
  const placeholders = new Map<string, NodeId>();
  const nodes: PathNodeOverlay[] = path.map((node, position) => {
    if (node.nodeId !== null) {
      return {
        position,
        overlayId: node.nodeId,
        nodeId: node.nodeId,
        description: node.description,
        kind: inGraph(node.nodeId) ? 'reused' : 'pool',
      };
    }
    const key = normalizeDescription(node.description);
    let overlayId = placeholders.get(key);
    if (overlayId === undefined) {
      overlayId = placeholderId(graph, position);
      placeholders.set(key, overlayId);
    }
    return { position, overlayId, nodeId: null, description: node.description, kind: 'new' };
  });

  const ids = nodes.map((n) => n.overlayId);
  const { diff } = mergePath(graph, linearPath(ids));
  const added = new Set(diff.addedEdges.map((e) => edgeKey(e.from, e.to)));

  const walk: NodeId[] = [SOURCE_ID];
  for (const id of ids) if (walk[walk.length - 1] !== id) walk.push(id);
  walk.push(SINK_ID);
  if (ids.length === 0) walk.length = 0; // an empty path draws nothing

  const newEdges: GraphEdge[] = [];
  const sharedEdges: GraphEdge[] = [];
  const seenEdges = new Set<string>();
  for (let i = 0; i + 1 < walk.length; i++) {
    const edge = { from: walk[i]!, to: walk[i + 1]! };
    const key = edgeKey(edge.from, edge.to);
    if (seenEdges.has(key)) continue; // a repeated node walks an edge twice
    seenEdges.add(key);
    (added.has(key) ? newEdges : sharedEdges).push(edge);
  }

  const detours: PathDetour[] = [];
  let i = 1;
  while (i < walk.length) {
    const id = walk[i]!;
    const edgeIsNew = added.has(edgeKey(walk[i - 1]!, id));
    if (!edgeIsNew && inGraph(id)) {
      i++;
      continue;
    }
    const from = walk[i - 1]!;
    const between: NodeId[] = [];
    let j = i;
    while (j < walk.length && !inGraph(walk[j]!)) between.push(walk[j++]!);
    // `j` is the first walk node the graph has (the sink at the latest).
    detours.push({ from, to: walk[Math.min(j, walk.length - 1)]!, nodes: between });
    i = j + 1;
  }

  return {
    nodes,
    walk,
    addedNodes: walk.filter((id, k) => !inGraph(id) && walk.indexOf(id) === k),
    newEdges,
    sharedEdges,
    detours,
    branchPoint: detours[0]?.from ?? null,
    rejoinPoint: detours[0]?.to ?? null,
    alreadyInGraph: diff.addedNodes.length === 0 && diff.addedEdges.length === 0,
  };
}

/** Classes {@link applyPathOverlay} adds, for the graph canvas's stylesheet. */
export const PATH_OVERLAY_CLASSES = {
  /** Every node and edge the proposed path walks (sentinels included). */
  onPath: 'on-path',
  /** Nodes and edges of the graph the path does not walk (drawn faded). */
  offPath: 'off-path',
  reused: 'path-reused',
  pool: 'path-pool',
  new: 'path-new',
  /** Edges the merge would add. */
  newEdge: 'path-new-edge',
  branchPoint: 'branch-point',
  rejoinPoint: 'rejoin-point',
} as const;

/**
 * Draws a {@link PathOverlay} on elements built by `buildCytoscapeElements` for the same graph:
 * nodes the graph lacks (pool and new nodes) and the new edges are added, labelled from the
 * overlay's descriptions (cut like the builder's labels); every element gets the classes of
 * {@link PATH_OVERLAY_CLASSES}. Returns a new array; the input elements are copied, not mutated.
 * Pure; O(elements + path).
 */
export function applyPathOverlay(
  elements: readonly CytoscapeElement[],
  overlay: PathOverlay,
): CytoscapeElement[] {
  const C = PATH_OVERLAY_CLASSES;
  const onPathNodes = new Set(overlay.walk);
  const onPathEdges = new Set<string>();
  for (let i = 0; i + 1 < overlay.walk.length; i++)
    onPathEdges.add(edgeKey(overlay.walk[i]!, overlay.walk[i + 1]!));
  const kindOf = new Map<NodeId, PathNodeKind>();
  for (const node of overlay.nodes) if (!kindOf.has(node.overlayId)) kindOf.set(node.overlayId, node.kind);
  const withClasses = (classes: string, extra: string[]) => [classes, ...extra].filter(Boolean).join(' ');

  const nodeClasses = (id: NodeId): string[] => {
    const extra: string[] = [onPathNodes.has(id) ? C.onPath : C.offPath];
    const kind = kindOf.get(id);
    if (kind) extra.push(C[kind]);
    if (id === overlay.branchPoint) extra.push(C.branchPoint);
    if (id === overlay.rejoinPoint) extra.push(C.rejoinPoint);
    return extra;
  };

  const existingNodes: CytoscapeElement[] = [];
  const existingEdges: CytoscapeElement[] = [];
  const present = new Set<NodeId>();
  for (const el of elements) {
    if (el.group === 'nodes') {
      present.add(el.data.id);
      existingNodes.push({
        ...el,
        data: { ...el.data },
        classes: withClasses(el.classes, nodeClasses(el.data.id)),
      });
    } else {
      const onPath = onPathEdges.has(edgeKey(el.data.source, el.data.target));
      existingEdges.push({
        ...el,
        data: { ...el.data },
        classes: withClasses(el.classes, [onPath ? C.onPath : C.offPath]),
      });
    }
  }
  const addedNodes: CytoscapeElement[] = [];
  for (const node of overlay.nodes) {
    if (present.has(node.overlayId)) continue;
    present.add(node.overlayId);
    const flat = node.description.replace(/\s+/g, ' ').trim();
    addedNodes.push({
      group: 'nodes',
      data: {
        id: node.overlayId,
        label: flat.length <= LABEL_MAX_CHARS ? flat : `${flat.slice(0, LABEL_MAX_CHARS - 1)}…`,
        description: node.description,
        kind: 'node',
        status: null,
      },
      classes: nodeClasses(node.overlayId).join(' '),
    });
  }
  const addedEdges: CytoscapeElement[] = overlay.newEdges
    .filter((edge) => present.has(edge.from) && present.has(edge.to))
    .map((edge) => ({
      group: 'edges',
      data: { id: `e:${edgeKey(edge.from, edge.to)}`, source: edge.from, target: edge.to },
      classes: `${C.onPath} ${C.newEdge}`,
    }));
  // Nodes first (Cytoscape needs an edge's ends to exist), the sink stays among them.
  return [...existingNodes, ...addedNodes, ...existingEdges, ...addedEdges];
}
