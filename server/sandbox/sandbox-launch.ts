/**
 * How a label-function runner process is started: the OS layer of the sandbox (see
 * `label-function-runner.ts` for all layers).
 *
 * - `bwrap` (default): bubblewrap with new user (uid/gid 65534, no capabilities), network, pid, ipc,
 *   uts and cgroup namespaces, `--die-with-parent`, `--new-session`, `--clearenv`, a fresh /proc,
 *   a minimal /dev, a tmpfs /tmp, and read-only binds of exactly: the node binary, the shared
 *   libraries `ldd` lists for it, the runner script (as `/sandbox/lf-runner.mjs`) and Pyodide's
 *   package folder (as `/sandbox/pyodide`). Nothing else of the host exists inside — no repo, no
 *   data directory, no /etc, no shell.
 * - `process` (weaker, only when the operator sets `CORE_CURATOR_LF_SANDBOX=process`): a separate
 *   node process with an empty environment, its own process group and the in-process layers only;
 *   it can see the host file system and network as the server's user can, were the in-process
 *   layers ever bypassed.
 *
 * If bubblewrap is missing or cannot create its namespaces, starting fails closed with an error
 * naming the fix.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bwrap`: bubblewrap OS sandbox; `process`: separate process only (weaker, opt-in). */
export const SANDBOX_MODES = ['bwrap', 'process'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** Environment variable an operator sets to `process` to run without bubblewrap (weaker). */
export const SANDBOX_MODE_ENV = 'CORE_CURATOR_LF_SANDBOX';
/** Environment variable naming the bubblewrap binary when it is not on the usual paths. */
export const BWRAP_PATH_ENV = 'CORE_CURATOR_BWRAP';

/** V8 flags of the runner: `Function('return process')` and `eval` throw EvalError. */
export const RUNNER_NODE_FLAGS = ['--disallow-code-generation-from-strings'] as const;

/** Where the runner script and Pyodide appear inside the bubblewrap sandbox. */
const SANDBOX_RUNNER_PATH = '/sandbox/lf-runner.mjs';
const SANDBOX_PYODIDE_DIR = '/sandbox/pyodide';
/** uid/gid of the runner inside the sandbox (`nobody`). */
const SANDBOX_UID = 65534;

function moduleDir(): string | null {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return null;
  }
}

const HERE = moduleDir();

/**
 * A file of the repository: beside this module when run from source (tsx, vitest, the CLI), else
 * under the working directory (a bundled server, whose module URL points into its build output).
 */
function locate(besideThisModule: string, fromRepoRoot: string): string {
  if (HERE) {
    const beside = path.resolve(HERE, besideThisModule);
    if (existsSync(beside)) return beside;
  }
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), fromRepoRoot);
}

/** The runner script (JavaScript, run by plain node in the child). */
export const LF_RUNNER_FILE = locate('lf-runner.mjs', 'server/sandbox/lf-runner.mjs');
/** The Python half of the runner. */
export const LF_DRIVER_FILE = locate('lf_driver.py', 'server/sandbox/lf_driver.py');
/** The predefined API loaded before every label function. */
export const PREDEFINED_API_FILE = locate(
  '../../lib/core/label-functions/predefined_api.py',
  'lib/core/label-functions/predefined_api.py',
);

/** A label-function sandbox could not be started as configured; the message names the fix. */
export class SandboxUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

/** The folder of the installed `pyodide` npm package (it holds the wasm and the standard library). */
export function resolvePyodideDir(): string {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));
    // Under `next dev` (Turbopack) the module URL is virtual (`[project]/…`): trust only a real folder.
    if (path.isAbsolute(dir) && existsSync(path.join(dir, 'package.json'))) return dir;
  } catch {
    // not resolvable from here: fall back to the working directory below
  }
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'node_modules/pyodide');
}

/**
 * The sandbox mode from the environment: `bwrap` unless `CORE_CURATOR_LF_SANDBOX=process`.
 * Raises for any other value, so a typo never silently weakens the sandbox.
 */
export function readSandboxMode(
  env: Readonly<Record<string, string | undefined>> = process.env,
): SandboxMode {
  const value = env[SANDBOX_MODE_ENV];
  if (value === undefined || value === '' || value === 'bwrap') return 'bwrap';
  if (value === 'process') return 'process';
  throw new SandboxUnavailableError(
    `${SANDBOX_MODE_ENV}=${value} is not a sandbox mode; use 'bwrap' (default) or 'process' (weaker: no OS isolation)`,
  );
}

/** Honest one-line name of a mode, for logs and errors. */
export function describeSandboxMode(mode: SandboxMode): string {
  return mode === 'bwrap'
    ? 'bubblewrap (no network, own pid/user namespaces, read-only minimal file system)'
    : `separate process only (${SANDBOX_MODE_ENV}=process: NO OS isolation; in-runner layers only)`;
}

/** A command that starts one runner. */
export interface RunnerLaunch {
  mode: SandboxMode;
  command: string;
  args: string[];
  /** Own process group (process mode), so the whole group can be killed. */
  detached: boolean;
  cwd: string;
}

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The bubblewrap binary, or null when none is installed. */
export function findBwrap(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const explicit = env[BWRAP_PATH_ENV];
  if (explicit) return isExecutable(explicit) ? explicit : null;
  return BWRAP_CANDIDATES.find(isExecutable) ?? null;
}

/**
 * Shared libraries the node binary loads, from `ldd` (absolute paths, as the loader looks them up).
 * Falls back to the standard library folders when `ldd` is unavailable.
 */
function listNodeLibraries(nodeBinary: string): string[] {
  try {
    const out = execFileSync('ldd', [nodeBinary], { encoding: 'utf8', timeout: 10_000 });
    const libraries = new Set<string>();
    for (const line of out.split('\n')) {
      const match = /=>\s*(\/\S+)|^\s*(\/\S+)/.exec(line);
      const file = match?.[1] ?? match?.[2];
      if (file && existsSync(file)) libraries.add(file);
    }
    if (libraries.size > 0) return [...libraries];
  } catch {
    // fall through
  }
  return ['/lib', '/lib64', '/usr/lib', '/usr/lib64'].filter((dir) => existsSync(dir));
}

function bwrapArgs(nodeBinary: string, runnerFile: string, pyodideDir: string): string[] {
  const binds: string[] = ['--ro-bind', nodeBinary, nodeBinary];
  for (const library of listNodeLibraries(nodeBinary)) binds.push('--ro-bind', library, library);
  binds.push('--ro-bind', runnerFile, SANDBOX_RUNNER_PATH, '--ro-bind', pyodideDir, SANDBOX_PYODIDE_DIR);
  return [
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--unshare-user',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--cap-drop',
    'ALL',
    '--hostname',
    'lf-sandbox',
    ...binds,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--chdir',
    '/tmp',
    '--',
    nodeBinary,
    ...RUNNER_NODE_FLAGS,
    SANDBOX_RUNNER_PATH,
    SANDBOX_PYODIDE_DIR,
  ];
}

export interface ResolveLaunchOptions {
  mode: SandboxMode;
  /** Defaults: {@link LF_RUNNER_FILE}, {@link resolvePyodideDir}, `process.execPath`. */
  runnerFile?: string;
  pyodideDir?: string;
  nodeBinary?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The command that starts a runner in `mode`. Raises {@link SandboxUnavailableError} (fail
 * closed) when `bwrap` is requested but not installed.
 */
export function resolveRunnerLaunch(options: ResolveLaunchOptions): RunnerLaunch {
  const nodeBinary = realpathSync(options.nodeBinary ?? process.execPath);
  const runnerFile = realpathSync(options.runnerFile ?? LF_RUNNER_FILE);
  const pyodideDir = realpathSync(options.pyodideDir ?? resolvePyodideDir());
  if (options.mode === 'process') {
    return {
      mode: 'process',
      command: nodeBinary,
      args: [...RUNNER_NODE_FLAGS, runnerFile, pyodideDir],
      detached: true,
      cwd: '/',
    };
  }
  const bwrap = findBwrap(options.env);
  if (!bwrap) {
    throw new SandboxUnavailableError(
      'Label functions run under bubblewrap, which is not installed: run `apt-get install bubblewrap` ' +
        `(or set ${BWRAP_PATH_ENV} to its path). To run them WITHOUT OS isolation (weaker: separate process only), ` +
        `set ${SANDBOX_MODE_ENV}=process.`,
    );
  }
  return {
    mode: 'bwrap',
    command: bwrap,
    args: bwrapArgs(nodeBinary, runnerFile, pyodideDir),
    detached: false,
    cwd: '/',
  };
}
