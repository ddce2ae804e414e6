/**
 * `core-curator env add|list`, `core-curator rollouts` and `core-curator demo` — environments and
 * rollouts from a terminal. Rollouts run in this process (Chromium through playwright-core),
 * printing progress on stderr, then one line per episode with its environment verdict and the
 * environment's explanation (`episode-lines.ts`), and a JSON summary on stdout (with the same per
 * episode as `episodeVerdicts`); they are stored like those of a
 * rollouts job, but the server's live view sees them only once they are in the database (the live
 * bus is per process).
 *
 * `env add` runs the seed check after registering (unless `--no-check`): it prints the tasks whose
 * verifier already passes on the untouched seed, which `rollouts` then skips unless
 * `--include-seed-passing`. `rollouts --difficulty <level>` keeps the chosen tasks of one difficulty.
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { POLICY_NAMES, type PolicyName } from '@/lib/core/rollouts/types';
import { createLabelFunctionRunner, type LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { recordSandboxCliRun } from '@/server/services/sandbox-audit';
import { progressPrinter, withDb } from '@/server/cli/shared';
import type { Db } from '@/server/db/client';
import { addStateApiApp, listEnvironmentApps } from '@/server/services/environment-service';
import { executeRolloutJob } from '@/server/services/rollout-service';
import { resolveRolloutTaskIds } from '@/server/services/rollout-launch-service';
import { runDemoLoop } from '@/server/services/demo-service';
import { getTaskIdByExternalIdOrThrow } from '@/server/services/task-service';
import { executeSeedCheck, type SeedCheckSummary } from '@/server/services/seed-check-service';
import { normalizeDifficulty } from '@/lib/core/difficulty';
import { DomainError } from '@/lib/core/errors';
import { listEpisodeVerdicts } from '@/server/services/trajectory-service';
import { formatEpisodeLines, toOneLine } from '@/server/cli/episode-lines';
import { formatElementList } from '@/lib/core/rollouts/elements';
import { inspectAppMarks } from '@/server/rollouts/app-marks';
import type { ObservedPage } from '@/server/rollouts/browser';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

/** A lazily started sandbox, closed by the caller; its start is recorded in the audit log. */
function lazyRunner(db: Db, command: string, input: unknown) {
  let runner: Promise<LabelFunctionRunner> | null = null;
  return {
    get: () =>
      (runner ??= (() => {
        recordSandboxCliRun(db, command, input);
        return createLabelFunctionRunner();
      })()),
    close: async () => {
      if (runner) await (await runner).close();
    },
  };
}

interface RolloutsOptions {
  app?: string[];
  task?: string[];
  policy: PolicyName;
  samples?: number;
  parallel?: number;
  maxSteps?: number;
  noise?: number;
  seed: number;
  recordDemos?: boolean;
  score: boolean;
  difficulty?: string;
  includeSeedPassing?: boolean;
}

/** `--difficulty`: any word a task file uses, stored lower-cased (easy, medium, hard, …). */
function parseDifficulty(value: string): string {
  const difficulty = normalizeDifficulty(value);
  if (!difficulty) throw new InvalidArgumentError('a difficulty such as easy, medium or hard');
  return difficulty;
}

/** The seed check's result for a terminal: the tasks that pass on the seed, then undetermined ones. */
export function formatSeedCheckLines(summary: SeedCheckSummary): string {
  const lines: string[] = [];
  for (const app of summary.apps) {
    lines.push(
      `Seed check of ${toOneLine(app.name)} (${app.appId}): ${app.passing.length} of ${app.tasks} task(s) pass on the untouched seed` +
        (app.passing.length > 0 ? ' (rollouts and exports skip them unless --include-seed-passing):' : ''),
    );
    for (const t of app.passing) lines.push(`  ${t.externalId}  ${toOneLine(t.message)}`);
    if (app.undetermined.length > 0) {
      lines.push(`  ${app.undetermined.length} task(s) could not be checked:`);
      for (const t of app.undetermined) lines.push(`  ${t.externalId}  ${toOneLine(t.message)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * An observation for a terminal: URL and title, then one mark a line as the element list prints it
 * (`[3]: <button> "☆ star" (pressed) — in "…"`), then the marks outside the view (`~ down …`).
 */
export function formatMarksForTerminal(
  observed: Pick<ObservedPage, 'url' | 'title' | 'elements' | 'offscreen'>,
): string {
  const lines = [
    `${toOneLine(observed.title)} — ${observed.url}`,
    `${observed.elements.length} mark(s) in view:`,
  ];
  for (const element of observed.elements) lines.push(`  ${toOneLine(formatElementList([element]))}`);
  if (observed.offscreen.length > 0) {
    lines.push(`${observed.offscreen.length} out of view (the expert replay scrolls to them):`);
    for (const o of observed.offscreen) {
      const via = o.anchorId !== undefined ? ` in a panel, scroll [${o.anchorId}]` : '';
      lines.push(`  ~ ${o.direction}${via}: <${o.role ?? ''}> "${toOneLine(o.name)}"`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function registerRolloutCommands(program: Command): void {
  const env = program.command('env').description('Environments rollouts run in (State-API web apps).');
  env
    .command('add')
    .description(
      'Register a State-API app folder (index.html, real-tasks.json, verifiers) and import its tasks.',
    )
    .argument('<folder>', 'the app folder, e.g. environments/shop')
    .option('--id <id>', 'app id (default: the folder name)')
    .option('--no-check', 'skip the seed check (which tasks already pass on the untouched seed, in Chromium)')
    .action((folder: string, opts: { id?: string; check: boolean }) =>
      withDb(program, async (db) => {
        const actor = { userId: null, label: 'cli' };
        const summary = addStateApiApp(db, path.resolve(folder), { id: opts.id, actor });
        if (!opts.check) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        let seedCheck: SeedCheckSummary;
        try {
          seedCheck = await executeSeedCheck(
            db,
            { appIds: [summary.appId], actor },
            { onProgress: progressPrinter() },
          );
        } catch (error) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          const message = (error as Error).message;
          throw new DomainError(
            error instanceof DomainError ? error.code : 'CONFLICT',
            `App '${summary.appId}' is registered, but its seed check failed: ${message} (fix it and run env add again, or pass --no-check)`,
          );
        }
        process.stderr.write(formatSeedCheckLines(seedCheck));
        const [app] = seedCheck.apps;
        process.stdout.write(
          `${JSON.stringify({
            ...summary,
            seedCheck: {
              checked: seedCheck.checked,
              passing: (app?.passing ?? []).map((t) => ({ externalId: t.externalId, message: t.message })),
              failing: seedCheck.failing,
              undetermined: (app?.undetermined ?? []).map((t) => ({
                externalId: t.externalId,
                message: t.message,
              })),
              seconds: seedCheck.seconds,
            },
          })}\n`,
        );
      }),
    );
  env
    .command('marks')
    .description(
      "Print what the agent would see on a page of an app folder: the runner's set-of-marks, one mark a line (for writing expert-demos.json).",
    )
    .argument('<folder>', 'the app folder, e.g. environments/mail')
    .option('--path <path>', "where to open on the app's server, e.g. #/settings", '/')
    .option('--image <file>', 'also write the screenshot with the numbered marks drawn (PNG)')
    .action(async (folder: string, opts: { path: string; image?: string }) => {
      const observed = await inspectAppMarks(path.resolve(folder), {
        pagePath: opts.path,
        imageFile: opts.image ? path.resolve(opts.image) : undefined,
      });
      process.stdout.write(formatMarksForTerminal(observed));
    });
  env
    .command('list')
    .description('List the registered apps.')
    .action(() =>
      withDb(program, (db) => {
        for (const app of listEnvironmentApps(db)) {
          process.stdout.write(`${app.id}\t${app.taskCount} tasks\t${app.name}\t${app.folder}\n`);
        }
        return Promise.resolve();
      }),
    );

  program
    .command('rollouts')
    .description('Sample rollouts in Chromium (or record the expert demos of app tasks with --record-demos).')
    .option('--app <id...>', 'every task of these apps')
    .option('--task <externalId...>', 'tasks by external id, e.g. app:shop:shop-001')
    .addOption(new Option('--policy <name>', 'who acts').choices([...POLICY_NAMES]).default('noisy-expert'))
    .option('--samples <n>', 'rollouts per task (default: the rollout settings, 5)', positiveInt)
    .option('--parallel <n>', 'browsers at once (default: the rollout settings, 2)', positiveInt)
    .option('--max-steps <n>', 'steps per rollout (default: the rollout settings, 15)', positiveInt)
    .option('--noise <p>', 'noisy-expert deviation probability in [0, 1]', (v: string) => {
      const p = Number(v);
      if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError('a number in [0, 1]');
      return p;
    })
    .option('--seed <n>', 'seed of the deviations', (v: string) => Number.parseInt(v, 10), 1)
    .option('--record-demos', 'record the scripted expert demos instead (State-API apps)')
    .option(
      '--difficulty <level>',
      'only the chosen tasks of this difficulty (easy, medium, hard)',
      parseDifficulty,
    )
    .option(
      '--include-seed-passing',
      'also tasks whose verifier passes on the untouched seed (skipped by default; see env add)',
    )
    .option('--no-score', 'do not score the tasks afterwards')
    .action((opts: RolloutsOptions) =>
      withDb(program, async (db, dataDir) => {
        const taskIds = resolveRolloutTaskIds(
          db,
          opts.app ?? [],
          (opts.task ?? []).map((externalId) => getTaskIdByExternalIdOrThrow(db, externalId)),
          { difficulty: opts.difficulty },
        );
        if (taskIds.length === 0) throw new InvalidArgumentError('name tasks with --app or --task');
        const runner = lazyRunner(db, 'rollouts', { taskIds, policy: opts.policy });
        try {
          const summary = await executeRolloutJob(
            db,
            dataDir,
            {
              taskIds,
              kind: opts.recordDemos ? 'expert' : 'rollout',
              policy: opts.policy,
              samplesPerTask: opts.samples,
              parallelBrowsers: opts.parallel,
              maxSteps: opts.maxSteps,
              noise: opts.noise,
              seed: opts.seed,
              score: opts.score,
              includeSeedPassing: opts.includeSeedPassing ?? false,
              actor: { userId: null, label: 'cli' },
            },
            runner.get,
            { onProgress: progressPrinter() },
          );
          const episodeVerdicts = listEpisodeVerdicts(db, summary.trajectoryIds);
          process.stderr.write(formatEpisodeLines(`Episodes (${episodeVerdicts.length}):`, episodeVerdicts));
          process.stdout.write(`${JSON.stringify({ ...summary, episodeVerdicts })}\n`);
        } finally {
          await runner.close();
        }
      }),
    );

  program
    .command('demo')
    .description('Run the embedded demo: the CORE loop once on the bundled apps (as a fresh server does).')
    .option('--samples <n>', 'rollouts per task', positiveInt)
    .action((opts: { samples?: number }) =>
      withDb(program, async (db, dataDir) => {
        const runner = lazyRunner(db, 'demo', { samples: opts.samples ?? null });
        try {
          const summary = await runDemoLoop(db, dataDir, runner.get, {
            onProgress: progressPrinter(),
            samplesPerTask: opts.samples,
          });
          const demos = listEpisodeVerdicts(db, summary.trajectoryIds.expertDemos);
          const rollouts = listEpisodeVerdicts(db, summary.trajectoryIds.rollouts);
          process.stderr.write(formatEpisodeLines(`Expert demos (${demos.length}):`, demos));
          process.stderr.write(formatEpisodeLines(`Rollouts (${rollouts.length}):`, rollouts));
          process.stdout.write(
            `${JSON.stringify({ ...summary, episodeVerdicts: { expertDemos: demos, rollouts } })}\n`,
          );
        } finally {
          await runner.close();
        }
      }),
    );
}
