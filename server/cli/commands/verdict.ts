/**
 * `core-curator verdict` — the CORE graph verdict and category for many trajectories, JSON lines in,
 * JSON lines out (issue 3 › CLI). Reads stdin, writes stdout; nothing touches the database.
 *
 * Input, one JSON object per line:
 *   `{"graph": <key_nodes object of one tasks.json entry>, "passed": ["7","1",…], "envSuccess": true|false|null}`
 * (`passed` lists the node ids whose LF passed; numbers are read as ids; `envSuccess` may be left
 * out, meaning null). Output, one line per input line:
 *   `{"verdict": bool, "category": "fully_passed"|"partially_passed"|"failed", "path": [ids]|null}`
 * with the semantics of `computeVerdict` / `categorize` (DESIGN.md › Graph verdict, › Categories).
 *
 * Error policy (our choice): a malformed line writes `{"error": "line N: …"}` in its place (N is
 * 1-based, counting every input line) and processing goes on, so output line k still answers input
 * line k; blank lines are skipped without output. If any line was malformed the command fails at
 * the end (a `DomainError`, which the CLI turns into exit code 1 and an `error:` line on stderr).
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';

import { ZNodeIdSchema, ZStrategyGraphSchema } from '@/lib/core/core-format/schemas';
import { DomainError } from '@/lib/core/errors';
import { formatFieldPath } from '@/lib/core/import/format-errors';
import { indexGraph, type GraphIndex } from '@/lib/core/strategy-graph/graph-index';
import type { NodeId, StrategyGraph } from '@/lib/core/strategy-graph/types';
import { categorize, computeVerdictOnIndex } from '@/lib/core/strategy-graph/verdict';
import type { Category } from '@/lib/core/types';

/**
 * The shape of an input line. The command validates `graph` with {@link ZStrategyGraphSchema} (once
 * per distinct graph) and the other two fields by hand (`readRest`, same rules, faster per line).
 */
export const ZVerdictLineSchema = z.object({
  graph: ZStrategyGraphSchema,
  passed: z.array(ZNodeIdSchema),
  envSuccess: z.boolean().nullable().optional(),
});
export type TVerdictLine = z.input<typeof ZVerdictLineSchema>;

export interface VerdictLineOutput {
  verdict: boolean;
  category: Category;
  path: NodeId[] | null;
}

/**
 * Verdict and category of one (graph, passed ids, environment verdict) triple on a prebuilt
 * {@link GraphIndex}. `anyNodePassed` counts real nodes of the graph only; ids in `passed` that are
 * not nodes of the graph (sentinels, unknown ids) are ignored.
 */
export function evaluateVerdictOnIndex(
  index: GraphIndex,
  passed: readonly NodeId[],
  envSuccess: boolean | null,
): VerdictLineOutput {
  const isPassed = new Uint8Array(index.ids.length);
  let anyNodePassed = false;
  for (const id of passed) {
    const position = index.positions.get(id);
    if (position === undefined) continue;
    isPassed[position] = 1;
    anyNodePassed = true;
  }
  const { verdict, path } = computeVerdictOnIndex(index, (position) => isPassed[position] === 1);
  const category = categorize({ verdict, envSuccess, anyNodePassed, nodeCount: index.ids.length });
  return { verdict, category, path };
}

/** {@link evaluateVerdictOnIndex} on a graph object. */
export function evaluateVerdict(
  graph: StrategyGraph,
  passed: readonly NodeId[],
  envSuccess: boolean | null,
): VerdictLineOutput {
  return evaluateVerdictOnIndex(indexGraph(graph), passed, envSuccess);
}

/** Distinct graphs whose index the processor keeps (least recently used evicted). Our choice: a few tasks' worth of interleaved lines. */
export const VERDICT_GRAPH_CACHE_SIZE = 32;

/** A small least-recently-used map. */
class LruMap<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
}

export interface VerdictLineProcessor {
  /** Processes one input line (1-based `lineNumber`); returns the output line without newline, or null for a blank line. */
  processLine(line: string, lineNumber: number): string | null;
  /** Lines answered with `{"error": …}` so far. */
  readonly errorCount: number;
}

/** The end (exclusive) of the JSON value of the first key of the object in `line`, if that key is `"graph"`. */
function findLeadingGraphEnd(line: string): number | null {
  const match = /^\s*\{\s*"graph"\s*:\s*/.exec(line);
  if (!match) return null;
  let i = match[0].length;
  if (line[i] !== '{') return null;
  let depth = 0;
  let inString = false;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return null;
}

/**
 * The object made of the line's other keys, given the end of its leading `"graph"` value: `{` +
 * the text after the graph's `,` (or `{}` when the graph is the only key). Null when that is not
 * valid JSON or repeats a `"graph"` key (the whole-line parse decides then).
 */
function parseRestAfterGraph(line: string, graphEnd: number): object | null {
  const after = line.slice(graphEnd).trimStart();
  let restText: string;
  if (after.startsWith(',')) restText = `{${after.slice(1)}`;
  else if (after.startsWith('}')) restText = `{${after}`;
  else return null;
  let rest: unknown;
  try {
    rest = JSON.parse(restText);
  } catch {
    return null;
  }
  if (typeof rest !== 'object' || rest === null || Object.hasOwn(rest, 'graph')) return null;
  return rest;
}

/**
 * `passed` and `envSuccess` of a line, checked by hand: this runs on every line, and is several
 * times faster than the equivalent zod schema ({@link ZVerdictLineSchema} documents the same shape).
 */
function readRest(rest: object): { passed: NodeId[]; envSuccess: boolean | null } {
  const record = rest as { passed?: unknown; envSuccess?: unknown };
  const raw = record.passed;
  if (!Array.isArray(raw)) {
    throw new LineError(`field passed: expected an array of node ids, received ${describeValue(raw)}`);
  }
  const passed: NodeId[] = new Array<NodeId>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const id: unknown = raw[i];
    if (typeof id === 'string' && id !== '') passed[i] = id;
    else if (typeof id === 'number' && Number.isInteger(id)) passed[i] = String(id);
    else
      throw new LineError(
        `field passed[${i}]: expected a node id (string or integer), received ${describeValue(id)}`,
      );
  }
  const envSuccess = record.envSuccess ?? null;
  if (typeof envSuccess !== 'boolean' && envSuccess !== null) {
    throw new LineError(
      `field envSuccess: expected true, false or null, received ${describeValue(envSuccess)}`,
    );
  }
  return { passed, envSuccess };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

class LineError extends Error {}

/**
 * A stateful per-line function for the `verdict` command, usable without a process (unit tests,
 * the bench). Each line is answered independently; the state is only the graph cache and the error
 * count.
 *
 * Graph cache (lines of one task usually repeat one graph, 300 nodes ≈ 20 kB of JSON): a graph is
 * validated and indexed once, then found again, in this order,
 * 1. when the line starts with exactly the previous line's text up to the end of its `"graph"`
 *    value (graph as first key): a memory-speed comparison, then only the rest of the line
 *    (`{` + the text after the graph) is parsed;
 * 2. by that leading text among the last {@link VERDICT_GRAPH_CACHE_SIZE} graphs (interleaved
 *    tasks);
 * 3. otherwise the whole line is parsed and the graph looked up by its `JSON.stringify` text
 *    (graph not the first key, other spacing), and validated + indexed only when new.
 * A text-identical graph always means the same parsed graph, so the cache never changes an answer.
 */
export function createVerdictLineProcessor(): VerdictLineProcessor {
  const byPrefix = new LruMap<GraphIndex>(VERDICT_GRAPH_CACHE_SIZE);
  const byCanonical = new LruMap<GraphIndex>(VERDICT_GRAPH_CACHE_SIZE);
  let last: { prefix: string; index: GraphIndex } | null = null;
  let errorCount = 0;

  const evaluateRest = (rest: object, index: GraphIndex): string => {
    const { passed, envSuccess } = readRest(rest);
    return JSON.stringify(evaluateVerdictOnIndex(index, passed, envSuccess));
  };

  /** Steps 1 and 2; null when the line must be parsed whole. */
  const tryPrefix = (line: string): string | null => {
    // `slice(…) ===` compares at memory speed; `startsWith` walks long strings far more slowly in V8.
    if (last && line.length > last.prefix.length && line.slice(0, last.prefix.length) === last.prefix) {
      const rest = parseRestAfterGraph(line, last.prefix.length);
      if (rest !== null) return evaluateRest(rest, last.index);
    }
    const graphEnd = findLeadingGraphEnd(line);
    if (graphEnd === null) return null;
    const prefix = line.slice(0, graphEnd);
    const index = byPrefix.get(prefix);
    if (index === undefined) return null;
    const rest = parseRestAfterGraph(line, graphEnd);
    if (rest === null) return null;
    last = { prefix, index };
    return evaluateRest(rest, index);
  };

  /** Step 3. */
  const parseWhole = (line: string): string => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new LineError(`invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new LineError('expected a JSON object {"graph", "passed", "envSuccess"}');
    }
    const record = value as Record<string, unknown>;
    if (!Object.hasOwn(record, 'graph')) throw new LineError('field graph: required');
    const canonical = JSON.stringify(record.graph);
    let index = byCanonical.get(canonical);
    if (index === undefined) {
      const graph = ZStrategyGraphSchema.safeParse(record.graph);
      if (!graph.success) {
        const issue = graph.error.issues[0];
        const field = formatFieldPath(['graph', ...(issue?.path ?? [])]);
        throw new LineError(`field ${field}: ${issue?.message ?? 'invalid value'}`);
      }
      index = indexGraph(graph.data);
      byCanonical.set(canonical, index);
    }
    // Remember the leading text only when steps 1-2 would read this very line the same way (the
    // graph is the first key and no later duplicate "graph" key overrides it).
    const graphEnd = findLeadingGraphEnd(line);
    if (graphEnd !== null && parseRestAfterGraph(line, graphEnd) !== null) {
      const prefix = line.slice(0, graphEnd);
      byPrefix.set(prefix, index);
      last = { prefix, index };
    }
    return evaluateRest(record, index);
  };

  return {
    processLine(line, lineNumber) {
      if (line.trim() === '') return null;
      try {
        return tryPrefix(line) ?? parseWhole(line);
      } catch (error) {
        if (!(error instanceof LineError)) throw error;
        errorCount++;
        return JSON.stringify({ error: `line ${lineNumber}: ${error.message}` });
      }
    },
    get errorCount() {
      return errorCount;
    },
  };
}

/**
 * One line, no cache: the pure per-line function. Returns the output line (without newline), an
 * `{"error": "line N: …"}` line for a malformed one, or null for a blank line. Never throws.
 */
export function processVerdictLine(line: string, lineNumber: number): string | null {
  return createVerdictLineProcessor().processLine(line, lineNumber);
}

export interface VerdictStreamSummary {
  lines: number;
  errors: number;
}

/** Output is written in chunks of about this many characters (fewer write calls). */
const WRITE_CHUNK_CHARS = 64 * 1024;

function write(output: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = output.write(text, (error) => {
      if (error) reject(error);
    });
    if (ok) resolve();
    else output.once('drain', resolve);
  });
}

/**
 * Streams JSON lines from `input` to `output` (see the module docstring), honouring back-pressure.
 * Returns the number of non-blank lines and of malformed ones; does not throw for malformed lines.
 */
export async function runVerdictStream(input: Readable, output: Writable): Promise<VerdictStreamSummary> {
  const processor = createVerdictLineProcessor();
  const reader = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  let lines = 0;
  let buffer = '';
  for await (const line of reader) {
    lineNumber++;
    const out = processor.processLine(line, lineNumber);
    if (out === null) continue;
    lines++;
    buffer += `${out}\n`;
    if (buffer.length >= WRITE_CHUNK_CHARS) {
      await write(output, buffer);
      buffer = '';
    }
  }
  if (buffer !== '') await write(output, buffer);
  return { lines, errors: processor.errorCount };
}

export interface VerdictCommandIo {
  stdin: Readable;
  stdout: Writable;
}

/**
 * Adds `verdict` to `program` (commander 14). `io` defaults to the process streams; tests pass
 * their own. After the stream ends, throws a `DomainError('BAD_INPUT', …)` when any line was
 * malformed, so `runCli` exits 1.
 */
export function registerVerdictCommand(
  program: Command,
  io: VerdictCommandIo = { stdin: process.stdin, stdout: process.stdout },
): Command {
  return program
    .command('verdict')
    .description(
      'Graph verdict + category per JSON line on stdin: {"graph": <key_nodes>, "passed": [ids], "envSuccess": true|false|null} → {"verdict", "category", "path"}.',
    )
    .action(async () => {
      const summary = await runVerdictStream(io.stdin, io.stdout);
      if (summary.errors > 0) {
        throw new DomainError(
          'BAD_INPUT',
          `${summary.errors} of ${summary.lines} lines were malformed (see the "error" lines on stdout)`,
        );
      }
    });
}
