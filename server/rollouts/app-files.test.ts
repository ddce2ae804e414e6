/**
 * Files of a State-API app folder stay inside it, through symbolic links too: registration, the
 * verifier at run time, the seed state and the app server's static files. Real symlinks, real
 * python3, a real loopback server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { isPathInside, resolveAppFile } from '@/server/rollouts/app-files';
import { readSeedState, startStateApiServer } from '@/server/rollouts/state-api-server';
import { runVerifier } from '@/server/rollouts/verifier';
import { addStateApiApp, readStateApiApp } from '@/server/services/environment-service';
import { createTestWorld } from '@/server/testing/harness';

let scratch: string;
let app: string;
let outside: string;
/** A file outside the app that running it as a verifier would reveal: it writes `ran`. */
let evil: string;
let ran: string;

const TASKS = JSON.stringify([{ id: 't1', instruction: 'Do it', verify: 'verifiers/t1.py' }]);

beforeEach(() => {
  scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-app-files-')));
  app = path.join(scratch, 'app');
  outside = path.join(scratch, 'outside');
  fs.mkdirSync(path.join(app, 'verifiers'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(app, 'index.html'), '<title>Linked</title>');
  fs.writeFileSync(path.join(app, 'real-tasks.json'), TASKS);
  fs.writeFileSync(path.join(app, 'verifiers/t1.py'), 'def verify(u):\n  return True, "inside"\n');
  ran = path.join(scratch, 'ran');
  evil = path.join(outside, 'evil.py');
  fs.writeFileSync(
    evil,
    `open(${JSON.stringify(ran)}, "w").write("pwned")\ndef verify(u):\n  return True, "outside"\n`,
  );
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function link(target: string, at: string): void {
  fs.rmSync(path.join(app, at), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(app, at));
}

describe('resolveAppFile', () => {
  it('returns the real path of a file inside, also through a link that stays inside', () => {
    expect(resolveAppFile(app, 'verifiers/t1.py', 'verify')).toBe(path.join(app, 'verifiers/t1.py'));
    link('verifiers/t1.py', 'alias.py');
    expect(resolveAppFile(app, 'alias.py', 'verify')).toBe(path.join(app, 'verifiers/t1.py'));
    expect(resolveAppFile(app, 'missing.py', 'verify')).toBe(path.join(app, 'missing.py'));
  });

  it.each([
    ['a link to a file outside', () => link(evil, 'verifiers/t1.py'), 'verifiers/t1.py'],
    ['a link to a folder outside', () => link(outside, 'verifiers'), 'verifiers/evil.py'],
    [
      'a relative link climbing out',
      () => link('../../outside/evil.py', 'verifiers/t1.py'),
      'verifiers/t1.py',
    ],
  ])('refuses %s naming where it resolves', (_case, arrange, relative) => {
    arrange();
    expect(() => resolveAppFile(app, relative, `verify '${relative}'`)).toThrow(
      new DomainError(
        'BAD_INPUT',
        `verify '${relative}' resolves to ${evil}, outside the app folder ${app} (symbolic links must stay inside it)`,
      ),
    );
  });

  it('refuses .. paths, absolute paths and dangling links', () => {
    expect(() => resolveAppFile(app, '../outside/evil.py', 'verify')).toThrow(
      /points outside the app folder/,
    );
    expect(() => resolveAppFile(app, evil, 'verify')).toThrow(/points outside the app folder/);
    expect(() => resolveAppFile(app, '.', 'verify')).toThrow(/points outside the app folder/);
    link(path.join(outside, 'not-yet.py'), 'later.py');
    expect(() => resolveAppFile(app, 'later.py', 'verify')).toThrow(/symbolic link to a missing file/);
  });

  it('isPathInside compares paths, not string prefixes', () => {
    expect(isPathInside('/srv/app', '/srv/app-evil/x')).toBe(false);
    expect(isPathInside('/srv/app', '/srv/app/..x')).toBe(true);
    expect(isPathInside('/srv/app', '/srv/app')).toBe(true);
    expect(isPathInside('/srv/app', '/srv')).toBe(false);
  });
});

describe('registration', () => {
  it('refuses a verifier that links outside the folder, naming the task field', () => {
    link(evil, 'verifiers/t1.py');
    expect(() => readStateApiApp(app)).toThrow(
      `${path.join(app, 'real-tasks.json')}: [0].verify: verify 'verifiers/t1.py' resolves to ${evil}, outside the app folder`,
    );
  });

  it.each(['real-tasks.json', 'expert-demos.json', 'seed-state.json', 'index.html'])(
    'refuses %s when it links outside the folder, and writes nothing',
    async (name) => {
      const target = path.join(outside, name);
      fs.copyFileSync(
        fs.existsSync(path.join(app, name)) ? path.join(app, name) : path.join(app, 'index.html'),
        target,
      );
      if (name === 'expert-demos.json') fs.writeFileSync(target, '{}');
      if (name === 'seed-state.json') fs.writeFileSync(target, '{"secret": true}');
      link(target, name);
      expect(() => readStateApiApp(app)).toThrow(
        `${path.join(app, name)}: resolves to ${target}, outside the app folder`,
      );
      const world = createTestWorld();
      try {
        expect(() => addStateApiApp(world.db, app, { actor: { userId: null, label: 'test' } })).toThrow(
          /outside the app folder/,
        );
        expect(world.db.$client.prepare('select count(*) as n from task').get()).toEqual({ n: 0 });
      } finally {
        await world.cleanup();
      }
    },
  );
});

describe('the verifier at run time', () => {
  it('refuses a verifier swapped for a link to outside after registration, without running it', async () => {
    expect(readStateApiApp(app).tasks).toHaveLength(1);
    const base = { folder: app, serverUrl: 'http://127.0.0.1:1', finalAnswer: null };
    expect(await runVerifier({ ...base, verifyFile: 'verifiers/t1.py' })).toEqual({
      success: true,
      message: 'inside',
    });

    link(evil, 'verifiers/t1.py');
    await expect(runVerifier({ ...base, verifyFile: 'verifiers/t1.py' })).rejects.toThrow(
      `verify 'verifiers/t1.py' resolves to ${evil}, outside the app folder ${app}`,
    );
    link(outside, 'verifiers');
    await expect(runVerifier({ ...base, verifyFile: 'verifiers/evil.py' })).rejects.toThrow(
      /outside the app folder/,
    );
    expect(fs.existsSync(ran)).toBe(false);
  });
});

describe('the app server', () => {
  it('serves files and links inside the folder, and answers 404 for links that leave it', async () => {
    fs.mkdirSync(path.join(app, 'js'));
    fs.writeFileSync(path.join(app, 'js/app.js'), 'console.log("app")');
    link('js/app.js', 'alias.js');
    link(path.join(outside, 'secret.txt'), 'secret.txt');
    link(path.join(outside, 'secret.txt'), 'page.html'); // sirv also tries <path>.html
    link(outside, 'assets');
    const server = await startStateApiServer(app);
    try {
      const get = async (p: string) => {
        const res = await fetch(server.url + p);
        return { status: res.status, text: await res.text() };
      };
      expect(await get('/js/app.js')).toEqual({ status: 200, text: 'console.log("app")' });
      expect(await get('/alias.js')).toEqual({ status: 200, text: 'console.log("app")' });
      expect((await get('/')).status).toBe(200);
      for (const p of ['/secret.txt', '/page', '/page.html', '/assets/secret.txt', '/%61ssets/secret.txt']) {
        const res = await get(p);
        expect(res.status, p).toBe(404);
        expect(res.text, p).not.toContain('secret"');
        expect(res.text, p).not.toBe('secret');
      }
    } finally {
      await server.close();
    }
  });

  it('refuses a seed state that links outside the folder', () => {
    fs.writeFileSync(path.join(outside, 'seed.json'), '{"secret": true}');
    link(path.join(outside, 'seed.json'), 'seed-state.json');
    expect(() => readSeedState(app)).toThrow(/seed-state\.json: resolves to .*outside the app folder/);
  });
});
