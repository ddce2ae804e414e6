/**
 * One label-function runner child process, seen from the parent: start it, send it batches, read
 * and validate its results, and enforce the wall-clock and memory limits by killing it. The pool
 * in `label-function-runner.ts` replaces a runner that was killed or died.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { z } from 'zod';

import type { LfOutcome } from '@/lib/core/label-functions/types';
import type { RunnerLaunch } from '@/server/sandbox/sandbox-launch';

/** Longest line (one message) the parent accepts from a runner; longer is a protocol violation. */
export const MAX_RUNNER_MESSAGE_BYTES = 256 * 1024;
/** Longest error text accepted in one result. */
export const MAX_RUNNER_ERROR_CHARS = 4000;
/** How often the parent checks the running evaluation's clock. */
export const CLOCK_CHECK_INTERVAL_MS = 20;
/** How often the parent reads the runner's memory from /proc. */
export const MEMORY_POLL_INTERVAL_MS = 50;
/** Polls between re-reading the runner's process tree (it only holds bwrap and node). */
const TREE_REFRESH_POLLS = 20;
/** Last bytes of the runner's stderr kept for crash reports. */
const STDERR_TAIL_BYTES = 4096;

export interface RunnerLimits {
  /** Wall-clock limit of one evaluation (one label function on one trajectory). */
  timeoutMs: number;
  /** Limit on the runner's resident memory growth above its idle baseline. */
  memoryLimitBytes: number;
  /** Cap on captured prints of one evaluation. */
  outputLimitBytes: number;
  /** Time allowed for the runner to load Pyodide and harden itself. */
  startTimeoutMs: number;
  /** Time allowed for the runner to receive and store one batch. */
  batchLoadTimeoutMs: number;
}

export interface RunnerInit {
  driverSource: string;
  apiSource: string;
  /** False only in red-team tests that prove the deeper layers hold without the static policy. */
  staticPolicy: boolean;
}

/** One evaluation as the runner reports it (validated). */
export interface RunnerEvaluation {
  result: boolean | null;
  evidenceStep: number | null;
  outcome: LfOutcome;
  error: string | null;
  durationMs: number;
  output: string;
}

/** Why a runner stopped during a batch: charged to the evaluation that was running. */
export interface RunnerStop {
  outcome: Extract<LfOutcome, 'timeout' | 'memory' | 'crash'>;
  error: string;
  durationMs: number;
  /** True when an evaluation was running (it is charged with the stop); false between evaluations. */
  duringEvaluation: boolean;
}

/**
 * Size of the runner's exchange buffer: a trajectory whose marshal form is larger is sent as JSON
 * text instead (slower in the runner, same result).
 */
export const RUNNER_BUFFER_BYTES = 4 * 1024 * 1024;

export interface WireBatch {
  /** Each trajectory as base64 `marshal` bytes (`python-marshal.ts`), or as JSON when too large. */
  trajectories: ({ id: string; marshal: string } | { id: string; json: string })[];
  labelFunctions: { id: string; code: string }[];
  pairs: [string, string][];
}

function buildResultSchema(outputLimitBytes: number) {
  return z
    .object({
      type: z.literal('result'),
      i: z.number().int().nonnegative(),
      result: z.boolean().nullable(),
      evidenceStep: z.number().int().nonnegative().nullable(),
      outcome: z.enum(['ok', 'exception', 'non_bool']),
      error: z.string().max(MAX_RUNNER_ERROR_CHARS).nullable(),
      durationMs: z.number().nonnegative(),
      // prints are capped in bytes by the runner; a UTF-8 decoding can only shorten it, plus the note
      output: z.string().max(outputLimitBytes + 200),
    })
    .strict()
    .refine(
      (m) => (m.outcome === 'ok') === (m.result !== null),
      'result is a bool exactly when outcome is ok',
    )
    .refine(
      (m) => m.outcome === 'ok' || (m.error !== null && m.evidenceStep === null),
      'failed without error',
    );
}

const ZControlMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('loaded'), loadMs: z.number() }).strict(),
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('batch_loaded') }).strict(),
  z.object({ type: z.literal('done') }).strict(),
  z.object({ type: z.literal('fatal'), error: z.string().max(MAX_RUNNER_ERROR_CHARS * 2) }).strict(),
]);

/** Resident memory (bytes) of a process tree, from /proc; the tree's pids are refreshed by the caller. */
async function readRssBytes(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (match?.[1]) total += Number(match[1]) * 1024;
    } catch {
      // the process is gone
    }
  }
  return total;
}

/** The pids of a process and all its descendants (via /proc/<pid>/task/<tid>/children). */
export async function listProcessTree(rootPid: number): Promise<number[]> {
  const pids = [rootPid];
  for (let k = 0; k < pids.length; k += 1) {
    const pid = pids[k];
    if (pid === undefined) break;
    try {
      for (const tid of await readdir(`/proc/${pid}/task`)) {
        const children = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
        for (const child of children.split(/\s+/)) if (child !== '') pids.push(Number(child));
      }
    } catch {
      // the process is gone
    }
  }
  return pids;
}

function formatMb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

type Phase = 'starting' | 'idle' | 'loading_batch' | 'measuring' | 'evaluating' | 'finishing' | 'dead';

interface BatchState {
  pairCount: number;
  completed: number;
  onResult: (index: number, evaluation: RunnerEvaluation) => void;
  resolve: (end: { completed: number; stop: RunnerStop | null }) => void;
}

/**
 * A runner process. Create with {@link RunnerProcess.start}; it is usable once the promise
 * resolves. After a stop (timeout, memory, crash) it is dead and must be replaced.
 */
export class RunnerProcess {
  readonly launch: RunnerLaunch;
  readonly limits: RunnerLimits;
  /** Milliseconds from spawn to hardened and ready. */
  startMs = 0;
  /** Milliseconds the runner itself took to load Pyodide. */
  pyodideLoadMs = 0;
  /** Resident memory of the runner's process tree when it became ready. */
  baselineRssBytes = 0;
  /** Largest growth above the baseline seen so far. */
  peakGrowthBytes = 0;
  /** Resident memory when the current batch had been loaded: the memory limit counts from here. */
  private batchBaselineRssBytes = 0;

  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly resultSchema: ReturnType<typeof buildResultSchema>;
  private phase: Phase = 'starting';
  private pending: Buffer = Buffer.alloc(0);
  private stderrTail = '';
  private pids: number[] = [];
  private polls = 0;
  private isPolling = false;
  private clockStartedAt = 0;
  /** When the batch's evaluations started, and the duration reported for them so far (ms). */
  private evaluationsStartedAt = 0;
  private reportedMs = 0;
  private batch: BatchState | null = null;
  private stopReason: RunnerStop | null = null;
  private readonly clockTimer: NodeJS.Timeout;
  private readonly memoryTimer: NodeJS.Timeout;
  private readonly exited: Promise<void>;
  private onReady: ((error: Error | null) => void) | null = null;
  private readonly init: RunnerInit;

  private constructor(launch: RunnerLaunch, init: RunnerInit, limits: RunnerLimits) {
    this.launch = launch;
    this.limits = limits;
    this.init = init;
    this.resultSchema = buildResultSchema(limits.outputLimitBytes);
    this.child = spawn(launch.command, launch.args, {
      stdio: ['pipe', 'pipe', 'pipe'] as const,
      env: {} as NodeJS.ProcessEnv, // nothing of the server's environment (secrets) reaches the runner
      cwd: launch.cwd,
      detached: launch.detached,
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', (code, signal) => this.handleExit(code, signal));
    this.child.once('error', (error) => this.fail(`could not start the runner: ${error.message}`));
    this.child.stdin.on('error', () => {
      // EPIPE after the runner died: the exit handler reports it
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.handleStdout(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    this.clockTimer = setInterval(() => this.checkClock(), CLOCK_CHECK_INTERVAL_MS);
    this.memoryTimer = setInterval(() => void this.pollMemory(), MEMORY_POLL_INTERVAL_MS);
    this.clockTimer.unref();
    this.memoryTimer.unref();
  }

  /** Spawns a runner and waits until it has loaded Pyodide, installed the API and hardened itself. */
  static async start(launch: RunnerLaunch, init: RunnerInit, limits: RunnerLimits): Promise<RunnerProcess> {
    const startedAt = performance.now();
    const runner = new RunnerProcess(launch, init, limits);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => runner.fail(`the runner did not become ready within ${limits.startTimeoutMs} ms`),
        limits.startTimeoutMs,
      );
      runner.onReady = (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
    });
    runner.startMs = Math.round(performance.now() - startedAt);
    runner.pids = await listProcessTree(runner.pid);
    runner.baselineRssBytes = await readRssBytes(runner.pids);
    return runner;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get isAlive(): boolean {
    return this.phase !== 'dead';
  }

  /**
   * Sends one batch and reports each evaluation through `onResult` (index into `batch.pairs`).
   * Resolves when the batch is done (`stop: null`) or the runner stopped: then `completed` is the
   * index of the evaluation that was running and `stop` says why (the runner is dead).
   */
  runBatch(
    batch: WireBatch,
    onResult: (index: number, evaluation: RunnerEvaluation) => void,
  ): Promise<{ completed: number; stop: RunnerStop | null }> {
    if (this.phase !== 'idle') throw new Error(`runner is ${this.phase}, not idle`);
    return new Promise((resolve) => {
      this.batch = { pairCount: batch.pairs.length, completed: 0, onResult, resolve };
      this.phase = 'loading_batch';
      this.clockStartedAt = performance.now();
      this.child.stdin.write(`${JSON.stringify({ type: 'batch', ...batch })}\n`);
    });
  }

  /** Reads the runner's memory growth above its baseline now (also updates the peak). */
  async measureGrowth(): Promise<number> {
    const growth = (await readRssBytes(this.pids)) - this.baselineRssBytes;
    this.peakGrowthBytes = Math.max(this.peakGrowthBytes, growth);
    return growth;
  }

  /** Kills the runner (SIGKILL to its whole tree) and waits for it to exit. */
  async kill(): Promise<void> {
    this.killTree();
    await this.exited;
  }

  /** Ends the runner gracefully (closes its stdin), killing it if it does not exit within 2 s. */
  async close(): Promise<void> {
    if (this.phase === 'dead') return this.exited;
    this.child.stdin.end();
    const timer = setTimeout(() => this.killTree(), 2000);
    await this.exited;
    clearTimeout(timer);
  }

  // -------------------------------------------------------------------------------------------

  private killTree(): void {
    const wasAlive = this.phase !== 'dead';
    this.phase = 'dead';
    clearInterval(this.clockTimer);
    clearInterval(this.memoryTimer);
    if (!wasAlive && this.child.exitCode !== null) return;
    const pid = this.child.pid;
    if (pid === undefined) return;
    // Children first (node inside bwrap), then the root; a detached runner has its own group.
    for (const child of this.pids.slice(1).reverse()) {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      if (this.launch.detached) process.kill(-pid, 'SIGKILL');
      else process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Kills the runner on behalf of the running evaluation and ends the batch with `stop`. */
  private stop(stop: Omit<RunnerStop, 'duringEvaluation'>, phase: Phase = this.phase): void {
    if (this.stopReason) return;
    this.stopReason = { ...stop, duringEvaluation: phase === 'evaluating' };
    this.killTree();
    this.finishBatch();
  }

  private fail(message: string, phase: Phase = this.phase): void {
    const detail = this.stderrTail.trim();
    const error = new Error(detail ? `${message}\n--- runner stderr ---\n${detail}` : message);
    if (this.onReady) {
      this.killTree();
      const onReady = this.onReady;
      this.onReady = null;
      onReady(error);
      return;
    }
    this.stop({ outcome: 'crash', error: message, durationMs: this.elapsed() }, phase);
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.clockStartedAt) * 1000) / 1000;
  }

  private finishBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    batch.resolve({ completed: batch.completed, stop: this.stopReason });
  }

  private checkClock(): void {
    if (this.phase === 'evaluating' && this.elapsed() > this.limits.timeoutMs) {
      this.stop({
        outcome: 'timeout',
        error: `timed out after ${this.limits.timeoutMs} ms (runner killed and replaced)`,
        durationMs: this.elapsed(),
      });
    } else if (this.phase === 'loading_batch' && this.elapsed() > this.limits.batchLoadTimeoutMs) {
      this.stop({
        outcome: 'crash',
        error: `the runner did not load the batch within ${this.limits.batchLoadTimeoutMs} ms`,
        durationMs: 0,
      });
    }
  }

  /** Takes the batch's memory baseline (so batch data is not charged to label functions), then starts. */
  private async startEvaluations(): Promise<void> {
    this.batchBaselineRssBytes = Math.max(await readRssBytes(this.pids), this.baselineRssBytes);
    if (this.phase !== 'measuring') return;
    this.phase = this.batch?.pairCount === 0 ? 'finishing' : 'evaluating';
    this.clockStartedAt = performance.now();
    this.evaluationsStartedAt = this.clockStartedAt;
    this.reportedMs = 0;
    this.child.stdin.write('{"type":"start"}\n');
  }

  private async pollMemory(): Promise<void> {
    if (this.isPolling || (this.phase !== 'evaluating' && this.phase !== 'loading_batch')) return;
    this.isPolling = true;
    try {
      this.polls += 1;
      if (this.polls % TREE_REFRESH_POLLS === 0) this.pids = await listProcessTree(this.pid);
      const rss = await readRssBytes(this.pids);
      this.peakGrowthBytes = Math.max(this.peakGrowthBytes, rss - this.baselineRssBytes);
      const growth = rss - this.batchBaselineRssBytes;
      if (growth > this.limits.memoryLimitBytes && this.phase === 'evaluating') {
        this.stop({
          outcome: 'memory',
          error:
            `exceeded the memory limit of ${formatMb(this.limits.memoryLimitBytes)}: the runner grew ` +
            `${formatMb(growth)} above its baseline (runner killed and replaced)`,
          durationMs: this.elapsed(),
        });
      }
    } finally {
      this.isPolling = false;
    }
  }

  private handleExit(code: number | null, signal: NodeJS.Signals | null): void {
    const phase = this.phase;
    const wasAlive = phase !== 'dead';
    this.phase = 'dead';
    clearInterval(this.clockTimer);
    clearInterval(this.memoryTimer);
    if (this.onReady) {
      this.fail(`the runner exited while starting (exit code ${code}, signal ${signal})`);
      return;
    }
    if (wasAlive && this.batch) {
      const detail = this.stderrTail.trim().split('\n').slice(-5).join('\n');
      this.stop(
        {
          outcome: 'crash',
          error: `the runner exited unexpectedly (exit code ${code}, signal ${signal})${detail ? `: ${detail}` : ''}`,
          durationMs: this.elapsed(),
        },
        phase,
      );
    }
  }

  private handleStdout(chunk: Buffer): void {
    if (this.phase === 'dead') return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let newline = this.pending.indexOf(10);
    while (newline >= 0 && this.isAlive) {
      const line = this.pending.subarray(0, newline).toString('utf8');
      this.pending = this.pending.subarray(newline + 1);
      this.handleMessage(line);
      newline = this.pending.indexOf(10);
    }
    if (this.pending.length > MAX_RUNNER_MESSAGE_BYTES) {
      this.fail(`the runner sent a message over ${MAX_RUNNER_MESSAGE_BYTES} bytes`);
    }
  }

  private handleMessage(line: string): void {
    if (line.length > MAX_RUNNER_MESSAGE_BYTES) {
      this.fail(`the runner sent a message over ${MAX_RUNNER_MESSAGE_BYTES} bytes`);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.fail(`the runner sent invalid JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'result') {
      this.handleResult(json);
      return;
    }
    const parsed = ZControlMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.fail(`the runner sent an invalid message: ${line.slice(0, 200)}`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'loaded':
        this.pyodideLoadMs = message.loadMs;
        this.child.stdin.write(
          `${JSON.stringify({
            type: 'init',
            driver: this.init.driverSource,
            api: this.init.apiSource,
            outputLimitBytes: this.limits.outputLimitBytes,
            staticPolicy: this.init.staticPolicy,
            bufferBytes: RUNNER_BUFFER_BYTES,
          })}\n`,
        );
        return;
      case 'ready':
        if (this.phase !== 'starting' || !this.onReady) break;
        this.phase = 'idle';
        this.onReady(null);
        this.onReady = null;
        return;
      case 'batch_loaded':
        if (this.phase !== 'loading_batch') break;
        this.phase = 'measuring';
        void this.startEvaluations();
        return;
      case 'done':
        if (this.phase !== 'finishing' || !this.batch) break;
        this.phase = 'idle';
        this.finishBatch();
        return;
      case 'fatal':
        this.fail(`the runner failed: ${message.error}`);
        return;
    }
    this.fail(`the runner sent '${message.type}' out of turn`);
  }

  private handleResult(json: unknown): void {
    const parsed = this.resultSchema.safeParse(json);
    const batch = this.batch;
    if (!parsed.success || !batch || this.phase !== 'evaluating' || parsed.data.i !== batch.completed) {
      const reason = parsed.success ? 'out of turn' : (parsed.error.issues[0]?.message ?? 'invalid');
      this.fail(`the runner sent an invalid result (${reason})`);
      return;
    }
    const { type: _type, i, ...evaluation } = parsed.data;
    // The runner measures each evaluation itself; together they can never be longer than the
    // parent has seen the batch's evaluations run.
    const budgetMs = performance.now() - this.evaluationsStartedAt - this.reportedMs;
    evaluation.durationMs = Math.max(0, Math.min(evaluation.durationMs, Math.round(budgetMs * 1000) / 1000));
    this.reportedMs += evaluation.durationMs;
    batch.completed += 1;
    this.clockStartedAt = performance.now();
    if (batch.completed === batch.pairCount) this.phase = 'finishing'; // waiting for `done`
    batch.onResult(i, evaluation);
  }
}
