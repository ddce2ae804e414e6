/**
 * "Launch fine-tuning" end to end through the real job runner, on exports of real WebVoyager runs:
 *
 * - `openai`: the export's `train.jsonl` reaches a local fake of the files + fine-tuning API byte
 *   for byte, the run row mirrors the provider's job (id, final status, fine-tuned model, file
 *   ids), the log tells the story, a failed provider job fails the job with the provider's reason,
 *   and launching is refused for a non-`openai` export or before the API is configured;
 * - `command`: a configured command runs with its placeholders expanded, the export folder as its
 *   working directory and only the inherited variables plus the run's own (never the server's
 *   secrets); a non-zero exit fails the job; cancelling the job kills the process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { assignSplit } from '@/lib/core/export/split';
import { fineTuneRun, job, trajectory } from '@/server/db/schema';
import { startFakeFineTuneServer, type FakeFineTuneServer } from '@/server/fine-tune/fake-fine-tune-server';
import { getTrainingExport, startTrainingExport } from '@/server/services/export-service';
import { launchFineTune, readFineTuneLog } from '@/server/services/fine-tune-service';
import {
  addFineTuneCommand,
  updateOpenAiFineTuneSettings,
} from '@/server/services/fine-tune-settings-service';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

const actor = { userId: null, label: 'test' };
const API_KEY = 'sk-fine-tune-test-key';
const BASE_MODEL = 'gpt-4o-mini-2024-07-18';
/** Three small runs keep the set-up short. */
const RUNS = ['taskGoogle Search--3', 'taskCoursera--16', 'taskArXiv--11'];
const SECRET_VAR = 'CORE_CURATOR_SECRET_TEST';
const VALIDATION_FRACTION = 0.5;

let world: TestWorld;
let server: FakeFineTuneServer | null = null;

beforeEach(async () => {
  vi.stubEnv('BETTER_AUTH_SECRET', 'fine-tune-service-secret-fine-tune-service-secret');
  vi.stubEnv(SECRET_VAR, 'x');
  world = createTestWorld();
  for (const run of RUNS) {
    const bundle = await readImportSource('webvoyager', path.join(WEBVOYAGER_EXAMPLES, run), {
      kind: 'rollout',
    });
    await importBundle(world.db, world.dataDir, bundle, { format: 'webvoyager', actor });
  }
  world.db.update(trajectory).set({ category: 'fully_passed' }).run();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = null;
  await world.cleanup();
});

function jobRow(jobId: string) {
  return world.db.select().from(job).where(eq(job.id, jobId)).get()!;
}

function runRow(runId: string) {
  return world.db.select().from(fineTuneRun).where(eq(fineTuneRun.id, runId)).get()!;
}

/** A seed that puts the (randomly named) trajectories in both splits, so both files are uploaded. */
function seedWithBothSplits(): number {
  const ids = world.db.select({ id: trajectory.id }).from(trajectory).all();
  for (let seed = 0; ; seed++) {
    const splits = new Set(ids.map((t) => assignSplit(seed, t.id, VALIDATION_FRACTION)));
    if (splits.size === 2) return seed;
  }
}

async function runExport(format: 'openai' | 'llama-factory') {
  const { exportId, jobId } = startTrainingExport(
    world.db,
    world.jobs,
    {
      iterationId: 1,
      format,
      sources: ['fully_passed'],
      validationFraction: VALIDATION_FRACTION,
      seed: seedWithBothSplits(),
    },
    actor,
  );
  await world.jobs.idle();
  expect(jobRow(jobId)).toMatchObject({ status: 'succeeded', error: null });
  const exported = getTrainingExport(world.db, world.dataDir, exportId);
  return { exportId, dir: path.join(world.dataDir, exported.dir), summary: exported.summary! };
}

async function configureApi(options: Parameters<typeof startFakeFineTuneServer>[0] = {}) {
  server = await startFakeFineTuneServer(options);
  updateOpenAiFineTuneSettings(
    world.db,
    world.dataDir,
    { baseUrl: server.baseUrl, model: BASE_MODEL, apiKey: API_KEY, suffix: 'core', pollIntervalMs: 500 },
    actor,
  );
  return server;
}

async function logText(runId: string): Promise<string> {
  return (await readFineTuneLog(world.db, world.dataDir, runId, 0)).text;
}

function expectDomainError(fn: () => unknown, code: DomainError['code'], message: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe(code);
  expect((caught as DomainError).message).toMatch(message);
}

describe('launchFineTune with the openai launcher', { timeout: 60_000 }, () => {
  it('uploads the export, follows the provider job to its model and records it on the run', async () => {
    const exported = await runExport('openai');
    const fake = await configureApi();
    const { runId, jobId } = launchFineTune(
      world.db,
      world.dataDir,
      world.jobs,
      { exportId: exported.exportId, launcher: 'openai' },
      actor,
    );
    await world.jobs.idle();

    expect(jobRow(jobId)).toMatchObject({ status: 'succeeded', error: null });
    const run = runRow(runId);
    const [externalJobId, fakeJob] = [...fake.jobs.entries()][0]!;
    expect(fake.jobs.size).toBe(1);
    expect(run).toMatchObject({
      launcher: 'openai',
      target: BASE_MODEL,
      externalJobId,
      externalStatus: 'succeeded',
      resultModel: fakeJob.job.fine_tuned_model,
    });
    expect(run.resultModel).toMatch(new RegExp(`^ft:${BASE_MODEL}:core-curator:core:`));
    expect(run.finishedAt).not.toBeNull();
    expect(run.invocation).toEqual({ baseUrl: fake.baseUrl, model: BASE_MODEL, nEpochs: 'auto' });

    const trainFileId = run.fileIds?.training;
    expect(trainFileId).toBeDefined();
    expect(
      fake.files.get(trainFileId!)?.bytes.equals(fs.readFileSync(path.join(exported.dir, 'train.jsonl'))),
    ).toBe(true);
    expect(fakeJob.request).toMatchObject({ model: BASE_MODEL, training_file: trainFileId, suffix: 'core' });
    expect(exported.summary.counts.validation.examples).toBeGreaterThan(0);
    const validationFileId = run.fileIds?.validation;
    expect(fakeJob.request.validation_file).toBe(validationFileId);
    expect(
      fake.files
        .get(validationFileId!)
        ?.bytes.equals(fs.readFileSync(path.join(exported.dir, 'validation.jsonl'))),
    ).toBe(true);
    expect(fake.files.size).toBe(2);
    expect(fake.requests.every((r) => r.authorization === `Bearer ${API_KEY}`)).toBe(true);

    const log = await logText(runId);
    expect(log).toContain(`Uploaded train.jsonl as ${trainFileId}`);
    expect(log).toContain(`Created fine-tuning job ${externalJobId}`);
    expect(log).toContain('→ succeeded');
    expect(log).toContain(`Fine-tuning job ${externalJobId} succeeded: ${run.resultModel}`);
    expect(log).not.toContain(API_KEY);
  });

  it('fails the job with the provider reason when the provider job fails', async () => {
    const exported = await runExport('openai');
    await configureApi({
      statusSequence: ['validating_files', 'running'],
      failWith: { code: 'invalid_training_file', message: 'Example 3 has too many images.' },
    });
    const { runId, jobId } = launchFineTune(
      world.db,
      world.dataDir,
      world.jobs,
      { exportId: exported.exportId, launcher: 'openai' },
      actor,
    );
    await world.jobs.idle();
    const row = jobRow(jobId);
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/^Fine-tuning job ftjob-[0-9a-f]+ failed: Example 3 has too many images\.$/);
    expect(runRow(runId)).toMatchObject({ externalStatus: 'failed', resultModel: null });
    expect(await logText(runId)).toContain('Example 3 has too many images.');
  });

  it('refuses an export in another format, and an unconfigured API, with CONFLICT', async () => {
    const llamaFactory = await runExport('llama-factory');
    const openai = await runExport('openai');
    expectDomainError(
      () =>
        launchFineTune(
          world.db,
          world.dataDir,
          world.jobs,
          { exportId: openai.exportId, launcher: 'openai' },
          actor,
        ),
      'CONFLICT',
      /not configured/,
    );
    await configureApi();
    expectDomainError(
      () =>
        launchFineTune(
          world.db,
          world.dataDir,
          world.jobs,
          { exportId: llamaFactory.exportId, launcher: 'openai' },
          actor,
        ),
      'CONFLICT',
      /this export is llama-factory/,
    );
    expect(world.db.select().from(fineTuneRun).all()).toEqual([]);
  });
});

describe('launchFineTune with a configured command', { timeout: 60_000 }, () => {
  const REPORT = [
    "console.log('export_dir=' + process.argv[1])",
    "console.log('train_file=' + process.argv[2])",
    "console.log('run_id=' + process.env.CORE_CURATOR_RUN_ID)",
    `console.log('secret=' + (process.env.${SECRET_VAR} ?? 'withheld'))`,
    "console.log('cwd=' + process.cwd())",
  ].join('; ');

  function launchCommand(exportId: string, name: string, script: string, args: string[] = []) {
    addFineTuneCommand(world.db, { name, argv: [process.execPath, '-e', script, ...args] }, actor);
    return launchFineTune(
      world.db,
      world.dataDir,
      world.jobs,
      { exportId, launcher: 'command', command: name },
      actor,
    );
  }

  it('runs the command with expanded paths in the export folder, without the server secrets', async () => {
    expect(process.env[SECRET_VAR]).toBe('x');
    const exported = await runExport('llama-factory');
    const { runId, jobId } = launchCommand(exported.exportId, 'report', REPORT, [
      '{export_dir}',
      '{train_file}',
    ]);
    await world.jobs.idle();

    expect(jobRow(jobId)).toMatchObject({ status: 'succeeded', error: null });
    const run = runRow(runId);
    expect(run.exitCode).toBe(0);
    expect(run.finishedAt).not.toBeNull();
    const trainFile = path.join(exported.dir, 'train.jsonl');
    const invocation = run.invocation as { command: string; argv: string[]; cwd: string };
    expect(invocation.command).toBe('report');
    expect(invocation.argv).toEqual([process.execPath, '-e', REPORT, exported.dir, trainFile]);
    expect(invocation.cwd).toBe(exported.dir);

    const log = await logText(runId);
    expect(log).toContain(`export_dir=${exported.dir}\n`);
    expect(log).toContain(`train_file=${trainFile}\n`);
    expect(log).toContain(`run_id=${runId}\n`);
    expect(log).toContain(`cwd=${fs.realpathSync(exported.dir)}\n`);
    expect(log).toContain('secret=withheld\n');
    expect(log).not.toContain('secret=x');
    expect(log).toMatch(/\[exit code 0 after [\d.]+ s\]\n$/);
  });

  it('fails the job when the command exits non-zero', async () => {
    const exported = await runExport('llama-factory');
    const { runId, jobId } = launchCommand(
      exported.exportId,
      'fail-two',
      "console.log('loading model'); process.exit(2)",
    );
    await world.jobs.idle();
    const row = jobRow(jobId);
    expect(row.status).toBe('failed');
    expect(row.error).toContain('exited with code 2');
    expect(runRow(runId).exitCode).toBe(2);
    const log = await logText(runId);
    expect(log).toContain('loading model\n');
    expect(log).toMatch(/\[exit code 2 after [\d.]+ s\]\n$/);
  });

  it('cancels a long-running command: the job is cancelled and the log says how it ended', async () => {
    const exported = await runExport('llama-factory');
    const { runId, jobId } = launchCommand(
      exported.exportId,
      'forever',
      "console.log('epoch 1'); setInterval(() => console.log('tick'), 200)",
    );
    const deadline = Date.now() + 15_000;
    while (!(await logText(runId)).includes('epoch 1')) {
      if (Date.now() > deadline) throw new Error('the command never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(world.jobs.cancel(jobId)).toBe(true);
    await world.jobs.idle();

    expect(jobRow(jobId).status).toBe('cancelled');
    const run = runRow(runId);
    expect(run.finishedAt).not.toBeNull();
    expect(run.exitCode).toBeNull();
    const log = await logText(runId);
    expect(log).toContain('[cancel requested: sent SIGTERM to process group');
    expect(log).toMatch(/\[killed by SIGTERM after [\d.]+ s\]\n$/);
  });
});
