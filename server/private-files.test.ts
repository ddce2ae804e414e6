/**
 * Files on disk are their owner's only: a fresh data directory gets 0700 folders and 0600 files
 * (database, WAL, shared memory, auth secret, and through the CLI's umask everything an import
 * writes), and an older, world-readable installation is tightened on start-up.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveAuthSecret } from '@/server/auth/auth';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { task } from '@/server/db/schema';
import { WEBVOYAGER_EXAMPLES } from '@/server/testing/harness';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

/** Every file and folder under `root` (root included) with group or other permissions. */
function openToOthers(root: string): string[] {
  const open: string[] = [];
  const walk = (p: string) => {
    if ((fs.lstatSync(p).mode & 0o077) !== 0)
      open.push(`${path.relative(root, p) || '.'} ${mode(p).toString(8)}`);
    if (fs.lstatSync(p).isDirectory()) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
  };
  walk(root);
  return open;
}

let tmp: string;
let previousUmask: number;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-private-'));
  // What a default shell gives: files 0644, folders 0755, unless the code asks for less.
  previousUmask = process.umask(0o022);
});
afterEach(() => {
  process.umask(previousUmask);
  fs.rmSync(tmp, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe('data directory permissions', () => {
  it('a fresh data directory is 0700 and its database, WAL and shared memory 0600', () => {
    const dataDir = path.join(tmp, 'nested', 'data');
    const db = openDb(path.join(dataDir, DB_FILE_NAME));
    db.insert(task)
      .values({ id: 't1', externalId: 'x:1', source: 'webarena', intent: 'i', site: 's', createdBy: 'test' })
      .run();
    expect(mode(dataDir)).toBe(0o700);
    for (const file of [DB_FILE_NAME, `${DB_FILE_NAME}-wal`, `${DB_FILE_NAME}-shm`])
      expect(mode(path.join(dataDir, file)), file).toBe(0o600);
    db.$client.close();
  });

  it('the generated auth secret is 0600 in a 0700 folder', () => {
    const dataDir = path.join(tmp, 'data');
    resolveAuthSecret(dataDir, undefined);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, 'auth-secret'))).toBe(0o600);
  });

  it('an older installation left readable by others is tightened on open', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const dataDir = path.join(tmp, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    const first = openDb(path.join(dataDir, DB_FILE_NAME));
    first.$client.close();
    for (const file of [DB_FILE_NAME, 'auth-secret']) {
      fs.writeFileSync(
        path.join(dataDir, file),
        file === 'auth-secret' ? 'x'.repeat(64) : fs.readFileSync(path.join(dataDir, DB_FILE_NAME)),
      );
      fs.chmodSync(path.join(dataDir, file), 0o644);
    }
    fs.chmodSync(dataDir, 0o755);
    const db = openDb(path.join(dataDir, DB_FILE_NAME));
    resolveAuthSecret(dataDir, undefined);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(path.join(dataDir, DB_FILE_NAME))).toBe(0o600);
    expect(mode(path.join(dataDir, 'auth-secret'))).toBe(0o600);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/was readable by other users \(mode 755\); now 700/),
    );
    db.$client.close();
  });

  it('the CLI (umask 0o077) leaves nothing readable by others after an import', () => {
    const dataDir = path.join(tmp, 'cli-data');
    const result = spawnSync(
      'node',
      [
        'bin/core-curator.mjs',
        '--data-dir',
        dataDir,
        'import',
        'webvoyager',
        path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'),
        '--json',
      ],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(fs.readdirSync(dataDir)).toEqual(expect.arrayContaining([DB_FILE_NAME, 'media']));
    expect(openToOthers(dataDir)).toEqual([]);
  }, 90_000);
});
