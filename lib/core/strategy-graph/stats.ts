/**
 * Per-graph numbers for the graph-growth charts (issue 3 › In the product: nodes / edges / path
 * count per iteration).
 */
import { indexGraph, isSentinelId, listGraphEdges } from '@/lib/core/strategy-graph/graph-index';
import { countPaths } from '@/lib/core/strategy-graph/progress';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';

export interface GraphStats {
  /** Real nodes (graph keys other than `"0"` / `"-1"`). */
  nodes: number;
  /** Distinct edges between two real nodes. */
  edges: number;
  /** Distinct edges from the source or to the sink (`"0" → start`, `end → "-1"`). */
  sentinelEdges: number;
  /** Source-to-sink paths, {@link countPaths} (float64; cycles handled as documented there). */
  pathCount: number;
  /** Real nodes whose `parent_node_id` includes `"0"`. */
  startNodes: number;
  /** Real nodes whose `child_node_id` includes `"-1"`. */
  endNodes: number;
}

/**
 * Counts for one graph version. Edges are the distinct `from → to` pairs named by either list
 * (a child list or the other end's parent list — see `listGraphEdges`), each counted once however
 * many lists name it; edges touching a dangling id are not counted. Edges are split in two (our
 * choice) so a chart can show either: `edges` between real nodes, `sentinelEdges` touching
 * `"0"` / `"-1"`; `edges + sentinelEdges` is the total. A linear path of n nodes has
 * `edges = n - 1`, `sentinelEdges = 2`, `pathCount = 1`. O(nodes + list entries). Never throws.
 */
export function computeGraphStats(graph: StrategyGraph): GraphStats {
  const index = indexGraph(graph);
  let edges = 0;
  let sentinelEdges = 0;
  for (const edge of listGraphEdges(graph)) {
    if (isSentinelId(edge.from) || isSentinelId(edge.to)) sentinelEdges++;
    else edges++;
  }
  return {
    nodes: index.ids.length,
    edges,
    sentinelEdges,
    pathCount: countPaths(graph),
    startNodes: index.starts.length,
    endNodes: index.isEnd.filter(Boolean).length,
  };
}
