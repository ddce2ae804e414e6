/**
 * The OpenAI-compatible fine-tuning launcher against a local fake of the files + fine-tuning API:
 * streamed uploads arrive byte for byte, the job request carries the settings, statuses and events
 * are reported in order until the result model, a failed job and an API error surface as
 * DomainErrors, and an abort (while polling or while sleeping) cancels the provider's job.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import {
  startFakeFineTuneServer,
  type FakeFineTuneServer,
  type FakeJob,
} from '@/server/fine-tune/fake-fine-tune-server';
import {
  runOpenAiFineTune,
  type OpenAiFineTuneUpdate,
  type RunOpenAiFineTuneParams,
} from '@/server/fine-tune/openai-fine-tune';
import type { ResolvedOpenAiFineTuneSettings } from '@/server/services/fine-tune-settings-service';

const API_KEY = 'sk-fake-fine-tune-key';
const TRAIN = [
  {
    messages: [
      { role: 'user', content: 'Open the cart' },
      { role: 'assistant', content: 'click(12)' },
    ],
  },
  {
    messages: [
      { role: 'user', content: 'Search for "é ü ✓"' },
      { role: 'assistant', content: 'type(3)' },
    ],
  },
]
  .map((l) => JSON.stringify(l))
  .join('\n')
  .concat('\n');
const VALIDATION = `${JSON.stringify({ messages: [{ role: 'user', content: 'Go back' }] })}\n`;

let dir: string;
let trainPath: string;
let validationPath: string;
let server: FakeFineTuneServer | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-ft-'));
  trainPath = path.join(dir, 'train.jsonl');
  validationPath = path.join(dir, 'validation.jsonl');
  fs.writeFileSync(trainPath, TRAIN);
  fs.writeFileSync(validationPath, VALIDATION);
});
afterEach(async () => {
  await server?.close();
  server = null;
  fs.rmSync(dir, { recursive: true, force: true });
});

function settingsFor(s: FakeFineTuneServer, extra: Partial<ResolvedOpenAiFineTuneSettings> = {}) {
  return {
    baseUrl: s.baseUrl,
    model: 'gpt-4o-mini-2024-07-18',
    apiKey: API_KEY,
    nEpochs: 3,
    suffix: null,
    pollIntervalMs: 10_000,
    ...extra,
  } satisfies ResolvedOpenAiFineTuneSettings;
}

/** Runs the launcher with an instant sleep, recording log lines and updates. */
function run(s: FakeFineTuneServer, overrides: Partial<RunOpenAiFineTuneParams> = {}) {
  const lines: string[] = [];
  const updates: OpenAiFineTuneUpdate[] = [];
  const controller = new AbortController();
  const sleeps: number[] = [];
  const promise = runOpenAiFineTune({
    settings: settingsFor(s),
    trainingFile: trainPath,
    validationFile: validationPath,
    signal: controller.signal,
    log: (line) => lines.push(line),
    onUpdate: (u) => updates.push(u),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
  return { promise, lines, updates, controller, sleeps };
}

/** The one job the fake server holds, as `[id, job]`. */
function onlyJob(s: FakeFineTuneServer): [string, FakeJob] {
  const entries = [...s.jobs.entries()];
  if (entries.length !== 1 || !entries[0]) throw new Error(`expected one job, found ${entries.length}`);
  return entries[0];
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('runOpenAiFineTune', () => {
  it('uploads both files, creates the job and polls it to the result model', async () => {
    server = await startFakeFineTuneServer();
    const { promise, lines, updates, sleeps } = run(server, {
      settings: settingsFor(server, { suffix: 'curated-v1' }),
    });
    const result = await promise;

    // Files: byte-identical, purpose fine-tune, named after the file.
    const files = [...server.files.entries()];
    expect(files.map(([, f]) => [f.filename, f.purpose, f.bytes.toString('utf8')])).toEqual([
      ['train.jsonl', 'fine-tune', TRAIN],
      ['validation.jsonl', 'fine-tune', VALIDATION],
    ]);
    expect(files[0]?.[1].bytes.equals(fs.readFileSync(trainPath))).toBe(true);
    const [trainId, validationId] = files.map(([id]) => id);

    // The job request.
    const [[jobId, job]] = [...server.jobs.entries()] as [
      [string, NonNullable<ReturnType<typeof server.jobs.get>>],
    ];
    expect(job.request).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      training_file: trainId,
      validation_file: validationId,
      suffix: 'curated-v1',
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 3 } } },
    });

    // Every request carried the key.
    expect(server.requests.length).toBeGreaterThan(4);
    expect(new Set(server.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${API_KEY}`]));
    expect(server.requests.slice(0, 3).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/files',
      'POST /v1/files',
      'POST /v1/fine_tuning/jobs',
    ]);

    const resultModel = `ft:gpt-4o-mini-2024-07-18:core-curator:curated-v1:${jobId.replace('ftjob-', '')}`;
    expect(result).toEqual({ externalJobId: jobId, status: 'succeeded', resultModel });
    expect(updates).toEqual([
      { fileIds: { training: trainId, validation: validationId } },
      { externalJobId: jobId, externalStatus: 'validating_files' },
      { externalStatus: 'queued' },
      { externalStatus: 'running' },
      { externalStatus: 'succeeded', resultModel },
    ]);
    expect(sleeps).toEqual([10_000, 10_000, 10_000]);
    expect(job.retrieveCount).toBe(3);

    expect(lines).toEqual([
      `Uploaded train.jsonl as ${trainId} (${Buffer.byteLength(TRAIN)} bytes)`,
      `Uploaded validation.jsonl as ${validationId} (${Buffer.byteLength(VALIDATION)} bytes)`,
      `Created fine-tuning job ${jobId} on gpt-4o-mini-2024-07-18 (status validating_files)`,
      `[info] Created fine-tuning job: ${jobId}`,
      '[info] Job status changed to validating_files',
      'Status: validating_files → queued',
      '[info] Job status changed to queued',
      'Status: queued → running',
      '[info] Job status changed to running',
      'Status: running → succeeded',
      '[info] The job has successfully completed',
      `Fine-tuning job ${jobId} succeeded: ${resultModel}`,
    ]);
  });

  it('runs without a validation file and with the real sleep', async () => {
    server = await startFakeFineTuneServer({ statusSequence: ['queued', 'succeeded'] });
    const { promise, updates } = run(server, {
      settings: settingsFor(server, { nEpochs: 'auto', pollIntervalMs: 5 }),
      validationFile: null,
      sleep: undefined,
    });
    const result = await promise;
    expect(result.status).toBe('succeeded');
    expect(server.files.size).toBe(1);
    const job = [...server.jobs.values()][0];
    expect(job?.request).not.toHaveProperty('validation_file');
    expect(job?.request.method).toEqual({
      type: 'supervised',
      supervised: { hyperparameters: { n_epochs: 'auto' } },
    });
    expect(updates[0]).toEqual({ fileIds: { training: [...server.files.keys()][0] } });
  });

  it("throws the API's message when the job fails", async () => {
    server = await startFakeFineTuneServer({
      failWith: { code: 'invalid_training_file', message: 'Line 2 has no assistant message' },
    });
    const { promise, updates, lines } = run(server);
    const error = await rejection(promise);
    const jobId = [...server.jobs.keys()][0] ?? '';
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'CONFLICT',
      message: `Fine-tuning job ${jobId} failed: Line 2 has no assistant message`,
    });
    expect(updates.at(-1)).toEqual({ externalStatus: 'failed' });
    expect(lines).toContain('[error] The job failed: Line 2 has no assistant message');
  });

  it('reports a job cancelled on the provider', async () => {
    server = await startFakeFineTuneServer({ statusSequence: ['queued', 'cancelled'] });
    const error = await rejection(run(server).promise);
    expect(error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/was cancelled on the provider$/) as unknown,
    });
  });

  it('cancels the job on the provider when aborted while polling', async () => {
    server = await startFakeFineTuneServer();
    const lines: string[] = [];
    const controller = new AbortController();
    const { promise } = run(server, {
      signal: controller.signal,
      log: (line) => lines.push(line),
      onUpdate: (u) => {
        if (u.externalStatus === 'queued') controller.abort();
      },
    });
    const error = await rejection(promise);
    expect(error).not.toBeInstanceOf(DomainError);
    expect(error.message).toBe('Cancelled');
    const [jobId, job] = onlyJob(server);
    expect(job).toMatchObject({ cancelled: true, status: 'cancelled' });
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: `/v1/fine_tuning/jobs/${jobId}/cancel`,
      authorization: `Bearer ${API_KEY}`,
    });
    expect(lines.slice(-2)).toEqual([`Asked the provider to cancel ${jobId}`, 'Cancelled']);
  });

  it('cancels the job when aborted during the real sleep between polls', async () => {
    server = await startFakeFineTuneServer();
    const controller = new AbortController();
    const { promise, lines } = run(server, {
      settings: settingsFor(server, { pollIntervalMs: 600_000 }),
      signal: controller.signal,
      sleep: undefined,
      onUpdate: (u) => {
        if (u.externalJobId) setTimeout(() => controller.abort(), 20);
      },
    });
    const error = await rejection(promise);
    expect(error.message).toBe('Cancelled');
    expect([...server.jobs.values()][0]?.cancelled).toBe(true);
    expect(lines.at(-1)).toBe('Cancelled');
  });

  it('aborted before anything: no upload, no job', async () => {
    server = await startFakeFineTuneServer();
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(run(server, { signal: controller.signal }).promise);
    expect(error.message).toBe('Cancelled');
    expect(server.requests).toEqual([]);
  });

  it('surfaces an API error at job creation as a DomainError naming the create step', async () => {
    server = await startFakeFineTuneServer();
    const fake = server;
    // The provider "loses" the uploaded files: creation is refused with a 400.
    const { promise } = run(server, {
      onUpdate: (u) => {
        if (u.fileIds) fake.files.clear();
      },
    });
    const error = await rejection(promise);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /^Fine-tuning create step failed: 400 invalid training_file: file-/,
      ) as unknown,
    });
    expect(server.jobs.size).toBe(0);
  });

  it('names the upload step on an upload error and BAD_INPUT for a missing file', async () => {
    server = await startFakeFineTuneServer();
    const unauthorised = run(server, {
      settings: { ...settingsFor(server), baseUrl: `${server.baseUrl}/nowhere` },
    });
    expect(await rejection(unauthorised.promise)).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^Fine-tuning upload step failed: 404 Unknown route/) as unknown,
    });

    const missing = run(server, { trainingFile: path.join(dir, 'absent.jsonl') });
    expect(await rejection(missing.promise)).toMatchObject({ code: 'BAD_INPUT' });
  });
});
