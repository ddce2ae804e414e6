import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { task } from '@/server/db/schema';
import {
  addStateApiApp,
  assertAppFolderAllowed,
  BUNDLED_APPS_DIR,
  listAllowedAppRoots,
  listAppTaskIds,
  readStateApiApp,
} from '@/server/services/environment-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld | null = null;
afterEach(async () => {
  await world?.cleanup();
  world = null;
});

/** A minimal app folder with the given files (relative path → content). */
function makeApp(files: Record<string, string>): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-app-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
    fs.writeFileSync(path.join(folder, name), content);
  }
  return folder;
}

const okTasks = JSON.stringify([{ id: 't1', difficulty: 'easy', instruction: 'Do it', verify: 'v/t1.py' }]);

describe('readStateApiApp', () => {
  it('reads the bundled apps with their tasks and expert demos', () => {
    const shop = readStateApiApp(path.join(BUNDLED_APPS_DIR, 'shop'));
    expect(shop.name).toBe('Northwind Outfitters');
    expect(shop.tasks).toHaveLength(10);
    expect(Object.keys(shop.expertDemos)).toHaveLength(10);
  });

  it('names the file and field of every problem', () => {
    expect(() => readStateApiApp(makeApp({ 'real-tasks.json': okTasks }))).toThrow(/no index\.html/);
    expect(() => readStateApiApp(makeApp({ 'index.html': '<title>A</title>' }))).toThrow(
      /no real-tasks\.json/,
    );
    expect(() => readStateApiApp(makeApp({ 'index.html': '', 'real-tasks.json': '[{' }))).toThrow(
      /real-tasks\.json.*invalid JSON/,
    );
    expect(() =>
      readStateApiApp(
        makeApp({ 'index.html': '', 'real-tasks.json': JSON.stringify([{ id: 'a', instruction: 'x' }]) }),
      ),
    ).toThrow(/real-tasks\.json.*\[0\]\.verify/);
    expect(() => readStateApiApp(makeApp({ 'index.html': '', 'real-tasks.json': okTasks }))).toThrow(
      /\[0\]\.verify: file v\/t1\.py does not exist/,
    );
    const escaping = JSON.stringify([{ id: 'a', instruction: 'x', verify: '../../etc/passwd' }]);
    expect(() => readStateApiApp(makeApp({ 'index.html': '', 'real-tasks.json': escaping }))).toThrow(
      /\[0\]\.verify: .*outside the app folder/,
    );
    expect(() =>
      readStateApiApp(
        makeApp({
          'index.html': '',
          'real-tasks.json': okTasks,
          'v/t1.py': 'def verify(u): return True, ""',
          'expert-demos.json': JSON.stringify({ nope: [{ type: 'go_back' }] }),
        }),
      ),
    ).toThrow(/expert-demos\.json: demo 'nope' names no task/);
  });
});

describe('addStateApiApp', () => {
  it('imports the tasks once; adding again changes nothing; a bad folder writes nothing', () => {
    world = createTestWorld();
    const actor = { userId: null, label: 'test' };
    const first = addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, 'contacts'), {
      id: 'contacts',
      actor,
    });
    expect(first.tasks).toEqual({ created: 10, updated: 0, unchanged: 0 });
    expect(
      addStateApiApp(world.db, path.join(BUNDLED_APPS_DIR, 'contacts'), { id: 'contacts', actor }).tasks,
    ).toEqual({
      created: 0,
      updated: 0,
      unchanged: 10,
    });
    expect(listAppTaskIds(world.db, 'contacts')).toHaveLength(10);
    expect(() => addStateApiApp(world!.db, makeApp({ 'index.html': '' }), { id: 'broken', actor })).toThrow();
    expect(() =>
      addStateApiApp(world!.db, path.join(BUNDLED_APPS_DIR, 'shop'), { id: 'Bad Id', actor }),
    ).toThrow(/lower-case/);
    expect(world.db.select().from(task).all()).toHaveLength(10);
  });
});

describe('assertAppFolderAllowed', () => {
  it('takes folders inside the allowed roots only (symlinks resolved)', () => {
    const roots = listAllowedAppRoots('/tmp/cc-data', { CORE_CURATOR_APP_ROOTS: '/srv/apps' });
    expect(roots).toEqual([BUNDLED_APPS_DIR, '/tmp/cc-data/apps', '/srv/apps']);
    expect(assertAppFolderAllowed(path.join(BUNDLED_APPS_DIR, 'shop'), roots)).toBe(
      fs.realpathSync(path.join(BUNDLED_APPS_DIR, 'shop')),
    );
    expect(() => assertAppFolderAllowed('/etc', roots)).toThrow(/only inside/);
    expect(() => assertAppFolderAllowed(path.join(BUNDLED_APPS_DIR, '..', 'server'), roots)).toThrow(
      /only inside/,
    );
    const link = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-root-')), 'escape');
    fs.symlinkSync('/etc', link);
    expect(() => assertAppFolderAllowed(link, [path.dirname(link)])).toThrow(/only inside/);
  });
});
