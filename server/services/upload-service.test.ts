/**
 * Upload staging: zip archives (built here with Python's zipfile, which writes what a hostile
 * archive holds: `..` names, absolute names, symlink entries, a bomb) and folder uploads.
 * Every refused upload leaves nothing under `<data dir>/uploads`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { readImportSource } from '@/server/services/import-sources';
import {
  importRootOf,
  MAX_COMPRESSION_RATIO,
  MAX_UPLOAD_FILES,
  resolveInside,
  stageFolderUpload,
  stageZipUpload,
} from '@/server/services/upload-service';
import { createTestWorld, WEBVOYAGER_EXAMPLES, type TestWorld } from '@/server/testing/harness';

/** One archive entry: text, a copy of a file, a symlink, or `zeros` bytes of 0x00. */
type ZipEntry =
  | { name: string; text: string }
  | { name: string; file: string }
  | { name: string; symlinkTo: string }
  | { name: string; zeros: number }
  | { name: string; dir: true };

const ZIP_WRITER = `
import json, sys, zipfile
out, entries = sys.argv[1], json.loads(sys.argv[2])
with zipfile.ZipFile(out, 'w', compression=zipfile.ZIP_DEFLATED) as z:
    for e in entries:
        name = e['name']
        if 'text' in e:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, e['text'])
        elif 'file' in e:
            z.write(e['file'], arcname=name)
        elif 'dir' in e:
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o40755 << 16) | 0x10
            z.writestr(info, b'')
        elif 'symlinkTo' in e:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = 0o120777 << 16
            z.writestr(info, e['symlinkTo'])
        elif 'zeros' in e:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            chunk = b'\\0' * (1 << 20)
            left = e['zeros']
            with z.open(info, 'w') as f:
                while left > 0:
                    n = min(left, len(chunk))
                    f.write(chunk[:n])
                    left -= n
`;

function writeZip(file: string, entries: ZipEntry[]): string {
  // ZipInfo(name) keeps the name as given (zipfile only sanitises names when *extracting*).
  execFileSync('python3', ['-c', ZIP_WRITER, file, JSON.stringify(entries)]);
  return file;
}

/** Every path below `<data dir>/uploads` (none when the folder does not exist). */
function uploadsContent(dataDir: string): string[] {
  const dir = path.join(dataDir, 'uploads');
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : [];
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

function syncError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a DomainError');
}

const RUN = 'taskAmazon--0';

/** Offset of the local file header of the entry `name` (the first one in the archive). */
function localHeaderOffset(zip: Buffer, name: string): number {
  const offset = zip.indexOf(Buffer.from(name)) - 30;
  expect(zip.readUInt32LE(offset)).toBe(0x04034b50);
  return offset;
}

/** Offset of the (compressed) data of the entry `name`. */
function localEntryDataOffset(zip: Buffer, name: string): number {
  const header = localHeaderOffset(zip, name);
  return header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
}

/** Open file descriptors of this process (Linux). */
function openFileDescriptors(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('upload-service', () => {
  let world: TestWorld;
  let scratch: string;
  beforeEach(() => {
    world = createTestWorld();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-zip-test-'));
  });
  afterEach(async () => {
    await world.cleanup();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const zipPath = (name: string) => path.join(scratch, name);

  describe('stageZipUpload', () => {
    it('extracts a zipped WebVoyager run folder; importRootOf is that folder and it imports', async () => {
      const runDir = path.join(WEBVOYAGER_EXAMPLES, RUN);
      const names = fs.readdirSync(runDir).sort();
      const zip = writeZip(zipPath('run.zip'), [
        { name: `${RUN}/`, dir: true },
        ...names.map((n) => ({ name: `${RUN}/${n}`, file: path.join(runDir, n) })),
      ]);

      const staged = await stageZipUpload(world.dataDir, zip);
      expect(staged.dir).toBe(path.join(world.dataDir, 'uploads', staged.id));
      expect(staged.files).toBe(names.length);
      const expectedBytes = names.reduce((n, name) => n + fs.statSync(path.join(runDir, name)).size, 0);
      expect(staged.bytes).toBe(expectedBytes);

      const root = importRootOf(staged);
      expect(root).toBe(path.join(staged.dir, RUN));
      expect(fs.readdirSync(root).sort()).toEqual(names);
      for (const n of names)
        expect(fs.readFileSync(path.join(root, n)).equals(fs.readFileSync(path.join(runDir, n)))).toBe(true);

      const bundle = await readImportSource('webvoyager', root);
      expect(bundle.trajectories.map((t) => [t.externalId, t.steps.length])).toEqual([
        [`webvoyager:${RUN}`, 3],
      ]);
    });

    it('extracts files of a zip without directory entries; importRootOf keeps the staging folder for several top-level entries', async () => {
      const zip = writeZip(zipPath('flat.zip'), [
        { name: 'a/deep/one.txt', text: 'one' },
        { name: 'two.txt', text: 'two' },
      ]);
      const staged = await stageZipUpload(world.dataDir, zip);
      expect(staged).toMatchObject({ files: 2, bytes: 6 });
      expect(fs.readFileSync(path.join(staged.dir, 'a/deep/one.txt'), 'utf8')).toBe('one');
      expect(importRootOf(staged)).toBe(staged.dir);
    });

    it('importRootOf ignores __MACOSX and dot entries', async () => {
      const zip = writeZip(zipPath('mac.zip'), [
        { name: 'runs/x.txt', text: 'x' },
        { name: '__MACOSX/runs/._x.txt', text: 'resource fork' },
        { name: '.DS_Store', text: 'finder' },
      ]);
      const staged = await stageZipUpload(world.dataDir, zip);
      expect(importRootOf(staged)).toBe(path.join(staged.dir, 'runs'));
    });

    it.each([
      ['../evil.txt', 'a parent-directory name'],
      ['runs/../../evil.txt', 'a nested parent-directory name'],
      ['/etc/evil.txt', 'an absolute name'],
    ])('refuses %j (%s) as BAD_INPUT naming the entry, writing nothing', async (name) => {
      const zip = writeZip(zipPath('evil.zip'), [
        { name: 'runs/ok.txt', text: 'fine' },
        { name, text: 'pwned' },
      ]);
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toContain(name);
      expect(uploadsContent(world.dataDir)).toEqual([]);
      expect(fs.existsSync(path.join(world.dataDir, 'evil.txt'))).toBe(false);
      expect(fs.existsSync(path.join(path.dirname(world.dataDir), 'evil.txt'))).toBe(false);
    });

    it.each<[string, ZipEntry[], string]>([
      [
        'a file, then a file inside a folder of the same name',
        [
          { name: 'runs/a', text: 'file' },
          { name: 'runs/a/b.json', text: '{}' },
        ],
        "Upload entry 'runs/a' is a file, but 'runs/a/b.json' needs a folder of that name",
      ],
      [
        "a file inside a folder, then a file of the folder's name",
        [
          { name: 'runs/a/b.json', text: '{}' },
          { name: 'runs/a', text: 'file' },
        ],
        "Upload entry 'runs/a' is a file, but 'runs/a/b.json' needs a folder of that name",
      ],
      [
        'a folder entry, then a file of the same name',
        [
          { name: 'runs/a/', dir: true },
          { name: 'runs/a', text: 'file' },
        ],
        "Upload entry 'runs/a' is a file, but 'runs/a/' needs a folder of that name",
      ],
      [
        'a file, then a folder entry of the same name',
        [
          { name: 'runs/a', text: 'file' },
          { name: 'runs/a/', dir: true },
        ],
        "Upload entry 'runs/a' is a file, but 'runs/a/' needs a folder of that name",
      ],
      [
        'the same name twice',
        [
          { name: 'runs/x.json', text: '{"first": true}' },
          { name: 'runs/x.json', text: '{"second": true}' },
        ],
        "Upload entry 'runs/x.json' appears twice (as 'runs/x.json' too)",
      ],
    ])('refuses %s as BAD_INPUT naming the entries, writing nothing', async (_case, entries, message) => {
      const zip = writeZip(zipPath('clash.zip'), [{ name: 'runs/ok.txt', text: 'fine' }, ...entries]);
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error).toMatchObject({ code: 'BAD_INPUT', message });
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it('refuses a Windows-style traversal name (backslashes)', async () => {
      const zip = writeZip(zipPath('backslash.zip'), [{ name: 'runs\\..\\..\\evil.txt', text: 'pwned' }]);
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toContain('evil.txt');
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it(`refuses more than the entry limit (${MAX_UPLOAD_FILES}) as TOO_LARGE before writing`, async () => {
      const zip = zipPath('many.zip');
      execFileSync('python3', [
        '-c',
        `import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for i in range(${MAX_UPLOAD_FILES + 1}):\n        z.writestr(f'runs/{i}.txt', '')`,
        zip,
      ]);
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error).toMatchObject({
        code: 'TOO_LARGE',
        message: `The archive holds more than ${MAX_UPLOAD_FILES} entries`,
      });
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it('refuses a symlink entry as BAD_INPUT naming it', async () => {
      const zip = writeZip(zipPath('link.zip'), [
        { name: 'runs/ok.txt', text: 'fine' },
        { name: 'runs/passwd', symlinkTo: '/etc/passwd' },
      ]);
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toBe('runs/passwd: symbolic links are not allowed in archives');
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it('refuses a zip bomb (200 MB of zeros in ~200 KB) as TOO_LARGE before writing', async () => {
      const zip = writeZip(zipPath('bomb.zip'), [
        { name: 'runs/ok.txt', text: 'fine' },
        { name: 'runs/zeros.bin', zeros: 200 * 1024 * 1024 },
      ]);
      const size = fs.statSync(zip).size;
      expect(size).toBeLessThan(400 * 1024);
      expect((200 * 1024 * 1024) / size).toBeGreaterThan(MAX_COMPRESSION_RATIO);

      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toMatch(/^runs\/zeros\.bin: compression ratio \d+:1 looks like a zip bomb$/);
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it('refuses a file that is not a zip as BAD_INPUT', async () => {
      const notZip = zipPath('not.zip');
      fs.writeFileSync(notZip, 'PK but not really a zip archive');
      const error = await rejection(stageZipUpload(world.dataDir, notZip));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/^Not a readable zip archive/);
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it('a corrupt entry found while extracting is BAD_INPUT naming it; the staging folder and the archive handle are released', async () => {
      const zip = writeZip(zipPath('corrupt.zip'), [
        { name: 'runs/first.txt', text: 'first file is fine' },
        { name: 'runs/second.txt', text: 'x'.repeat(5000) },
      ]);
      // Headers stay valid; the second entry's deflate data starts with an invalid block type.
      const bytes = fs.readFileSync(zip);
      bytes[localEntryDataOffset(bytes, 'runs/second.txt')] = 0xff;
      fs.writeFileSync(zip, bytes);

      const fdsBefore = openFileDescriptors();
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/^runs\/second\.txt: /);
      expect(uploadsContent(world.dataDir)).toEqual([]);
      // Descriptors close asynchronously; a leaked one never does.
      await vi.waitFor(() => expect(openFileDescriptors()).toBe(fdsBefore), { timeout: 2000 });
    });

    it('an entry that inflates past its declared size (a bomb with lying headers) is refused; nothing stays', async () => {
      const zip = writeZip(zipPath('liar.zip'), [
        { name: 'runs/ok.txt', text: 'fine' },
        { name: 'runs/zeros.bin', zeros: 5 * 1024 * 1024 },
      ]);
      // Declare 1,000 bytes in both the local header and the central directory.
      const bytes = fs.readFileSync(zip);
      const local = localHeaderOffset(bytes, 'runs/zeros.bin');
      bytes.writeUInt32LE(1000, local + 22);
      const central = bytes.indexOf(Buffer.from('runs/zeros.bin'), local + 31) - 46;
      expect(bytes.readUInt32LE(central)).toBe(0x02014b50);
      bytes.writeUInt32LE(1000, central + 24);
      fs.writeFileSync(zip, bytes);

      const fdsBefore = openFileDescriptors();
      const error = await rejection(stageZipUpload(world.dataDir, zip));
      expect(error.code).toBe('BAD_INPUT');
      expect(error.message).toMatch(/^runs\/zeros\.bin: too many bytes in the stream/);
      expect(uploadsContent(world.dataDir)).toEqual([]);
      // Descriptors close asynchronously; a leaked one never does.
      await vi.waitFor(() => expect(openFileDescriptors()).toBe(fdsBefore), { timeout: 2000 });
    });
  });

  describe('resolveInside', () => {
    const root = path.resolve('/srv/uploads/abc');

    it.each([
      ['a.txt', 'a.txt'],
      ['run folder/screenshot1.png', 'run folder/screenshot1.png'],
      ['a\\b.txt', 'a/b.txt'],
      ['./a/./b.txt', 'a/b.txt'],
      ['a..b/c..', 'a..b/c..'],
    ])('%j resolves inside the root', (relative, expected) => {
      expect(resolveInside(root, relative)).toBe(path.join(root, expected));
    });

    it.each([
      '../x',
      'a/../../x',
      'a/../b',
      '..',
      '/etc/passwd',
      '\\\\server\\share\\x',
      'C:\\x',
      'c:x',
      'a\\..\\..\\x',
      'a\0b',
    ])('%j is BAD_INPUT naming the path', (relative) => {
      expect(() => resolveInside(root, relative)).toThrow(DomainError);
      expect(() => resolveInside(root, relative)).toThrow(`'${relative}'`);
    });
  });

  describe('stageFolderUpload', () => {
    /** A received temporary file holding `data`, as multipart-upload.ts leaves it. */
    let n = 0;
    const received = (data: string | Uint8Array) => {
      const file = path.join(scratch, `received-${n++}`);
      fs.writeFileSync(file, data);
      return file;
    };

    it('moves each received file under its relative path', () => {
      const first = received('[]');
      const staged = stageFolderUpload(world.dataDir, [
        { relativePath: `${RUN}/interact_messages.json`, file: first },
        { relativePath: `${RUN}/sub/screenshot1.png`, file: received(new Uint8Array([137, 80, 78, 71])) },
      ]);
      expect(staged).toMatchObject({ files: 2, bytes: 6 });
      expect(fs.readFileSync(path.join(staged.dir, RUN, 'interact_messages.json'), 'utf8')).toBe('[]');
      expect([...fs.readFileSync(path.join(staged.dir, RUN, 'sub/screenshot1.png'))]).toEqual([
        137, 80, 78, 71,
      ]);
      expect(fs.existsSync(first)).toBe(false);
      expect(importRootOf(staged)).toBe(path.join(staged.dir, RUN));
    });

    it.each(['../x', 'runs/../../x', '/tmp/x', 'C:\\x', `${'n'.repeat(256)}/x`])(
      'refuses %j beside good files and writes nothing',
      (bad) => {
        const error = syncError(() =>
          stageFolderUpload(world.dataDir, [
            { relativePath: 'runs/good.txt', file: received('good') },
            { relativePath: bad, file: received('bad') },
          ]),
        );
        expect(error.code).toBe('BAD_INPUT');
        expect(error.message).toContain(`'${bad.slice(0, 100)}`);
        expect(uploadsContent(world.dataDir)).toEqual([]);
        expect(fs.existsSync(path.join(world.dataDir, 'uploads', 'x'))).toBe(false);
        expect(fs.existsSync(path.join(world.dataDir, 'x'))).toBe(false);
      },
    );

    it.each([
      [
        ['runs/a', 'runs/a/b.json'],
        "Upload entry 'runs/a' is a file, but 'runs/a/b.json' needs a folder of that name",
      ],
      [
        ['runs/a/b.json', 'runs/a'],
        "Upload entry 'runs/a' is a file, but 'runs/a/b.json' needs a folder of that name",
      ],
      [['runs/x.json', 'runs/./x.json'], "Upload entry 'runs/./x.json' appears twice (as 'runs/x.json' too)"],
    ])('refuses the paths %j naming the entries', (paths, message) => {
      const error = syncError(() =>
        stageFolderUpload(
          world.dataDir,
          paths.map((relativePath) => ({ relativePath, file: received('{}') })),
        ),
      );
      expect(error).toMatchObject({ code: 'BAD_INPUT', message });
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });

    it('refuses an empty upload', () => {
      const error = syncError(() => stageFolderUpload(world.dataDir, []));
      expect(error).toMatchObject({ code: 'BAD_INPUT', message: 'The upload holds no files' });
      expect(uploadsContent(world.dataDir)).toEqual([]);
    });
  });
});
