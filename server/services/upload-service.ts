/**
 * Staging of uploads from the Import page: a folder (files with relative paths, from a browser
 * `webkitdirectory` input) or a .zip archive, written under `<data dir>/uploads/<id>/` before the
 * import job reads them. Checks: every path stays inside the staging folder (no `..`, no absolute
 * paths, no symlinks), at most MAX_UPLOAD_FILES files and MAX_UPLOAD_BYTES in all (a zip's
 * declared sizes are checked before anything is written and the real bytes are counted while
 * inflating, so a zip bomb stops at the limit), and at most MAX_COMPRESSION_RATIO per entry.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import yauzl from 'yauzl';
import { DomainError } from '@/lib/core/errors';

export const MAX_UPLOAD_FILES = 20_000;
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;
/** Deflate rarely exceeds ~20:1 on screenshots and JSON; 1000:1 is a bomb. */
export const MAX_COMPRESSION_RATIO = 1000;

export interface StagedUpload {
  id: string;
  dir: string;
  files: number;
  bytes: number;
}

/**
 * Resolves a relative upload path inside `root`.
 * @throws DomainError('BAD_INPUT') naming the path when it is absolute, contains `..`, or escapes.
 */
export function resolveInside(root: string, relative: string): string {
  const normalized = relative.replace(/\\/g, '/');
  if (normalized.split('/').every((part) => part === '' || part === '.')) {
    throw new DomainError('BAD_INPUT', `Upload path '${relative}' names no file`);
  }
  if (
    normalized.startsWith('/') ||
    /^[a-zA-Z]:/.test(normalized) ||
    normalized.split('/').includes('..') ||
    normalized.includes('\0')
  ) {
    throw new DomainError(
      'BAD_INPUT',
      `Upload path '${relative}' is not allowed (absolute or contains '..')`,
    );
  }
  const target = path.resolve(root, normalized);
  if (target !== root && !target.startsWith(root + path.sep)) {
    throw new DomainError('BAD_INPUT', `Upload path '${relative}' escapes the upload folder`);
  }
  return target;
}

function newStagingDir(dataDir: string): { id: string; dir: string } {
  const id = randomUUID();
  const dir = path.join(dataDir, 'uploads', id);
  fs.mkdirSync(dir, { recursive: true });
  return { id, dir };
}

export function removeStagedUpload(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Stages the files of a folder upload. Paths are the browser's `webkitRelativePath`s. */
export async function stageFolderUpload(
  dataDir: string,
  files: { relativePath: string; data: Blob }[],
): Promise<StagedUpload> {
  if (files.length === 0) throw new DomainError('BAD_INPUT', 'The upload holds no files');
  if (files.length > MAX_UPLOAD_FILES)
    throw new DomainError('TOO_LARGE', `The upload holds ${files.length} files (limit ${MAX_UPLOAD_FILES})`);
  const total = files.reduce((n, f) => n + f.data.size, 0);
  if (total > MAX_UPLOAD_BYTES)
    throw new DomainError('TOO_LARGE', `The upload is ${total} bytes (limit ${MAX_UPLOAD_BYTES})`);
  const { id, dir } = newStagingDir(dataDir);
  try {
    for (const f of files) {
      const target = resolveInside(dir, f.relativePath);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, Buffer.from(await f.data.arrayBuffer()));
    }
  } catch (error) {
    removeStagedUpload(dir);
    throw error;
  }
  return { id, dir, files: files.length, bytes: total };
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: true, strictFileNames: true, validateEntrySizes: true },
      (err, zip) => {
        if (err || !zip)
          reject(
            new DomainError('BAD_INPUT', `Not a readable zip archive: ${err?.message ?? 'unknown error'}`),
          );
        else resolve(zip);
      },
    );
  });
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      if (entries.length > MAX_UPLOAD_FILES) {
        zip.close();
        reject(new DomainError('TOO_LARGE', `The archive holds more than ${MAX_UPLOAD_FILES} entries`));
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) =>
      reject(new DomainError('BAD_INPUT', `Corrupt zip archive: ${err.message}`)),
    );
    zip.readEntry();
  });
}

function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream)
        reject(new DomainError('BAD_INPUT', `${entry.fileName}: ${err?.message ?? 'unreadable entry'}`));
      else resolve(stream);
    });
  });
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/**
 * Extracts a .zip into a new staging folder, all-or-nothing (the folder is removed on any error).
 * @throws DomainError('BAD_INPUT') for traversal paths, symlinks or a corrupt archive;
 *   DomainError('TOO_LARGE') for too many entries, too many bytes or a bomb-like ratio.
 */
export async function stageZipUpload(dataDir: string, zipFile: string): Promise<StagedUpload> {
  // Pass 1: headers only.
  const entries = await readEntries(await openZip(zipFile));
  let declared = 0;
  for (const e of entries) {
    const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK)
      throw new DomainError('BAD_INPUT', `${e.fileName}: symbolic links are not allowed in archives`);
    resolveInside('/staging', e.fileName);
    declared += e.uncompressedSize;
    if (
      e.compressedSize > 0 &&
      e.uncompressedSize / e.compressedSize > MAX_COMPRESSION_RATIO &&
      e.uncompressedSize > 1024 * 1024
    ) {
      throw new DomainError(
        'TOO_LARGE',
        `${e.fileName}: compression ratio ${Math.round(e.uncompressedSize / e.compressedSize)}:1 looks like a zip bomb`,
      );
    }
  }
  if (declared > MAX_UPLOAD_BYTES)
    throw new DomainError(
      'TOO_LARGE',
      `The archive unpacks to ${declared} bytes (limit ${MAX_UPLOAD_BYTES})`,
    );

  // Pass 2: extract, counting real bytes.
  const { id, dir } = newStagingDir(dataDir);
  let written = 0;
  let files = 0;
  let opened: yauzl.ZipFile | undefined;
  try {
    const zip = await openZip(zipFile);
    opened = zip;
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const target = resolveInside(dir, entry.fileName);
          if (entry.fileName.endsWith('/')) {
            fs.mkdirSync(target, { recursive: true });
            zip.readEntry();
            return;
          }
          fs.mkdirSync(path.dirname(target), { recursive: true });
          const counter = new Transform({
            transform(chunk: Buffer, _enc, callback) {
              written += chunk.length;
              if (written > MAX_UPLOAD_BYTES)
                callback(
                  new DomainError('TOO_LARGE', `The archive unpacks to more than ${MAX_UPLOAD_BYTES} bytes`),
                );
              else callback(null, chunk);
            },
          });
          await pipeline(await openEntryStream(zip, entry), counter, fs.createWriteStream(target));
          files++;
          zip.readEntry();
        })().catch((error: Error) => {
          // A stream error (bad deflate data, more bytes than the entry declares) is the archive's
          // fault, not ours; file-system errors (they carry `syscall`) stay internal.
          const isArchiveFault = !(error instanceof DomainError) && !(error as NodeJS.ErrnoException).syscall;
          reject(
            isArchiveFault ? new DomainError('BAD_INPUT', `${entry.fileName}: ${error.message}`) : error,
          );
        });
      });
      zip.on('end', resolve);
      zip.on('error', (err: Error) =>
        reject(new DomainError('BAD_INPUT', `Corrupt zip archive: ${err.message}`)),
      );
      zip.readEntry();
    });
  } catch (error) {
    // autoClose only closes after the last entry; stopping early would leak the archive's fd.
    opened?.close();
    removeStagedUpload(dir);
    throw error;
  }
  return { id, dir, files, bytes: written };
}

/**
 * The folder an import should read inside a staged upload: when the upload holds exactly one
 * top-level folder and nothing else (a zipped folder, or a browser folder pick), that folder.
 */
export function importRootOf(staged: StagedUpload): string {
  const children = fs
    .readdirSync(staged.dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && e.name !== '__MACOSX');
  const only = children[0];
  if (children.length === 1 && only?.isDirectory()) return path.join(staged.dir, only.name);
  return staged.dir;
}
