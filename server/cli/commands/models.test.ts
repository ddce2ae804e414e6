/**
 * `core-curator models set|show|test` against a temporary data dir: a set/show round trip, the
 * API key read from an environment variable and never shown (stdout, stderr, audit log, database
 * file), bad flag values naming the flag, and the Models page's connection test against a local
 * OpenAI-protocol server. Where the real binary's output matters it is spawned; the rest runs in
 * process (a spawn costs seconds here).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerModelsCommands } from '@/server/cli/commands/models';
import { runCliInProcess } from '@/server/testing/cli-in-process';
import {
  completionBody,
  startFakeOpenAiServer,
  type FakeOpenAiServer,
} from '@/server/llm/fake-openai-server';

const BIN = 'bin/core-curator.mjs';
/** Looks like a key; searched for everywhere afterwards. */
const KEY = 'sk-test-7f3a9c51e2d84b6a-SECRET';
const KEY_PARTS = [KEY, KEY.slice(8, 24), 'SECRET'];

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(dataDir: string, env: Record<string, string>, ...args: string[]): CliResult {
  const result = spawnSync('node', [BIN, '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like `cli`, without blocking this process (the fake model server runs in it). */
function cliAsync(dataDir: string, env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [BIN, '--data-dir', dataDir, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function models(dataDir: string, env: Record<string, string>, ...args: string[]) {
  return runCliInProcess([registerModelsCommands], dataDir, ['models', ...args], env);
}

function expectNoKey(...texts: string[]) {
  for (const text of texts) for (const part of KEY_PARTS) expect(text).not.toContain(part);
}

function auditRows(dataDir: string) {
  const db = new Database(path.join(dataDir, 'core-curator.db'), { readonly: true });
  try {
    return db
      .prepare('select action, actor, user_id as userId, object_id as objectId, before, after from audit_log')
      .all() as { action: string; actor: string; userId: string | null; objectId: string; after: string }[];
  } finally {
    db.close();
  }
}

describe('core-curator models', { timeout: 90_000 }, () => {
  let dataDir: string;
  let server: FakeOpenAiServer | null = null;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-cli-'));
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('sets from flags and an environment variable, shows it back, and never shows or logs the key', async () => {
    const outputs: string[] = [];
    const run = (env: Record<string, string>, ...args: string[]) => {
      const out = cli(dataDir, env, ...args);
      outputs.push(out.stdout, out.stderr);
      return out;
    };
    const set = run(
      { LAB_MODEL_KEY: KEY },
      'models',
      'set',
      'agent',
      '--provider',
      'openai',
      '--base-url',
      'http://127.0.0.1:8000/v1',
      '--model',
      'qwen2.5-vl-7b',
      '--api-key-env',
      'LAB_MODEL_KEY',
      '--temperature',
      '0.7',
      '--top-k',
      'none',
      '--max-retries',
      '0',
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/API key: +set/);

    const shown = run({}, 'models', 'show', '--json');
    expect(shown.code).toBe(0);
    const views = JSON.parse(shown.stdout) as Record<string, Record<string, unknown>>;
    expect(views.agent).toMatchObject({
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:8000/v1',
      model: 'qwen2.5-vl-7b',
      hasApiKey: true,
      maxRetries: 0,
      sampling: { temperature: 0.7, top_p: 0.9, top_k: null, max_tokens: 2048 },
      isStored: true,
    });
    expect(views.coder).toMatchObject({ provider: 'heuristic', isStored: false, hasApiKey: false });

    // Only the given flags change; the key stays.
    const again = await models(dataDir, {}, 'set', 'agent', '--top-p', '0.5');
    expect(again.code, again.stderr).toBe(0);
    outputs.push(again.stdout, again.stderr);
    const text = run({}, 'models', 'show', 'agent');
    expect(text.stdout).toMatch(/^agent\n/);
    expect(text.stdout).toMatch(/model: +qwen2\.5-vl-7b/);
    expect(text.stdout).toMatch(/API key: +set/);
    expect(text.stdout).toMatch(/sampling: +temperature 0\.7, top_p 0\.5, top_k none, max_tokens 2048/);

    expectNoKey(...outputs);
    const audit = auditRows(dataDir);
    expect(audit.map((r) => [r.action, r.actor, r.userId, r.objectId])).toEqual([
      ['llm_settings.update', 'cli', null, 'agent'],
      ['llm_settings.update', 'cli', null, 'agent'],
    ]);
    expect(JSON.parse(audit[0]!.after)).toMatchObject({ apiKey: 'set', hasApiKey: true });
    expect(JSON.parse(audit[1]!.after)).toMatchObject({ apiKey: 'unchanged', hasApiKey: true });
    expectNoKey(JSON.stringify(audit));
    // Stored sealed: the key's bytes are nowhere in the database files.
    for (const file of fs.readdirSync(dataDir).filter((f) => f.startsWith('core-curator.db')))
      expectNoKey(fs.readFileSync(path.join(dataDir, file)).toString('latin1'));

    const cleared = await models(dataDir, {}, 'set', 'agent', '--clear-api-key', '--json');
    expect(JSON.parse(cleared.stdout)).toMatchObject({ hasApiKey: false });
  });

  it('refuses bad flag values, naming the flag, and stores nothing', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--temperature', '3'], {}, /^error: --temperature: .*<=2/m],
      [['--provider', 'openai'], {}, /^error: --base-url: required .*; --model: required/m],
      [
        ['--provider', 'openai', '--base-url', 'ftp://x/v1', '--model', 'm'],
        {},
        /^error: --base-url: must be an http/m,
      ],
      [
        ['--api-key-env', 'NO_SUCH_VARIABLE_HERE'],
        {},
        /^error: --api-key-env: environment variable NO_SUCH_VARIABLE_HERE is not set/m,
      ],
      [
        ['--api-key-env', 'EMPTY_KEY'],
        { EMPTY_KEY: ' ' },
        /^error: --api-key-env: environment variable EMPTY_KEY is empty/m,
      ],
      [['--top-p', 'abc'], {}, /--top-p <n>' argument 'abc' is invalid/],
      [['--max-retries', '1.5'], {}, /^error: --max-retries: /m],
      [['--provider', 'anthropic'], {}, /--provider <name>' argument 'anthropic' is invalid/],
    ];
    for (const [flags, env, message] of cases) {
      const out = await models(dataDir, env, 'set', 'agent', ...flags);
      expect(out.code, flags.join(' ')).toBe(2);
      expect(out.stderr).toMatch(message);
    }
    const role = await models(dataDir, {}, 'show', 'planner');
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('one of coder, agent');
    const shown = JSON.parse((await models(dataDir, {}, 'show', '--json')).stdout) as Record<
      string,
      { isStored: boolean }
    >;
    expect([shown.agent?.isStored, shown.coder?.isStored]).toEqual([false, false]);
  });

  it("runs the Models page's connection test against an OpenAI-compatible server", async () => {
    server = await startFakeOpenAiServer((request) =>
      request.headers.authorization === `Bearer ${KEY}`
        ? { body: completionBody('pong') }
        : { status: 401, body: { error: { message: 'Incorrect API key provided' } } },
    );
    const set = await models(
      dataDir,
      { LAB_MODEL_KEY: KEY },
      ...['set', 'coder', '--provider', 'openai', '--base-url', server.baseUrl],
      ...['--model', 'test-model', '--api-key-env', 'LAB_MODEL_KEY', '--max-retries', '0'],
    );
    expect(set.code, set.stderr).toBe(0);
    const ok = await cliAsync(dataDir, {}, 'models', 'test', 'coder');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /^ok: coder → openai model test-model answered in \d+ ms \(model call [0-9a-f-]{36}\)\n$/,
    );
    // The stored, sealed key went out as the bearer token.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body).toMatchObject({ model: 'test-model' });

    const json = await models(dataDir, {}, 'test', 'coder', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      provider: 'openai',
      model: 'test-model',
      reply: 'pong',
    });

    // A wrong key: the server's refusal, exit 1.
    await models(dataDir, { OTHER_KEY: 'sk-wrong' }, 'set', 'coder', '--api-key-env', 'OTHER_KEY');
    const refused = await models(dataDir, {}, 'test', 'coder');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /error: connection test of coder failed: openai model test-model after \d+ ms: .*401/,
    );
    expectNoKey(set.stdout, set.stderr, ok.stdout, ok.stderr, json.stdout, refused.stdout, refused.stderr);
    expect(refused.stderr).not.toContain('sk-wrong');
  });
});
