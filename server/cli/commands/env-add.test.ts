/**
 * `core-curator env add` runs the seed check after registering (unless `--no-check`) and prints the
 * tasks that pass on the untouched seed; `rollouts --difficulty` names a bad value. The real
 * binary, a throwaway WebArena-Infinity-style app (seeds in JS and PUTs it), one Chromium.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', ['bin/core-curator.mjs', '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeApp(dir: string) {
  fs.mkdirSync(path.join(dir, 'tasks'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    `<!doctype html><title>Counter</title><p id="n"></p><script>
const state = { count: 3 };
document.getElementById('n').textContent = String(state.count);
fetch('/api/state', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(state) });
</script>`,
  );
  const verify = (condition: string, yes: string, no: string) => `import json, urllib.error, urllib.request


def verify(server_url):
    try:
        with urllib.request.urlopen(server_url + "/api/state", timeout=10) as resp:
            state = json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return False, f"Could not retrieve application state ({err.code})."
    if ${condition}:
        return True, ${JSON.stringify(yes)}
    return False, ${JSON.stringify(no)}
`;
  fs.writeFileSync(
    path.join(dir, 'tasks/at_least_3.py'),
    verify('state["count"] >= 3', 'count is 3 or more', 'count < 3'),
  );
  fs.writeFileSync(
    path.join(dir, 'tasks/is_10.py'),
    verify('state["count"] == 10', 'count is 10', 'count is not 10'),
  );
  fs.writeFileSync(
    path.join(dir, 'real-tasks.json'),
    JSON.stringify([
      {
        id: 'keep',
        difficulty: 'easy',
        instruction: 'Keep the count at 3 or more.',
        verify: 'tasks/at_least_3.py',
      },
      { id: 'ten', difficulty: 'hard', instruction: 'Set the count to 10.', verify: 'tasks/is_10.py' },
    ]),
  );
}

describe('core-curator env add: the seed check', { timeout: 240_000 }, () => {
  let dataDir: string;
  let appDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-cli-'));
    appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-app-'));
    writeApp(appDir);
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  it('registers, checks and prints the tasks that pass on the seed; --no-check skips it', () => {
    const added = cli(dataDir, 'env', 'add', appDir, '--id', 'counter');
    expect(added.code, added.stderr).toBe(0);
    const summary = JSON.parse(added.stdout) as {
      appId: string;
      tasks: { created: number };
      seedCheck: { checked: number; passing: { externalId: string; message: string }[]; failing: number };
    };
    expect(summary).toMatchObject({ appId: 'counter', tasks: { created: 2 } });
    expect(summary.seedCheck).toMatchObject({
      checked: 2,
      passing: [{ externalId: 'app:counter:keep', message: 'count is 3 or more' }],
      failing: 1,
    });
    expect(added.stderr).toContain(
      'Seed check of Counter (counter): 1 of 2 task(s) pass on the untouched seed',
    );
    expect(added.stderr).toContain('  app:counter:keep  count is 3 or more');

    // Rollouts skip it unless asked; a difficulty that leaves nothing is named.
    const hard = cli(dataDir, 'rollouts', '--app', 'counter', '--difficulty', 'Expert', '--no-score');
    expect(hard.code).toBe(1);
    expect(hard.stderr).toContain(
      "difficulty 'expert': none of the 2 chosen task(s) has it (they have: easy, hard)",
    );
    const blank = cli(dataDir, 'rollouts', '--app', 'counter', '--difficulty', ' ');
    expect(blank.code).toBe(2);
    expect(blank.stderr).toMatch(/option '--difficulty <level>' argument ' ' is invalid/);
    const easy = cli(dataDir, 'rollouts', '--app', 'counter', '--difficulty', 'easy', '--no-score');
    expect(easy.code).toBe(1);
    expect(easy.stderr).toMatch(/Nothing to play: app:counter:keep \(passes on the seed/);

    const again = cli(dataDir, 'env', 'add', appDir, '--id', 'counter', '--no-check');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).not.toHaveProperty('seedCheck');
    expect(again.stderr).not.toContain('Seed check');
  });
});
