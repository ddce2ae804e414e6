/**
 * Staging of uploads from the Import page: a folder (files with relative paths, from a browser
 * `webkitdirectory` input) or a .zip archive, written under `<data dir>/uploads/<id>/` before the
 * import job reads them. Checks: every path stays inside the staging folder (no `..`, no absolute
 * paths, no symlinks, no name used twice, no name that is both a file and a folder), at most
 * MAX_UPLOAD_FILES files and MAX_UPLOAD_BYTES in all (a zip's declared sizes are checked before
 * anything is written and the real bytes are counted while inflating, so a zip bomb stops at the
 * limit), and at most MAX_COMPRESSION_RATIO per entry. The request body itself was streamed to
 * temporary files first (`server/http/multipart-upload.ts`); nothing here reads a request.
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
/** Longest file or folder name in an upload path, in bytes (the file system's NAME_MAX). */
export const MAX_UPLOAD_NAME_BYTES = 255;
/** Longest upload path, in bytes. */
export const MAX_UPLOAD_PATH_BYTES = 1024;

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
  if (
    Buffer.byteLength(normalized) > MAX_UPLOAD_PATH_BYTES ||
    normalized.split('/').some((part) => Buffer.byteLength(part) > MAX_UPLOAD_NAME_BYTES)
  ) {
    throw new DomainError(
      'BAD_INPUT',
      `Upload path '${relative.slice(0, 120)}…' is too long (at most ${MAX_UPLOAD_NAME_BYTES} bytes a name, ${MAX_UPLOAD_PATH_BYTES} in all)`,
    );
  }
  const target = path.resolve(root, normalized);
  const inside = path.relative(root, target);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new DomainError('BAD_INPUT', `Upload path '${relative}' escapes the upload folder`);
  }
  return target;
}

/**
 * Checks a list of upload paths as a tree before anything is written: no path twice (after
 * normalising `./`, `\\` and a trailing `/`), and no path that is a file and also a folder of
 * another path (`a` and `a/b.json`, in either order, or a folder entry `a/` beside a file `a`).
 * @param entries the paths, with `isDir` for a zip's folder entries.
 * @throws DomainError('BAD_INPUT') naming both entries.
 */
export function assertUploadTree(entries: readonly { name: string; isDir: boolean }[]): void {
  const root = path.resolve('/upload-tree');
  /** Normalised path → the entry's name as given, and whether it is a folder. */
  const seen = new Map<string, { name: string; isDir: boolean }>();
  const add = (key: string, entry: { name: string; isDir: boolean }) => {
    const before = seen.get(key);
    if (!before) {
      seen.set(key, entry);
      return;
    }
    if (before.isDir && entry.isDir) return;
    if (!before.isDir && !entry.isDir)
      throw new DomainError(
        'BAD_INPUT',
        `Upload entry '${entry.name}' appears twice (as '${before.name}' too)`,
      );
    const file = before.isDir ? entry : before;
    const folder = before.isDir ? before : entry;
    throw new DomainError(
      'BAD_INPUT',
      `Upload entry '${file.name}' is a file, but '${folder.name}' needs a folder of that name`,
    );
  };
  for (const entry of entries) {
    const key = path.relative(root, resolveInside(root, entry.name));
    const parts = key.split(path.sep);
    for (let i = 1; i < parts.length; i++)
      add(parts.slice(0, i).join('/'), { name: entry.name, isDir: true });
    add(parts.join('/'), entry);
  }
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

/**
 * Stages the files of a folder upload, already received into temporary files (same file system:
 * each is moved, not copied). Paths are the browser's `webkitRelativePath`s.
 * @param files `relativePath` inside the upload, `file` the temporary file holding its bytes.
 * @throws DomainError('BAD_INPUT') naming a bad path (see {@link resolveInside},
 *   {@link assertUploadTree}) or for an empty upload; DomainError('TOO_LARGE') for too many files or
 *   bytes. The staging folder is removed on any error; the temporary files stay the caller's.
 */
export function stageFolderUpload(
  dataDir: string,
  files: readonly { relativePath: string; file: string }[],
): StagedUpload {
  if (files.length === 0) throw new DomainError('BAD_INPUT', 'The upload holds no files');
  if (files.length > MAX_UPLOAD_FILES)
    throw new DomainError('TOO_LARGE', `The upload holds ${files.length} files (limit ${MAX_UPLOAD_FILES})`);
  assertUploadTree(files.map((f) => ({ name: f.relativePath, isDir: false })));
  const total = files.reduce((n, f) => n + fs.statSync(f.file).size, 0);
  if (total > MAX_UPLOAD_BYTES)
    throw new DomainError('TOO_LARGE', `The upload is ${total} bytes (limit ${MAX_UPLOAD_BYTES})`);
  const { id, dir } = newStagingDir(dataDir);
  try {
    for (const f of files) {
      const target = resolveInside(dir, f.relativePath);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.renameSync(f.file, target);
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
 * @throws DomainError('BAD_INPUT') naming the entry for a traversal or absolute path, a symlink,
 *   a name used twice, a name that is both a file and a folder, or a corrupt entry; for a file that
 *   is not a zip; DomainError('TOO_LARGE') for too many entries, too many bytes (declared, or
 *   counted while inflating) or a bomb-like ratio.
 */
export async function stageZipUpload(dataDir: string, zipFile: string): Promise<StagedUpload> {
  // Pass 1: headers only.
  const entries = await readEntries(await openZip(zipFile));
  let declared = 0;
  for (const e of entries) {
    const mode = (e.externalFileAttributes >>> 16) & S_IFMT;
    if (mode === S_IFLNK)
      throw new DomainError('BAD_INPUT', `${e.fileName}: symbolic links are not allowed in archives`);
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
  // Traversal, duplicates and file/folder clashes, all before anything is written.
  assertUploadTree(entries.map((e) => ({ name: e.fileName, isDir: e.fileName.endsWith('/') })));

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
          // 'wx': the tree check above already refused duplicates; never write through an existing file.
          await pipeline(
            await openEntryStream(zip, entry),
            counter,
            fs.createWriteStream(target, { flags: 'wx' }),
          );
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
