import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHARED_DATA_DIR, WEBVOYAGER_EXAMPLES } from '@/server/testing/harness';

/** Runs the real `core-curator` binary (as `npx core-curator` does) against a temporary data dir. */
function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', ['bin/core-curator.mjs', '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Each call starts node + tsx (~1-2 s), so these tests get a longer timeout.
describe('core-curator CLI', { timeout: 90_000 }, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-cli-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('imports WebVoyager runs, prints a JSON summary, and is a no-op the second time', () => {
    const first = cli(
      dataDir,
      'import',
      'webvoyager',
      path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'),
      '--json',
    );
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({
      format: 'webvoyager',
      tasks: { created: 1, updated: 0, unchanged: 0 },
      trajectories: { created: 1, updated: 0, unchanged: 0 },
      steps: 5,
      screenshots: { stored: 5, reused: 0 },
    });
    expect(first.stderr).toContain('100% Done');
    expect(fs.existsSync(path.join(dataDir, 'core-curator.db'))).toBe(true);

    const second = cli(
      dataDir,
      'import',
      'webvoyager',
      path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'),
      '--json',
    );
    expect(JSON.parse(second.stdout)).toMatchObject({
      tasks: { created: 0, unchanged: 1 },
      trajectories: { unchanged: 1 },
      steps: 0,
    });
  });

  it('abstracts a demo with the heuristic provider and refuses an unknown extrapolation stage', () => {
    cli(dataDir, 'import', 'webvoyager', path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'));
    const out = cli(dataDir, 'abstract', '--task', 'webvoyager:GitHub--0');
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout) as { stage: string; stats: { units: unknown; synthesis: unknown } };
    expect(result).toMatchObject({ stage: 'abstract', stats: { units: { done: 1, failed: 0 } } });
    expect(result.stats.synthesis).toMatchObject({ osr: 1 });
    expect(out.stderr).toContain('100% Done');

    const bad = cli(dataDir, 'extrapolate', '--stage', 'bogus', '--task', 'webvoyager:GitHub--0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are propose_paths, infer_intents, augment');
    const unknown = cli(dataDir, 'abstract', '--task', 'webvoyager:Nope--1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('webvoyager:Nope--1');
  });

  it('prints a readable summary without --json', () => {
    const out = cli(
      dataDir,
      'import',
      'webarena-tasks',
      path.join(SHARED_DATA_DIR, 'webarena/test_webarena.raw.json'),
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/tasks: +812 new, 0 updated, 0 unchanged/);
  });

  it('exits 1 naming the file and field for a malformed file, writing nothing', () => {
    const bad = path.join(dataDir, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify([
        { task_id: 1, sites: ['reddit'], start_url: null, eval: { eval_types: ['url_match'] } },
      ]),
    );
    const out = cli(dataDir, 'import', 'webarena-tasks', bad);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`${bad} (field [0].intent)`);
    const list = cli(
      dataDir,
      'import',
      'webarena-tasks',
      path.join(SHARED_DATA_DIR, 'webarena/test_webarena.raw.json'),
      '--json',
    );
    expect(JSON.parse(list.stdout)).toMatchObject({ tasks: { created: 812 } }); // nothing of the failed import remained
  });

  it('exits 2 on usage errors', () => {
    expect(cli(dataDir, 'import', 'csv', 'x').code).toBe(2);
    expect(cli(dataDir, 'import').code).toBe(2);
    expect(cli(dataDir, 'frobnicate').code).toBe(2);
  });

  it('creates accounts: the first is a PI, later ones get their role', () => {
    const first = cli(
      dataDir,
      'user',
      'create',
      '--email',
      'boss@lab.test',
      '--password',
      'long-enough-1',
      '--role',
      'annotator',
    );
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ email: 'boss@lab.test', role: 'pi' });
    const second = cli(
      dataDir,
      'user',
      'create',
      '--email',
      'ann@lab.test',
      '--password',
      'long-enough-2',
      '--role',
      'annotator',
    );
    expect(JSON.parse(second.stdout)).toMatchObject({ email: 'ann@lab.test', role: 'annotator' });
    expect(cli(dataDir, 'user', 'create', '--email', 'x@lab.test', '--password', 'short').code).toBe(1);
    expect(
      cli(dataDir, 'user', 'create', '--email', 'x@lab.test', '--password', 'long-enough', '--role', 'king')
        .code,
    ).toBe(2);
    const users = cli(dataDir, 'user', 'list')
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { email: string; role: string });
    expect(users.map((u) => [u.email, u.role])).toEqual([
      ['boss@lab.test', 'pi'],
      ['ann@lab.test', 'annotator'],
    ]);
  });
});
