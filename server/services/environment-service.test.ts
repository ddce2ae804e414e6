import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { environmentApp, task } from '@/server/db/schema';
import {
  addStateApiApp,
  appNameFromHtml,
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

describe('function-tasks.json and difficulty', () => {
  const verifier = 'def verify(server_url):\n    return False, "no"\n';
  const realTasks = JSON.stringify([
    { id: 't1', difficulty: 'Easy', instruction: 'Real one', verify: 'real-tasks/t1.py' },
    { id: 't2', instruction: 'Real two', verify: 'real-tasks/t1.py' },
  ]);
  const functionTasks = JSON.stringify([
    { id: 't1', difficulty: 'HARD', instruction: 'Function one', verify: 'function-tasks/task_1.py' },
    { id: 2, difficulty: 'Expert ', instruction: 'Function two', verify: 'function-tasks/task_1.py' },
  ]);

  it('reads both files: real tasks first, function tasks keyed function:<id>', () => {
    const app = readStateApiApp(
      makeApp({
        'index.html': '<title>Both</title>',
        'real-tasks.json': realTasks,
        'function-tasks.json': functionTasks,
        'real-tasks/t1.py': verifier,
        'function-tasks/task_1.py': verifier,
        'expert-demos.json': JSON.stringify({
          t1: [{ type: 'go_back' }],
          'function:t1': [{ type: 'go_back' }],
        }),
      }),
    );
    expect(app.tasks.map((t) => [t.taskSet, t.key, t.instruction])).toEqual([
      ['real', 't1', 'Real one'],
      ['real', 't2', 'Real two'],
      ['function', 'function:t1', 'Function one'],
      ['function', 'function:2', 'Function two'],
    ]);
    expect(Object.keys(app.expertDemos).sort()).toEqual(['function:t1', 't1']);
  });

  it('takes an app with function-tasks.json only, and names that file in its errors', () => {
    const only = readStateApiApp(
      makeApp({
        'index.html': '',
        'function-tasks.json': functionTasks,
        'function-tasks/task_1.py': verifier,
      }),
    );
    expect(only.tasks.map((t) => t.key)).toEqual(['function:t1', 'function:2']);
    const bad = JSON.stringify([{ id: 'a', instruction: 'x', verify: 'missing.py' }]);
    expect(() =>
      readStateApiApp(
        makeApp({
          'index.html': '',
          'real-tasks.json': okTasks,
          'v/t1.py': verifier,
          'function-tasks.json': bad,
        }),
      ),
    ).toThrow(/function-tasks\.json: \[0\]\.verify: file missing\.py does not exist/);
    expect(() =>
      readStateApiApp(
        makeApp({ 'index.html': '', 'function-tasks.json': JSON.stringify([{ id: 'a', verify: 'x.py' }]) }),
      ),
    ).toThrow(/function-tasks\.json.*\[0\]\.instruction/);
    expect(() => readStateApiApp(makeApp({ 'index.html': '' }))).toThrow(
      /no real-tasks\.json and no function-tasks\.json/,
    );
    expect(() =>
      readStateApiApp(
        makeApp({
          'index.html': '',
          'function-tasks.json': functionTasks,
          'function-tasks/task_1.py': verifier,
          // A function task's demo must be named function:<id>.
          'expert-demos.json': JSON.stringify({ t1: [{ type: 'go_back' }] }),
        }),
      ),
    ).toThrow(/demo 't1' names no task.*function:<id>/);
  });

  it('stores function tasks as app:<id>:function:<task id> with meta.taskSet, and difficulty lower-cased', () => {
    world = createTestWorld();
    const actor = { userId: null, label: 'test' };
    const folder = makeApp({
      'index.html': '<title>Both</title>',
      'real-tasks.json': realTasks,
      'function-tasks.json': functionTasks,
      'real-tasks/t1.py': verifier,
      'function-tasks/task_1.py': verifier,
    });
    const summary = addStateApiApp(world.db, folder, { id: 'both', actor });
    expect(summary.tasks).toEqual({ created: 4, updated: 0, unchanged: 0 });
    const rows = world.db
      .select({ externalId: task.externalId, difficulty: task.difficulty, meta: task.meta })
      .from(task)
      .orderBy(task.externalId)
      .all();
    expect(rows.map((r) => [r.externalId, r.difficulty, r.meta.taskSet, r.meta.difficulty])).toEqual([
      ['app:both:function:2', 'expert', 'function', 'Expert '],
      ['app:both:function:t1', 'hard', 'function', 'HARD'],
      ['app:both:t1', 'easy', 'real', 'Easy'],
      ['app:both:t2', null, 'real', null],
    ]);
    expect(listAppTaskIds(world.db, 'both')).toHaveLength(4);
    expect(world.db.select().from(environmentApp).get()?.taskCount).toBe(4);
    expect(addStateApiApp(world.db, folder, { id: 'both', actor }).tasks).toEqual({
      created: 0,
      updated: 0,
      unchanged: 4,
    });
    // A changed difficulty is an update.
    fs.writeFileSync(path.join(folder, 'real-tasks.json'), realTasks.replace('"Easy"', '"medium"'));
    expect(addStateApiApp(world.db, folder, { id: 'both', actor }).tasks).toMatchObject({ updated: 1 });
    expect(
      world.db.select({ d: task.difficulty }).from(task).where(eq(task.externalId, 'app:both:t1')).get()?.d,
    ).toBe('medium');
  });
});

describe('app names', () => {
  it('decodes HTML entities of the <title> exactly once', () => {
    expect(appNameFromHtml('<title>GitLab — Plan &amp; Track</title>')).toBe('GitLab — Plan & Track');
    expect(appNameFromHtml('<title>GitLab &#8212; Plan &amp;amp; Track</title>')).toBe(
      'GitLab — Plan &amp; Track',
    );
    expect(
      appNameFromHtml('<TITLE lang="en">\n  A &lt;script&gt;alert(1)&lt;/script&gt;  app\n</TITLE>'),
    ).toBe('A <script>alert(1)</script> app');
    expect(appNameFromHtml('<title>   </title>')).toBeNull();
    expect(appNameFromHtml('<p>no title</p>')).toBeNull();
  });

  it('stores the decoded name (and the folder name without a title)', () => {
    world = createTestWorld();
    const actor = { userId: null, label: 'test' };
    const verifier = 'def verify(server_url):\n    return False, "no"\n';
    const titled = makeApp({
      'index.html': '<!doctype html><title>GitLab &#8212; Plan &amp; Track &lt;script&gt;</title>',
      'real-tasks.json': okTasks,
      'v/t1.py': verifier,
    });
    addStateApiApp(world.db, titled, { id: 'gitlab', actor });
    const row = world.db.select().from(environmentApp).where(eq(environmentApp.id, 'gitlab')).get();
    expect(row?.name).toBe('GitLab — Plan & Track <script>');
    expect(world.db.select({ site: task.site }).from(task).get()?.site).toBe(
      'GitLab — Plan & Track <script>',
    );
    const untitled = makeApp({ 'index.html': '<p>x</p>', 'real-tasks.json': okTasks, 'v/t1.py': verifier });
    expect(addStateApiApp(world.db, untitled, { id: 'untitled', actor }).name).toBe(path.basename(untitled));
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
