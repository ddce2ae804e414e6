import { describe, expect, it } from 'vitest';

import {
  buildGraphFromPaths,
  createDiamondChain,
  createLinearGraph,
  createMergedGraph,
} from '@/lib/core/strategy-graph/sample-graphs';
import { computeGraphStats } from '@/lib/core/strategy-graph/stats';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';

describe('computeGraphStats', () => {
  it('counts a linear path of n nodes as n - 1 edges, 2 sentinel edges, 1 path', () => {
    expect(computeGraphStats(createLinearGraph(5))).toEqual({
      nodes: 5,
      edges: 4,
      sentinelEdges: 2,
      pathCount: 1,
      startNodes: 1,
      endNodes: 1,
    });
  });

  it('counts an empty graph as zeros', () => {
    expect(computeGraphStats({})).toEqual({
      nodes: 0,
      edges: 0,
      sentinelEdges: 0,
      pathCount: 0,
      startNodes: 0,
      endNodes: 0,
    });
  });

  it('counts merged branches, several start and end nodes', () => {
    const graph = buildGraphFromPaths([
      ['1', '2', '4'],
      ['1', '3', '4'],
      ['5', '4', '6'],
    ]);
    expect(computeGraphStats(graph)).toEqual({
      nodes: 6,
      edges: 6, // 1→2, 1→3, 2→4, 3→4, 5→4, 4→6
      sentinelEdges: 4, // 0→1, 0→5, 4→-1, 6→-1
      pathCount: 6, // {1→2, 1→3, 5} × {4, 4→6}
      startNodes: 2,
      endNodes: 2,
    });
  });

  it('counts each edge once, whether both lists or only one names it; ignores sentinel entries and dangling ids', () => {
    const graph: StrategyGraph = {
      0: { parent_node_id: [], child_node_id: ['1'] },
      1: { parent_node_id: ['0'], child_node_id: ['2', '2', '99'] },
      2: { parent_node_id: ['1', '3'], child_node_id: ['-1'] }, // 3 → 2 only named here
      3: { parent_node_id: ['0'], child_node_id: [] },
    };
    expect(computeGraphStats(graph)).toMatchObject({ nodes: 3, edges: 2, sentinelEdges: 3, startNodes: 2 });
  });

  it('gives the path count of large and cyclic graphs by DP', () => {
    expect(computeGraphStats(createDiamondChain(30)).pathCount).toBe(2 ** 30);
    const { graph } = createMergedGraph({ nodeCount: 300, seed: 4, swap: 0.2 });
    const stats = computeGraphStats(graph);
    expect(stats.nodes).toBeGreaterThanOrEqual(300);
    expect(stats.pathCount).toBeGreaterThan(1);
    expect(Number.isFinite(stats.pathCount)).toBe(true);
  });
});
