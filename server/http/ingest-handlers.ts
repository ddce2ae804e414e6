/**
 * HTTP side of the ingestion API (`app/api/ingest/v1/**`; the route files only pass the app's
 * services in). Every request carries `Authorization: Bearer cck_…`; bodies are JSON except a step,
 * which may also be `multipart/form-data` with a `step` JSON field and a `screenshot` file part;
 * a multipart step is streamed to `<data dir>/uploads/.tmp/` before it is read (see
 * `multipart-upload.ts`), a JSON body is read into memory under its cap.
 *
 * Status codes: 201 created · 200 ok · 400 malformed body (message names the field) · 401 missing,
 * malformed, unknown or revoked key (with `WWW-Authenticate: Bearer`) · 403 the key's user may no
 * longer ingest · 404 unknown trajectory or someone else's · 409 trajectory already finished, or
 * externalId taken · 413 body or screenshot too large. Error bodies are `{ "error": "…" }`.
 */
import fs from 'node:fs';
import { DomainError, type DomainErrorCode } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import { readBodyCapped } from '@/server/http/body-limit';
import { isMultipartRequest, receiveMultipart, type MultipartLimits } from '@/server/http/multipart-upload';
import { ApiKeyAuthError, authenticateApiKey } from '@/server/services/api-key-service';
import {
  appendIngestStep,
  assertIngestTrajectoryOpen,
  createIngestTrajectory,
  decodeScreenshotBase64,
  finishIngestTrajectory,
  getIngestTrajectoryOrThrow,
  parseIngestJson,
  type IngestActor,
  type IngestTrajectoryView,
} from '@/server/services/ingest-service';
import { MAX_SCREENSHOT_BYTES } from '@/server/services/media-store';

export interface IngestHandlerDeps {
  db: Db;
  dataDir: string;
}

/** Largest body of a create or finish request. */
export const MAX_INGEST_JSON_BODY_BYTES = 1024 * 1024;
/** Room for the step's JSON fields beside its screenshot. */
export const MAX_STEP_FIELDS_BYTES = 8 * 1024 * 1024;
/** Largest multipart step: one screenshot, the step JSON and the multipart framing. */
export const MAX_STEP_MULTIPART_BYTES = MAX_SCREENSHOT_BYTES + MAX_STEP_FIELDS_BYTES + 64 * 1024;
/** Largest JSON step: the screenshot in base64 (4/3 of its bytes) and the other fields. */
export const MAX_STEP_JSON_BYTES = Math.ceil(MAX_SCREENSHOT_BYTES / 3) * 4 + MAX_STEP_FIELDS_BYTES;

const HTTP_STATUS: Record<DomainErrorCode, number> = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  INTERNAL: 500,
};

const NO_STORE = { 'cache-control': 'no-store' };

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

/** The one mapping of errors to responses; internal messages are logged, never sent. */
function errorResponse(error: unknown): Response {
  if (error instanceof ApiKeyAuthError && error.code === 'UNAUTHORIZED') {
    // Header values must stay ASCII without quotes: a fixed description per reason (RFC 6750 §3).
    const challenge =
      error.reason === 'missing'
        ? 'Bearer realm="core-curator"'
        : `Bearer realm="core-curator", error="invalid_token", error_description="${error.reason} API key"`;
    return json({ error: error.message }, 401, { 'www-authenticate': challenge });
  }
  if (error instanceof DomainError && error.code !== 'INTERNAL')
    return json({ error: error.message }, HTTP_STATUS[error.code]);
  console.error('ingestion API:', error);
  return json({ error: 'Internal error' }, 500);
}

async function withActor(
  req: Request,
  deps: IngestHandlerDeps,
  fn: (actor: IngestActor) => Promise<Response> | Response,
): Promise<Response> {
  try {
    const { user } = authenticateApiKey(deps.db, req.headers.get('authorization'));
    return await fn(user);
  } catch (error) {
    return errorResponse(error);
  }
}

async function readJsonBody(req: Request, limit: number, what: string): Promise<unknown> {
  const body = await readBodyCapped(req, limit);
  if (body.byteLength === 0) throw new DomainError('BAD_INPUT', `${what}: empty body (expected JSON)`);
  return parseIngestJson(body.toString('utf8'), what);
}

/** Limits of a multipart step: one `step` field (or file) and one `screenshot` file. */
export const STEP_MULTIPART_LIMITS: MultipartLimits = {
  maxBodyBytes: MAX_STEP_MULTIPART_BYTES,
  maxFileBytes: MAX_SCREENSHOT_BYTES,
  maxFiles: 2,
  maxFieldBytes: MAX_STEP_FIELDS_BYTES,
  maxFields: 4,
};

/**
 * A multipart step: the body is streamed to a temporary folder under the data directory first
 * (never held whole in memory), then the `step` JSON and the screenshot are read from it.
 */
async function readMultipartStep(
  req: Request,
  dataDir: string,
): Promise<{ step: unknown; screenshot: Buffer | null }> {
  const upload = await receiveMultipart(req, {
    dataDir,
    limits: STEP_MULTIPART_LIMITS,
    fileFields: ['step', 'screenshot'],
    what: 'step',
  });
  try {
    if (upload.fieldValues('screenshot').length > 0)
      throw new DomainError('BAD_INPUT', 'screenshot: expected a file part (curl -F screenshot=@file.png)');
    const stepFiles = upload.files.filter((f) => f.field === 'step');
    const stepFields = upload.fieldValues('step');
    if (stepFiles.length + stepFields.length === 0)
      throw new DomainError('BAD_INPUT', 'step: missing form field (the step as JSON)');
    if (stepFiles.length + stepFields.length > 1)
      throw new DomainError('BAD_INPUT', 'step: given more than once');
    const stepFile = stepFiles[0];
    if (stepFile && stepFile.bytes > MAX_STEP_FIELDS_BYTES)
      throw new DomainError(
        'TOO_LARGE',
        `step: ${stepFile.bytes} bytes is over the limit of ${MAX_STEP_FIELDS_BYTES} bytes`,
      );
    const shots = upload.files.filter((f) => f.field === 'screenshot');
    if (shots.length > 1) throw new DomainError('BAD_INPUT', 'screenshot: more than one file part');
    const text = stepFile ? await fs.promises.readFile(stepFile.path, 'utf8') : stepFields[0]!;
    const step = parseIngestJson(text, 'step');
    // At most MAX_SCREENSHOT_BYTES (busboy stopped the part there); the image is decoded from it.
    const screenshot = shots[0] ? await fs.promises.readFile(shots[0].path) : null;
    return { step, screenshot };
  } finally {
    upload.remove();
  }
}

/** A step request's fields and screenshot, from multipart or JSON. */
async function readStepRequest(
  req: Request,
  dataDir: string,
): Promise<{ step: unknown; screenshot: Buffer | null }> {
  if (isMultipartRequest(req)) return readMultipartStep(req, dataDir);
  const body = await readJsonBody(req, MAX_STEP_JSON_BYTES, 'step');
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !('screenshotBase64' in body))
    return { step: body, screenshot: null };
  const { screenshotBase64, ...step } = body as Record<string, unknown>;
  return {
    step,
    screenshot: screenshotBase64 == null ? null : decodeScreenshotBase64(screenshotBase64),
  };
}

function viewUrl(req: Request, trajectoryId: string): string {
  return new URL(`/trajectories/${encodeURIComponent(trajectoryId)}`, new URL(req.url).origin).toString();
}

function trajectoryBody(req: Request, view: IngestTrajectoryView) {
  return { ...view, viewUrl: viewUrl(req, view.trajectoryId) };
}

/** `POST /api/ingest/v1/trajectories` → 201 `{ trajectoryId, taskId, taskCreated, viewUrl }`. */
export function handleCreateTrajectory(req: Request, deps: IngestHandlerDeps): Promise<Response> {
  return withActor(req, deps, async (actor) => {
    const body = await readJsonBody(req, MAX_INGEST_JSON_BODY_BYTES, 'body');
    const created = createIngestTrajectory(deps.db, actor, body);
    return json({ ...created, viewUrl: viewUrl(req, created.trajectoryId) }, 201);
  });
}

/** `POST /api/ingest/v1/trajectories/{id}/steps` → 201 `{ index, stepId }`. */
export function handleAppendStep(
  req: Request,
  deps: IngestHandlerDeps,
  trajectoryId: string,
): Promise<Response> {
  return withActor(req, deps, async (actor) => {
    // Refuse early — before a large upload is read — what the body cannot change.
    const declared = Number(req.headers.get('content-length') ?? NaN);
    const limit = isMultipartRequest(req) ? MAX_STEP_MULTIPART_BYTES : MAX_STEP_JSON_BYTES;
    if (Number.isFinite(declared) && declared > limit)
      throw new DomainError('TOO_LARGE', `Request body is over the limit of ${limit} bytes`);
    assertIngestTrajectoryOpen(deps.db, actor, trajectoryId);
    const { step, screenshot } = await readStepRequest(req, deps.dataDir);
    const { index, stepId } = await appendIngestStep(deps, actor, trajectoryId, { step, screenshot });
    return json({ index, stepId }, 201);
  });
}

/** `POST /api/ingest/v1/trajectories/{id}/finish` → 200 with the trajectory. */
export function handleFinishTrajectory(
  req: Request,
  deps: IngestHandlerDeps,
  trajectoryId: string,
): Promise<Response> {
  return withActor(req, deps, async (actor) => {
    const body = await readJsonBody(req, MAX_INGEST_JSON_BODY_BYTES, 'body');
    return json(trajectoryBody(req, finishIngestTrajectory(deps.db, actor, trajectoryId, body)), 200);
  });
}

/** `GET /api/ingest/v1/trajectories/{id}` → 200 with its status and stepCount. */
export function handleGetTrajectory(
  req: Request,
  deps: IngestHandlerDeps,
  trajectoryId: string,
): Promise<Response> {
  return withActor(req, deps, (actor) =>
    json(trajectoryBody(req, getIngestTrajectoryOrThrow(deps.db, actor, trajectoryId)), 200),
  );
}
