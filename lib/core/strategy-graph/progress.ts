/**
 * The progress score (DESIGN.md › Semantics › Progress score — our extension, shown beside the
 * CORE verdict, never replacing it) and the path count of a strategy graph. Both by dynamic
 * programming over the graph; no function here lists paths.
 */
import {
  buildSourceDag,
  indexGraph,
  type GraphIndex,
  type SourceDag,
} from '@/lib/core/strategy-graph/graph-index';
import type { NodeId, StrategyGraph } from '@/lib/core/strategy-graph/types';
import type { NodeResults } from '@/lib/core/strategy-graph/verdict';

export interface ProgressScore {
  /** max over paths of (longest valid prefix) / (path length), in [0, 1]; 0 when no node counts. */
  score: number;
  /** The valid prefix that achieved `score` (real node ids, start node first); `[]` when `score` is 0. */
  prefix: NodeId[];
  /**
   * A whole path with that prefix: `prefix` followed by a shortest continuation to the sink (real
   * node ids; its length is the score's denominator). `[]` when `score` is 0.
   */
  path: NodeId[];
}

/** Evidence step of a passing node: a number, or null when unknown (a bare boolean result). */
function readEvidence(results: NodeResults, id: NodeId): { passed: boolean; step: number | null } {
  if (!Object.hasOwn(results, id)) return { passed: false, step: null };
  const result = results[id];
  if (typeof result === 'boolean') return { passed: result, step: null };
  if (result?.passed !== true) return { passed: false, step: null };
  return { passed: true, step: typeof result.evidenceStep === 'number' ? result.evidenceStep : null };
}

/** One Pareto-optimal valid prefix ending at a node: its last known evidence step and its length. */
interface PrefixEntry {
  /** Largest evidence step on the prefix (-Infinity when none is known yet). */
  step: number;
  length: number;
  /** Predecessor node position and its entry index; -1 for a prefix starting here. */
  fromNode: number;
  fromEntry: number;
}

/**
 * Valid prefixes ending at each node of the DAG, as Pareto frontiers over (last step ↓, length ↑):
 * a prefix with a smaller last step and a greater-or-equal length makes another useless.
 */
function computeFrontiers(
  index: GraphIndex,
  dag: SourceDag,
  evidence: readonly { passed: boolean; step: number | null }[],
): PrefixEntry[][] {
  const frontiers: PrefixEntry[][] = index.ids.map(() => []);
  for (const node of dag.topologicalOrder) {
    const own = evidence[node]!;
    if (!own.passed) continue;
    const candidates: PrefixEntry[] = [];
    if (index.isStart[node]) {
      candidates.push({ step: own.step ?? -Infinity, length: 1, fromNode: -1, fromEntry: -1 });
    }
    for (const parent of dag.parents[node]!) {
      frontiers[parent]!.forEach((entry, entryIndex) => {
        if (own.step === null) {
          candidates.push({
            step: entry.step,
            length: entry.length + 1,
            fromNode: parent,
            fromEntry: entryIndex,
          });
        } else if (entry.step <= own.step) {
          candidates.push({
            step: own.step,
            length: entry.length + 1,
            fromNode: parent,
            fromEntry: entryIndex,
          });
        }
      });
    }
    // Stable sort: ties keep the start-first, parents-in-discovery-order preference.
    candidates.sort((a, b) => (a.step === b.step ? b.length - a.length : a.step < b.step ? -1 : 1));
    const frontier: PrefixEntry[] = [];
    let bestLength = 0;
    for (const candidate of candidates) {
      if (candidate.length > bestLength) {
        frontier.push(candidate);
        bestLength = candidate.length;
      }
    }
    frontiers[node] = frontier;
  }
  return frontiers;
}

/**
 * Shortest continuation from each node to the sink in the DAG: `distance[v]` = number of real
 * nodes after `v` on the shortest route (0 for an end node, Infinity when the sink is out of reach)
 * and `next[v]` the first child on it (list order breaks ties; -1 at an end node).
 */
function computeDistancesToSink(index: GraphIndex, dag: SourceDag): { distance: number[]; next: number[] } {
  const distance = index.ids.map(() => Infinity);
  const next = index.ids.map(() => -1);
  for (let i = dag.topologicalOrder.length - 1; i >= 0; i--) {
    const node = dag.topologicalOrder[i]!;
    if (index.isEnd[node]) {
      distance[node] = 0;
      continue;
    }
    for (const child of dag.children[node]!) {
      if (distance[child]! + 1 < distance[node]!) {
        distance[node] = distance[child]! + 1;
        next[node] = child;
      }
    }
  }
  return { distance, next };
}

/**
 * The progress score of one trajectory on a strategy graph — DESIGN.md › Semantics › Progress
 * score. For a source-to-sink path of `n` real nodes, its valid prefix is the longest prefix
 * `v1 … vk` whose nodes all pass with non-decreasing evidence steps; the score is the maximum over
 * paths of `k / n`.
 *
 * Evidence (our choices, DESIGN.md is silent): `evidenceStep` is the 0-based step at which the
 * LF's API checks first matched. A passing node with an unknown step (`evidenceStep: null`, or a
 * bare `true` result) passes without constraining the order: the comparison skips it and carries
 * the last known step through it (so `3, null, 2` is not valid, `3, null, 5` is). With only
 * boolean results the score is the best share of leading passing nodes.
 *
 * Algorithm (no path is listed): on the DAG of {@link buildSourceDag},
 * 1. `L(v)`, the longest valid prefix ending at `v`, by DP in topological order. Validity only
 *    depends on the prefix's last known step, so each node keeps the Pareto frontier of
 *    (last step, length) pairs — at most one pair per distinct evidence step;
 * 2. `D(v)`, the fewest real nodes after `v` on a route to the sink, by DP in reverse order;
 * 3. score = max over `v` of `L(v) / (L(v) + D(v))`.
 * Why this is the maximum over paths: `k / (k + d)` increases with `k` and decreases with `d`.
 * (≥) In a DAG a prefix ending at `v` and a route from `v` to the sink share only `v` (a shared
 * node would close a cycle), so joining the best prefix and the shortest route is a path whose own
 * valid prefix has length ≥ `L(v)`, hence score ≥ `L(v) / (L(v) + D(v))`. (≤) A path whose valid
 * prefix has length `k` and ends at `v` has `k ≤ L(v)` and `d ≥ D(v)` nodes after it, so its score
 * is ≤ `L(v) / (L(v) + D(v))`.
 *
 * Cycles (our choice): the DP runs on the DAG left after dropping the DFS back edges seen from the
 * source (see {@link buildSourceDag}); on a walk that may repeat nodes a passing cycle would make
 * the prefix — and the score — unbounded, and the longest simple path is NP-hard. So on a cyclic
 * graph paths that need a dropped edge are not considered.
 *
 * Ties (same score): the longer prefix, then the end of prefix earliest in graph key order.
 * Ratios are compared exactly by cross-multiplication. O((nodes + edges) · S log S) where S is the
 * number of distinct evidence steps (S = 1 without them).
 *
 * @param graph the task's `key_nodes` object.
 * @param results per node id, a {@link NodeResult} (with its evidence step) or a boolean; a missing
 *   or failed result fails the node.
 * @returns `{ score, prefix, path }`. Never throws.
 */
export function computeProgress(graph: StrategyGraph, results: NodeResults): ProgressScore {
  const index = indexGraph(graph);
  const dag = buildSourceDag(index);
  const evidence = index.ids.map((id) => readEvidence(results, id));
  const frontiers = computeFrontiers(index, dag, evidence);
  const { distance, next } = computeDistancesToSink(index, dag);

  let best = -1;
  let bestLength = 0;
  let bestDistance = 0;
  for (let node = 0; node < index.ids.length; node++) {
    const frontier = frontiers[node]!;
    const length = frontier.length > 0 ? frontier[frontier.length - 1]!.length : 0;
    const d = distance[node]!;
    if (length === 0 || d === Infinity) continue;
    // length / (length + d) vs bestLength / (bestLength + bestDistance), exactly.
    const lhs = length * (bestLength + bestDistance);
    const rhs = bestLength * (length + d);
    if (best === -1 || lhs > rhs || (lhs === rhs && length > bestLength)) {
      best = node;
      bestLength = length;
      bestDistance = d;
    }
  }
  if (best === -1) return { score: 0, prefix: [], path: [] };

  const prefix: NodeId[] = [];
  let node = best;
  let entryIndex = frontiers[best]!.length - 1;
  while (node !== -1) {
    const entry: PrefixEntry = frontiers[node]![entryIndex]!;
    prefix.push(index.ids[node]!);
    node = entry.fromNode;
    entryIndex = entry.fromEntry;
  }
  prefix.reverse();
  const path = [...prefix];
  for (let cursor = next[best]!; cursor !== -1; cursor = next[cursor]!) path.push(index.ids[cursor]!);
  return { score: bestLength / (bestLength + bestDistance), prefix, path };
}

/** Source-to-sink path counts by DP on the DAG, in any number type (`number` or `bigint`). */
function countPathsWith<T>(graph: StrategyGraph, zero: T, one: T, add: (a: T, b: T) => T): T {
  const index = indexGraph(graph);
  const dag = buildSourceDag(index);
  const fromNode: T[] = index.ids.map(() => zero);
  for (let i = dag.topologicalOrder.length - 1; i >= 0; i--) {
    const node = dag.topologicalOrder[i]!;
    let count = index.isEnd[node] ? one : zero;
    for (const child of dag.children[node]!) count = add(count, fromNode[child]!);
    fromNode[node] = count;
  }
  let total = zero;
  for (const start of index.starts) total = add(total, fromNode[start]!);
  return total;
}

/**
 * Number of source-to-sink paths (DESIGN.md › Domain terms: a path is a source-to-sink walk;
 * issue 3 › graph growth: "path count (counted by DP)"). `P(v)` = (1 if `v` is an end node) +
 * sum of `P(child)`, in reverse topological order; the count is the sum over start nodes. An end
 * node with further children counts both the path ending there and those going on.
 *
 * Cycles (our choice): counted on the DAG left after dropping the DFS back edges from the source
 * ({@link buildSourceDag}) — with a cycle the number of walks is infinite; this counts the simple
 * paths that need no dropped edge (all of them when the graph is acyclic).
 *
 * Precision: a float64 — exact up to 2^53 (9,007,199,254,740,992 paths), rounded above, `Infinity`
 * past ~1.8e308. Use {@link countPathsExact} for an exact `bigint`. O(nodes + edges). Never throws.
 */
export function countPaths(graph: StrategyGraph): number {
  return countPathsWith(graph, 0, 1, (a, b) => a + b);
}

/** {@link countPaths} as an exact `bigint` (serialise with `String(count)`). */
export function countPathsExact(graph: StrategyGraph): bigint {
  return countPathsWith(graph, 0n, 1n, (a, b) => a + b);
}
