/**
 * The label-function runtime: runs untrusted Python label functions (`label_function(trajectory)
 * -> bool`, DESIGN.md › Label functions) over trajectories and returns validated
 * {@link LfEvaluation}s. Label-function code is UNTRUSTED — a model wrote it, possibly steered by
 * text on a web page — so it runs behind these layers, outermost first:
 *
 * 1. **Process boundary.** Never in the server process: each runner is a child process
 *    (`lf-runner.mjs`, plain node + Pyodide). The parent only exchanges newline-delimited JSON
 *    with it and parses every message with zod (`runner-process.ts`); a malformed, oversized or
 *    out-of-turn message kills the runner and is recorded as a crash.
 * 2. **OS sandbox** (`sandbox-launch.ts`). Under bubblewrap: no network (`--unshare-net`), own pid,
 *    ipc, uts, cgroup and user namespaces (uid 65534, no capabilities, no_new_privs),
 *    `--die-with-parent`, `--new-session`, `--clearenv`, a tmpfs /tmp, and read-only binds of only
 *    the node binary, its shared libraries, the runner script and Pyodide's package folder — not
 *    the repo, not the data directory, not /etc, no shell. If bubblewrap is missing, creating a
 *    runner fails closed naming `apt-get install bubblewrap`; `CORE_CURATOR_LF_SANDBOX=process`
 *    (operator opt-in, logged as "NO OS isolation") skips this layer only.
 * 3. **JavaScript hardening** (`lf-runner.mjs`). Node runs with
 *    `--disallow-code-generation-from-strings` (Pyodide still loads: its glue comes in by
 *    `import()` and its wasm is compiled from bytes), so a JS `Function` reached from Python
 *    cannot compile `return process` (EvalError). Pyodide gets `jsglobals: {}`, no stdin, captured stdout/stderr. Before any
 *    untrusted code runs, the Pyodide API object (mountNodeFS, runPython, loadPackage, …), `fs`,
 *    `child_process`, `net`, `dgram`, `http(s)`, `tls`, `worker_threads`, `vm`, `v8`, `module`,
 *    `inspector`, `process.binding` / `dlopen` / `kill` … are replaced by throwing stubs and
 *    `globalThis.process`, `fetch`, `WebSocket` … are deleted. No host directory is mounted into
 *    Pyodide's in-memory file system.
 * 4. **Python hardening** (`lf_driver.py`). The `js`, `pyodide_js`, `pyodide.*`, `_pyodide*`
 *    modules and import finders are removed; a deny-by-default `sys.addaudithook` (cannot be
 *    removed) refuses `open`, imports of anything not loaded, `os.*`, `subprocess.*`, `socket.*`,
 *    `ctypes.*`, `sys._getframe`, `gc.get_objects`, restricted attributes (`__code__`, `gi_frame`,
 *    `tb_frame`), and `exec` of code the driver did not compile. A static AST policy rejects
 *    `_`-prefixed and frame/code attributes, attribute assignment, `__` names and imports outside
 *    an allowlist (re, json, math, collections, datetime, …); builtins lack eval/exec/open/
 *    getattr/vars/…; modules are served as read-only views.
 * 5. **Limits, enforced by the parent.** A wall-clock limit per evaluation (one label function on
 *    one trajectory, default {@link DEFAULT_LF_TIMEOUT_MS}) and a memory limit (default
 *    {@link DEFAULT_LF_MEMORY_LIMIT_BYTES}): the resident memory (VmRSS summed over the runner's
 *    process tree, read from /proc every 50 ms) may not grow more than the limit above its
 *    baseline, measured after the batch's trajectories and sources were loaded and before its
 *    first evaluation (so batch data is not charged to label functions). Wasm memory never
 *    shrinks, so this bounds the runner's high-water mark; a runner that has grown past
 *    {@link RECYCLE_RUNNER_GROWTH_FRACTION} of the limit above its idle start is replaced between
 *    batches, so one heavy label function is not charged to later ones. A runner over a limit is killed (SIGKILL to
 *    its tree) and replaced; the evaluation is recorded as `timeout` / `memory`, a runner that
 *    dies as `crash`. Prints are capped per evaluation ({@link DEFAULT_LF_OUTPUT_LIMIT_BYTES}),
 *    messages at 256 KiB, sources at {@link MAX_LF_SOURCE_BYTES}.
 *
 * 6. **A clean interpreter per label function — the boundary between label functions**
 *    (`lf-runner.mjs`). The hardened interpreter's wasm memory is copied once and copied back
 *    after each label function of a batch (memory grown into since is zeroed), so whatever one
 *    label function did inside the interpreter — even with the layers above bypassed — is gone
 *    before the next one runs. The batch stays in the runner's JavaScript; the interpreter gets one
 *    source, then one trajectory at a time as `marshal` bytes made here (`python-marshal.ts`).
 *    The runner's JavaScript writes each result record; this process checks it again: zod schema,
 *    results only in turn, evidence steps only among the trajectory's steps
 *    ({@link readStepIndices}), durations capped at the wall time seen (`runner-process.ts`).
 *
 * Every failure (exception, non-bool return, timeout, memory, crash) is recorded in
 * `LfEvaluation.outcome` / `error`, has `result: null` and counts as `False` for the verdict; it
 * never affects another label function's evaluations or the server. The unit of isolation is one
 * label function within one batch: its evaluations on that batch's trajectories share the
 * interpreter (restoring per evaluation would cost about 5 ms each).
 *
 * Throughput: a batch sends each trajectory and label function to a runner once (pairs grouped per
 * label function), then results stream back in bursts.
 */
import { readFileSync } from 'node:fs';

import { DomainError } from '@/lib/core/errors';
import type { TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import type { LfEvaluation, LfOutcome } from '@/lib/core/label-functions/types';
import { jsonToMarshal, MarshalDepthError } from '@/server/sandbox/python-marshal';
import {
  RUNNER_BUFFER_BYTES,
  RunnerProcess,
  type RunnerEvaluation,
  type RunnerInit,
  type RunnerLimits,
  type RunnerStop,
  type WireBatch,
} from '@/server/sandbox/runner-process';
import {
  LF_DRIVER_FILE,
  PREDEFINED_API_FILE,
  SANDBOX_MODE_ENV,
  SandboxUnavailableError,
  describeSandboxMode,
  readSandboxMode,
  resolveRunnerLaunch,
  type RunnerLaunch,
  type SandboxMode,
} from '@/server/sandbox/sandbox-launch';

/** Wall-clock limit of one evaluation (one label function on one trajectory). */
export const DEFAULT_LF_TIMEOUT_MS = 2000;
/** Memory limit: growth of the runner's resident memory above its idle baseline. */
export const DEFAULT_LF_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;
/** Cap on the captured prints of one evaluation. */
export const DEFAULT_LF_OUTPUT_LIMIT_BYTES = 16 * 1024;
/** Runners in a pool: one, for the 2-core machines this runs on. */
export const DEFAULT_RUNNER_POOL_SIZE = 1;
/** Time a runner may take to load Pyodide and harden itself (about 3 s idle; CI machines are busy). */
export const RUNNER_START_TIMEOUT_MS = 60_000;
/** Time a runner may take to receive and store one batch. */
export const BATCH_LOAD_TIMEOUT_MS = 30_000;
/** Largest label-function source accepted. */
export const MAX_LF_SOURCE_BYTES = 256 * 1024;
/** Largest trajectory dict accepted (as JSON). */
export const MAX_TRAJECTORY_JSON_BYTES = 16 * 1024 * 1024;
/** Trajectory JSON sent to one runner per round trip; a larger share is split. */
export const MAX_BATCH_TRAJECTORY_BYTES = 16 * 1024 * 1024;
/** A runner grown past this fraction of the memory limit above its idle start is replaced between batches. */
export const RECYCLE_RUNNER_GROWTH_FRACTION = 0.5;
/**
 * After a label function has stopped the runner (timeout / memory / crash) this many times in one
 * `evaluate` call, its remaining pairs of that call are not run; they are recorded with the same
 * outcome and an error starting `not run:`. Keeps one hostile function from costing a runner
 * restart (about 3 s) per trajectory.
 */
export const MAX_KILLS_PER_LABEL_FUNCTION = 3;

export interface LabelFunctionSource {
  id: string;
  /** Python source defining `label_function(trajectory) -> bool`. */
  code: string;
}

export interface LfTrajectory {
  id: string;
  /** The trajectory dict (`buildTrajectoryDict`); anything JSON-serialisable is passed as is. */
  trajectory: TrajectoryDict | Record<string, unknown>;
}

export interface LfPair {
  labelFunctionId: string;
  trajectoryId: string;
}

export interface LfBatch {
  labelFunctions: readonly LabelFunctionSource[];
  trajectories: readonly LfTrajectory[];
  /** Pairs to evaluate; default: every label function on every trajectory, trajectory by trajectory. */
  pairs?: readonly LfPair[];
}

/** An evaluation as the sandbox reports it: {@link LfEvaluation} plus the captured prints. */
export interface SandboxedLfEvaluation extends LfEvaluation {
  /** stdout + stderr of the evaluation, capped (the cap is noted at the end when hit). */
  output: string;
}

export interface LfBatchResult extends LfPair {
  evaluation: SandboxedLfEvaluation;
}

export interface EvaluateOptions {
  /** Called after each evaluation (in completion order), e.g. for job progress. */
  onResult?: (result: LfBatchResult, done: number, total: number) => void;
}

export interface RunnerPoolStats {
  mode: SandboxMode;
  /** Runner processes started so far (initial ones and replacements). */
  runnersStarted: number;
  /** Runners killed for a limit or found dead. */
  runnersStopped: number;
  /** Runners replaced because they had grown past the recycle threshold. */
  runnersRecycled: number;
  /** Start-up time of each runner started, in ms (spawn to hardened and ready). */
  startMs: number[];
  /** Largest memory growth above its idle baseline seen in any runner, in bytes. */
  peakMemoryGrowthBytes: number;
}

/** Runs label functions in sandboxed runner processes. */
export interface LabelFunctionRunner {
  readonly mode: SandboxMode;
  readonly limits: Readonly<RunnerLimits>;
  /**
   * Evaluates the batch's pairs and returns one result per pair, in pair order. Rejects only for
   * bad input (unknown ids, oversized sources / trajectories: a `DomainError`) or when no runner
   * can be started; a failing label function is a result, never a rejection.
   */
  evaluate(batch: LfBatch, options?: EvaluateOptions): Promise<LfBatchResult[]>;
  stats(): RunnerPoolStats;
  /** Stops all runners. The runner cannot be used afterwards. */
  close(): Promise<void>;
}

export interface CreateLabelFunctionRunnerOptions {
  /** Default {@link DEFAULT_RUNNER_POOL_SIZE}. */
  poolSize?: number;
  /** Default {@link DEFAULT_LF_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default {@link DEFAULT_LF_MEMORY_LIMIT_BYTES}. */
  memoryLimitBytes?: number;
  /** Default {@link DEFAULT_LF_OUTPUT_LIMIT_BYTES}. */
  outputLimitBytes?: number;
  /** Default: `CORE_CURATOR_LF_SANDBOX` (`bwrap` unless it says `process`). */
  mode?: SandboxMode;
  /** Default {@link MAX_KILLS_PER_LABEL_FUNCTION}. */
  maxKillsPerLabelFunction?: number;
  /**
   * Red-team tests only: `false` turns off the static AST policy so tests can prove the deeper
   * layers hold on their own. Never set it elsewhere.
   */
  staticPolicy?: boolean;
  /** Where warnings go (the weaker `process` mode is announced); default stderr. */
  warn?: (message: string) => void;
  /** Overrides for the launch (tests). */
  launch?: RunnerLaunch;
}

interface WorkItem {
  index: number;
  lfId: string;
  trajectoryId: string;
}

interface BatchContext {
  results: (LfBatchResult | undefined)[];
  lfCode: Map<string, string>;
  trajectoryJson: Map<string, string>;
  /** The step indices of each trajectory: an evidence step must be one of them. */
  stepIndices: Map<string, ReadonlySet<number>>;
  /** Each trajectory as sent to runners, made once per `evaluate` call. */
  wireTrajectories: Map<string, WireBatch['trajectories'][number]>;
  kills: Map<string, { count: number; last: RunnerStop }>;
  done: number;
  total: number;
  onResult?: EvaluateOptions['onResult'];
}

function record(ctx: BatchContext, item: WorkItem, evaluation: SandboxedLfEvaluation): void {
  // The parent decides what a result is: an evidence step that is not a step of the evaluated
  // trajectory is dropped, whatever the runner said.
  if (
    evaluation.evidenceStep !== null &&
    !ctx.stepIndices.get(item.trajectoryId)?.has(evaluation.evidenceStep)
  ) {
    evaluation = { ...evaluation, evidenceStep: null };
  }
  const result: LfBatchResult = { labelFunctionId: item.lfId, trajectoryId: item.trajectoryId, evaluation };
  ctx.results[item.index] = result;
  ctx.done += 1;
  ctx.onResult?.(result, ctx.done, ctx.total);
}

function stoppedEvaluation(stop: RunnerStop): SandboxedLfEvaluation {
  return {
    result: null,
    evidenceStep: null,
    outcome: stop.outcome,
    error: stop.error,
    durationMs: stop.durationMs,
    output: '',
  };
}

function toEvaluation(evaluation: RunnerEvaluation): SandboxedLfEvaluation {
  return { ...evaluation };
}

/** One runner slot of the pool: keeps a live runner, replaces it when it dies, runs work serially. */
class RunnerSlot {
  private runner: RunnerProcess | null = null;
  private starting: Promise<RunnerProcess> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly launch: RunnerLaunch,
    private readonly init: RunnerInit,
    private readonly limits: RunnerLimits,
    private readonly stats: RunnerPoolStats,
    private readonly maxKills: number,
  ) {}

  /** Starts a runner now, so the next batch does not wait for it. */
  warm(): Promise<RunnerProcess> {
    if (this.runner?.isAlive) return Promise.resolve(this.runner);
    if (!this.starting) {
      this.starting = RunnerProcess.start(this.launch, this.init, this.limits).then(
        (runner) => {
          this.stats.runnersStarted += 1;
          this.stats.startMs.push(runner.startMs);
          this.runner = runner;
          this.starting = null;
          return runner;
        },
        (error: unknown) => {
          this.starting = null;
          throw error;
        },
      );
    }
    return this.starting;
  }

  run(items: WorkItem[], ctx: BatchContext): Promise<void> {
    const next = this.queue.then(() => this.process(items, ctx));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.queue;
    const runner = this.runner ?? (await this.starting?.catch(() => null)) ?? null;
    this.runner = null;
    await runner?.close();
  }

  private async process(items: WorkItem[], ctx: BatchContext): Promise<void> {
    let remaining = items;
    let infrastructureFailures = 0;
    while (remaining.length > 0) {
      remaining = remaining.filter((item) => {
        const kills = ctx.kills.get(item.lfId);
        if (!kills || kills.count < this.maxKills) return true;
        record(ctx, item, {
          ...stoppedEvaluation(kills.last),
          durationMs: 0,
          error: `not run: this label function already stopped the runner ${kills.count} times in this batch (last: ${kills.last.error})`,
        });
        return false;
      });
      if (remaining.length === 0) break;
      const chunk = groupByLabelFunction(takeChunk(remaining, ctx));
      const rest = remaining.slice(chunk.length);
      const runner = await this.warm();
      const { completed, stop } = await runner.runBatch(buildWireBatch(chunk, ctx), (i, evaluation) => {
        const item = chunk[i];
        if (item) record(ctx, item, toEvaluation(evaluation));
      });
      remaining = [...chunk.slice(completed + (stop?.duringEvaluation ? 1 : 0)), ...rest];
      const growth = stop ? 0 : await runner.measureGrowth();
      this.stats.peakMemoryGrowthBytes = Math.max(this.stats.peakMemoryGrowthBytes, runner.peakGrowthBytes);
      if (stop) {
        this.stats.runnersStopped += 1;
        this.runner = null;
        const victim = chunk[completed];
        if (stop.duringEvaluation && victim) {
          record(ctx, victim, stoppedEvaluation(stop));
          const kills = ctx.kills.get(victim.lfId);
          ctx.kills.set(victim.lfId, { count: (kills?.count ?? 0) + 1, last: stop });
        } else if (!stop.duringEvaluation && completed < chunk.length) {
          infrastructureFailures += 1;
          if (infrastructureFailures >= 2)
            throw new Error(`label-function runner failed twice: ${stop.error}`);
        }
        if (remaining.length > 0) void this.warm().catch(() => undefined);
      } else if (growth > this.limits.memoryLimitBytes * RECYCLE_RUNNER_GROWTH_FRACTION) {
        this.stats.runnersRecycled += 1;
        this.runner = null;
        await runner.close();
      }
    }
  }
}

/** The longest prefix of `items` whose distinct trajectories fit {@link MAX_BATCH_TRAJECTORY_BYTES}. */
function takeChunk(items: readonly WorkItem[], ctx: BatchContext): WorkItem[] {
  const seen = new Set<string>();
  let bytes = 0;
  let end = 0;
  for (const item of items) {
    if (!seen.has(item.trajectoryId)) {
      const size = ctx.trajectoryJson.get(item.trajectoryId)?.length ?? 0;
      if (end > 0 && bytes + size > MAX_BATCH_TRAJECTORY_BYTES) break;
      seen.add(item.trajectoryId);
      bytes += size;
    }
    end += 1;
  }
  return items.slice(0, Math.max(end, 1));
}

/**
 * The items in label-function order (each label function's items together, in first-appearance
 * order): the runner restores a clean interpreter whenever the label function changes, so each is
 * installed once per chunk.
 */
function groupByLabelFunction(items: readonly WorkItem[]): WorkItem[] {
  const groups = new Map<string, WorkItem[]>();
  for (const item of items) {
    const group = groups.get(item.lfId);
    if (group) group.push(item);
    else groups.set(item.lfId, [item]);
  }
  return [...groups.values()].flat();
}

/** The `index` of every step of a trajectory dict (its position when `index` is not an integer). */
function readStepIndices(trajectory: unknown): ReadonlySet<number> {
  const steps = (trajectory as { steps?: unknown } | null)?.steps;
  const indices = new Set<number>();
  if (!Array.isArray(steps)) return indices;
  steps.forEach((step: unknown, position) => {
    const index = (step as { index?: unknown } | null)?.index;
    indices.add(typeof index === 'number' && Number.isInteger(index) ? index : position);
  });
  return indices;
}

/** A trajectory as the runner receives it: base64 marshal bytes, or JSON when they are too large. */
function wireTrajectory(id: string, ctx: BatchContext): WireBatch['trajectories'][number] {
  let wire = ctx.wireTrajectories.get(id);
  if (!wire) {
    const json = ctx.trajectoryJson.get(id) ?? 'null';
    let marshal: Buffer | null = null;
    try {
      marshal = jsonToMarshal(json);
    } catch (error) {
      if (!(error instanceof MarshalDepthError)) throw error;
      // too deep for marshal: the runner decodes the JSON (and reports Python's error, if any)
    }
    wire =
      marshal && marshal.length <= RUNNER_BUFFER_BYTES
        ? { id, marshal: marshal.toString('base64') }
        : { id, json };
    ctx.wireTrajectories.set(id, wire);
  }
  return wire;
}

function buildWireBatch(items: readonly WorkItem[], ctx: BatchContext): WireBatch {
  const trajectoryIds = [...new Set(items.map((item) => item.trajectoryId))];
  const lfIds = [...new Set(items.map((item) => item.lfId))];
  return {
    trajectories: trajectoryIds.map((id) => wireTrajectory(id, ctx)),
    labelFunctions: lfIds.map((id) => ({ id, code: ctx.lfCode.get(id) ?? '' })),
    pairs: items.map((item) => [item.lfId, item.trajectoryId]),
  };
}

function prepareBatch(batch: LfBatch): { ctx: Omit<BatchContext, 'onResult'>; items: WorkItem[] } {
  const lfCode = new Map<string, string>();
  for (const lf of batch.labelFunctions) {
    if (lfCode.has(lf.id)) throw new DomainError('BAD_INPUT', `duplicate label function id '${lf.id}'`);
    if (Buffer.byteLength(lf.code, 'utf8') > MAX_LF_SOURCE_BYTES) {
      throw new DomainError(
        'TOO_LARGE',
        `label function '${lf.id}' is over the ${MAX_LF_SOURCE_BYTES / 1024} KiB source limit`,
      );
    }
    lfCode.set(lf.id, lf.code);
  }
  const trajectoryJson = new Map<string, string>();
  const stepIndices = new Map<string, ReadonlySet<number>>();
  for (const item of batch.trajectories) {
    if (trajectoryJson.has(item.id))
      throw new DomainError('BAD_INPUT', `duplicate trajectory id '${item.id}'`);
    const json = JSON.stringify(item.trajectory);
    if (Buffer.byteLength(json, 'utf8') > MAX_TRAJECTORY_JSON_BYTES) {
      throw new DomainError(
        'TOO_LARGE',
        `trajectory '${item.id}' is over the ${MAX_TRAJECTORY_JSON_BYTES / (1024 * 1024)} MB limit as JSON`,
      );
    }
    trajectoryJson.set(item.id, json);
    stepIndices.set(item.id, readStepIndices(item.trajectory));
  }
  const pairs =
    batch.pairs ??
    batch.trajectories.flatMap((t) =>
      batch.labelFunctions.map((lf) => ({ labelFunctionId: lf.id, trajectoryId: t.id })),
    );
  const items = pairs.map((pair, index) => {
    if (!lfCode.has(pair.labelFunctionId)) {
      throw new DomainError(
        'BAD_INPUT',
        `pair ${index} names unknown label function '${pair.labelFunctionId}'`,
      );
    }
    if (!trajectoryJson.has(pair.trajectoryId)) {
      throw new DomainError('BAD_INPUT', `pair ${index} names unknown trajectory '${pair.trajectoryId}'`);
    }
    return { index, lfId: pair.labelFunctionId, trajectoryId: pair.trajectoryId };
  });
  return {
    ctx: {
      results: new Array<LfBatchResult | undefined>(items.length),
      lfCode,
      trajectoryJson,
      stepIndices,
      wireTrajectories: new Map(),
      kills: new Map(),
      done: 0,
      total: items.length,
    },
    items,
  };
}

/** Splits items over slots, keeping each trajectory's pairs on one slot, least-loaded first. */
function distribute(items: readonly WorkItem[], slotCount: number): WorkItem[][] {
  const shares: WorkItem[][] = Array.from({ length: slotCount }, () => []);
  if (slotCount === 1) return [[...items]];
  const byTrajectory = new Map<string, WorkItem[]>();
  for (const item of items) {
    const group = byTrajectory.get(item.trajectoryId) ?? [];
    group.push(item);
    byTrajectory.set(item.trajectoryId, group);
  }
  for (const group of byTrajectory.values()) {
    let target = shares[0] ?? [];
    for (const share of shares) if (share.length < target.length) target = share;
    target.push(...group);
  }
  return shares;
}

/** Reads the runner's Python sources (driver + predefined API). */
export function readRunnerSources(): { driverSource: string; apiSource: string } {
  return {
    driverSource: readFileSync(LF_DRIVER_FILE, 'utf8'),
    apiSource: readFileSync(PREDEFINED_API_FILE, 'utf8'),
  };
}

/**
 * Starts a pool of sandboxed runners and returns once all are ready. Raises
 * {@link SandboxUnavailableError} when the sandbox cannot be started as configured (bubblewrap
 * missing or refusing to create namespaces); the message names the fix.
 */
export async function createLabelFunctionRunner(
  options: CreateLabelFunctionRunnerOptions = {},
): Promise<LabelFunctionRunner> {
  const mode = options.launch?.mode ?? options.mode ?? readSandboxMode();
  const warn = options.warn ?? ((message: string) => void process.stderr.write(`${message}\n`));
  const launch = options.launch ?? resolveRunnerLaunch({ mode });
  if (mode === 'process') {
    warn(`warning: label functions run as a ${describeSandboxMode(mode)}`);
  }
  const limits: RunnerLimits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_LF_TIMEOUT_MS,
    memoryLimitBytes: options.memoryLimitBytes ?? DEFAULT_LF_MEMORY_LIMIT_BYTES,
    outputLimitBytes: options.outputLimitBytes ?? DEFAULT_LF_OUTPUT_LIMIT_BYTES,
    startTimeoutMs: RUNNER_START_TIMEOUT_MS,
    batchLoadTimeoutMs: BATCH_LOAD_TIMEOUT_MS,
  };
  const init: RunnerInit = { ...readRunnerSources(), staticPolicy: options.staticPolicy ?? true };
  const stats: RunnerPoolStats = {
    mode,
    runnersStarted: 0,
    runnersStopped: 0,
    runnersRecycled: 0,
    startMs: [],
    peakMemoryGrowthBytes: 0,
  };
  const poolSize = Math.max(1, Math.floor(options.poolSize ?? DEFAULT_RUNNER_POOL_SIZE));
  const maxKills = options.maxKillsPerLabelFunction ?? MAX_KILLS_PER_LABEL_FUNCTION;
  const slots = Array.from({ length: poolSize }, () => new RunnerSlot(launch, init, limits, stats, maxKills));
  try {
    await Promise.all(slots.map((slot) => slot.warm()));
  } catch (error) {
    await Promise.all(slots.map((slot) => slot.close().catch(() => undefined)));
    const reason = error instanceof Error ? error.message : String(error);
    throw new SandboxUnavailableError(
      mode === 'bwrap'
        ? `could not start the label-function sandbox under bubblewrap: ${reason}\n` +
            `Fix bubblewrap (it needs user namespaces), or set ${SANDBOX_MODE_ENV}=process to run label functions ` +
            'WITHOUT OS isolation (weaker).'
        : `could not start the label-function runner (${describeSandboxMode(mode)}): ${reason}`,
    );
  }

  let isClosed = false;
  return {
    mode,
    limits,
    async evaluate(batch, evaluateOptions = {}) {
      if (isClosed) throw new Error('the label-function runner is closed');
      const { ctx: base, items } = prepareBatch(batch);
      const ctx: BatchContext = { ...base, onResult: evaluateOptions.onResult };
      const work: Promise<void>[] = [];
      distribute(items, slots.length).forEach((share, k) => {
        const slot = slots[k];
        if (slot && share.length > 0) work.push(slot.run(share, ctx));
      });
      await Promise.all(work);
      return ctx.results.map((result, index) => {
        if (!result) throw new Error(`internal: pair ${index} has no result`);
        return result;
      });
    },
    stats: () => ({ ...stats, startMs: [...stats.startMs] }),
    async close() {
      isClosed = true;
      await Promise.all(slots.map((slot) => slot.close()));
    },
  };
}

/** Evaluates one label function on one trajectory. */
export async function evaluateLabelFunction(
  runner: LabelFunctionRunner,
  code: string,
  trajectory: TrajectoryDict | Record<string, unknown>,
): Promise<SandboxedLfEvaluation> {
  const [result] = await runner.evaluate({
    labelFunctions: [{ id: 'lf', code }],
    trajectories: [{ id: 'trajectory', trajectory }],
  });
  if (!result) throw new Error('internal: no result');
  return result.evaluation;
}

/** Outcomes that mean the runner was killed or died (and was replaced). */
export const RUNNER_STOP_OUTCOMES: readonly LfOutcome[] = ['timeout', 'memory', 'crash'];

export { SandboxUnavailableError, type SandboxMode };

/**
 * A provider that starts one runner pool on first use and hands the same one out afterwards. A
 * failed start (e.g. bubblewrap missing) is not cached, so the next call tries again after the fix.
 * `close()` stops the pool if it was started.
 */
export function createLazyLabelFunctionRunner(options: CreateLabelFunctionRunnerOptions = {}): {
  get: () => Promise<LabelFunctionRunner>;
  close: () => Promise<void>;
} {
  let pending: Promise<LabelFunctionRunner> | null = null;
  return {
    get() {
      pending ??= createLabelFunctionRunner(options).catch((error: unknown) => {
        pending = null;
        throw error;
      });
      return pending;
    },
    async close() {
      const current = pending;
      pending = null;
      if (current) await (await current.catch(() => null))?.close();
    },
  };
}
