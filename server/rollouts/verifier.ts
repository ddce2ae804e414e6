/**
 * Runs a State-API task's Python verifier as the environment verdict (DESIGN.md › Formats ›
 * State-API web apps): the task's `verify` file defines `verify(server_url) -> (bool, str)`; ours
 * may also accept `final_answer=` (information-seeking tasks), which is passed only when the
 * function's signature has it.
 *
 * The verifier comes with the app folder a researcher registered (like the app itself), so it runs
 * with the machine's `python3` as a child process — not in the label-function sandbox — under a
 * wall-clock limit, with the app folder as working directory. A missing interpreter or a missing
 * Python module gives a message with the fix.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DomainError } from '@/lib/core/errors';
import { realAppFolder, resolveAppFile } from '@/server/rollouts/app-files';

/** Wall-clock limit of one verifier run, in ms. */
export const VERIFIER_TIMEOUT_MS = 30_000;
const RESULT_MARKER = '__CORE_CURATOR_VERIFY__';

export interface VerifierResult {
  success: boolean;
  message: string;
}

const DRIVER = `
import importlib.util, inspect, json, sys
path, url, answer = sys.argv[1], sys.argv[2], sys.argv[3]
spec = importlib.util.spec_from_file_location("task_verifier", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
fn = getattr(module, "verify", None)
if fn is None:
    raise SystemExit("no function verify(server_url) in " + path)
params = inspect.signature(fn).parameters
kwargs = {"final_answer": json.loads(answer)} if "final_answer" in params else {}
out = fn(url, **kwargs)
if isinstance(out, tuple) and len(out) == 2:
    ok, msg = out
elif isinstance(out, bool):
    ok, msg = out, ""
else:
    raise SystemExit("verify() must return (bool, str), got " + repr(out)[:200])
print("${RESULT_MARKER}" + json.dumps({"success": bool(ok), "message": str(msg)}))
`;

/**
 * Resolves `verify` (relative to `folder`) with `fs.realpath` and checks that it stays inside the
 * folder's real path (`app-files.ts`): a `..` path, or a symbolic link to a file outside, is refused.
 * @returns the verifier's real path (or, when it does not exist, its path inside the folder).
 * @throws DomainError('BAD_INPUT') naming `verify` for a path that leaves the folder.
 */
export function resolveVerifierPath(folder: string, verify: string): string {
  return resolveAppFile(folder, verify, `verify '${verify}'`);
}

/**
 * Runs `verify(server_url)` of `verifyFile`.
 * @returns the verdict and the verifier's message.
 * @throws DomainError('BAD_INPUT') when the folder is gone or `verifyFile` resolves outside it
 *   (checked with realpath at every run); DomainError('CONFLICT') when python3 is missing, a module
 *   is missing, the verifier raises, prints no result or exceeds `timeoutMs`; the message says which
 *   and how to fix it.
 */
export async function runVerifier(params: {
  folder: string;
  verifyFile: string;
  serverUrl: string;
  finalAnswer: string | null;
  timeoutMs?: number;
  python?: string;
}): Promise<VerifierResult> {
  const python = params.python ?? process.env.CORE_CURATOR_PYTHON ?? 'python3';
  // Checked again at every run: a link swapped in after registration is refused here too.
  const folder = realAppFolder(params.folder);
  const file = resolveVerifierPath(folder, params.verifyFile);
  const timeoutMs = params.timeoutMs ?? VERIFIER_TIMEOUT_MS;
  const rel = path.relative(folder, file);
  return new Promise<VerifierResult>((resolve, reject) => {
    const child = spawn(python, ['-c', DRIVER, file, params.serverUrl, JSON.stringify(params.finalAnswer)], {
      cwd: folder,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        PYTHONDONTWRITEBYTECODE: '1',
        NODE_ENV: process.env.NODE_ENV,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DomainError('CONFLICT', `Verifier ${rel} took longer than ${timeoutMs} ms and was stopped`));
    }, timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new DomainError(
          'CONFLICT',
          error.code === 'ENOENT'
            ? `'${python}' was not found: State-API verifiers run with Python 3. Install it (apt-get install python3) or set CORE_CURATOR_PYTHON to an interpreter.`
            : `Could not start '${python}' for verifier ${rel}: ${error.message}`,
        ),
      );
    });
    child.on('close', () => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (line) {
        resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as VerifierResult);
        return;
      }
      const missing = /ModuleNotFoundError: No module named '([^']+)'/.exec(stderr);
      if (missing) {
        reject(
          new DomainError(
            'CONFLICT',
            `Verifier ${rel} needs the Python module '${missing[1]}', which ${python} lacks: pip install ${missing[1]}`,
          ),
        );
        return;
      }
      const lastLines = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(new DomainError('CONFLICT', `Verifier ${rel} failed: ${lastLines || 'it printed no result'}`));
    });
  });
}
