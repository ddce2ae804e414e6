/**
 * `npx tsx bench/verdict.ts` — the `verdict` CLI's per-line function at 100,000 lines.
 *
 * Generates 100,000 JSON lines over four realistic graphs — a linear 8-node demo path, a 25-node
 * merged graph, a 60-node merged graph with cycles, and a 300-node merged graph with cycles — in
 * blocks of 5–40 consecutive lines per graph (one task's rollouts), each with a random set of
 * passed nodes and an environment verdict. Times, in the same process:
 * - baseline: `JSON.stringify(JSON.parse(line))` per line (the cost of merely reading and writing
 *   the same lines);
 * - `createVerdictLineProcessor().processLine` (with the graph cache);
 * - the same on the lines rewritten with `graph` as their last key (the fast path cannot apply);
 * - `processVerdictLine` (no cache: every line parses and validates its graph), timed once on the
 *   first 10,000 lines and scaled to 100,000;
 * - `runVerdictStream` end to end through node:readline over in-memory streams.
 * Prints lines/s (best of RUNS) and the ratio to the baseline. No assertions: numbers are for reading.
 */
import { Readable, Writable } from 'node:stream';

import {
  buildGraphFromPaths,
  createLinearGraph,
  createMergedGraph,
  createRandom,
} from '@/lib/core/strategy-graph/sample-graphs';
import { computeGraphStats } from '@/lib/core/strategy-graph/stats';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';
import {
  createVerdictLineProcessor,
  processVerdictLine,
  runVerdictStream,
} from '@/server/cli/commands/verdict';

const LINES = 100_000;
const RUNS = 3;

const graphs: { name: string; graph: StrategyGraph; weight: number }[] = [
  { name: 'linear 8', graph: createLinearGraph(8), weight: 0.4 },
  { name: 'merged 25', graph: createMergedGraph({ nodeCount: 25, seed: 1, stages: 8 }).graph, weight: 0.3 },
  {
    name: 'merged 60, cyclic',
    graph: createMergedGraph({ nodeCount: 60, seed: 2, swap: 0.2 }).graph,
    weight: 0.2,
  },
  {
    name: 'merged 300, cyclic',
    graph: createMergedGraph({ nodeCount: 300, seed: 3, stages: 12, swap: 0.05 }).graph,
    weight: 0.1,
  },
];
// The first line: the small branched graph of the CLI tests (0 → 7 → {1, 2} → 3 → -1).
const branched = buildGraphFromPaths([
  ['7', '1', '3'],
  ['7', '2', '3'],
]);

const random = createRandom(2024);
const lines: string[] = [JSON.stringify({ graph: branched, passed: ['7', '2', '3'], envSuccess: true })];
let bytes = lines[0]!.length;
while (lines.length < LINES) {
  let pick = random();
  const chosen = graphs.find((g) => (pick -= g.weight) < 0) ?? graphs[0]!;
  const graphText = JSON.stringify(chosen.graph);
  const ids = Object.keys(chosen.graph);
  const block = 5 + Math.floor(random() * 36);
  for (let i = 0; i < block && lines.length < LINES; i++) {
    const passRate = 0.5 + random() * 0.5;
    const passed = ids.filter(() => random() < passRate);
    const envSuccess = random() < 0.1 ? null : random() < 0.5;
    const line = `{"graph":${graphText},"passed":${JSON.stringify(passed)},"envSuccess":${JSON.stringify(envSuccess)}}`;
    bytes += line.length + 1;
    lines.push(line);
  }
}

function best(fn: () => void): number {
  let fastest = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

async function bestAsync(fn: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

let sink = 0;
const baselineMs = best(() => {
  for (const line of lines) sink += JSON.stringify(JSON.parse(line)).length;
});
const cachedMs = best(() => {
  const processor = createVerdictLineProcessor();
  lines.forEach((line, i) => {
    sink += processor.processLine(line, i + 1)?.length ?? 0;
  });
});
// The same lines with the graph as the last key: no prefix match, so every line takes the
// whole-line parse (the canonical-text cache still skips validation and indexing).
const graphLast = lines.map((line) => {
  const value = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify({ passed: value.passed, envSuccess: value.envSuccess, graph: value.graph });
});
const graphLastMs = best(() => {
  const processor = createVerdictLineProcessor();
  graphLast.forEach((line, i) => {
    sink += processor.processLine(line, i + 1)?.length ?? 0;
  });
});
// Without the cache every line validates and indexes its graph: slow, so timed once on a sample.
const UNCACHED_LINES = 10_000;
const uncachedStarted = performance.now();
lines.slice(0, UNCACHED_LINES).forEach((line, i) => {
  sink += processVerdictLine(line, i + 1)?.length ?? 0;
});
const uncachedMs = ((performance.now() - uncachedStarted) * LINES) / UNCACHED_LINES;
const streamMs = await bestAsync(async () => {
  const input = Readable.from(
    (function* () {
      for (let i = 0; i < lines.length; i += 1000) yield `${lines.slice(i, i + 1000).join('\n')}\n`;
    })(),
  );
  const output = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      sink += chunk.length;
      callback();
    },
  });
  await runVerdictStream(input, output);
});

const rate = (ms: number) => Math.round((LINES / ms) * 1000);
const row = (label: string, ms: number) =>
  `${label.padEnd(50)} ${String(Math.round(ms)).padStart(7)} ms ${rate(ms).toLocaleString('en-US').padStart(12)} lines/s   ×${(baselineMs / ms).toFixed(2)} of baseline`;

console.log(
  `verdict bench: ${LINES.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(1)} MB, best of ${RUNS}`,
);
for (const { name, graph, weight } of graphs) {
  const stats = computeGraphStats(graph);
  console.log(
    `  graph ${name.padEnd(20)} ${String(stats.nodes).padStart(4)} nodes ${String(stats.edges).padStart(4)} edges ${stats.pathCount.toLocaleString('en-US').padStart(14)} paths  ${Math.round(weight * 100)}% of lines`,
  );
}
console.log(row('baseline JSON.parse + JSON.stringify', baselineMs));
console.log(row('processLine (graph cache)', cachedMs));
console.log(row('processLine, graph as last key (whole-line parse)', graphLastMs));
console.log(row('processVerdictLine (no cache; 10k sample, scaled)', uncachedMs));
console.log(row('runVerdictStream (readline, in-memory I/O)', streamMs));
console.log(`(checksum ${sink % 9973})`);
