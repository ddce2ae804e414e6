/**
 * The OpenAI-compatible fine-tuning launcher: uploads an export's `train.jsonl` (and
 * `validation.jsonl`) through the files API, creates a supervised fine-tuning job, then polls it
 * until it ends, reporting the provider's status and events as it goes. It runs inside a job of
 * the job runner, which owns the `fine_tune_run` row (via `onUpdate`) and the log (via `log`).
 *
 * Uploads are streamed from disk (`fs.createReadStream`), never read into memory; the SDK does not
 * retry a streamed upload (it cannot replay the stream), the other calls are retried twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import OpenAI, { APIError, APIUserAbortError } from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { DomainError } from '@/lib/core/errors';
import type { ResolvedOpenAiFineTuneSettings } from '@/server/services/fine-tune-settings-service';

/** Per attempt of one API call, in ms (the SDK's `timeout`; uploads of large files need it). */
export const FINE_TUNE_REQUEST_TIMEOUT_MS = 120_000;
/** Retries after the first attempt (not for streamed uploads). */
export const FINE_TUNE_MAX_RETRIES = 2;
/** Events fetched per poll (newest first on the wire; only the unseen ones are logged). */
export const FINE_TUNE_EVENTS_PER_POLL = 50;
/** Bound on the cancel request sent after an abort (the run's own signal is already aborted). */
const CANCEL_TIMEOUT_MS = 30_000;

const TERMINAL_STATUSES = new Set<string>(['succeeded', 'failed', 'cancelled']);

/** What the launcher reports as it goes; each field present only when it changed. */
export interface OpenAiFineTuneUpdate {
  externalJobId?: string;
  externalStatus?: string;
  /** `{ training: 'file-…', validation?: 'file-…' }` once uploaded. */
  fileIds?: Record<string, string>;
  resultModel?: string | null;
}

export interface RunOpenAiFineTuneParams {
  settings: ResolvedOpenAiFineTuneSettings;
  /** Absolute path of `train.jsonl`. */
  trainingFile: string;
  /** Absolute path of `validation.jsonl`, or null for none. */
  validationFile: string | null;
  /** Aborting cancels the provider's job (when one was created) and rejects with `Error('Cancelled')`. */
  signal: AbortSignal;
  /** One human-readable line per call, no trailing newline. */
  log: (line: string) => void;
  onUpdate: (update: OpenAiFineTuneUpdate) => void;
  /** Waits `ms` between polls; rejects when `signal` aborts. Default: a real abortable timer (tests pass an instant one). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface OpenAiFineTuneResult {
  externalJobId: string;
  status: 'succeeded';
  /** The fine-tuned model's name as the provider reported it (null if it reported none). */
  resultModel: string | null;
}

type Step = 'upload' | 'create' | 'poll';

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  await sleepTimer(ms, undefined, { signal });
}

/** Rethrows SDK API errors as a DomainError naming the step; anything else as it is. */
async function callApi<T>(step: Step, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // APIError.message is already `<status> <message>` (or `Connection error.` without a status).
    if (error instanceof APIError && !(error instanceof APIUserAbortError)) {
      const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
      throw new DomainError('CONFLICT', `Fine-tuning ${step} step failed: ${error.message}${cause}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one fine-tuning on an OpenAI-compatible API: upload → create (supervised, `n_epochs` from
 * the settings, `suffix` when set) → poll every `settings.pollIntervalMs` ms, logging each status
 * change and each new provider event once (oldest first), until the job ends.
 *
 * `onUpdate` receives `{ fileIds }` after the uploads, `{ externalJobId, externalStatus }` on
 * creation, `{ externalStatus }` on each status change and `{ externalStatus: 'succeeded',
 * resultModel }` at the end.
 *
 * @returns `{ externalJobId, status: 'succeeded', resultModel }` when the job succeeded.
 * @throws DomainError('BAD_INPUT') when a data file cannot be read;
 *   DomainError('CONFLICT') `Fine-tuning <upload|create|poll> step failed: <status> <message>` on an
 *   API error, `Fine-tuning job ftjob-… failed: <error.message>` when the job failed,
 *   `Fine-tuning job ftjob-… was cancelled on the provider` when it was cancelled there;
 *   `Error('Cancelled')` when `signal` aborted (after asking the provider to cancel the job).
 */
export async function runOpenAiFineTune(params: RunOpenAiFineTuneParams): Promise<OpenAiFineTuneResult> {
  const { settings, signal, log, onUpdate } = params;
  const sleep = params.sleep ?? defaultSleep;
  const client = new OpenAI({
    baseURL: settings.baseUrl,
    apiKey: settings.apiKey,
    maxRetries: FINE_TUNE_MAX_RETRIES,
    timeout: FINE_TUNE_REQUEST_TIMEOUT_MS,
  });
  let jobId: string | null = null;
  try {
    signal.throwIfAborted();
    const uploads: [string, string][] = [['training', params.trainingFile]];
    if (params.validationFile !== null) uploads.push(['validation', params.validationFile]);
    const fileIds: Record<string, string> = {};
    for (const [role, file] of uploads) fileIds[role] = await uploadFile(client, file, signal, log);
    onUpdate({ fileIds });

    signal.throwIfAborted();
    const trainingFileId = fileIds.training;
    if (trainingFileId === undefined) throw new Error('unreachable: no training file id');
    // No `signal` here on purpose: aborting the create request mid-flight could leave a job on the
    // provider whose id we never learn, so it could not be cancelled. The abort is honoured right
    // after the response (timeout-bounded), by cancelling the job we now know.
    const created = await callApi('create', () =>
      client.fineTuning.jobs.create({
        model: settings.model,
        training_file: trainingFileId,
        ...(fileIds.validation !== undefined ? { validation_file: fileIds.validation } : {}),
        ...(settings.suffix !== null ? { suffix: settings.suffix } : {}),
        method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: settings.nEpochs } } },
      }),
    );
    jobId = created.id;
    log(`Created fine-tuning job ${created.id} on ${settings.model} (status ${created.status})`);
    onUpdate({ externalJobId: created.id, externalStatus: created.status });

    return await pollUntilDone(client, created, params, sleep);
  } catch (error) {
    if (!signal.aborted) throw error;
    if (jobId !== null) {
      const id = jobId;
      try {
        await client.fineTuning.jobs.cancel(id, { timeout: CANCEL_TIMEOUT_MS, maxRetries: 1 });
        log(`Asked the provider to cancel ${id}`);
      } catch (cancelError) {
        log(`Cancelling ${id} on the provider failed: ${errorMessage(cancelError)}`);
      }
    }
    log('Cancelled');
    throw new Error('Cancelled', { cause: error });
  }
}

/** Streams one file to `POST /files` (purpose `fine-tune`). @returns its file id. */
async function uploadFile(client: OpenAI, file: string, signal: AbortSignal, log: (line: string) => void) {
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch (error) {
    throw new DomainError('BAD_INPUT', `Cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
  const uploaded = await callApi('upload', () =>
    client.files.create({ file: fs.createReadStream(file), purpose: 'fine-tune' }, { signal }),
  );
  const bytes = typeof uploaded.bytes === 'number' ? uploaded.bytes : size;
  log(`Uploaded ${path.basename(file)} as ${uploaded.id} (${bytes} bytes)`);
  return uploaded.id;
}

async function pollUntilDone(
  client: OpenAI,
  created: FineTuningJob,
  params: RunOpenAiFineTuneParams,
  sleep: (ms: number, signal: AbortSignal) => Promise<void>,
): Promise<OpenAiFineTuneResult> {
  const { settings, signal, log, onUpdate } = params;
  const id = created.id;
  const seenEvents = new Set<string>();
  let hasEventsEndpoint = true;
  let job = created;
  let lastStatus: string = created.status;

  const logNewEvents = async () => {
    if (!hasEventsEndpoint) return;
    let page;
    try {
      page = await callApi('poll', () =>
        client.fineTuning.jobs.listEvents(id, { limit: FINE_TUNE_EVENTS_PER_POLL }, { signal }),
      );
    } catch (error) {
      // Some OpenAI-compatible servers have jobs but no events endpoint: carry on without events.
      if (error instanceof DomainError && error.cause instanceof APIError && error.cause.status === 404) {
        hasEventsEndpoint = false;
        log('The provider has no events endpoint; logging status changes only');
        return;
      }
      throw error;
    }
    const fresh = page.data.filter((e) => !seenEvents.has(e.id)).reverse(); // newest first on the wire
    for (const event of fresh) {
      seenEvents.add(event.id);
      log(`[${event.level}] ${event.message}`);
    }
  };

  await logNewEvents();
  while (!TERMINAL_STATUSES.has(job.status)) {
    await sleep(settings.pollIntervalMs, signal);
    signal.throwIfAborted();
    job = await callApi('poll', () => client.fineTuning.jobs.retrieve(id, { signal }));
    if (job.status !== lastStatus) {
      log(`Status: ${lastStatus} → ${job.status}`);
      lastStatus = job.status;
      if (job.status !== 'succeeded') onUpdate({ externalStatus: job.status });
    }
    await logNewEvents();
  }

  if (job.status === 'succeeded') {
    const resultModel = job.fine_tuned_model ?? null;
    log(`Fine-tuning job ${id} succeeded: ${resultModel ?? '(no model name reported)'}`);
    onUpdate({ externalStatus: 'succeeded', resultModel });
    return { externalJobId: id, status: 'succeeded', resultModel };
  }
  if (job.status === 'failed') {
    throw new DomainError(
      'CONFLICT',
      `Fine-tuning job ${id} failed: ${job.error?.message ?? 'the provider gave no reason'}`,
    );
  }
  throw new DomainError('CONFLICT', `Fine-tuning job ${id} was cancelled on the provider`);
}
