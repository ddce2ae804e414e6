/**
 * The command line: `npx core-curator <command>`. Scriptable — results go to stdout (text, or
 * JSON with `--json`), progress and errors to stderr. Exit codes: 0 success, 1 the work failed
 * (bad input file, …), 2 usage error. Honours `CORE_CURATOR_DATA_DIR` like the server, or
 * `--data-dir`.
 */
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DomainError } from '@/lib/core/errors';
import { ROLES, isRole } from '@/lib/core/roles';
import { createAuth, resolveAuthSecret } from '@/server/auth/auth';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { readEnv } from '@/server/env';
import { importBundle, type ImportSummary } from '@/server/services/import-service';
import { IMPORT_FORMATS, readImportSource, type ImportFormat } from '@/server/services/import-sources';
import { createUserAccount, listUsers } from '@/server/services/user-service';
import { registerLfCommand } from '@/server/cli/commands/lf';
import { createLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { recordSandboxCliRun } from '@/server/services/sandbox-audit';
import { importCoreDir } from '@/server/services/core-files-service';
import { scoreTasks } from '@/server/services/scoring-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { getTaskIdByExternalIdOrThrow } from '@/server/services/task-service';
import { registerVerdictCommand } from '@/server/cli/commands/verdict';
import { registerPipelineCommands } from '@/server/cli/commands/pipeline';
import { registerRolloutCommands } from '@/server/cli/commands/rollouts';
import { registerExportCommands } from '@/server/cli/commands/exports';
import { registerModelsCommands } from '@/server/cli/commands/models';
import { registerSettingsCommands } from '@/server/cli/commands/settings';
import { registerTrajectoryCommands } from '@/server/cli/commands/trajectories';
import { progressPrinter, resolveDataDir } from '@/server/cli/shared';
import { applyPrivateUmask } from '@/server/private-files';

function printSummary(s: ImportSummary): string {
  const c = (x: { created: number; updated: number; unchanged: number }) =>
    `${x.created} new, ${x.updated} updated, ${x.unchanged} unchanged`;
  return [
    `Imported ${s.format} in ${s.seconds} s`,
    `  tasks:         ${c(s.tasks)}`,
    `  trajectories:  ${c(s.trajectories)}`,
    `  steps:         ${s.steps} written`,
    `  screenshots:   ${s.screenshots.stored} stored, ${s.screenshots.reused} already present`,
    ...s.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

export function buildProgram(): Command {
  const program = new Command()
    .name('core-curator')
    .description('Curation of GUI-agent self-training data with CORE — command line.')
    .option('--data-dir <dir>', 'data directory (default: $CORE_CURATOR_DATA_DIR or ./data)')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('import')
    .description('Import agent runs or task configs (all-or-nothing; re-importing is a no-op).')
    .addArgument(
      program
        .createArgument('<format>', `one of: ${[...IMPORT_FORMATS, 'core'].join(', ')}`)
        .choices([...IMPORT_FORMATS, 'core']),
    )
    .argument('<path>', 'folder or file to import')
    .addOption(
      new Option('--kind <kind>', 'WebVoyager runs become expert demos or rollouts')
        .choices(['expert', 'rollout'])
        .default('expert'),
    )
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        format: ImportFormat | 'core',
        target: string,
        opts: { kind: 'expert' | 'rollout'; json?: boolean },
      ) => {
        const dataDir = resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
        const db = openDb(path.join(dataDir, DB_FILE_NAME));
        try {
          if (format === 'core') {
            // CORE pipeline files: key_nodes.json + tasks.json (+ label_function_results.json).
            const summary = importCoreDir(db, path.resolve(target), { userId: null, label: 'cli' });
            process.stdout.write(`${JSON.stringify(summary, null, opts.json ? undefined : 2)}\n`);
            return;
          }
          const onProgress = progressPrinter();
          onProgress(0, 'Reading files');
          const bundle = await readImportSource(format, path.resolve(target), { kind: opts.kind });
          const summary = await importBundle(db, dataDir, bundle, {
            format,
            actor: { userId: null, label: 'cli' },
            onProgress,
          });
          process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${printSummary(summary)}\n`);
        } finally {
          db.$client.close();
        }
      },
    );

  const user = program
    .command('user')
    .description('Manage accounts (the first account created becomes the PI).');
  user
    .command('create')
    .description('Create an account with a password.')
    .requiredOption('--email <email>', 'email address')
    .requiredOption(
      '--password <password>',
      'initial password (8+ characters, zxcvbn strength 3 of 4: a few uncommon words)',
    )
    .option('--name <name>', 'display name')
    .option(
      '--role <role>',
      `one of: ${ROLES.join(', ')} (ignored for the first account, which is always pi)`,
      (v: string) => {
        if (!isRole(v)) throw new InvalidArgumentError(`role must be one of ${ROLES.join(', ')}`);
        return v;
      },
      'annotator',
    )
    .action(
      async (opts: { email: string; password: string; name?: string; role: (typeof ROLES)[number] }) => {
        const dataDir = resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
        const db = openDb(path.join(dataDir, DB_FILE_NAME));
        try {
          const env = readEnv();
          const auth = createAuth(db, {
            secret: resolveAuthSecret(dataDir, env.authSecret),
            baseUrl: env.baseUrl,
          });
          const created = await createUserAccount(
            db,
            auth,
            { id: null, email: 'cli' },
            {
              email: opts.email,
              password: opts.password,
              name: opts.name ?? opts.email.split('@')[0] ?? opts.email,
              role: opts.role,
            },
          );
          process.stdout.write(`${JSON.stringify(created)}\n`);
        } finally {
          db.$client.close();
        }
      },
    );
  user
    .command('list')
    .description('List accounts as JSON lines.')
    .action(() => {
      const db = openDb(
        path.join(resolveDataDir(program.opts<{ dataDir?: string }>().dataDir), DB_FILE_NAME),
      );
      try {
        for (const u of listUsers(db)) process.stdout.write(`${JSON.stringify(u)}\n`);
      } finally {
        db.$client.close();
      }
    });
  program
    .command('score')
    .description(
      "Run the label functions of each task's strategy graph on its trajectories (sandboxed) and store verdicts.",
    )
    .option('--task <externalId...>', 'only these tasks (default: every task with a graph)')
    .option(
      '--reevaluate',
      'evaluate every pair again and overwrite stored results (default: only missing ones)',
    )
    .action(async (opts: { task?: string[]; reevaluate?: boolean }) => {
      const db = openDb(
        path.join(resolveDataDir(program.opts<{ dataDir?: string }>().dataDir), DB_FILE_NAME),
      );
      recordSandboxCliRun(db, 'score', { task: opts.task ?? null, reevaluate: opts.reevaluate ?? false });
      const runner = await createLabelFunctionRunner();
      try {
        const taskIds = opts.task
          ? opts.task.map((externalId) => getTaskIdByExternalIdOrThrow(db, externalId))
          : null;
        const summary = await scoreTasks(db, runner, taskIds, {
          onProgress: progressPrinter(),
          reevaluate: opts.reevaluate ?? false,
        });
        syncReviewItems(db);
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } finally {
        await runner.close();
        db.$client.close();
      }
    });

  registerLfCommand(program);
  registerVerdictCommand(program);
  registerPipelineCommands(program);
  registerRolloutCommands(program);
  registerExportCommands(program);
  registerModelsCommands(program);
  registerSettingsCommands(program);
  registerTrajectoryCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof DomainError) {
      process.stderr.write(`\nerror: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`\nerror: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

// Files the CLI creates under the data directory are its owner's only (server/private-files.ts).
applyPrivateUmask();
process.exitCode = await runCli(process.argv.slice(2));
