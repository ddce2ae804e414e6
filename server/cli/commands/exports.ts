/**
 * `core-curator export …`, `core-curator finetune …` and `core-curator iteration …` — fine-tuning
 * exports, fine-tuning launch commands and iterations from a terminal.
 *
 * - `export core <dir>` writes the CORE pipeline files into a folder (as before).
 * - `export <openai|llama-factory|ms-swift> [--iteration N] [--sources a,b] [--seed S]
 *   [--validation-fraction F] [--include-earlier-iterations] [--include-seed-passing]` records a
 *   training export and runs its job in this process (the folder is `<data dir>/exports/<export
 *   id>`, written atomically); it prints progress on stderr and one JSON line on stdout:
 *   `{"exportId", "dir", "counts": {"train", "validation"}, "files", "manifest", "command"}`.
 *   The manifest's `command` is exactly such an invocation (`npx core-curator export …`).
 * - `export rerun <export id>` runs a failed, cancelled or interrupted export again (same output).
 * - `finetune command add|list|remove` configures the named launch commands (the only way to: the
 *   browser may only pick one); `finetune launch <export id> (--command <name> | --openai)` runs a
 *   fine-tuning run in this process, streaming its log to stdout.
 * - `iteration list` / `iteration close [--note <text>]`.
 *
 * Jobs run in this process only: SIGINT / SIGTERM cancel the job (an export removes its temporary
 * folder, a command's process group gets SIGTERM), then the CLI exits 130 / 143. A second signal
 * exits at once. Exit codes otherwise: 0 success, 1 the work failed, 2 usage error.
 */
import path from 'node:path';
import { Argument, InvalidArgumentError, type Command } from 'commander';
import { DomainError } from '@/lib/core/errors';
import { EXPORT_MANIFEST_FILE } from '@/lib/core/export/manifest';
import { MAX_VALIDATION_FRACTION } from '@/lib/core/export/split';
import {
  EXPORT_FORMATS,
  EXPORT_SOURCES,
  type ExportFormat,
  type ExportSource,
} from '@/lib/core/export/types';
import { progressPrinter, withDb } from '@/server/cli/shared';
import type { Db } from '@/server/db/client';
import type { JobStatus } from '@/server/db/schema';
import {
  FINE_TUNE_COMMAND_PLACEHOLDER_DOCS,
  FINE_TUNE_COMMAND_PLACEHOLDERS,
} from '@/server/fine-tune/command-launcher';
import { createJobHandlers } from '@/server/jobs/handlers';
import { JobRunner, type JobHandler } from '@/server/jobs/runner';
import { createLazyLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { exportCoreDir } from '@/server/services/core-files-service';
import {
  DEFAULT_EXPORT_SEED,
  DEFAULT_VALIDATION_FRACTION,
  exportDirPath,
  getTrainingExport,
  rerunTrainingExport,
  startTrainingExport,
} from '@/server/services/export-service';
import { INHERITED_ENV_VARS, launchFineTune, readFineTuneLog } from '@/server/services/fine-tune-service';
import {
  addFineTuneCommand,
  getFineTuneSettings,
  removeFineTuneCommand,
} from '@/server/services/fine-tune-settings-service';
import { closeIteration, getOpenIterationId, listIterations } from '@/server/services/iteration-service';
import { getJobOrThrow } from '@/server/services/job-service';

/** Who the CLI acts as in the audit log. */
const CLI_ACTOR = { userId: null, label: 'cli' } as const;

/** Sources of a training export when `--sources` is not given. */
export const DEFAULT_CLI_EXPORT_SOURCES: readonly ExportSource[] = ['expert_demos', 'fully_passed'];

/** How often `finetune launch` reads the run's log while it runs, in ms. */
export const FINE_TUNE_LOG_POLL_MS = 500;

/** Formats `export` takes: CORE files, the training formats, and `rerun`. */
const EXPORT_COMMAND_FORMATS = ['core', ...EXPORT_FORMATS, 'rerun'] as const;
type ExportCommandFormat = (typeof EXPORT_COMMAND_FORMATS)[number];

/** Options of `export` that only the training formats take (flag → property). */
const TRAINING_OPTION_FLAGS = {
  '--iteration': 'iteration',
  '--sources': 'sources',
  '--seed': 'seed',
  '--validation-fraction': 'validationFraction',
  '--include-earlier-iterations': 'includeEarlierIterations',
  '--include-seed-passing': 'includeSeedPassing',
} as const;

interface TrainingExportOptions {
  iteration?: number;
  sources?: ExportSource[];
  seed?: number;
  validationFraction?: number;
  includeEarlierIterations?: boolean;
  includeSeedPassing?: boolean;
}

/** Exit codes of a run ended by a signal (128 + signal number). */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** The job was cancelled because the process received `signal`; the CLI exits 128 + its number. */
class InterruptedError extends Error {
  constructor(readonly signal: HandledSignal) {
    super(`Interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

// --- option parsers (commander reports their errors naming the option, exit code 2) ------------

function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(value);
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 2_147_483_647)
    throw new InvalidArgumentError('must be an integer from 0 to 2147483647');
  return Number(value);
}

function parseValidationFraction(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || x < 0 || x > MAX_VALIDATION_FRACTION)
    throw new InvalidArgumentError(`must be a number from 0 to ${MAX_VALIDATION_FRACTION}`);
  return x;
}

function isExportSource(name: string): name is ExportSource {
  return (EXPORT_SOURCES as readonly string[]).includes(name);
}

/**
 * `a,b,…` → the named export sources, without duplicates.
 * @throws InvalidArgumentError naming the unknown sources and listing the valid ones, or for an empty list.
 */
export function parseExportSources(value: string): ExportSource[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = names.filter((n) => !isExportSource(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown source${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; valid sources: ${EXPORT_SOURCES.join(', ')}`,
    );
  if (names.length === 0)
    throw new InvalidArgumentError(`name at least one source of: ${EXPORT_SOURCES.join(', ')}`);
  return [...new Set(names.filter(isExportSource))];
}

// --- helpers -------------------------------------------------------------------------------------

/** Runs `action`; an {@link InterruptedError} (after its cleanup) exits the process 128 + signal. */
async function exitOnInterrupt(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    process.stderr.write(`\n${error.signal}: the job was cancelled\n`);
    process.exit(SIGNAL_EXIT_CODES[error.signal]);
  }
}

function writeJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** A usage error (exit code 2) with commander's `error:` prefix and help. */
function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: 2, code: 'core-curator.usage' });
}

/** Resolves after `ms`, or as soon as `done` settles. */
function waitUnless(done: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([done, elapsed]).finally(() => clearTimeout(timer));
}

interface InProcessJobHooks {
  /** Called with the job's progress reports (every one, before the runner's throttling). */
  onProgress?: (fraction: number, message: string) => void;
  /** Called every `tickMs` while the job runs, and once after it ended. */
  onTick?: () => Promise<void>;
  tickMs?: number;
}

/**
 * Runs the one job `start` enqueues with a {@link JobRunner} of this process (the server's job
 * handlers; the label-function sandbox would start only if a handler asked for it) until it ends.
 * SIGINT / SIGTERM cancel it; a second signal exits at once.
 * @returns what `start` returned, and the job's final status and error.
 * @throws what `start` throws (nothing was enqueued); {@link InterruptedError} once a job
 *   cancelled by a signal has ended (unless it had finished its work first).
 */
async function runJobInProcess<T extends { jobId: string }>(
  db: Db,
  dataDir: string,
  start: (jobs: JobRunner) => T,
  hooks: InProcessJobHooks = {},
): Promise<T & { status: JobStatus; error: string | null }> {
  const lfRunner = createLazyLabelFunctionRunner();
  const handlers: Record<string, JobHandler> = {};
  for (const [kind, handler] of Object.entries(createJobHandlers(db, dataDir, lfRunner.get))) {
    handlers[kind] = (input, ctx) =>
      handler(input, {
        ...ctx,
        progress: (fraction, message) => {
          ctx.progress(fraction, message);
          hooks.onProgress?.(fraction, message ?? '');
        },
      });
  }
  const jobs = new JobRunner(db, handlers);
  let received: HandledSignal | null = null;
  let jobId: string | null = null;
  const onSignal = (signal: HandledSignal) => {
    if (received) process.exit(SIGNAL_EXIT_CODES[signal]);
    received = signal;
    process.stderr.write(`\n${signal}: cancelling the job (again to quit at once)\n`);
    if (jobId) jobs.cancel(jobId);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const started = start(jobs);
    jobId = started.jobId;
    if (received) jobs.cancel(jobId);
    let isIdle = false;
    const idle = jobs.idle().then(() => {
      isIdle = true;
    });
    while (!isIdle) {
      await waitUnless(idle, hooks.tickMs ?? 1000);
      if (!isIdle) await hooks.onTick?.();
    }
    await hooks.onTick?.(); // what the job wrote last
    const { status, error } = getJobOrThrow(db, jobId);
    // A job that finished its work before the cancel reached it reports success as usual.
    if (received && status !== 'succeeded') throw new InterruptedError(received);
    return { ...started, status, error };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lfRunner.close();
  }
}

/** What `export <training format>` and `export rerun` print on stdout. */
export interface TrainingExportOutput {
  exportId: string;
  /** Absolute export folder. */
  dir: string;
  counts: {
    train: { trajectories: number; examples: number };
    validation: { trajectories: number; examples: number };
  };
  /** Number of files in the folder, the manifest included. */
  files: number;
  /** Absolute path of `manifest.json`. */
  manifest: string;
  /** The command that writes the same selection again. */
  command: string;
}

/** Runs an export job to its end and prints {@link TrainingExportOutput}; failures throw DomainError. */
async function runTrainingExport(
  db: Db,
  dataDir: string,
  start: (jobs: JobRunner) => { exportId: string; jobId: string },
): Promise<void> {
  const { exportId, status, error } = await runJobInProcess(db, dataDir, start, {
    onProgress: progressPrinter(),
  });
  const exported = getTrainingExport(db, dataDir, exportId);
  if (status !== 'succeeded' || !exported.manifest)
    throw new DomainError(
      'CONFLICT',
      `Export ${exportId} ${status === 'succeeded' ? 'has no manifest' : status}${error ? `: ${error}` : ''}`,
    );
  const { manifest } = exported;
  for (const warning of manifest.warnings) process.stderr.write(`warning: ${warning}\n`);
  const dir = exportDirPath(dataDir, exported);
  const output: TrainingExportOutput = {
    exportId,
    dir,
    counts: { train: manifest.counts.train, validation: manifest.counts.validation },
    files: manifest.files.length + 1,
    manifest: path.join(dir, EXPORT_MANIFEST_FILE),
    command: manifest.command,
  };
  writeJsonLine(output);
}

// --- export --------------------------------------------------------------------------------------

function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'Export data: CORE pipeline files into a folder, or a fine-tuning export (written under the data directory).',
    )
    .addArgument(
      new Argument(
        '<format>',
        'core: key_nodes.json, tasks.json, label_function_results.json into <target>; ' +
          'openai | llama-factory | ms-swift: a fine-tuning export into <data dir>/exports/<id>; ' +
          'rerun: run the export <target> again after it failed or was interrupted',
      ).choices(EXPORT_COMMAND_FORMATS),
    )
    .argument('[target]', 'core: the folder to write into (created if needed); rerun: the export id')
    .option('--iteration <n>', 'iteration to export (default: the open iteration)', parsePositiveInt)
    .option(
      '--sources <a,b,…>',
      `comma-separated, from: ${EXPORT_SOURCES.join(', ')} (default: ${DEFAULT_CLI_EXPORT_SOURCES.join(',')})`,
      parseExportSources,
    )
    .option('--seed <n>', `seed of the train/validation split (default: ${DEFAULT_EXPORT_SEED})`, parseSeed)
    .option(
      '--validation-fraction <x>',
      `share of trajectories in validation, 0 to ${MAX_VALIDATION_FRACTION} (default: ${DEFAULT_VALIDATION_FRACTION})`,
      parseValidationFraction,
    )
    .option(
      '--include-earlier-iterations',
      'also rollouts and reviewed proposals of earlier iterations (expert demos always are)',
    )
    .option(
      '--include-seed-passing',
      'also trajectories of tasks whose verifier passes on the untouched seed (left out by default)',
    )
    .addHelpText(
      'after',
      [
        '',
        'Fine-tuning exports print one JSON line: {exportId, dir, counts, files, manifest, command}.',
        "The manifest's command (npx core-curator export …) writes the same selection again.",
        'Ctrl-C cancels the export and removes its temporary folder.',
        "corrections: verifier-passed corrections of failed rollouts; only the person's steps are targets.",
        '',
        'Examples:',
        '  core-curator export core ./out',
        '  core-curator export llama-factory --sources expert_demos,fully_passed --seed 7',
        '  core-curator export openai --sources expert_demos,fully_passed,corrections',
        '  core-curator export rerun 0b6c…',
      ].join('\n'),
    )
    .action(
      (
        format: ExportCommandFormat,
        target: string | undefined,
        opts: TrainingExportOptions,
        cmd: Command,
      ) => {
        const given = Object.entries(TRAINING_OPTION_FLAGS)
          .filter(([, key]) => opts[key] !== undefined)
          .map(([flag]) => flag);
        if (format === 'core' || format === 'rerun') {
          if (given.length > 0)
            usageError(cmd, `${given.join(', ')}: only for the formats ${EXPORT_FORMATS.join(', ')}`);
          if (target === undefined)
            usageError(
              cmd,
              format === 'core'
                ? "missing argument 'target': the folder to write the CORE files into"
                : "missing argument 'target': the id of the export to run again",
            );
        } else if (target !== undefined) {
          usageError(
            cmd,
            `unexpected argument '${target}': ${format} exports are written under the data directory (<data dir>/exports/<export id>)`,
          );
        }
        return exitOnInterrupt(() =>
          withDb(program, async (db, dataDir) => {
            if (format === 'core') {
              for (const file of exportCoreDir(db, path.resolve(target!))) process.stdout.write(`${file}\n`);
            } else if (format === 'rerun') {
              // A killed CLI leaves its job 'running'; nothing runs it any more, so take it over.
              await runTrainingExport(db, dataDir, (jobs) =>
                rerunTrainingExport(db, jobs, target!, CLI_ACTOR, { takeOver: true }),
              );
            } else {
              await runTrainingExport(db, dataDir, (jobs) =>
                startTrainingExport(db, jobs, buildExportRequest(db, format, opts), CLI_ACTOR),
              );
            }
          }),
        );
      },
    );
}

function buildExportRequest(db: Db, format: ExportFormat, opts: TrainingExportOptions) {
  const iterationId = opts.iteration ?? getOpenIterationId(db);
  if (iterationId === null)
    throw new DomainError(
      'NOT_FOUND',
      'No iteration is open (nothing imported yet?); name one with --iteration',
    );
  return {
    iterationId,
    format,
    sources: opts.sources ?? [...DEFAULT_CLI_EXPORT_SOURCES],
    seed: opts.seed ?? DEFAULT_EXPORT_SEED,
    validationFraction: opts.validationFraction ?? DEFAULT_VALIDATION_FRACTION,
    includeEarlierIterations: opts.includeEarlierIterations ?? false,
    includeSeedPassing: opts.includeSeedPassing ?? false,
  };
}

// --- finetune ------------------------------------------------------------------------------------

const COMMAND_HELP = [
  '',
  'The command is an argv (no shell): put it after "--". Any argument may hold placeholders,',
  'written {name} ({{ and }} for literal braces):',
  ...FINE_TUNE_COMMAND_PLACEHOLDERS.map(
    (name) => `  {${name}}`.padEnd(20) + FINE_TUNE_COMMAND_PLACEHOLDER_DOCS[name],
  ),
  '',
  'It runs on this machine with the export folder as working directory and a minimal environment:',
  'only these variables are inherited (never the server secrets or API keys):',
  `  ${INHERITED_ENV_VARS.slice(0, 8).join(', ')},`,
  `  ${INHERITED_ENV_VARS.slice(8).join(', ')},`,
  'plus CORE_CURATOR_EXPORT_DIR, CORE_CURATOR_OUTPUT_DIR and CORE_CURATOR_RUN_ID.',
  'Its output goes to the run log the browser shows.',
  'Commands are configured only here; the browser can only pick one by name.',
  '',
  'Example:',
  '  core-curator finetune command add lf-sft --description "LLaMA-Factory SFT" -- \\',
  '    llamafactory-cli train examples/sft.yaml dataset_dir={export_dir} output_dir={output_dir}',
].join('\n');

function registerFineTuneCommands(program: Command): void {
  const finetune = program
    .command('finetune')
    .description('Fine-tuning: configure launch commands and launch a run on an export.');
  const command = finetune
    .command('command')
    .description('The named commands "Launch fine-tuning" may run (configured only from this CLI).')
    .addHelpText('after', COMMAND_HELP);

  command
    .command('add')
    .description(
      'Add (or with --replace, change) a launch command: add <name> [options] -- <program> [args…]',
    )
    .argument('<name>', 'slug of 1..40 characters: a-z, 0-9, ".", "_", "-"')
    .argument('<argv...>', 'the program and its arguments, after "--"')
    .option('--description <text>', 'shown where the command is picked')
    .option('--replace', 'replace the command of that name if there is one')
    .addHelpText('after', COMMAND_HELP)
    .action((name: string, argv: string[], opts: { description?: string; replace?: boolean }) =>
      withDb(program, (db) => {
        const stored = addFineTuneCommand(db, { name, argv, description: opts.description }, CLI_ACTOR, {
          replace: opts.replace === true,
        });
        writeJsonLine(stored);
        return Promise.resolve();
      }),
    );
  command
    .command('list')
    .description('List the launch commands as JSON lines: {name, argv, description}.')
    .action(() =>
      withDb(program, (db) => {
        for (const c of getFineTuneSettings(db).commands) writeJsonLine(c);
        return Promise.resolve();
      }),
    );
  command
    .command('remove')
    .description('Remove a launch command.')
    .argument('<name>', 'the command to remove')
    .action((name: string) =>
      withDb(program, (db) => {
        removeFineTuneCommand(db, name, CLI_ACTOR);
        writeJsonLine({ removed: name });
        return Promise.resolve();
      }),
    );

  finetune
    .command('launch')
    .description(
      'Launch fine-tuning on a finished export and run it in this process: its log streams to stdout, ' +
        'the final status goes to stderr; exit code 0 when the run succeeded, 1 otherwise. Ctrl-C cancels it.',
    )
    .argument('<exportId>', 'a finished export')
    .option('--command <name>', 'run this configured command (see: finetune command list)')
    .option('--openai', 'use the OpenAI-compatible fine-tuning API of the settings (openai exports)')
    .action((exportId: string, opts: { command?: string; openai?: boolean }, cmd: Command) => {
      if ((opts.command === undefined) === (opts.openai !== true))
        usageError(cmd, 'give exactly one of --command <name> and --openai');
      return exitOnInterrupt(() =>
        withDb(program, async (db, dataDir) => {
          let runId: string | null = null;
          let offset = 0;
          const printLog = async () => {
            if (runId === null) return;
            for (;;) {
              const chunk = await readFineTuneLog(db, dataDir, runId, offset);
              offset = chunk.nextOffset;
              if (chunk.text === '') return;
              process.stdout.write(chunk.text);
            }
          };
          const run = await runJobInProcess(
            db,
            dataDir,
            (jobs) => {
              const started = launchFineTune(
                db,
                dataDir,
                jobs,
                opts.command === undefined
                  ? { exportId, launcher: 'openai' }
                  : { exportId, launcher: 'command', command: opts.command },
                CLI_ACTOR,
              );
              runId = started.runId;
              return started;
            },
            { onTick: printLog, tickMs: FINE_TUNE_LOG_POLL_MS },
          );
          if (run.status !== 'succeeded')
            throw new DomainError(
              'CONFLICT',
              `fine-tuning run ${run.runId} ${run.status}${run.error ? `: ${run.error}` : ''}`,
            );
          process.stderr.write(`fine-tuning run ${run.runId} succeeded\n`);
        }),
      );
    });
}

// --- iteration -----------------------------------------------------------------------------------

function registerIterationCommands(program: Command): void {
  const iteration = program.command('iteration').description('Iterations: one pass of the CORE loop each.');
  iteration
    .command('list')
    .description(
      'List iterations, newest first, as JSON lines: {id, status, note, rollouts, fullyPassed, exports, …}.',
    )
    .action(() =>
      withDb(program, (db) => {
        for (const row of listIterations(db)) writeJsonLine(row);
        return Promise.resolve();
      }),
    );
  iteration
    .command('close')
    .description(
      'Close the open iteration and open the next; prints {closed, opened}. Refused while a job other than a fine-tuning run is queued or running.',
    )
    .option('--note <text>', 'what this iteration was about')
    .action((opts: { note?: string }) =>
      withDb(program, (db) => {
        const open = getOpenIterationId(db);
        if (open === null) throw new DomainError('CONFLICT', 'No iteration is open');
        writeJsonLine(closeIteration(db, { iterationId: open, note: opts.note ?? null }, CLI_ACTOR));
        return Promise.resolve();
      }),
    );
}

/**
 * Registers `export` (CORE files, fine-tuning exports and `export rerun`), `finetune` (`command
 * add|list|remove`, `launch`) and `iteration` (`list`, `close`) on the program. See the module comment
 * for the syntax and output of each; errors are DomainErrors (exit code 1) or commander usage errors
 * naming the option (exit code 2).
 */
export function registerExportCommands(program: Command): void {
  registerExportCommand(program);
  registerFineTuneCommands(program);
  registerIterationCommands(program);
}
