import { describe, expect, it } from 'vitest';

import {
  buildGraphFromPaths,
  createLinearGraph,
  createMergedGraph,
} from '@/lib/core/strategy-graph/sample-graphs';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';
import { validateGraph, type GraphValidationReport } from '@/lib/core/strategy-graph/validate';

const CLEAN: Omit<GraphValidationReport, 'isWellFormed'> = {
  cycles: [],
  danglingIds: [],
  asymmetricEdges: [],
  misplacedSentinels: [],
  unreachableFromSource: [],
  cannotReachSink: [],
  missingStartNode: false,
  missingEndNode: false,
};

describe('validateGraph', () => {
  it('reports nothing for a linear graph and for a branched merged graph', () => {
    expect(validateGraph(createLinearGraph(5))).toEqual({ isWellFormed: true, ...CLEAN });
    const merged = buildGraphFromPaths([
      ['1', '2', '4'],
      ['1', '3', '4'],
      ['5', '4'],
    ]);
    expect(validateGraph(merged)).toEqual({ isWellFormed: true, ...CLEAN });
  });

  it('reports cycles as node lists but still calls the graph well formed', () => {
    const graph = buildGraphFromPaths([
      ['1', '2', '3', '4'],
      ['1', '3', '2', '4'],
    ]);
    expect(validateGraph(graph)).toEqual({ isWellFormed: true, ...CLEAN, cycles: [['2', '3']] });
  });

  it('reports a self-loop and a longer cycle', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0', '1'], child_node_id: ['1', '2'] },
      2: { parent_node_id: ['1', '4'], child_node_id: ['3'] },
      3: { parent_node_id: ['2'], child_node_id: ['4', '-1'] },
      4: { parent_node_id: ['3'], child_node_id: ['2'] },
    };
    const report = validateGraph(graph);
    expect(report.cycles).toEqual([['1'], ['2', '3', '4']]);
    expect(report.isWellFormed).toBe(true);
  });

  it('reports every cyclic merged graph as cyclic', () => {
    let cyclic = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { graph } = createMergedGraph({ nodeCount: 40, seed, swap: 0.5 });
      const report = validateGraph(graph);
      if (report.cycles.length > 0) cyclic++;
      // Merged linear paths are symmetric and every node lies on a path.
      expect(report.isWellFormed).toBe(true);
      for (const cycle of report.cycles) {
        cycle.forEach((id, i) => expect(graph[id]!.child_node_id).toContain(cycle[(i + 1) % cycle.length]));
      }
    }
    expect(cyclic).toBeGreaterThan(10);
    const acyclic = createMergedGraph({ nodeCount: 40, seed: 1, swap: 0 }).graph;
    expect(validateGraph(acyclic).cycles).toEqual([]);
  });

  it('reports dangling ids in either list, once per (id, entry, list)', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0', '42'], child_node_id: ['2', '99', '99'] },
      2: { parent_node_id: ['1'], child_node_id: ['-1'] },
    };
    const report = validateGraph(graph);
    expect(report.danglingIds).toEqual([
      { id: '99', referencedBy: '1', list: 'child_node_id' },
      { id: '42', referencedBy: '1', list: 'parent_node_id' },
    ]);
    expect(report.isWellFormed).toBe(false);
    expect(report.asymmetricEdges).toEqual([]);
  });

  it('reports asymmetric edges both ways', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['2'] },
      2: { parent_node_id: [], child_node_id: ['-1'] }, // does not list 1 as a parent
      3: { parent_node_id: ['1', '0'], child_node_id: ['-1'] }, // 1 does not list 3 as a child
    };
    expect(validateGraph(graph).asymmetricEdges).toEqual([
      { from: '1', to: '2', missing: 'parent_node_id' },
      { from: '1', to: '3', missing: 'child_node_id' },
    ]);
  });

  it('reports nodes off every source-to-sink walk', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['2', '5'] },
      2: { parent_node_id: ['1'], child_node_id: ['-1'] },
      3: { parent_node_id: [], child_node_id: ['4'] }, // an island, reaches the sink through 4
      4: { parent_node_id: ['3'], child_node_id: ['-1'] },
      5: { parent_node_id: ['1'], child_node_id: [] }, // a dead end
    };
    const report = validateGraph(graph);
    expect(report.unreachableFromSource).toEqual(['3', '4']);
    expect(report.cannotReachSink).toEqual(['5']);
    expect(report.isWellFormed).toBe(false);
  });

  it('reports missing start and end nodes, also for an empty graph', () => {
    expect(validateGraph({})).toMatchObject({
      isWellFormed: false,
      missingStartNode: true,
      missingEndNode: true,
    });
    const noStart: StrategyGraph = { 1: { parent_node_id: [], child_node_id: ['-1'] } };
    expect(validateGraph(noStart)).toMatchObject({ missingStartNode: true, missingEndNode: false });
    const noEnd: StrategyGraph = { 1: { parent_node_id: ['0'], child_node_id: [] } };
    expect(validateGraph(noEnd)).toMatchObject({ missingStartNode: false, missingEndNode: true });
  });

  it('reports sentinels on the wrong side', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0', '-1'], child_node_id: ['0', '-1'] },
    };
    expect(validateGraph(graph).misplacedSentinels).toEqual([
      { id: '1', sentinel: '0', list: 'child_node_id' },
      { id: '1', sentinel: '-1', list: 'parent_node_id' },
    ]);
  });

  it('checks sentinel entries a file carries like any other entry', () => {
    const consistent: StrategyGraph = {
      0: { parent_node_id: [], child_node_id: ['1'] },
      1: { parent_node_id: ['0'], child_node_id: ['-1'] },
      '-1': { parent_node_id: ['1'], child_node_id: [] },
    };
    expect(validateGraph(consistent)).toEqual({ isWellFormed: true, ...CLEAN });
    const stale: StrategyGraph = {
      0: { parent_node_id: [], child_node_id: ['1'] },
      1: { parent_node_id: ['0'], child_node_id: ['2'] },
      2: { parent_node_id: ['0', '1'], child_node_id: ['-1'] },
    };
    expect(validateGraph(stale).asymmetricEdges).toEqual([{ from: '0', to: '2', missing: 'child_node_id' }]);
  });

  it('never throws on malformed input', () => {
    const junk = {
      1: { parent_node_id: ['0', 7, null], child_node_id: 'oops' },
      2: null,
      3: {},
    } as unknown as StrategyGraph;
    const report = validateGraph(junk);
    expect(report.missingEndNode).toBe(true);
    expect(report.danglingIds).toEqual([{ id: '7', referencedBy: '1', list: 'parent_node_id' }]);
    expect(() => validateGraph(null as unknown as StrategyGraph)).not.toThrow();
    expect(validateGraph(null as unknown as StrategyGraph).missingStartNode).toBe(true);
  });

  it('validates a 300-node merged graph in a few milliseconds', () => {
    const { graph } = createMergedGraph({ nodeCount: 300, seed: 9, swap: 0.2 });
    const started = performance.now();
    const report = validateGraph(graph);
    expect(performance.now() - started).toBeLessThan(100);
    expect(report.isWellFormed).toBe(true);
  });
});
