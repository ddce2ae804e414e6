/**
 * Byte caps on request bodies that a handler reads whole (JSON): the ingestion API's JSON bodies,
 * tRPC calls and Better Auth's endpoints. A body is refused from its `Content-Length` before
 * anything is read, and a chunked body while it is read, so no request makes the server hold more
 * than its cap. Multipart uploads are streamed to disk instead (`multipart-upload.ts`).
 */
import { DomainError } from '@/lib/core/errors';

/** Largest tRPC request body (a batch of JSON calls; the largest input, label-function code, is 256 KiB). */
export const MAX_TRPC_BODY_BYTES = 8 * 1024 * 1024;
/** Largest Better Auth request body (sign-in, sign-up, password changes: small JSON). */
export const MAX_AUTH_BODY_BYTES = 1024 * 1024;

/**
 * Reads the body, refusing more than `limit` bytes: from Content-Length before reading, and while
 * reading for chunked bodies (reading stops there).
 * @returns the body's bytes (empty when there is none).
 * @throws DomainError('TOO_LARGE') naming the limit.
 */
export async function readBodyCapped(req: Request, limit: number): Promise<Buffer> {
  const tooLarge = () => new DomainError('TOO_LARGE', `Request body is over the limit of ${limit} bytes`);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * For handlers that read the whole body themselves (tRPC's and Better Auth's): reads `req`'s body
 * under `limit` bytes and returns an equivalent request holding those bytes. GET and HEAD requests
 * are returned as they are.
 * @returns the request to hand on, or a 413 response `{ "error": "…" }` when the body is over `limit`.
 */
export async function requestWithinLimit(req: Request, limit: number): Promise<Request | Response> {
  if (req.method === 'GET' || req.method === 'HEAD' || !req.body) return req;
  let body: Buffer;
  try {
    body = await readBodyCapped(req, limit);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'TOO_LARGE')
      return Response.json(
        { error: error.message },
        { status: 413, headers: { 'cache-control': 'no-store' } },
      );
    throw error;
  }
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: new Uint8Array(body),
    signal: req.signal,
  });
}
