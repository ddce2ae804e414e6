/**
 * `core-curator abstract …` and `core-curator extrapolate …` — pipeline stages from the command line
 * (issue 4 › In the product). The run is recorded like one started from the UI (providers, prompt
 * versions, units, model calls) but executes in this process, printing progress on stderr and the
 * run's figures as one JSON object on stdout: `{"runId", "stage", "stats"}`. The units it skipped
 * are listed on stderr with the reason and a hint ("Skipped 2 tasks: task X — no expert demo
 * (record a demo on the task page, or promote a verified rollout)") and in the JSON as
 * `stats.skipped`. `--resume <runId>` continues a run: done units are skipped, failed ones retried.
 *
 * Models come from the settings stored in the database (the Models page); with none, the offline
 * `heuristic` provider answers.
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatSkippedUnits } from '@/lib/core/abstraction/skip-reasons';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { PIPELINE_STAGES, type PipelineStage } from '@/server/db/schema';
import { createLlmClients } from '@/server/llm/clients';
import { createLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { recordSandboxCliRun } from '@/server/services/sandbox-audit';
import { progressPrinter, resolveDataDir } from '@/server/cli/shared';
import {
  createPipelineRun,
  executePipelineRun,
  STAGE_DESCRIPTIONS,
} from '@/server/services/pipeline-service';
import { getTaskIdByExternalIdOrThrow } from '@/server/services/task-service';

interface StageOptions {
  task?: string[];
  iteration?: number;
  resume?: string;
}

async function runStage(program: Command, stage: PipelineStage, opts: StageOptions): Promise<void> {
  const dataDir = resolveDataDir(program.opts<{ dataDir?: string }>().dataDir);
  const db = openDb(path.join(dataDir, DB_FILE_NAME));
  recordSandboxCliRun(db, `pipeline ${stage}`, opts);
  const runner = await createLabelFunctionRunner();
  try {
    const clients = createLlmClients(db, dataDir);
    const runId =
      opts.resume ??
      createPipelineRun(db, {
        stage,
        scope: {
          taskIds: (opts.task ?? []).map((externalId) => getTaskIdByExternalIdOrThrow(db, externalId)),
          iterationId: opts.iteration ?? null,
        },
        actor: { userId: null, label: 'cli' },
        providers: () => clients.describe(),
      }).runId;
    const stats = await executePipelineRun(db, runId, { clients, runner, onProgress: progressPrinter() });
    // What the run proposed goes to the review queues, as after a pipeline job.
    syncReviewItems(db);
    // Which units were skipped and why, for a person (the JSON carries them as `stats.skipped`).
    const skipped = formatSkippedUnits(stats.skipped);
    if (skipped) process.stderr.write(`${skipped}\n`);
    process.stdout.write(`${JSON.stringify({ runId, stage, stats })}\n`);
  } finally {
    await runner.close();
    db.$client.close();
  }
}

function stageOptions(command: Command): Command {
  return command
    .option('--task <externalId...>', 'tasks by external id, e.g. webvoyager:GitHub--0')
    .option('--iteration <n>', 'also every task with a trajectory in iteration n', (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('an iteration is a positive integer');
      return n;
    })
    .option('--resume <runId>', 'continue an earlier run instead of starting one');
}

export function registerPipelineCommands(program: Command): void {
  stageOptions(
    program
      .command('abstract')
      .description(`Stages D, K, S and graph initialisation: ${STAGE_DESCRIPTIONS.abstract.toLowerCase()}.`),
  ).action((opts: StageOptions) => runStage(program, 'abstract', opts));

  stageOptions(
    program
      .command('extrapolate')
      .description('Categorise rollouts, then propose paths, infer intents or propose task variants.')
      .addOption(
        new Option('--stage <stage>', 'which extrapolation')
          .choices(PIPELINE_STAGES.filter((s) => s !== 'abstract'))
          .makeOptionMandatory(),
      ),
  ).action((opts: StageOptions & { stage: PipelineStage }) => runStage(program, opts.stage, opts));
}
