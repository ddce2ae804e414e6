/**
 * Start URLs that are not http(s) are refused where they enter (issue 14): task-config and
 * WebVoyager imports (error naming the file and the field, nothing written) and the ingestion API
 * (400 naming `task.startUrl`, nothing created). The rollout-time refusal is in
 * `server/rollouts/network-guard.test.ts`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportFormatError } from '@/lib/core/errors';
import { task } from '@/server/db/schema';
import { handleCreateTrajectory } from '@/server/http/ingest-handlers';
import { createApiKey } from '@/server/services/api-key-service';
import { readImportSource } from '@/server/services/import-sources';
import { importBundle } from '@/server/services/import-service';
import {
  createTestWorld,
  SHARED_DATA_DIR,
  WEBVOYAGER_EXAMPLES,
  type TestWorld,
} from '@/server/testing/harness';

let world: TestWorld;
let temp: string;
beforeEach(() => {
  world = createTestWorld();
  temp = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-start-url-'));
});
afterEach(async () => {
  await world.cleanup();
  fs.rmSync(temp, { recursive: true, force: true });
});

const taskCount = () => world.db.select({ n: count() }).from(task).get()!.n;

/** Reads and imports a source; returns the error it raised. */
async function importError(format: 'webarena-tasks' | 'webvoyager', target: string): Promise<unknown> {
  try {
    const bundle = await readImportSource(format, target);
    await importBundle(world.db, world.dataDir, bundle, { format, actor: { userId: null, label: 'test' } });
  } catch (error) {
    return error;
  }
  return null;
}

describe('task-config import', () => {
  it('refuses a real WebArena file whose task 5 starts at file:///etc/passwd, naming the file and [5].start_url; imports nothing', async () => {
    const configs = JSON.parse(
      fs.readFileSync(path.join(SHARED_DATA_DIR, 'webarena/test_webarena.raw.json'), 'utf8'),
    ) as Record<string, unknown>[];
    configs[5]!.start_url = 'file:///etc/passwd';
    // A good file beside it: the import is all or nothing across the folder.
    fs.copyFileSync(
      path.join(SHARED_DATA_DIR, 'visualwebarena/test_reddit.raw.json'),
      path.join(temp, 'a_good.raw.json'),
    );
    const bad = path.join(temp, 'b_test_webarena.raw.json');
    fs.writeFileSync(bad, JSON.stringify(configs));

    const error = await importError('webarena-tasks', temp);
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as ImportFormatError).file).toBe(bad);
    expect((error as ImportFormatError).field).toBe('[5].start_url');
    expect((error as Error).message).toMatch(/'file:' URLs cannot be opened; a start URL must be http\(s\)/);
    expect(taskCount()).toBe(0);
  });

  it('checks every |AND| part, and other schemes, of a single-object config too', async () => {
    const config = JSON.parse(
      fs.readFileSync(
        path.join(SHARED_DATA_DIR, 'visualwebarena/evaluator-configs/string_match.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    for (const startUrl of [
      '__SHOPPING__/a |AND| file:///etc/passwd',
      'javascript:alert(1)',
      'chrome://settings',
      'view-source:__SHOPPING__',
      'data:text/html,hi',
    ]) {
      const file = path.join(temp, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ ...config, start_url: startUrl }));
      const error = await importError('webarena-tasks', file);
      expect(error, startUrl).toBeInstanceOf(ImportFormatError);
      expect((error as Error).message, startUrl).toMatch(/config\.json \(field start_url\): /);
    }
    // Placeholders and http(s) pass.
    const file = path.join(temp, 'config.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ ...config, start_url: '__SHOPPING__ |AND| https://shop.test/x' }),
    );
    expect(await importError('webarena-tasks', file)).toBeNull();
    expect(taskCount()).toBe(1);
  });
});

describe('WebVoyager import', () => {
  function copyRun(name: string): string {
    const runs = path.join(temp, 'runs');
    fs.cpSync(path.join(WEBVOYAGER_EXAMPLES, name), path.join(runs, name), { recursive: true });
    return runs;
  }

  it('refuses a run whose task statement points at a file, naming interact_messages.json', async () => {
    const runs = copyRun('taskAllrecipes--4');
    const file = path.join(runs, 'taskAllrecipes--4', 'interact_messages.json');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace('https://www.allrecipes.com/', 'file:///etc/passwd'),
    );
    const error = await importError('webvoyager', runs);
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as ImportFormatError).file).toBe(file);
    expect((error as Error).message).toMatch(
      /start URL "file:\/\/\/etc\/passwd": 'file:' URLs cannot be opened/,
    );
    expect(taskCount()).toBe(0);
  });

  it('refuses a WebVoyager_data.jsonl line whose web is not http(s), naming the line and field', async () => {
    const runs = copyRun('taskAllrecipes--4');
    const jsonl = path.join(runs, 'WebVoyager_data.jsonl');
    fs.writeFileSync(
      jsonl,
      `${JSON.stringify({ web_name: 'Allrecipes', id: 'Allrecipes--4', ques: 'Find salmon', web: 'file:///etc/passwd' })}\n`,
    );
    const error = await importError('webvoyager', runs);
    expect(error).toBeInstanceOf(ImportFormatError);
    expect((error as Error).message).toMatch(/WebVoyager_data\.jsonl \(line 1, field web\): 'file:'/);
    expect(taskCount()).toBe(0);
  });
});

describe('ingestion API', () => {
  it('answers 400 naming task.startUrl for a start URL that is not http(s), and creates no task', async () => {
    const researcher = world.makeUser('researcher');
    const { key } = createApiKey(world.db, researcher, 'harness');
    const create = async (startUrl: string) => {
      const res = await handleCreateTrajectory(
        new Request('http://curator.test/api/ingest/v1/trajectories', {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ task: { intent: 'Read the password file', startUrl } }),
        }),
        { db: world.db, dataDir: world.dataDir },
      );
      return { status: res.status, body: (await res.json()) as { error?: string } };
    };
    for (const startUrl of [
      'file:///etc/passwd',
      'FILE:///etc/passwd',
      'javascript:alert(1)',
      'chrome://settings',
      'view-source:http://shop.test/',
      'data:text/html,hi',
      'about:blank',
      '/relative/path',
    ]) {
      const res = await create(startUrl);
      expect(res.status, startUrl).toBe(400);
      expect(res.body.error, startUrl).toMatch(/^task\.startUrl: /);
    }
    expect(taskCount()).toBe(0);
    expect((await create('https://shop.test/')).status).toBe(201);
    expect((await create('__SHOPPING__/cart')).status).toBe(201);
    expect(taskCount()).toBe(2);
  });
});
