/**
 * Test helper: runs CLI commands in this process (no node + tsx start-up, ~7 s per spawn on a
 * busy 2-core machine), with the exit-code mapping of `server/cli/main.ts` (`runCli`): 0 success,
 * 1 DomainError, 2 usage error. stdout / stderr are captured, environment variables set for the
 * call only. Tests that must see the real binary's output (e.g. a secret never printed) spawn it.
 */
import { Command, CommanderError } from 'commander';
import { DomainError } from '@/lib/core/errors';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliInProcess(
  register: ((program: Command) => void)[],
  dataDir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const program = new Command()
    .name('core-curator')
    .option('--data-dir <dir>')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (stdout += text),
      writeErr: (text) => (stderr += text),
    });
  for (const fn of register) fn(program);
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  const savedEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  process.stdout.write = (chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  Object.assign(process.env, env);
  try {
    await program.parseAsync(['--data-dir', dataDir, ...args], { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : 2, stdout, stderr };
    if (error instanceof DomainError)
      return { code: 1, stdout, stderr: `${stderr}\nerror: ${error.message}\n` };
    throw error;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
