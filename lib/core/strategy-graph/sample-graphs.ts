/**
 * Deterministic sample strategy graphs for tests, benchmarks and UI fixtures: linear paths,
 * chains of diamonds, and "merged" graphs grown the way CORE grows them (DESIGN.md › Graph
 * expansion: linear paths merged one after another). Not used by the product's logic.
 */
import { linearPath, mergePath } from '@/lib/core/strategy-graph/merge';
import type { NodeId, StrategyGraph } from '@/lib/core/strategy-graph/types';

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Merges the linear paths of `paths` into one graph, in order (`mergePath(linearPath(ids))` each). */
export function buildGraphFromPaths(paths: readonly (readonly NodeId[])[]): StrategyGraph {
  let graph: StrategyGraph = {};
  for (const ids of paths) graph = mergePath(graph, linearPath(ids)).graph;
  return graph;
}

/** `"0" → "1" → … → "n" → "-1"`. */
export function createLinearGraph(nodeCount: number): StrategyGraph {
  return linearPath(Array.from({ length: nodeCount }, (_, i) => String(i + 1)));
}

/**
 * `k` diamonds in a row — 3k + 1 nodes, 2^k source-to-sink paths: node `a_i` branches to `b_i` and
 * `c_i`, which both lead to `a_{i+1}`. Ids are numbers from 1.
 */
export function createDiamondChain(diamonds: number): StrategyGraph {
  const hub = (i: number) => String(3 * i + 1);
  const top: NodeId[] = [];
  const bottom: NodeId[] = [];
  for (let i = 0; i < diamonds; i++) {
    top.push(hub(i), String(3 * i + 2));
    bottom.push(hub(i), String(3 * i + 3));
  }
  top.push(hub(diamonds));
  bottom.push(hub(diamonds));
  // Both paths share every hub, so after the merge each diamond can be crossed either way.
  return buildGraphFromPaths([top, bottom]);
}

export interface MergedGraphOptions {
  /** Stop once the graph has at least this many nodes. */
  nodeCount: number;
  /** PRNG seed. */
  seed?: number;
  /** Key steps per path (stages); default 10. */
  stages?: number;
  /** Probability that a path position reuses an existing node of its stage; default 0.7. */
  reuse?: number;
  /** Probability that a path swaps two neighbouring steps (this makes cycles after merging); default 0. */
  swap?: number;
}

/**
 * A graph grown like CORE's: a first linear path of `stages` nodes, then linear paths that at each
 * stage reuse an existing node of that stage (probability `reuse`) or create a new one, skipping a
 * stage now and then, merged until `nodeCount` nodes exist. With `swap > 0` some paths take two
 * steps in the other order, which makes cycles. Deterministic for a given seed. Returns the graph
 * and the merged paths in order.
 */
export function createMergedGraph(options: MergedGraphOptions): { graph: StrategyGraph; paths: NodeId[][] } {
  const random = createRandom(options.seed ?? 1);
  const stages = options.stages ?? 10;
  const reuse = options.reuse ?? 0.7;
  const swap = options.swap ?? 0;
  const byStage: NodeId[][] = Array.from({ length: stages }, () => []);
  let nextId = 1;
  let count = 0;
  const paths: NodeId[][] = [];
  let graph: StrategyGraph = {};
  while (count < options.nodeCount) {
    const ids: NodeId[] = [];
    for (let stage = 0; stage < stages; stage++) {
      const pool = byStage[stage]!;
      if (paths.length > 0 && stage > 0 && stage < stages - 1 && random() < 0.1) continue;
      if (pool.length > 0 && random() < reuse) {
        ids.push(pool[Math.floor(random() * pool.length)]!);
      } else {
        const id = String(nextId++);
        pool.push(id);
        count++;
        ids.push(id);
      }
    }
    if (swap > 0 && ids.length > 2 && random() < swap) {
      const at = 1 + Math.floor(random() * (ids.length - 2));
      [ids[at - 1], ids[at]] = [ids[at]!, ids[at - 1]!];
    }
    paths.push(ids);
    graph = mergePath(graph, linearPath(ids)).graph;
  }
  return { graph, paths };
}
