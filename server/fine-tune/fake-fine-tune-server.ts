/**
 * Test helper: a local HTTP server (node:http) speaking the part of the OpenAI files and
 * fine-tuning protocol the launcher uses, recording every request and keeping its state in plain
 * maps the test can inspect and change (e.g. clear `files` to make job creation fail).
 *
 * - `POST /v1/files` (multipart/form-data: `purpose`, `file`) → a FileObject;
 * - `POST /v1/fine_tuning/jobs` (JSON) → a FineTuningJob in `validating_files`; 400 with an
 *   OpenAI-style error when `training_file` / `validation_file` is unknown;
 * - `GET /v1/fine_tuning/jobs/:id` → the job, advanced one step along `statusSequence` per call;
 * - `GET /v1/fine_tuning/jobs/:id/events` → one event per status change, newest first;
 * - `POST /v1/fine_tuning/jobs/:id/cancel` → the job, `cancelled`.
 *
 * Anything else is a 404 with an OpenAI-style error body.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const DEFAULT_STATUS_SEQUENCE = ['validating_files', 'queued', 'running', 'succeeded'];

export interface FakeFineTuneServerOptions {
  /**
   * Status after creation (index 0) and after each retrieve (1, 2, …; the last one sticks).
   * Default {@link DEFAULT_STATUS_SEQUENCE}.
   */
  statusSequence?: string[];
  /** Make the job fail: the last status of the sequence becomes `failed` with this error. */
  failWith?: { code: string; message: string };
}

export interface FakeFile {
  purpose: string;
  filename: string;
  bytes: Buffer;
}

export interface FakeFineTuneEvent {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  type: 'message';
}

export interface FakeJob {
  /** The parsed JSON body of the create request. */
  request: Record<string, unknown>;
  status: string;
  /** Number of `GET /v1/fine_tuning/jobs/:id` calls. */
  retrieveCount: number;
  cancelled: boolean;
  /** The FineTuningJob JSON as last returned. */
  job: Record<string, unknown>;
  /** Oldest first. */
  events: FakeFineTuneEvent[];
}

export interface FakeRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/files`. */
  path: string;
  authorization: string | null;
}

export interface FakeFineTuneServer {
  /** Base URL to configure, ending in `/v1`, e.g. `http://127.0.0.1:1234/v1`. */
  baseUrl: string;
  close: () => Promise<void>;
  files: Map<string, FakeFile>;
  jobs: Map<string, FakeJob>;
  requests: FakeRequest[];
}

interface Reply {
  status: number;
  body: unknown;
}

function errorReply(
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
) {
  return {
    status,
    body: { error: { message, type: 'invalid_request_error', param, code } },
  } satisfies Reply;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}${randomBytes(8).toString('hex')}`;

interface MultipartPart {
  filename: string | null;
  data: Buffer;
}

/**
 * A small multipart/form-data parser (RFC 7578) good enough for the SDK's uploads: parts keyed by
 * their `name`; binary-safe (parts are delimited by `\r\n--boundary`, never decoded as text).
 */
function parseMultipart(body: Buffer, contentType: string): Map<string, MultipartPart> {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new Error('multipart body without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const partEnd = Buffer.from(`\r\n--${boundary}`);
  const parts = new Map<string, MultipartPart>();
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new Error('multipart body without its first boundary');
  pos += delimiter.length;
  for (;;) {
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts; // closing delimiter
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw new Error('malformed boundary line');
    pos += 2;
    const end = body.indexOf(partEnd, pos);
    if (end < 0) throw new Error('unterminated multipart part');
    const part = body.subarray(pos, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) throw new Error('multipart part without headers');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new Error('multipart part without a name');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null;
    parts.set(name, { filename, data: Buffer.from(part.subarray(headerEnd + 4)) });
    pos = end + partEnd.length;
  }
}

/** Starts the server on 127.0.0.1 (a free port). Call `close()` in the test's cleanup. */
export async function startFakeFineTuneServer(
  options: FakeFineTuneServerOptions = {},
): Promise<FakeFineTuneServer> {
  const sequence = [...(options.statusSequence ?? DEFAULT_STATUS_SEQUENCE)];
  if (sequence.length === 0) throw new Error('statusSequence must not be empty');
  if (options.failWith) sequence[sequence.length - 1] = 'failed';

  const files = new Map<string, FakeFile>();
  const jobs = new Map<string, FakeJob>();
  const requests: FakeRequest[] = [];

  function addEvent(job: FakeJob, message: string, level: FakeFineTuneEvent['level'] = 'info') {
    job.events.push({
      id: newId('ftevent-'),
      object: 'fine_tuning.job.event',
      created_at: nowSeconds(),
      level,
      message,
      type: 'message',
    });
  }

  function setStatus(job: FakeJob, status: string) {
    if (status === job.status) return;
    job.status = status;
    job.job.status = status;
    const id = String(job.job.id);
    if (status === 'succeeded') {
      const suffix = typeof job.request.suffix === 'string' ? job.request.suffix : '';
      job.job.fine_tuned_model = `ft:${String(job.job.model)}:core-curator:${suffix}:${id.replace(/^ftjob-/, '')}`;
      job.job.finished_at = nowSeconds();
      job.job.trained_tokens = 1234;
      addEvent(job, 'The job has successfully completed');
    } else if (status === 'failed') {
      const failWith = options.failWith ?? { code: 'unknown', message: 'The job failed.' };
      job.job.error = { ...failWith, param: null };
      job.job.finished_at = nowSeconds();
      addEvent(job, `The job failed: ${failWith.message}`, 'error');
    } else if (status === 'cancelled') {
      job.job.finished_at = nowSeconds();
      addEvent(job, 'The job was cancelled');
    } else {
      addEvent(job, `Job status changed to ${status}`);
    }
  }

  function createFile(req: http.IncomingMessage, body: Buffer): Reply {
    let parts: Map<string, MultipartPart>;
    try {
      parts = parseMultipart(body, req.headers['content-type'] ?? '');
    } catch (error) {
      return errorReply(400, `Invalid multipart body: ${(error as Error).message}`);
    }
    const purpose = parts.get('purpose')?.data.toString('utf8');
    const file = parts.get('file');
    if (!purpose) return errorReply(400, "Missing required parameter: 'purpose'.", 'purpose');
    if (!file) return errorReply(400, "Missing required parameter: 'file'.", 'file');
    const id = newId('file-');
    const filename = file.filename ?? 'upload';
    files.set(id, { purpose, filename, bytes: file.data });
    return {
      status: 200,
      body: {
        id,
        object: 'file',
        bytes: file.data.length,
        created_at: nowSeconds(),
        filename,
        purpose,
        status: 'processed',
      },
    };
  }

  function createJob(body: Buffer): Reply {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return errorReply(400, 'The request body is not valid JSON.');
    }
    if (typeof request.model !== 'string' || request.model === '')
      return errorReply(400, "Missing required parameter: 'model'.", 'model');
    const trainingFile = request.training_file;
    if (typeof trainingFile !== 'string' || !files.has(trainingFile))
      return errorReply(
        400,
        `invalid training_file: ${typeof trainingFile === 'string' ? trainingFile : JSON.stringify(trainingFile)}`,
        'training_file',
        'invalid_training_file',
      );
    const validationFile = request.validation_file ?? null;
    if (validationFile !== null && (typeof validationFile !== 'string' || !files.has(validationFile)))
      return errorReply(
        400,
        `invalid validation_file: ${JSON.stringify(validationFile)}`,
        'validation_file',
        'invalid_validation_file',
      );
    const method = request.method as { supervised?: { hyperparameters?: unknown } } | undefined;
    const hyperparameters = method?.supervised?.hyperparameters ??
      request.hyperparameters ?? { n_epochs: 'auto' };
    const id = newId('ftjob-');
    const job: FakeJob = {
      request,
      status: '',
      retrieveCount: 0,
      cancelled: false,
      job: {
        id,
        object: 'fine_tuning.job',
        model: request.model,
        status: '',
        created_at: nowSeconds(),
        fine_tuned_model: null,
        training_file: trainingFile,
        validation_file: validationFile,
        hyperparameters,
        method: request.method ?? { type: 'supervised', supervised: { hyperparameters } },
        result_files: [],
        trained_tokens: null,
        error: null,
        finished_at: null,
        organization_id: 'org-test',
        seed: 0,
      },
      events: [],
    };
    addEvent(job, `Created fine-tuning job: ${id}`);
    setStatus(job, sequence[0] ?? 'validating_files');
    jobs.set(id, job);
    return { status: 200, body: job.job };
  }

  function isTerminal(status: string) {
    return status === 'succeeded' || status === 'failed' || status === 'cancelled';
  }

  function route(req: http.IncomingMessage, path: string, body: Buffer): Reply {
    const method = req.method ?? '';
    if (method === 'POST' && path === '/v1/files') return createFile(req, body);
    if (method === 'POST' && path === '/v1/fine_tuning/jobs') return createJob(body);
    const m = /^\/v1\/fine_tuning\/jobs\/([^/]+)(\/events|\/cancel)?$/.exec(path);
    const job = m?.[1] !== undefined ? jobs.get(m[1]) : undefined;
    if (m && !job) return errorReply(404, `No such fine-tuning job: ${m[1]}`, 'id', 'not_found');
    if (m && job) {
      const action = m[2];
      if (method === 'GET' && action === undefined) {
        job.retrieveCount += 1;
        if (!job.cancelled && !isTerminal(job.status)) {
          const next = sequence[Math.min(job.retrieveCount, sequence.length - 1)];
          if (next !== undefined) setStatus(job, next);
        }
        return { status: 200, body: job.job };
      }
      if (method === 'GET' && action === '/events') {
        return {
          status: 200,
          body: { object: 'list', data: [...job.events].reverse(), has_more: false },
        };
      }
      if (method === 'POST' && action === '/cancel') {
        if (isTerminal(job.status))
          return errorReply(400, `Job ${String(job.job.id)} has already ${job.status}.`);
        job.cancelled = true;
        setStatus(job, 'cancelled');
        return { status: 200, body: job.job };
      }
    }
    return errorReply(404, `Unknown route: ${method} ${path}`, null, 'unknown_url');
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization ?? null });
      const reply = route(req, path, Buffer.concat(chunks));
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    files,
    jobs,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
