/**
 * `npm run bench:lf` — label-function evaluations per second in the sandbox, against the same
 * label functions on the same trajectories in native CPython (`python3`), in the same run.
 *
 * Trajectories: the shared WebVoyager example runs (through the import parser and
 * `buildTrajectoryDict`), each repeated under COPIES ids. Label functions: LABEL_FUNCTIONS, typical
 * single-key-step checks through the predefined API. Both sides run the same `lf_driver.py` and
 * `predefined_api.py` with the same per-evaluation work (fresh namespace, API executed into it,
 * the trajectory decoded from JSON, young-generation collection); the sandbox side adds Pyodide
 * (wasm), the hardening, the process boundary and the parent's validation. Prints the runner start
 * time, evaluations/s for both (best of RUNS) and their ratio. No assertions: numbers are for reading.
 */
import { spawnSync } from 'node:child_process';

import {
  createLabelFunctionRunner,
  type LabelFunctionSource,
  type LfTrajectory,
} from '@/server/sandbox/label-function-runner';
import { describeSandboxMode, LF_DRIVER_FILE, PREDEFINED_API_FILE } from '@/server/sandbox/sandbox-launch';
import { loadWebVoyagerTrajectoryDicts } from '@/server/sandbox/test-trajectories';

/** Each example trajectory is sent this many times under distinct ids. */
const COPIES = 20;
/** Timed repetitions per side; the best is reported. */
const RUNS = 3;

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

/** Runs the driver in native CPython over the same pairs; prints `{"seconds": [..], "results": [..]}`. */
const NATIVE_HARNESS = `
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location('lf_driver', sys.argv[1])
driver = importlib.util.module_from_spec(spec)
spec.loader.exec_module(driver)
payload = json.load(sys.stdin)
driver.setup(open(sys.argv[2], encoding='utf-8').read())
driver.isolate_garbage()
for item in payload['trajectories']:
    driver.put_trajectory(item['id'], item['json'])
for item in payload['labelFunctions']:
    driver.put_label_function(item['id'], item['code'])
pairs = payload['pairs']
seconds = []
for _ in range(payload['runs']):
    start = time.perf_counter()
    results = [driver.evaluate(lf, trajectory) for lf, trajectory in pairs]
    seconds.append(time.perf_counter() - start)
print(json.dumps({'seconds': seconds, 'version': sys.version.split()[0],
                  'results': [json.loads(r)['result'] for r in results]}))
`;

function formatRate(evaluations: number, seconds: number): string {
  return `${Math.round(evaluations / seconds).toLocaleString('en-US')} evaluations/s`;
}

const dicts = await loadWebVoyagerTrajectoryDicts();
const trajectories: LfTrajectory[] = [];
for (let copy = 0; copy < COPIES; copy += 1) {
  for (const [name, trajectory] of dicts) trajectories.push({ id: `${name}#${copy}`, trajectory });
}
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
let sandboxResults: (boolean | null)[] = [];
let inRunnerMs = 0;
await runner.evaluate({ labelFunctions: LABEL_FUNCTIONS, trajectories: trajectories.slice(0, 10) }); // warm-up
for (let run = 0; run < RUNS; run += 1) {
  const start = performance.now();
  const results = await runner.evaluate({ labelFunctions: LABEL_FUNCTIONS, trajectories });
  sandboxSeconds.push((performance.now() - start) / 1000);
  sandboxResults = results.map((r) => r.evaluation.result);
  inRunnerMs = results.reduce((sum, r) => sum + r.evaluation.durationMs, 0);
}
const stats = runner.stats();
await runner.close();
const sandboxBest = Math.min(...sandboxSeconds);
console.log(
  `  ${formatRate(total, sandboxBest)} (runs: ${sandboxSeconds.map((s) => s.toFixed(3)).join(', ')} s)`,
);
console.log(
  `  time inside label functions (driver-measured): ${(inRunnerMs / total).toFixed(3)} ms/evaluation; ` +
    `runner memory growth peak ${Math.round(stats.peakMemoryGrowthBytes / (1024 * 1024))} MB`,
);

// --- native CPython -------------------------------------------------------------------------
const native = spawnSync('python3', ['-c', NATIVE_HARNESS, LF_DRIVER_FILE, PREDEFINED_API_FILE], {
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
  console.log(`native CPython: could not run python3 (${native.error?.message ?? native.stderr.trim()})`);
  process.exit(0);
}
const nativeOut = JSON.parse(native.stdout) as {
  seconds: number[];
  version: string;
  results: (boolean | null)[];
};
const nativeBest = Math.min(...nativeOut.seconds);
console.log(`native CPython ${nativeOut.version} (python3, same driver and API, no sandbox):`);
console.log(
  `  ${formatRate(total, nativeBest)} (runs: ${nativeOut.seconds.map((s) => s.toFixed(3)).join(', ')} s)`,
);

// --- comparison -----------------------------------------------------------------------------
const agree = nativeOut.results.every((result, k) => result === sandboxResults[k]);
console.log(
  `ratio: native is ${(sandboxBest / nativeBest).toFixed(1)}× the sandbox's throughput ` +
    `(sandbox ${((1000 * sandboxBest) / total).toFixed(3)} ms vs native ${((1000 * nativeBest) / total).toFixed(3)} ms per evaluation); ` +
    `results ${agree ? 'identical' : 'DIFFER'} on all ${total} evaluations`,
);
