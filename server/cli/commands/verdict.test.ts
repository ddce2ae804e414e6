import { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import {
  createVerdictLineProcessor,
  evaluateVerdict,
  processVerdictLine,
  registerVerdictCommand,
  runVerdictStream,
  VERDICT_GRAPH_CACHE_SIZE,
  ZVerdictLineSchema,
} from '@/server/cli/commands/verdict';
import { DomainError } from '@/lib/core/errors';
import {
  buildGraphFromPaths,
  createLinearGraph,
  createMergedGraph,
  createRandom,
} from '@/lib/core/strategy-graph/sample-graphs';
import { categorize, computeVerdict } from '@/lib/core/strategy-graph/verdict';

// 0 → 7 → {1, 2} → 3 → -1
const GRAPH = buildGraphFromPaths([
  ['7', '1', '3'],
  ['7', '2', '3'],
]);
const line = (value: unknown) => JSON.stringify(value);

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('processVerdictLine', () => {
  it('answers a line with verdict, category and path', () => {
    expect(
      JSON.parse(processVerdictLine(line({ graph: GRAPH, passed: ['7', '2', '3'], envSuccess: true }), 1)!),
    ).toEqual({
      verdict: true,
      category: 'fully_passed',
      path: ['7', '2', '3'],
    });
    expect(processVerdictLine(line({ graph: GRAPH, passed: ['7', '3'], envSuccess: true }), 1)).toBe(
      '{"verdict":false,"category":"partially_passed","path":null}',
    );
    expect(processVerdictLine(line({ graph: GRAPH, passed: [], envSuccess: true }), 1)).toBe(
      '{"verdict":false,"category":"failed","path":null}',
    );
    expect(processVerdictLine(line({ graph: GRAPH, passed: ['7', '1', '3'], envSuccess: null }), 1)).toBe(
      '{"verdict":true,"category":"fully_passed","path":["7","1","3"]}',
    );
  });

  it('applies the one-node rule, reads numeric ids, ignores unknown ids and defaults envSuccess to null', () => {
    const one = { 5: { parent_node_id: ['0'], child_node_id: ['-1'] } };
    expect(
      JSON.parse(processVerdictLine(line({ graph: one, passed: [], envSuccess: true }), 1)!),
    ).toMatchObject({
      category: 'partially_passed',
    });
    expect(JSON.parse(processVerdictLine(line({ graph: one, passed: [5] }), 1)!)).toEqual({
      verdict: true,
      category: 'fully_passed',
      path: ['5'],
    });
    // "0", "-1" and "99" are not nodes: nothing passed on a 4-node graph → failed.
    expect(
      JSON.parse(processVerdictLine(line({ graph: GRAPH, passed: ['0', '-1', '99'], envSuccess: true }), 1)!),
    ).toMatchObject({ category: 'failed' });
  });

  it('accepts and rejects exactly what ZVerdictLineSchema does', () => {
    const values: unknown[] = [
      { graph: GRAPH, passed: ['7', 1], envSuccess: true },
      { graph: GRAPH, passed: [] },
      { graph: GRAPH, passed: [], envSuccess: null },
      { graph: GRAPH, passed: [''] },
      { graph: GRAPH, passed: [1.5] },
      { graph: GRAPH, passed: {} },
      { graph: GRAPH, passed: [], envSuccess: 0 },
      { graph: { 1: { parent_node_id: [], child_node_id: [false] } }, passed: [] },
    ];
    for (const value of values) {
      const isError = 'error' in (JSON.parse(processVerdictLine(line(value), 1)!) as object);
      expect(isError).toBe(!ZVerdictLineSchema.safeParse(value).success);
    }
  });

  it('returns null for a blank line', () => {
    expect(processVerdictLine('   ', 4)).toBeNull();
  });

  it('answers a malformed line with an error naming the line and the field', () => {
    const error = (text: string) => JSON.parse(processVerdictLine(text, 12)!) as { error: string };
    expect(error('{"graph": {').error).toMatch(/^line 12: invalid JSON: /);
    expect(error('[1, 2]').error).toBe('line 12: expected a JSON object {"graph", "passed", "envSuccess"}');
    expect(error(line({ passed: [] })).error).toBe('line 12: field graph: required');
    expect(error(line({ graph: { 1: { parent_node_id: ['0'] } }, passed: [] })).error).toMatch(
      /^line 12: field graph\["1"\]\.child_node_id: /,
    );
    expect(error(line({ graph: GRAPH })).error).toMatch(/^line 12: field passed: /);
    expect(error(line({ graph: GRAPH, passed: ['7', true] })).error).toMatch(/^line 12: field passed\[1\]: /);
    expect(error(line({ graph: GRAPH, passed: [], envSuccess: 'yes' })).error).toMatch(
      /^line 12: field envSuccess: /,
    );
  });
});

describe('createVerdictLineProcessor', () => {
  it('gives the same answers with and without the graph cache, over mixed lines', () => {
    const { graph: big } = createMergedGraph({ nodeCount: 60, seed: 5, swap: 0.2 });
    const random = createRandom(3);
    const graphs = [GRAPH, big];
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      const graph = graphs[Math.floor(i / 50) % 2]!;
      const ids = Object.keys(graph);
      const passed = ids.filter(() => random() < 0.8);
      const envSuccess = [true, false, null][i % 3];
      const variant = i % 7;
      if (variant === 0)
        lines.push(line({ passed, envSuccess, graph })); // graph not first
      else if (variant === 1)
        lines.push(`{ "graph" : ${JSON.stringify(graph, null, 1)} , "passed": ${line(passed)} }`);
      else if (variant === 2) lines.push(line({ graph, passed, envSuccess, graph2: 1 }));
      else if (variant === 3 && i % 2 === 0)
        lines.push(`${line({ graph, passed, envSuccess }).slice(0, -1)},"passed":[]}`);
      else lines.push(line({ graph, passed, envSuccess }));
    }
    lines.push(line({ graph: GRAPH, passed: ['7', '1', '3'] }).replace('}}', '}}, "graph": {}'));
    const processor = createVerdictLineProcessor();
    lines.forEach((text, i) => {
      expect(processor.processLine(text, i + 1)).toBe(processVerdictLine(text, i + 1));
      const value = JSON.parse(text) as {
        graph: typeof GRAPH;
        passed: string[];
        envSuccess?: boolean | null;
      };
      const results = Object.fromEntries(value.passed.map((id) => [id, true]));
      const { verdict, path } = computeVerdict(value.graph, results);
      const nodeCount = Object.keys(value.graph).length;
      const anyNodePassed = value.passed.some((id) => Object.hasOwn(value.graph, id));
      expect(JSON.parse(processor.processLine(text, i + 1)!)).toEqual({
        verdict,
        path,
        category: categorize({ verdict, envSuccess: value.envSuccess ?? null, anyNodePassed, nodeCount }),
      });
    });
    expect(processor.errorCount).toBe(0);
  });

  it('stays correct with interleaved graphs, more distinct graphs than the cache holds', () => {
    const graphs = Array.from({ length: VERDICT_GRAPH_CACHE_SIZE + 8 }, (_, i) =>
      createLinearGraph(1 + (i % 12)),
    );
    graphs.push(GRAPH, createMergedGraph({ nodeCount: 40, seed: 9, swap: 0.3 }).graph);
    const random = createRandom(11);
    const processor = createVerdictLineProcessor();
    for (let i = 0; i < 2000; i++) {
      const graph = graphs[Math.floor(random() * graphs.length)]!;
      const passed = Object.keys(graph).filter(() => random() < 0.85);
      const text = i % 4 === 0 ? line({ passed, graph }) : line({ graph, passed });
      const expected = computeVerdict(graph, Object.fromEntries(passed.map((id) => [id, true])));
      expect(JSON.parse(processor.processLine(text, i + 1)!)).toMatchObject(expected);
    }
    expect(processor.errorCount).toBe(0);
  });

  it('does not let a cached graph answer a line whose graph differs after the same prefix', () => {
    const processor = createVerdictLineProcessor();
    const first = line({ graph: GRAPH, passed: ['7', '1', '3'], envSuccess: true });
    expect(JSON.parse(processor.processLine(first, 1)!)).toMatchObject({ verdict: true });
    // Same graph text followed by garbage, then by a line whose graph is a longer object.
    expect(processor.processLine(`${first.slice(0, -1)}x`, 2)).toMatch(/^\{"error":"line 2: invalid JSON/);
    const other = buildGraphFromPaths([['7', '1', '3', '8']]);
    expect(
      JSON.parse(processor.processLine(line({ graph: other, passed: ['7', '1', '3'] }), 3)!),
    ).toMatchObject({
      verdict: false,
    });
    expect(processor.errorCount).toBe(1);
  });
});

describe('runVerdictStream', () => {
  it('writes one line per non-blank input line and counts the malformed ones', async () => {
    const input = Readable.from(
      [
        line({ graph: GRAPH, passed: ['7', '1', '3'], envSuccess: true }),
        '',
        'not json',
        line({ graph: GRAPH, passed: ['7'], envSuccess: false }),
      ].join('\r\n'),
    );
    const out = collect();
    expect(await runVerdictStream(input, out.stream)).toEqual({ lines: 3, errors: 1 });
    const outLines = out.text().trimEnd().split('\n');
    expect(outLines).toHaveLength(3);
    expect(JSON.parse(outLines[0]!)).toMatchObject({ verdict: true });
    expect(JSON.parse(outLines[1]!)).toEqual({
      error: expect.stringMatching(/^line 3: invalid JSON/) as unknown,
    });
    expect(JSON.parse(outLines[2]!)).toEqual({ verdict: false, category: 'failed', path: null });
  });

  it('handles 100,000 lines in seconds', async () => {
    const text = line({ graph: GRAPH, passed: ['7', '2', '3'], envSuccess: true });
    const input = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) yield `${Array.from({ length: 1000 }, () => text).join('\n')}\n`;
      })(),
    );
    const out = collect();
    const started = performance.now();
    expect(await runVerdictStream(input, out.stream)).toEqual({ lines: 100_000, errors: 0 });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(out.text().split('\n')).toHaveLength(100_001);
  });
});

describe('registerVerdictCommand', () => {
  const program = (input: string[]) => {
    const out = collect();
    const cli = new Command().exitOverride();
    registerVerdictCommand(cli, { stdin: Readable.from([input.join('\n')]), stdout: out.stream });
    return { cli, out };
  };

  it('runs through commander with a fake stdin', async () => {
    const { cli, out } = program([
      line({ graph: GRAPH, passed: ['7', '1', '3'], envSuccess: true }),
      line({ graph: GRAPH, passed: ['7', '1'], envSuccess: true }),
    ]);
    await cli.parseAsync(['verdict'], { from: 'user' });
    expect(out.text()).toBe(
      '{"verdict":true,"category":"fully_passed","path":["7","1","3"]}\n' +
        '{"verdict":false,"category":"partially_passed","path":null}\n',
    );
  });

  it('fails with a DomainError after answering every line when a line was malformed', async () => {
    const { cli, out } = program(['{', line({ graph: GRAPH, passed: ['7', '2', '3'] })]);
    const run = cli.parseAsync(['verdict'], { from: 'user' });
    await expect(run).rejects.toBeInstanceOf(DomainError);
    await expect(run).rejects.toThrow('1 of 2 lines were malformed');
    expect(out.text().trimEnd().split('\n')).toHaveLength(2);
  });

  it('evaluateVerdict matches the per-line output', () => {
    expect(evaluateVerdict(GRAPH, ['7', '1', '3'], null)).toEqual({
      verdict: true,
      category: 'fully_passed',
      path: ['7', '1', '3'],
    });
  });
});
