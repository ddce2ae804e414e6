/**
 * `core-curator settings …` against a temporary data dir: rollout settings, WebArena site URLs and
 * allowed hosts set and shown back, merged into what is stored, refused with the flag or argument
 * named (exit 2, nothing written), every change audited as `settings.update` by `cli`. One call
 * through the real binary (the wiring); the rest in process (a spawn costs seconds here).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSettingsCommands } from '@/server/cli/commands/settings';
import { runCliInProcess } from '@/server/testing/cli-in-process';

function settings(dataDir: string, ...args: string[]) {
  return runCliInProcess([registerSettingsCommands], dataDir, ['settings', ...args]);
}

async function shownJson(dataDir: string) {
  const out = await settings(dataDir, 'show', '--json');
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as {
    rollouts: Record<string, number>;
    siteUrls: Record<string, string>;
    allowedHosts: string[];
  };
}

function auditRows(dataDir: string) {
  const db = new Database(path.join(dataDir, 'core-curator.db'), { readonly: true });
  try {
    return db
      .prepare('select action, actor, user_id as userId, object_id as objectId, after from audit_log')
      .all() as { action: string; actor: string; userId: string | null; objectId: string; after: string }[];
  } finally {
    db.close();
  }
}

describe('core-curator settings', { timeout: 90_000 }, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-cli-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('shows the defaults through the real binary', () => {
    const out = spawnSync('node', ['bin/core-curator.mjs', '--data-dir', dataDir, 'settings', 'show'], {
      encoding: 'utf8',
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/parallel browsers: +2\n/);
    expect(out.stdout).toMatch(/step timeout: +30 s\n/);
    expect(out.stdout).toContain('site URLs\n  (none)');
    expect(out.stdout).toContain('allowed hosts\n  (none)');
  });

  it('sets rollout settings (seconds for the step timeout), keeping the fields not given', async () => {
    const set = await settings(dataDir, 'rollouts', 'set', '--parallel', '3', '--step-timeout', '45');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/parallel browsers: +3\n/);
    const again = await settings(dataDir, 'rollouts', 'set', '--max-steps', '20', '--noise', '0', '--json');
    expect(JSON.parse(again.stdout)).toEqual({
      parallelBrowsers: 3,
      samplesPerTask: 5,
      maxSteps: 20,
      stepTimeoutMs: 45_000,
      noise: 0,
    });
    const refusals: [string[], RegExp][] = [
      [['--max-steps', '0'], /^error: --max-steps: .*>=1/m],
      [['--parallel', '17'], /^error: --parallel: .*<=16/m],
      [['--noise', '1.5'], /^error: --noise: .*<=1/m],
      [['--samples', '2.5'], /^error: --samples: .*expected int/m],
      [['--step-timeout', '0.5'], /^error: --step-timeout \(seconds, stored as ms\): .*>=1000/m],
      [['--parallel', 'two'], /'--parallel <n>' argument 'two' is invalid/],
    ];
    for (const [flags, message] of refusals) {
      const out = await settings(dataDir, 'rollouts', 'set', ...flags);
      expect(out.code, flags.join(' ')).toBe(2);
      expect(out.stderr).toMatch(message);
    }
    expect((await shownJson(dataDir)).rollouts).toMatchObject({
      parallelBrowsers: 3,
      maxSteps: 20,
      noise: 0,
    });
    expect(auditRows(dataDir).map((r) => [r.action, r.actor, r.userId, r.objectId])).toEqual([
      ['settings.update', 'cli', null, 'rollouts'],
      ['settings.update', 'cli', null, 'rollouts'],
    ]);
  });

  it('sets, merges, replaces and removes site URLs; a bad one is refused naming it', async () => {
    const set = await settings(
      dataDir,
      'sites',
      'set',
      'shopping=http://localhost:7770',
      '__REDDIT__=http://localhost:9999',
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('site URLs\n  REDDIT=http://localhost:9999\n  SHOPPING=http://localhost:7770\n');
    await settings(dataDir, 'sites', 'set', 'GITLAB=http://localhost:8023');
    expect((await shownJson(dataDir)).siteUrls).toEqual({
      SHOPPING: 'http://localhost:7770',
      REDDIT: 'http://localhost:9999',
      GITLAB: 'http://localhost:8023',
    });
    for (const [arg, message] of [
      ['GITLAB=ftp://localhost', /^error: "GITLAB=ftp:\/\/localhost": /m],
      ['bad name=http://x', /^error: "bad name=http:\/\/x": placeholder names are upper-case/m],
      ['http://localhost:1', /^error: "http:\/\/localhost:1": expected NAME=URL/m],
    ] as const) {
      const out = await settings(dataDir, 'sites', 'set', arg);
      expect(out.code, arg).toBe(2);
      expect(out.stderr).toMatch(message);
    }
    const removed = await settings(dataDir, 'sites', 'remove', 'reddit', '--json');
    expect(JSON.parse(removed.stdout)).toEqual({
      SHOPPING: 'http://localhost:7770',
      GITLAB: 'http://localhost:8023',
    });
    const missing = await settings(dataDir, 'sites', 'remove', 'WIKIPEDIA');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no site URL is stored for WIKIPEDIA');
    const replaced = await settings(
      dataDir,
      'sites',
      'set',
      '--replace',
      'MAP=http://localhost:3000',
      '--json',
    );
    expect(JSON.parse(replaced.stdout)).toEqual({ MAP: 'http://localhost:3000' });
    const audit = auditRows(dataDir);
    expect(audit).toHaveLength(4);
    expect(
      audit.every((r) => r.action === 'settings.update' && r.actor === 'cli' && r.objectId === 'siteUrls'),
    ).toBe(true);
  });

  it('adds, lists and removes allowed hosts, stored canonical; refusals name the entry', async () => {
    const added = await settings(
      dataDir,
      'allowed-hosts',
      'add',
      'HTTPS://Shop.Example:443/',
      'https://*.cdn.example',
      'https://shop.example',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe('allowed hosts\n  https://*.cdn.example\n  https://shop.example\n');
    const bad = await settings(dataDir, 'allowed-hosts', 'add', 'https://ok.example', 'ftp://files.example');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: origin: "ftp:\/\/files\.example": /m);
    const list = await settings(dataDir, 'allowed-hosts', 'list', '--json');
    expect(JSON.parse(list.stdout)).toEqual(['https://*.cdn.example', 'https://shop.example']);
    // Any spelling of a listed origin removes it.
    const removed = await settings(dataDir, 'allowed-hosts', 'remove', 'https://SHOP.example:443', '--json');
    expect(JSON.parse(removed.stdout)).toEqual(['https://*.cdn.example']);
    const notListed = await settings(dataDir, 'allowed-hosts', 'remove', 'https://other.example');
    expect(notListed.code).toBe(2);
    expect(notListed.stderr).toContain('https://other.example is not in the allowed hosts');
    const audit = auditRows(dataDir);
    expect(audit.map((r) => [r.action, r.actor, r.objectId, JSON.parse(r.after) as unknown])).toEqual([
      ['settings.update', 'cli', 'allowedHosts', ['https://*.cdn.example', 'https://shop.example']],
      ['settings.update', 'cli', 'allowedHosts', ['https://*.cdn.example']],
    ]);
  });
});
