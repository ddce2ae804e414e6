/**
 * Launches a configured fine-tuning command (e.g. `llamafactory-cli train config.yaml`) as a child
 * process whose stdout and stderr are appended to a log file the browser streams (see
 * `log-file.ts`). The command is an argv array: it is never given to a shell, so placeholder values
 * with spaces, quotes or `;` stay one argument and cannot inject commands.
 *
 * The child runs in its own process group (`detached: true`), so cancelling reaches the processes it
 * starts (torchrun workers, data loaders): SIGTERM to the group, SIGKILL after a grace period.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { stat, mkdir, open } from 'node:fs/promises';
import type { WriteStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

import { DomainError } from '@/lib/core/errors';

/** Placeholders a fine-tuning command may use, written `{name}` inside any argument. */
export const FINE_TUNE_COMMAND_PLACEHOLDERS = [
  'export_dir',
  'train_file',
  'validation_file',
  'dataset_info',
  'format',
  'export_id',
  'iteration',
  'output_dir',
  'run_id',
] as const;

export type FineTuneCommandPlaceholder = (typeof FINE_TUNE_COMMAND_PLACEHOLDERS)[number];

/** One line of help per placeholder, for the settings form and error messages. */
export const FINE_TUNE_COMMAND_PLACEHOLDER_DOCS: Record<FineTuneCommandPlaceholder, string> = {
  export_dir: 'Absolute path of the folder the export was written to.',
  train_file: 'Absolute path of the training split file inside the export folder.',
  validation_file: 'Absolute path of the validation split file (empty when the export has none).',
  dataset_info: 'Absolute path of the dataset_info.json describing the export (LLaMA-Factory).',
  format: "The export's format: 'openai', 'llama-factory' or 'ms-swift'.",
  export_id: 'Id of the export being trained on.',
  iteration: 'Number of the iteration the export belongs to.',
  output_dir: 'Absolute path of the folder the run should write checkpoints and adapters to.',
  run_id: 'Id of this fine-tuning run (also names its log file).',
};

/** Default time between SIGTERM and SIGKILL when a run is cancelled, in ms. */
export const DEFAULT_KILL_GRACE_MS = 10_000;

/** `{{`, `}}`, a `{name}` placeholder, or a stray brace (an error). */
const PLACEHOLDER_PATTERN = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `{name}` placeholders inside each argument of a command, like Python's `str.format`:
 * an argument may hold several (`--dataset_dir={export_dir}`), `{{` and `}}` are literal braces,
 * and values are inserted verbatim (not expanded again). Arguments are never split or joined, so a
 * value containing spaces or `;` stays inside its one argument.
 *
 * @param argv the configured command, one string per argument.
 * @param vars placeholder name → value.
 * @returns a new argv of the same length.
 * @throws DomainError('BAD_INPUT') for a placeholder not in `vars`, braces around something that is
 *   not a name (`{"a": 1}`) or a lone `{` / `}`; the message names the placeholder and the 0-based
 *   argument index.
 */
export function expandCommandArgv(argv: readonly string[], vars: Record<string, string>): string[] {
  return argv.map((arg, index) =>
    arg.replace(PLACEHOLDER_PATTERN, (token: string, name: string | undefined) => {
      if (token === '{{') return '{';
      if (token === '}}') return '}';
      if (name === undefined) {
        throw new DomainError(
          'BAD_INPUT',
          `Argument ${index} ('${arg}') has an unmatched '${token}'; write '${token}${token}' for a literal brace`,
        );
      }
      if (!PLACEHOLDER_NAME.test(name)) {
        throw new DomainError(
          'BAD_INPUT',
          `Argument ${index} ('${arg}') has '${token}', which is not a placeholder; write '{{' and '}}' for literal braces`,
        );
      }
      if (!Object.hasOwn(vars, name)) {
        const known = Object.keys(vars)
          .map((key) => `{${key}}`)
          .join(', ');
        throw new DomainError(
          'BAD_INPUT',
          `Unknown placeholder '{${name}}' in argument ${index} ('${arg}'); known: ${known || 'none'}`,
        );
      }
      return vars[name] ?? '';
    }),
  );
}

/** Characters an argument may consist of to be shown without quotes. */
const SAFE_DISPLAY_ARG = /^[A-Za-z0-9_\-+=/.,:@%^]+$/;

/**
 * Formats an argv the way a POSIX shell user would type it (single quotes where needed), for the
 * log header and the UI only. The result is never executed.
 */
export function formatCommandForDisplay(argv: readonly string[]): string {
  return argv
    .map((arg) => {
      if (SAFE_DISPLAY_ARG.test(arg)) return arg;
      return `'${arg.replaceAll("'", `'\\''`)}'`;
    })
    .join(' ');
}

export interface FineTuneCommandParams {
  /** The expanded command: argv[0] is the executable (a bare name is looked up on `env.PATH`). */
  argv: string[];
  /** Working directory; must exist. */
  cwd: string;
  /**
   * The child's entire environment: nothing of the server's `process.env` is added. Pass a minimal
   * set (PATH, HOME, CUDA_VISIBLE_DEVICES, HF_HOME, …) and never the server's secrets (auth secret,
   * database path, API keys) — the command is user-configured and its log is shown in the browser.
   */
  env: Record<string, string>;
  /** Log file the output is appended to; parent folders are created. */
  logFile: string;
  /** Aborting cancels the run (see {@link runFineTuneCommand}). */
  signal: AbortSignal;
  /** Time between SIGTERM and SIGKILL on cancel, in ms; default {@link DEFAULT_KILL_GRACE_MS}. */
  killGraceMs?: number;
}

export interface FineTuneCommandResult {
  /** Exit code, or null when the process was ended by a signal. */
  exitCode: number | null;
  /** The signal that ended the process, or null when it exited by itself. */
  signal: NodeJS.Signals | null;
  /** Wall-clock time from spawn until the process exited and its output was drained, in ms. */
  durationMs: number;
}

type CommandChild = ChildProcessByStdio<null, Readable, Readable>;

/** How a run ended, as `close` or `error` report it. */
type RunEnd =
  | { kind: 'exited'; exitCode: number | null; signal: NodeJS.Signals | null }
  | { kind: 'not_started'; message: string };

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Sends `sig` to every process of the group led by `pid`. @returns false when the group is gone. */
function signalGroup(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false; // ESRCH: no process left in the group
  }
}

/**
 * Appends to the log; stops writing after a write error (remembered for the end of the run) and
 * applies backpressure to the child's pipes while the file is behind.
 */
class RunLog {
  private lastByte = 0x0a;
  private writeError: Error | null = null;

  constructor(private readonly stream: WriteStream) {
    stream.on('error', (error) => {
      this.writeError ??= error;
    });
  }

  get error(): Error | null {
    return this.writeError;
  }

  /** Writes raw bytes. @returns false when the caller should wait for `drain`. */
  write(chunk: Buffer | string): boolean {
    if (this.writeError || chunk.length === 0) return true;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.lastByte = bytes[bytes.length - 1] ?? this.lastByte;
    return this.stream.write(bytes);
  }

  /** Writes a `[…]` note on a line of its own, after output that did not end with a newline. */
  note(text: string): void {
    this.write(`${this.lastByte === 0x0a ? '' : '\n'}[${text}]\n`);
  }

  /** Forwards a pipe into the log, pausing it while the log is behind; the pipe is always drained. */
  forward(pipe: Readable): void {
    pipe.on('data', (chunk: Buffer) => {
      if (!this.write(chunk) && !this.writeError) {
        pipe.pause();
        const resume = () => {
          this.stream.off('drain', resume);
          this.stream.off('error', resume);
          pipe.resume();
        };
        this.stream.on('drain', resume);
        this.stream.on('error', resume);
      }
    });
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.stream.destroyed) return;
    await new Promise<void>((resolve) => {
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
  }
}

/**
 * Runs one fine-tuning command to completion, appending its output to `logFile`.
 *
 * The log gets a header (`$ <command>` as it would be typed in a shell, display only, and
 * `(cwd: …)`), then stdout and stderr as raw bytes in arrival order, then a footer:
 * `[exit code N after S s]`, `[killed by SIGTERM after S s]` or `[could not start: <message>]`.
 *
 * The child gets exactly `env` (see {@link FineTuneCommandParams.env}), no stdin, and its own process
 * group. The promise settles once the process has exited, both pipes are drained (a descendant that
 * keeps them open keeps the run going) and the log is flushed.
 *
 * A non-zero exit code is not an error here: it is returned and the caller decides.
 *
 * Cancel: when `signal` aborts, the whole process group gets SIGTERM; if the run has not ended
 * `killGraceMs` later, the group gets SIGKILL. The same SIGKILL is sent at that time to any group
 * member still left after the run ended (it runs after this function has settled).
 *
 * @returns the exit code or ending signal and the duration in ms.
 * @throws DomainError('BAD_INPUT') for an empty argv, a missing working directory or an executable
 *   that cannot be started (`Could not start '<argv0>': <message>`; the footer is written first).
 * @throws Error('Cancelled') when `signal` aborts (without spawning when it was already aborted),
 *   after the process has ended and the footer is written.
 * @throws DomainError('INTERNAL') when the log file cannot be opened (nothing is spawned) or a write
 *   to it fails (reported after the process has ended).
 */
export async function runFineTuneCommand(params: FineTuneCommandParams): Promise<FineTuneCommandResult> {
  const { argv, cwd, env, logFile, signal } = params;
  const killGraceMs = params.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const [command, ...args] = argv;
  if (command === undefined || command === '') {
    throw new DomainError('BAD_INPUT', 'The fine-tuning command is empty');
  }
  if (signal.aborted) throw new Error('Cancelled');

  let log: RunLog;
  try {
    await mkdir(path.dirname(logFile), { recursive: true });
    const handle = await open(logFile, 'a');
    log = new RunLog(handle.createWriteStream());
  } catch (error) {
    throw new DomainError('INTERNAL', `Could not open the log file ${logFile}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (signal.aborted) {
    await log.close();
    throw new Error('Cancelled');
  }

  log.write(`$ ${formatCommandForDisplay(argv)}\n(cwd: ${cwd})\n`);
  const notStarted = async (message: string): Promise<never> => {
    log.note(`could not start: ${message}`);
    await log.close();
    throw new DomainError('BAD_INPUT', `Could not start '${command}': ${message}`);
  };

  // spawn reports a missing cwd as "spawn <argv0> ENOENT", which blames the executable
  const isDirectory = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory) return notStarted(`working directory '${cwd}' does not exist`);

  const startedAt = performance.now();
  let child: CommandChild;
  try {
    child = spawn(command, args, {
      cwd,
      // exactly the caller's variables; the cast only drops Next's `NODE_ENV: required` augmentation
      env: env as NodeJS.ProcessEnv,
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    return notStarted(errorMessage(error)); // e.g. an argument with a NUL byte
  }

  const ended = new Promise<RunEnd>((resolve) => {
    child.once('close', (exitCode, endSignal) => resolve({ kind: 'exited', exitCode, signal: endSignal }));
    child.on('error', (error) => {
      // after a successful spawn, 'error' only reports a failed kill; 'close' still follows
      if (child.pid === undefined) resolve({ kind: 'not_started', message: error.message });
    });
  });
  log.forward(child.stdout);
  log.forward(child.stderr);

  let isCancelled = false;
  let hasEnded = false;
  const onAbort = () => {
    const pid = child.pid;
    if (pid === undefined || hasEnded) return;
    isCancelled = true;
    log.note(`cancel requested: sent SIGTERM to process group ${pid}`);
    signalGroup(pid, 'SIGTERM');
    const killTimer = setTimeout(() => {
      if (!signalGroup(pid, 0)) return;
      if (!hasEnded) log.note(`still running after ${formatSeconds(killGraceMs)}: sent SIGKILL`);
      signalGroup(pid, 'SIGKILL');
    }, killGraceMs);
    killTimer.unref();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  const end = await ended;
  hasEnded = true;
  signal.removeEventListener('abort', onAbort);
  const durationMs = Math.round(performance.now() - startedAt);

  if (end.kind === 'not_started') return notStarted(end.message);
  log.note(
    end.signal !== null
      ? `killed by ${end.signal} after ${formatSeconds(durationMs)}`
      : `exit code ${end.exitCode} after ${formatSeconds(durationMs)}`,
  );
  await log.close();

  if (isCancelled) throw new Error('Cancelled');
  if (log.error) {
    throw new DomainError('INTERNAL', `Writing the log file ${logFile} failed: ${log.error.message}`, {
      cause: log.error,
    });
  }
  return { exitCode: end.exitCode, signal: end.signal, durationMs };
}
