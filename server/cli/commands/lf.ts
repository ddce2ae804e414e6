/**
 * `core-curator lf run --code <file.py> --trajectory <file.json>` — runs one label function on one
 * trajectory in the sandbox (`server/sandbox/label-function-runner.ts`) and prints one JSON line:
 *
 *   `{"result": true|false|null, "evidenceStep": n|null, "error": null|"…", "durationMs": n}`
 *
 * `result` is null whenever the function did not return a bool (exception, non-bool return,
 * timeout, memory limit, crash); `error` then says what happened. The function's own prints go to
 * stderr. Exit code 0 whenever the label function could be evaluated — also when it failed; a
 * usage error (missing or unreadable file, a trajectory that is not JSON or not a trajectory dict,
 * naming the file and the field) or a sandbox that cannot start exits non-zero with an `error:`
 * line on stderr.
 *
 * The trajectory file holds the trajectory dict documented in
 * `lib/core/label-functions/trajectory-dict.ts` (`objective` and `steps` required).
 */
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { InvalidArgumentError, type Command } from 'commander';

import { DomainError } from '@/lib/core/errors';
import { parseJsonText, parseWithSchema } from '@/lib/core/import/format-errors';
import { completeTrajectoryDict, ZTrajectoryDictSchema } from '@/lib/core/label-functions/trajectory-dict';
import {
  createLabelFunctionRunner,
  DEFAULT_LF_MEMORY_LIMIT_BYTES,
  DEFAULT_LF_TIMEOUT_MS,
  evaluateLabelFunction,
  MAX_LF_SOURCE_BYTES,
  SandboxUnavailableError,
} from '@/server/sandbox/label-function-runner';

export interface LfCommandIo {
  stdout: Writable;
  stderr: Writable;
}

/** What `lf run` prints. */
export interface LfRunOutput {
  result: boolean | null;
  evidenceStep: number | null;
  error: string | null;
  durationMs: number;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

async function readInputFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DomainError('BAD_INPUT', `${file}: cannot read the ${what}: ${reason}`);
  }
}

/** Adds `lf run` to `program`. `io` defaults to the process streams; tests pass their own. */
export function registerLfCommand(
  program: Command,
  io: LfCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Command {
  const lf = program.command('lf').description('Label functions (Python, run in the sandbox).');
  lf.command('run')
    .description(
      'Run one label function on one trajectory dict; prints {"result", "evidenceStep", "error", "durationMs"}.',
    )
    .requiredOption('--code <file.py>', 'Python source defining label_function(trajectory) -> bool')
    .requiredOption('--trajectory <file.json>', 'trajectory dict as JSON (see the README)')
    .option('--timeout-ms <ms>', 'wall-clock limit', parsePositiveInt, DEFAULT_LF_TIMEOUT_MS)
    .option(
      '--memory-limit-mb <mb>',
      'memory limit (growth of the runner above its idle baseline)',
      parsePositiveInt,
      DEFAULT_LF_MEMORY_LIMIT_BYTES / (1024 * 1024),
    )
    .action(async (opts: { code: string; trajectory: string; timeoutMs: number; memoryLimitMb: number }) => {
      const code = await readInputFile(opts.code, 'label function');
      if (Buffer.byteLength(code, 'utf8') > MAX_LF_SOURCE_BYTES) {
        throw new DomainError(
          'BAD_INPUT',
          `${opts.code}: over the ${MAX_LF_SOURCE_BYTES / 1024} KiB source limit`,
        );
      }
      const text = await readInputFile(opts.trajectory, 'trajectory');
      const trajectory = completeTrajectoryDict(
        parseWithSchema(ZTrajectoryDictSchema, parseJsonText(text, opts.trajectory), {
          file: opts.trajectory,
        }),
      );

      let runner;
      try {
        runner = await createLabelFunctionRunner({
          poolSize: 1,
          timeoutMs: opts.timeoutMs,
          memoryLimitBytes: opts.memoryLimitMb * 1024 * 1024,
          warn: (message) => void io.stderr.write(`${message}\n`),
        });
      } catch (error) {
        if (error instanceof SandboxUnavailableError) throw new DomainError('INTERNAL', error.message);
        throw error;
      }
      try {
        const evaluation = await evaluateLabelFunction(runner, code, trajectory);
        if (evaluation.output !== '') io.stderr.write(evaluation.output);
        const output: LfRunOutput = {
          result: evaluation.result,
          evidenceStep: evaluation.evidenceStep,
          error: evaluation.error,
          durationMs: Math.round(evaluation.durationMs * 1000) / 1000,
        };
        io.stdout.write(`${JSON.stringify(output)}\n`);
      } finally {
        await runner.close();
      }
    });
  return lf;
}
