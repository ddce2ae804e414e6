/**
 * `npm run bench:lf` — label-function evaluations per second in the sandbox, against a baseline run
 * in the same process: the same label functions on the same trajectories evaluated the way CORE's
 * reference pipeline does it, by native CPython `exec` of each label function's source into a copy
 * of a namespace where the predefined API is already loaded, with the trajectory dicts already in
 * memory (no sandbox, no isolation, no decoding, no process boundary).
 *
 * Trajectories: the shared WebVoyager example runs (through the import parser and
 * `buildTrajectoryDict`), each repeated under COPIES ids. Label functions: LABEL_FUNCTIONS, typical
 * single-key-step checks through the predefined API. The sandbox side is the production runner
 * (bubblewrap unless `CORE_CURATOR_LF_SANDBOX=process`): every label function on an interpreter
 * restored from the clean copy, each evaluation on its own marshal decode of its trajectory, the
 * parent validating every result. Prints both rates, where the sandbox's time goes, a second
 * baseline with the sources compiled once, and, as the last line, `sandbox/bare-exec ratio: X`.
 * No assertions: numbers are for reading.
 */
import { spawnSync } from 'node:child_process';

import {
  createLabelFunctionRunner,
  type LabelFunctionSource,
  type LfBatchResult,
  type LfTrajectory,
} from '@/server/sandbox/label-function-runner';
import { describeSandboxMode, PREDEFINED_API_FILE } from '@/server/sandbox/sandbox-launch';
import { loadWebVoyagerTrajectoryDicts } from '@/server/sandbox/test-trajectories';

/** Each example trajectory is sent this many times under distinct ids. */
const COPIES = 20;
/** Timed repetitions per side; the best is reported (the runner is long-lived: V8 tiers its wasm up over the first runs). */
const RUNS = 5;

const LABEL_FUNCTIONS: LabelFunctionSource[] = [
  ['click', "validate_click(t, None, 'Most stars')"],
  ['click-role', "validate_click(t, 'button', 'sort by')"],
  ['type', "validate_type_action(t, 'climate change data visualization', None)"],
  ['enter', 'validate_keyboard_enter_action(t)'],
  ['scroll', "validate_scroll(t, 'down')"],
  ['answer', "validate_answer(t, 'resource-watch')"],
  ['page-text', "validate_page_text(t, 'stars')"],
  ['status', "validate_task_status(t, 'complete')"],
  ['combined', "validate_type_action(t, 'climate', None) and validate_click(t, None, 'stars')"],
  ['by-hand', "any('star' in (s['action'].get('element_name') or '').lower() for s in t['steps'])"],
].map(([id, body]) => ({ id: id ?? '', code: `def label_function(t):\n    return ${body}\n` }));

/**
 * The bare-exec baseline in native CPython: the API executed once, the trajectories decoded once,
 * then per evaluation `exec(source, dict(api))` and `label_function(trajectory)`. Also times the
 * same with each source compiled once. Prints `{"seconds", "compiledSeconds", "results", "version"}`.
 */
const BARE_EXEC_HARNESS = `
import json, sys, time
payload = json.load(sys.stdin)
api = {'__name__': 'predefined_api'}
exec(open(sys.argv[1], encoding='utf-8').read(), api)
trajectories = {item['id']: json.loads(item['json']) for item in payload['trajectories']}
sources = {item['id']: item['code'] for item in payload['labelFunctions']}
compiled = {key: compile(code, '<label_function>', 'exec') for key, code in sources.items()}
pairs = [(lf, trajectories[t]) for lf, t in payload['pairs']]

def run(codes):
    results = []
    for lf, trajectory in pairs:
        namespace = dict(api)
        namespace['_CALLS'] = []
        exec(codes[lf], namespace)
        results.append(namespace['label_function'](trajectory))
    return results

seconds, compiled_seconds = [], []
for _ in range(payload['runs']):
    start = time.perf_counter()
    results = run(sources)
    seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    run(compiled)
    compiled_seconds.append(time.perf_counter() - start)
print(json.dumps({'seconds': seconds, 'compiledSeconds': compiled_seconds,
                  'version': sys.version.split()[0], 'results': results}))
`;

function formatRate(evaluations: number, seconds: number): string {
  return `${Math.round(evaluations / seconds).toLocaleString('en-US')} evaluations/s`;
}

const dicts = await loadWebVoyagerTrajectoryDicts();
const trajectories: LfTrajectory[] = [];
for (let copy = 0; copy < COPIES; copy += 1) {
  for (const [name, trajectory] of dicts) trajectories.push({ id: `${name}#${copy}`, trajectory });
}
// Pairs trajectory by trajectory (the default order of `evaluate`); the runner regroups them.
const pairs = trajectories.flatMap((t) => LABEL_FUNCTIONS.map((lf) => [lf.id, t.id] as [string, string]));
const total = pairs.length;
console.log(
  `${LABEL_FUNCTIONS.length} label functions × ${trajectories.length} trajectories = ${total} evaluations per run, best of ${RUNS}`,
);

// --- sandbox --------------------------------------------------------------------------------
const createdAt = performance.now();
const runner = await createLabelFunctionRunner();
const createMs = performance.now() - createdAt;
console.log(`sandbox: ${describeSandboxMode(runner.mode)}`);
console.log(
  `  runner start: ${runner.stats().startMs.join(', ')} ms (pool ready after ${Math.round(createMs)} ms)`,
);
const sandboxSeconds: number[] = [];
let best: LfBatchResult[] = [];
await runner.evaluate({ labelFunctions: LABEL_FUNCTIONS, trajectories: trajectories.slice(0, 10) }); // warm-up
for (let run = 0; run < RUNS; run += 1) {
  const start = performance.now();
  const results = await runner.evaluate({ labelFunctions: LABEL_FUNCTIONS, trajectories });
  const seconds = (performance.now() - start) / 1000;
  if (sandboxSeconds.length === 0 || seconds < Math.min(...sandboxSeconds)) best = results;
  sandboxSeconds.push(seconds);
}
const stats = runner.stats();
await runner.close();
const sandboxBest = Math.min(...sandboxSeconds);
console.log(
  `  ${formatRate(total, sandboxBest)} (runs: ${sandboxSeconds.map((s) => s.toFixed(3)).join(', ')} s)`,
);

// Where the time goes: the runner's own clock per evaluation. A label function's first evaluation
// also installs it (API + source), its last one also restores the clean interpreter.
const byLf = new Map<string, number[]>();
for (const r of best) {
  const durations = byLf.get(r.labelFunctionId) ?? [];
  durations.push(r.evaluation.durationMs); // in the order the runner ran them
  byLf.set(r.labelFunctionId, durations);
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
let boundaryMs = 0;
let plainMs = 0;
let plainCount = 0;
for (const durations of byLf.values()) {
  const middle = durations.slice(1, -1);
  const typical = median(middle);
  boundaryMs += (durations[0] ?? 0) + (durations.at(-1) ?? 0) - 2 * typical;
  plainMs += middle.reduce((sum, d) => sum + d, 0) + 2 * typical;
  plainCount += durations.length;
}
const inRunnerMs = best.reduce((sum, r) => sum + r.evaluation.durationMs, 0);
const wallMs = sandboxBest * 1000;
console.log(
  `  time per evaluation: ${(wallMs / total).toFixed(3)} ms wall = ` +
    `${(plainMs / plainCount).toFixed(3)} ms decoding its trajectory + running the label function (runner clock) + ` +
    `${((wallMs - inRunnerMs) / total).toFixed(3)} ms outside it (pipe, JSON, marshal encoding, the parent's validation) + ` +
    `${(boundaryMs / total).toFixed(3)} ms spread of installing each label function and restoring the clean interpreter ` +
    `after it (${(boundaryMs / byLf.size).toFixed(2)} ms per label function)`,
);
console.log(
  `  runners started ${stats.runnersStarted}, stopped ${stats.runnersStopped}, recycled ${stats.runnersRecycled}; ` +
    `memory growth peak ${Math.round(stats.peakMemoryGrowthBytes / (1024 * 1024))} MB`,
);

// --- bare exec in native CPython ----------------------------------------------------------------
const native = spawnSync('python3', ['-c', BARE_EXEC_HARNESS, PREDEFINED_API_FILE], {
  input: JSON.stringify({
    trajectories: trajectories.map((t) => ({ id: t.id, json: JSON.stringify(t.trajectory) })),
    labelFunctions: LABEL_FUNCTIONS,
    pairs,
    runs: RUNS,
  }),
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (native.status !== 0) {
  console.log(`bare exec: could not run python3 (${native.error?.message ?? native.stderr.trim()})`);
  process.exit(1);
}
const nativeOut = JSON.parse(native.stdout) as {
  seconds: number[];
  compiledSeconds: number[];
  version: string;
  results: boolean[];
};
const nativeBest = Math.min(...nativeOut.seconds);
const compiledBest = Math.min(...nativeOut.compiledSeconds);
console.log(
  `bare exec, native CPython ${nativeOut.version} (API loaded once, trajectories in memory, no sandbox):`,
);
console.log(
  `  exec of the source per evaluation: ${formatRate(total, nativeBest)} (runs: ${nativeOut.seconds.map((s) => s.toFixed(3)).join(', ')} s)`,
);
console.log(
  `  sources compiled once:             ${formatRate(total, compiledBest)} → sandbox/compiled-exec ratio ${(compiledBest / sandboxBest).toFixed(3)}`,
);
const sandboxResults = best.map((r) => r.evaluation.result);
const agree = nativeOut.results.every((result, k) => result === sandboxResults[k]);
console.log(`results ${agree ? 'identical' : 'DIFFER'} on all ${total} evaluations`);
console.log(`sandbox/bare-exec ratio: ${(nativeBest / sandboxBest).toFixed(3)}`);
