/**
 * Receives a `multipart/form-data` request body without holding it in memory: the web body stream
 * is piped through a byte counter into busboy (`@fastify/busboy`), and every file part is written
 * to its own temporary file under `<data dir>/uploads/.tmp/upload-XXXXXX/` (folder 0700, files
 * 0600, named by position, never by the client's file name). Text fields are kept in memory, each
 * under `maxFieldBytes`.
 *
 * Limits, each refused with DomainError('TOO_LARGE') naming what was over and by how much:
 * the whole body (`maxBodyBytes`, from `Content-Length` before anything is read, and counted while
 * reading for chunked bodies), one file part (`maxFileBytes`), the number of files and of fields.
 * A malformed body is DomainError('BAD_INPUT'). On any failure the temporary folder is removed
 * before the error is thrown, and reading stops (the rest of the body is not read).
 *
 * Nothing is parsed from the files here: callers parse them after the whole upload is on disk,
 * and call `remove()` when done with them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import Busboy, { type BusboyFileStream } from '@fastify/busboy';
import { DomainError } from '@/lib/core/errors';

export interface MultipartLimits {
  /** Largest request body in bytes, multipart framing included. */
  maxBodyBytes: number;
  /** Largest single file part in bytes. */
  maxFileBytes: number;
  /** Most file parts. */
  maxFiles: number;
  /** Largest text field value in bytes. */
  maxFieldBytes: number;
  /** Most text fields. */
  maxFields: number;
}

export interface ReceivedFile {
  /** The form field name (`archive`, `files`, `screenshot`, …). */
  field: string;
  /** The client's file name, without any folder part (busboy keeps only the base name). */
  filename: string;
  /** Absolute path of the temporary file holding the part. */
  path: string;
  bytes: number;
  mimeType: string;
}

export interface ReceivedMultipart {
  /** The temporary folder holding the files. */
  dir: string;
  /** Text fields in body order. */
  fields: { name: string; value: string }[];
  /** File parts in body order. */
  files: ReceivedFile[];
  /** Bytes of the body read. */
  bodyBytes: number;
  /** Values of the text field `name`, in order. */
  fieldValues(name: string): string[];
  /** Removes the temporary folder and its files (idempotent). */
  remove(): void;
}

/** Where uploads are received before anything reads them: `<data dir>/uploads/.tmp`. */
export function uploadTempRoot(dataDir: string): string {
  return path.join(dataDir, 'uploads', '.tmp');
}

/** Temporary folders older than this are left over from a crash and removed by the next upload. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

function removeStaleTempFolders(root: string): void {
  const now = Date.now();
  for (const name of fs.readdirSync(root)) {
    const dir = path.join(root, name);
    try {
      if (now - fs.statSync(dir).mtimeMs > STALE_TEMP_MS) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another request removed it first.
    }
  }
}

export function isMultipartRequest(req: Request): boolean {
  return /^multipart\/form-data\b/i.test(req.headers.get('content-type') ?? '');
}

/**
 * The declared `Content-Length`, or null when absent or unreadable.
 */
export function declaredContentLength(req: Request): number | null {
  const header = req.headers.get('content-length');
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  return Number(header);
}

/** @throws DomainError('TOO_LARGE') when the declared `Content-Length` is over `limit` bytes. */
export function assertDeclaredLengthWithin(req: Request, limit: number, what: string): void {
  const declared = declaredContentLength(req);
  if (declared !== null && declared > limit)
    throw new DomainError(
      'TOO_LARGE',
      `${what}: the request body is ${declared} bytes, over the limit of ${limit} bytes`,
    );
}

/** A file-system error (it carries `syscall`) is ours, not the client's: it stays internal. */
function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Streams a multipart request body to temporary files (see the module comment).
 * @param options.what names the upload in error messages (`import upload`, `step`).
 * @param options.fileFields the field names allowed to carry files; a file under any other name is
 *   DomainError('BAD_INPUT') naming it.
 * @returns the fields and the files on disk; call `remove()` when done.
 * @throws DomainError('BAD_INPUT') for a body that is not multipart/form-data or is malformed or cut
 *   short; DomainError('TOO_LARGE') for a limit (see {@link MultipartLimits}). File-system errors
 *   are rethrown as they are. Nothing is left on disk when it throws.
 */
export async function receiveMultipart(
  req: Request,
  options: {
    dataDir: string;
    limits: MultipartLimits;
    fileFields: readonly string[];
    what: string;
  },
): Promise<ReceivedMultipart> {
  const { limits, what } = options;
  const contentType = req.headers.get('content-type') ?? '';
  if (!isMultipartRequest(req))
    throw new DomainError('BAD_INPUT', `${what}: expected a multipart/form-data body`);
  assertDeclaredLengthWithin(req, limits.maxBodyBytes, what);
  if (!req.body) throw new DomainError('BAD_INPUT', `${what}: empty body`);

  let parser: ReturnType<typeof Busboy>;
  try {
    parser = Busboy({
      headers: { 'content-type': contentType },
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fieldSize: limits.maxFieldBytes,
        fields: limits.maxFields,
        parts: limits.maxFiles + limits.maxFields,
      },
    });
  } catch (error) {
    throw new DomainError(
      'BAD_INPUT',
      `${what}: not a readable multipart/form-data body (${(error as Error).message})`,
    );
  }

  // Before anything is created on disk: a body that was already read throws here.
  const source = Readable.fromWeb(req.body as NodeWebReadableStream<Uint8Array>);
  const root = uploadTempRoot(options.dataDir);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  fs.chmodSync(root, 0o700);
  removeStaleTempFolders(root);
  const dir = fs.mkdtempSync(path.join(root, 'upload-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });

  const fields: { name: string; value: string }[] = [];
  const files: ReceivedFile[] = [];
  const writes: Promise<void>[] = [];
  /** Streams of the file part being written (one at a time: parts arrive in order). */
  const open = new Set<BusboyFileStream | Writable>();
  let bodyBytes = 0;
  /** The first failure (a holder: closures below set it). */
  const state: { failure: Error | null } = { failure: null };

  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bodyBytes += chunk.byteLength;
      if (bodyBytes > limits.maxBodyBytes) {
        // Recorded first: tearing the pipeline down makes the other streams fail too.
        state.failure ??= new DomainError(
          'TOO_LARGE',
          `${what}: the request body is over the limit of ${limits.maxBodyBytes} bytes`,
        );
        callback(state.failure);
      } else callback(null, chunk);
    },
  });
  /** Records the first failure and stops reading: the pipeline below rejects. */
  const fail = (error: unknown) => {
    state.failure ??= error instanceof Error ? error : new Error(String(error));
    counter.destroy(state.failure);
    for (const stream of open) stream.destroy();
  };

  parser.on('file', (field, stream, filename, _encoding, mimeType) => {
    if (state.failure) {
      stream.resume();
      return;
    }
    if (!options.fileFields.includes(field)) {
      stream.resume();
      fail(new DomainError('BAD_INPUT', `${what}: unexpected file part '${field}'`));
      return;
    }
    const entry: ReceivedFile = {
      field,
      // A part typed application/octet-stream without a file name is a file with no name.
      filename: filename ?? '',
      path: path.join(dir, String(files.length).padStart(6, '0')),
      bytes: 0,
      mimeType,
    };
    files.push(entry);
    stream.on('limit', () =>
      fail(
        new DomainError(
          'TOO_LARGE',
          `${field}: file '${filename}' is over the limit of ${limits.maxFileBytes} bytes`,
        ),
      ),
    );
    const out = fs.createWriteStream(entry.path, { flags: 'wx', mode: 0o600 });
    open.add(stream).add(out);
    writes.push(
      pipeline(stream, out).then(
        () => {
          entry.bytes = out.bytesWritten;
          open.delete(stream);
          open.delete(out);
        },
        (error: unknown) => {
          if (!state.failure) fail(error);
        },
      ),
    );
  });
  parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
    if (valueTruncated)
      fail(
        new DomainError(
          'TOO_LARGE',
          `${what}: form field '${name}' is over the limit of ${limits.maxFieldBytes} bytes`,
        ),
      );
    else fields.push({ name, value });
  });
  parser.on('filesLimit', () =>
    fail(new DomainError('TOO_LARGE', `${what}: more than ${limits.maxFiles} files in one upload`)),
  );
  parser.on('fieldsLimit', () =>
    fail(new DomainError('TOO_LARGE', `${what}: more than ${limits.maxFields} form fields`)),
  );
  parser.on('partsLimit', () =>
    fail(new DomainError('TOO_LARGE', `${what}: more than ${limits.maxFiles + limits.maxFields} form parts`)),
  );

  try {
    await pipeline(source, counter, parser);
    await Promise.all(writes);
    if (state.failure) throw state.failure;
  } catch (error) {
    for (const stream of open) stream.destroy();
    await Promise.allSettled(writes);
    remove();
    const cause = state.failure ?? error;
    if (cause instanceof DomainError || isSystemError(cause)) throw cause;
    // busboy's "Unexpected end of form", a client that went away, a broken body stream.
    throw new DomainError(
      'BAD_INPUT',
      `${what}: not a readable multipart/form-data body (${(cause as Error).message})`,
      { cause },
    );
  }

  return {
    dir,
    fields,
    files,
    bodyBytes,
    fieldValues: (name) => fields.filter((f) => f.name === name).map((f) => f.value),
    remove,
  };
}
