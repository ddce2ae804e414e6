import { describe, expect, it } from 'vitest';

import {
  buildGraphFromPaths,
  createDiamondChain,
  createLinearGraph,
  createMergedGraph,
  createRandom,
} from '@/lib/core/strategy-graph/sample-graphs';
import type { NodeId, StrategyGraph } from '@/lib/core/strategy-graph/types';
import {
  categorize,
  computeVerdict,
  isNodePassed,
  type CategorizeParams,
  type NodeResults,
} from '@/lib/core/strategy-graph/verdict';

const pass = (...ids: NodeId[]): NodeResults => Object.fromEntries(ids.map((id) => [id, true]));

/** Checks that `path` is a start-to-end path of passing nodes of `graph`. */
function expectValidPath(graph: StrategyGraph, results: NodeResults, path: NodeId[] | null) {
  expect(path).not.toBeNull();
  const nodes = path!;
  expect(nodes.length).toBeGreaterThan(0);
  expect(graph[nodes[0]!]!.parent_node_id).toContain('0');
  expect(graph[nodes[nodes.length - 1]!]!.child_node_id).toContain('-1');
  for (const id of nodes) expect(isNodePassed(results, id)).toBe(true);
  for (let i = 0; i + 1 < nodes.length; i++) expect(graph[nodes[i]!]!.child_node_id).toContain(nodes[i + 1]);
  expect(new Set(nodes).size).toBe(nodes.length);
}

/** Reference semantics by brute force: BFS from passing start nodes through passing children. */
function bruteForceVerdict(graph: StrategyGraph, results: NodeResults): boolean {
  const ids = Object.keys(graph).filter((id) => id !== '0' && id !== '-1');
  const queue = ids.filter((id) => graph[id]!.parent_node_id.includes('0') && isNodePassed(results, id));
  const seen = new Set(queue);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (graph[id]!.child_node_id.includes('-1')) return true;
    for (const child of graph[id]!.child_node_id) {
      if (!seen.has(child) && Object.hasOwn(graph, child) && isNodePassed(results, child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  return false;
}

describe('isNodePassed', () => {
  it('reads booleans and NodeResults; missing, false and failed results are fails', () => {
    const results: NodeResults = {
      a: true,
      b: false,
      c: { passed: true, evidenceStep: 2 },
      d: { passed: false, evidenceStep: null },
    };
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => isNodePassed(results, id))).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });

  it('never reads Object.prototype', () => {
    expect(isNodePassed({}, 'constructor')).toBe(false);
    expect(isNodePassed({}, 'toString')).toBe(false);
    expect(isNodePassed({}, '__proto__')).toBe(false);
  });
});

describe('computeVerdict', () => {
  const linear = createLinearGraph(3); // 0 → 1 → 2 → 3 → -1

  it('is true with the whole path when every node of a linear graph passes', () => {
    expect(computeVerdict(linear, pass('1', '2', '3'))).toEqual({ verdict: true, path: ['1', '2', '3'] });
  });

  it('is false with a null path when one node fails, is missing, or raised', () => {
    expect(computeVerdict(linear, { ...pass('1', '3'), 2: false })).toEqual({ verdict: false, path: null });
    expect(computeVerdict(linear, pass('1', '3'))).toEqual({ verdict: false, path: null });
    expect(
      computeVerdict(linear, {
        1: { passed: true, evidenceStep: 0 },
        2: { passed: false, evidenceStep: null }, // an exception is recorded as passed: false
        3: { passed: true, evidenceStep: 4 },
      }),
    ).toEqual({ verdict: false, path: null });
  });

  it('accepts NodeResults and booleans mixed', () => {
    const results: NodeResults = {
      1: { passed: true, evidenceStep: 0 },
      2: true,
      3: { passed: true, evidenceStep: null },
    };
    expect(computeVerdict(linear, results)).toEqual({ verdict: true, path: ['1', '2', '3'] });
  });

  it('is false on an empty graph and on a graph without start or end node', () => {
    expect(computeVerdict({}, {})).toEqual({ verdict: false, path: null });
    const noStart: StrategyGraph = { 1: { parent_node_id: [], child_node_id: ['-1'] } };
    const noEnd: StrategyGraph = { 1: { parent_node_id: ['0'], child_node_id: [] } };
    expect(computeVerdict(noStart, pass('1')).verdict).toBe(false);
    expect(computeVerdict(noEnd, pass('1')).verdict).toBe(false);
  });

  it('takes the other branch when the first one fails', () => {
    // 0 → 1 → {2, 3} → 4 → -1
    const graph = buildGraphFromPaths([
      ['1', '2', '4'],
      ['1', '3', '4'],
    ]);
    expect(computeVerdict(graph, pass('1', '3', '4'))).toEqual({ verdict: true, path: ['1', '3', '4'] });
    expect(computeVerdict(graph, pass('1', '4'))).toEqual({ verdict: false, path: null });
  });

  it('reports the first path in DFS order: start nodes in key order, children in list order', () => {
    // Two disjoint paths, both passing; keys iterate "2" before "10" (integer-like keys ascending).
    const graph = buildGraphFromPaths([
      ['10', '11'],
      ['2', '3'],
    ]);
    expect(Object.keys(graph)).toEqual(['2', '3', '10', '11']);
    expect(computeVerdict(graph, pass('10', '11', '2', '3')).path).toEqual(['2', '3']);

    // Child list order decides between branches: 1's children are ["5", "4"].
    const branched: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['5', '4'] },
      4: { parent_node_id: ['1'], child_node_id: ['-1'] },
      5: { parent_node_id: ['1'], child_node_id: ['-1'] },
    };
    expect(computeVerdict(branched, pass('1', '4', '5')).path).toEqual(['1', '5']);
    expect(computeVerdict(branched, pass('1', '4')).path).toEqual(['1', '4']);
  });

  it('stops at the first end node reached, even if it has further children', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['2'] },
      2: { parent_node_id: ['1'], child_node_id: ['3', '-1'] },
      3: { parent_node_id: ['2'], child_node_id: ['-1'] },
    };
    expect(computeVerdict(graph, pass('1', '2', '3')).path).toEqual(['1', '2']);
    expect(computeVerdict(graph, pass('1', '2')).path).toEqual(['1', '2']);
  });

  it('treats a node that is both start and end as a path of its own', () => {
    const graph: StrategyGraph = { 7: { parent_node_id: ['0'], child_node_id: ['-1'] } };
    expect(computeVerdict(graph, pass('7'))).toEqual({ verdict: true, path: ['7'] });
    expect(computeVerdict(graph, {})).toEqual({ verdict: false, path: null });
  });

  it('terminates on cyclic merged graphs and still finds the passing path', () => {
    // Merging 1→2→3 and 1→3→2 makes the cycle 2 ⇄ 3.
    const graph = buildGraphFromPaths([
      ['1', '2', '3'],
      ['1', '3', '2'],
    ]);
    expect(graph['2']!.child_node_id).toEqual(['3', '-1']);
    expect(graph['3']!.child_node_id).toEqual(['-1', '2']);
    expect(computeVerdict(graph, pass('1', '2', '3')).path).toEqual(['1', '2']);
    expect(computeVerdict(graph, pass('1', '3')).path).toEqual(['1', '3']);
    expect(computeVerdict(graph, pass('2', '3'))).toEqual({ verdict: false, path: null });
  });

  it('terminates on a cycle with no exit and on self-loops', () => {
    const trap: StrategyGraph = {
      1: { parent_node_id: ['0', '3'], child_node_id: ['2'] },
      2: { parent_node_id: ['1'], child_node_id: ['3'] },
      3: { parent_node_id: ['2'], child_node_id: ['1'] },
      4: { parent_node_id: [], child_node_id: ['-1'] },
    };
    expect(computeVerdict(trap, pass('1', '2', '3', '4'))).toEqual({ verdict: false, path: null });
    const selfLoop: StrategyGraph = {
      1: { parent_node_id: ['0', '1'], child_node_id: ['1', '2'] },
      2: { parent_node_id: ['1'], child_node_id: ['-1'] },
    };
    expect(computeVerdict(selfLoop, pass('1', '2')).path).toEqual(['1', '2']);
  });

  it('ignores sentinel entries, dangling children and results for unknown ids', () => {
    const graph: StrategyGraph = {
      0: { parent_node_id: [], child_node_id: ['1'] },
      1: { parent_node_id: ['0'], child_node_id: ['99', '2'] },
      2: { parent_node_id: ['1'], child_node_id: ['-1'] },
      '-1': { parent_node_id: ['2'], child_node_id: [] },
    };
    expect(computeVerdict(graph, pass('0', '-1', '99', '1', '2'))).toEqual({
      verdict: true,
      path: ['1', '2'],
    });
    expect(computeVerdict(graph, pass('0', '-1', '99', '1'))).toEqual({ verdict: false, path: null });
  });

  it('handles node ids that are Object.prototype names', () => {
    const graph = buildGraphFromPaths([['constructor', 'toString', '__proto__']]);
    expect(computeVerdict(graph, pass('constructor', 'toString', '__proto__')).path).toEqual([
      'constructor',
      'toString',
      '__proto__',
    ]);
  });

  it('does not overflow the stack on a 20,000-node linear graph', () => {
    const graph = createLinearGraph(20_000);
    const results = Object.fromEntries(Object.keys(graph).map((id) => [id, true]));
    const { verdict, path } = computeVerdict(graph, results);
    expect(verdict).toBe(true);
    expect(path).toHaveLength(20_000);
  });

  it('does not list paths: a chain of 40 diamonds (2^40 paths) with the last hub failing is instant', () => {
    const graph = createDiamondChain(40);
    const ids = Object.keys(graph);
    const results = pass(...ids.filter((id) => id !== '121'));
    const started = performance.now();
    expect(computeVerdict(graph, results)).toEqual({ verdict: false, path: null });
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('agrees with a brute-force search on random merged graphs, cyclic ones included', () => {
    const random = createRandom(42);
    for (let trial = 0; trial < 300; trial++) {
      const { graph } = createMergedGraph({
        nodeCount: 5 + Math.floor(random() * 25),
        seed: trial + 1,
        stages: 4 + Math.floor(random() * 5),
        swap: trial % 2 === 0 ? 0.3 : 0,
      });
      const results: NodeResults = Object.fromEntries(Object.keys(graph).map((id) => [id, random() < 0.75]));
      const { verdict, path } = computeVerdict(graph, results);
      expect(verdict).toBe(bruteForceVerdict(graph, results));
      if (verdict) expectValidPath(graph, results, path);
      else expect(path).toBeNull();
    }
  });
});

describe('categorize', () => {
  const base: CategorizeParams = { verdict: false, envSuccess: true, anyNodePassed: true, nodeCount: 5 };

  it('is fully_passed whenever the verdict is true, whatever the environment says', () => {
    for (const envSuccess of [true, false, null]) {
      expect(categorize({ ...base, verdict: true, envSuccess })).toBe('fully_passed');
    }
  });

  it('is partially_passed when the environment says success, the verdict is false and a node passed', () => {
    expect(categorize(base)).toBe('partially_passed');
  });

  it('is failed when no node passed on a graph of two or more nodes', () => {
    expect(categorize({ ...base, anyNodePassed: false, nodeCount: 2 })).toBe('failed');
  });

  it('drops the "a node passed" condition when the graph has at most one node', () => {
    expect(categorize({ ...base, anyNodePassed: false, nodeCount: 1 })).toBe('partially_passed');
    expect(categorize({ ...base, anyNodePassed: false, nodeCount: 0 })).toBe('partially_passed');
  });

  it('is failed when the environment says failure or is unknown and the verdict is false', () => {
    expect(categorize({ ...base, envSuccess: false })).toBe('failed');
    expect(categorize({ ...base, envSuccess: null })).toBe('failed');
    expect(categorize({ ...base, envSuccess: null, nodeCount: 1, anyNodePassed: false })).toBe('failed');
  });
});
