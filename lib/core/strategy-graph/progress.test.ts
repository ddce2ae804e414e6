import { describe, expect, it } from 'vitest';

import { buildSourceDag, indexGraph } from '@/lib/core/strategy-graph/graph-index';
import { computeProgress, countPaths, countPathsExact } from '@/lib/core/strategy-graph/progress';
import {
  buildGraphFromPaths,
  createDiamondChain,
  createLinearGraph,
  createMergedGraph,
  createRandom,
} from '@/lib/core/strategy-graph/sample-graphs';
import type { NodeId, NodeResult, StrategyGraph } from '@/lib/core/strategy-graph/types';
import type { NodeResults } from '@/lib/core/strategy-graph/verdict';

const at = (evidenceStep: number | null): NodeResult => ({ passed: true, evidenceStep });
const failed: NodeResult = { passed: false, evidenceStep: null };

/** All source-to-sink paths of an acyclic adjacency (for small test graphs only). */
function listPaths(
  starts: readonly NodeId[],
  children: (id: NodeId) => NodeId[],
  isEnd: (id: NodeId) => boolean,
) {
  const paths: NodeId[][] = [];
  const walk = (path: NodeId[]) => {
    const last = path[path.length - 1]!;
    if (isEnd(last)) paths.push([...path]);
    for (const child of children(last)) walk([...path, child]);
  };
  for (const start of starts) walk([start]);
  return paths;
}

/** The valid-prefix length of one path, straight from the definition. */
function prefixLength(path: readonly NodeId[], results: NodeResults): number {
  let last = -Infinity;
  let k = 0;
  for (const id of path) {
    const result = results[id];
    const passed = typeof result === 'boolean' ? result : result?.passed === true;
    if (!passed) break;
    const step = typeof result === 'object' ? result.evidenceStep : null;
    if (step !== null) {
      if (step < last) break;
      last = step;
    }
    k++;
  }
  return k;
}

/** max over the DAG's paths of prefix / length, by listing them. */
function bruteForceScore(graph: StrategyGraph, results: NodeResults): number {
  const index = indexGraph(graph);
  const dag = buildSourceDag(index);
  const paths = listPaths(
    index.starts.map((i) => index.ids[i]!),
    (id) => dag.children[index.positions.get(id)!]!.map((i) => index.ids[i]!),
    (id) => index.isEnd[index.positions.get(id)!]!,
  );
  return Math.max(0, ...paths.map((path) => prefixLength(path, results) / path.length));
}

describe('computeProgress', () => {
  const linear = createLinearGraph(4); // 1 → 2 → 3 → 4

  it('is 1 when every node passes in step order', () => {
    const results = { 1: at(0), 2: at(2), 3: at(2), 4: at(5) };
    expect(computeProgress(linear, results)).toEqual({
      score: 1,
      prefix: ['1', '2', '3', '4'],
      path: ['1', '2', '3', '4'],
    });
  });

  it('cuts the prefix at the first failing node or the first step that goes back', () => {
    expect(computeProgress(linear, { 1: at(0), 2: at(1), 3: failed, 4: at(3) })).toEqual({
      score: 0.5,
      prefix: ['1', '2'],
      path: ['1', '2', '3', '4'],
    });
    expect(computeProgress(linear, { 1: at(0), 2: at(3), 3: at(1), 4: at(4) })).toMatchObject({
      score: 0.5,
      prefix: ['1', '2'],
    });
  });

  it('is 0 with empty prefix and path when the first node fails or nothing passes', () => {
    expect(computeProgress(linear, { 2: at(0), 3: at(1), 4: at(2) })).toEqual({
      score: 0,
      prefix: [],
      path: [],
    });
    expect(computeProgress(linear, {})).toEqual({ score: 0, prefix: [], path: [] });
    expect(computeProgress({}, {})).toEqual({ score: 0, prefix: [], path: [] });
  });

  it('lets a passing node with an unknown step through, carrying the last known step', () => {
    expect(computeProgress(linear, { 1: at(3), 2: at(null), 3: at(5), 4: failed }).prefix).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(computeProgress(linear, { 1: at(3), 2: at(null), 3: at(2), 4: at(6) }).prefix).toEqual(['1', '2']);
    // Bare booleans: the share of leading passing nodes.
    expect(computeProgress(linear, { 1: true, 2: true, 3: true, 4: false }).score).toBe(0.75);
  });

  it('takes the best ratio over paths, not the longest prefix', () => {
    // Long branch 1 → 2 → 3 → 4 → 5 → 6 (prefix 3 of 6 = 0.5); short branch 1 → 7 → 8 (prefix 2 of 3).
    const graph = buildGraphFromPaths([
      ['1', '2', '3', '4', '5', '6'],
      ['1', '7', '8'],
    ]);
    const results = { 1: at(0), 2: at(1), 3: at(2), 7: at(4), 8: failed };
    expect(computeProgress(graph, results)).toEqual({
      score: 2 / 3,
      prefix: ['1', '7'],
      path: ['1', '7', '8'],
    });
  });

  it('combines the best prefix with the shortest way to the sink', () => {
    // Prefix 1 → 2 passes; from 2 the sink is reachable through 3 → 4 → 5 or directly through 6.
    const graph = buildGraphFromPaths([
      ['1', '2', '3', '4', '5'],
      ['1', '2', '6'],
    ]);
    expect(computeProgress(graph, { 1: at(0), 2: at(1) })).toEqual({
      score: 2 / 3,
      prefix: ['1', '2'],
      path: ['1', '2', '6'],
    });
  });

  it('keeps the prefix with the smaller last step when a longer one would block the rest', () => {
    // Into 4: via 2 (length 2, step 9) or via 3 → 5 (length 3, step 9) or via 6 (length 2, step 1).
    // Only the step-1 prefix lets 4 (step 2) continue, so the best prefix is 1 → 6 → 4 → 7.
    const graph = buildGraphFromPaths([
      ['1', '2', '4', '7'],
      ['1', '6', '4', '7'],
    ]);
    const results = { 1: at(0), 2: at(9), 6: at(1), 4: at(2), 7: at(3) };
    expect(computeProgress(graph, results)).toEqual({
      score: 1,
      prefix: ['1', '6', '4', '7'],
      path: ['1', '6', '4', '7'],
    });
    // With unknown steps on 4 the frontier must keep both (step 9, length 3) and (step 1, length 3).
    const unknown = { ...results, 4: at(null), 7: at(5) };
    expect(computeProgress(graph, unknown).prefix).toEqual(['1', '6', '4', '7']);
  });

  it('breaks ties by the longer prefix', () => {
    // 0.5 either as 1 of 2 (1 → 9) or as 2 of 4 (1 → 2 → 3 → 4): the longer prefix is reported.
    const graph = buildGraphFromPaths([
      ['1', '9'],
      ['1', '2', '3', '4'],
    ]);
    expect(computeProgress(graph, { 1: at(0), 2: at(1) })).toMatchObject({ score: 0.5, prefix: ['1', '2'] });
  });

  it('handles a cyclic merged graph on the DAG left without the DFS back edges', () => {
    // Merging 1→2→3→4 and 1→3→2→4 gives the cycle 2 ⇄ 3. DFS from the source (children in list
    // order) visits 1, 2, 3 and drops the back edge 3 → 2: the counted paths are 1→2→3→4,
    // 1→2→4, 1→3→4.
    const graph = buildGraphFromPaths([
      ['1', '2', '3', '4'],
      ['1', '3', '2', '4'],
    ]);
    expect(buildSourceDag(indexGraph(graph)).backEdges).toEqual([[2, 1]]);
    expect(countPaths(graph)).toBe(3);
    // Steps in the order 1, 3, 2 (2 is before 1): the path 1 → 3 → 2 → 4 needs the dropped edge,
    // so the best is 1 → 3 → 4 with prefix 1, 3 (2 of 3).
    const results = { 1: at(5), 3: at(6), 2: at(2), 4: failed };
    expect(computeProgress(graph, results)).toEqual({
      score: 2 / 3,
      prefix: ['1', '3'],
      path: ['1', '3', '4'],
    });
    expect(computeProgress(graph, { 1: at(0), 2: at(1), 3: at(2), 4: at(3) }).score).toBe(1);
  });

  it('does not list paths: a chain of 60 diamonds (2^60 paths) scores in milliseconds', () => {
    const graph = createDiamondChain(60);
    const results = Object.fromEntries(Object.keys(graph).map((id) => [id, at(Number(id))]));
    const started = performance.now();
    const progress = computeProgress(graph, results);
    expect(performance.now() - started).toBeLessThan(200);
    expect(progress.score).toBe(1);
    expect(progress.prefix).toHaveLength(121);
  });

  it('agrees with listing every path on random graphs (acyclic and cyclic)', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 200; trial++) {
      const { graph } = createMergedGraph({
        nodeCount: 4 + Math.floor(random() * 16),
        seed: 1000 + trial,
        stages: 3 + Math.floor(random() * 5),
        swap: trial % 3 === 0 ? 0.4 : 0,
      });
      const results: NodeResults = Object.fromEntries(
        Object.keys(graph).map((id): [string, NodeResult | boolean] => {
          const roll = random();
          if (roll < 0.15) return [id, failed];
          if (roll < 0.3) return [id, at(null)];
          if (roll < 0.4) return [id, true];
          return [id, at(Math.floor(random() * 6))];
        }),
      );
      const progress = computeProgress(graph, results);
      expect(progress.score).toBeCloseTo(bruteForceScore(graph, results), 12);
      if (progress.score > 0) {
        expect(prefixLength(progress.path, results)).toBe(progress.prefix.length);
        expect(progress.prefix.length / progress.path.length).toBeCloseTo(progress.score, 12);
        expect(progress.path.slice(0, progress.prefix.length)).toEqual(progress.prefix);
      }
    }
  });

  it('scores a 300-node merged graph quickly', () => {
    const { graph } = createMergedGraph({ nodeCount: 300, seed: 3, swap: 0.1 });
    const random = createRandom(5);
    const results = Object.fromEntries(Object.keys(graph).map((id) => [id, at(Math.floor(random() * 30))]));
    const started = performance.now();
    for (let i = 0; i < 20; i++) computeProgress(graph, results);
    expect((performance.now() - started) / 20).toBeLessThan(50);
  });
});

describe('countPaths', () => {
  it('counts 1 for a linear graph, 0 without start or end, 2 per diamond', () => {
    expect(countPaths(createLinearGraph(5))).toBe(1);
    expect(countPaths({})).toBe(0);
    expect(countPaths({ 1: { parent_node_id: [], child_node_id: ['-1'] } })).toBe(0);
    expect(countPaths({ 1: { parent_node_id: ['0'], child_node_id: [] } })).toBe(0);
    expect(countPaths(createDiamondChain(1))).toBe(2);
    expect(countPaths(createDiamondChain(10))).toBe(1024);
  });

  it('counts both the path ending at an end node and those going on from it', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['2', '-1'] },
      2: { parent_node_id: ['1'], child_node_id: ['-1'] },
    };
    expect(countPaths(graph)).toBe(2);
  });

  it('counts each child once even if a list repeats it, and several start nodes', () => {
    const graph: StrategyGraph = {
      1: { parent_node_id: ['0'], child_node_id: ['3', '3'] },
      2: { parent_node_id: ['0'], child_node_id: ['3'] },
      3: { parent_node_id: ['1', '2'], child_node_id: ['-1'] },
    };
    expect(countPaths(graph)).toBe(2);
  });

  it('is exact up to 2^53 and approximate above; countPathsExact is always exact', () => {
    expect(countPaths(createDiamondChain(53))).toBe(2 ** 53);
    expect(countPathsExact(createDiamondChain(53))).toBe(2n ** 53n);
    const big = createDiamondChain(200);
    expect(countPathsExact(big)).toBe(2n ** 200n);
    expect(countPaths(big)).toBe(2 ** 200); // a power of two is still representable
    expect(countPaths(createDiamondChain(1100))).toBe(Infinity);
    expect(String(countPathsExact(createDiamondChain(70)))).toBe('1180591620717411303424');
  });

  it('terminates on cycles and self-loops (counting on the DAG without back edges)', () => {
    const selfLoop: StrategyGraph = { 1: { parent_node_id: ['0', '1'], child_node_id: ['1', '-1'] } };
    expect(countPaths(selfLoop)).toBe(1);
    const { graph } = createMergedGraph({ nodeCount: 300, seed: 11, swap: 0.3 });
    expect(buildSourceDag(indexGraph(graph)).backEdges.length).toBeGreaterThan(0);
    expect(Number.isFinite(countPaths(graph))).toBe(true);
    expect(countPaths(graph)).toBeGreaterThan(1);
  });
});
