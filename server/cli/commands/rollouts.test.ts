/**
 * `core-curator rollouts` prints one line per episode with its environment verdict and the
 * environment's explanation (stderr), and the same in its JSON summary (`episodeVerdicts`).
 * The real binary, a throwaway State-API app with two one-step tasks, one Chromium.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatEpisodeLine, toOneLine } from '@/server/cli/episode-lines';
import type { EpisodeVerdict } from '@/server/services/trajectory-service';

function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', ['bin/core-curator.mjs', '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A verifier message with a line break and a terminal escape (third-party text). */
const NO_MESSAGE = 'cart has 0 items\n\u001b[31mexpected 2';

function writeApp(dir: string) {
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Env</title><h1>Env</h1>');
  fs.writeFileSync(
    path.join(dir, 'real-tasks.json'),
    JSON.stringify([
      { id: 'says-no', difficulty: 'easy', instruction: 'Say no.', verify: 'v_no.py' },
      { id: 'raises', difficulty: 'easy', instruction: 'Break it.', verify: 'v_raise.py' },
    ]),
  );
  fs.writeFileSync(
    path.join(dir, 'v_no.py'),
    `def verify(server_url):\n    return False, ${JSON.stringify(NO_MESSAGE)}\n`,
  );
  fs.writeFileSync(path.join(dir, 'v_raise.py'), "def verify(server_url):\n    raise ValueError('boom')\n");
  const answer = [{ type: 'answer', answer: 'done' }];
  fs.writeFileSync(
    path.join(dir, 'expert-demos.json'),
    JSON.stringify({ 'says-no': answer, raises: answer }),
  );
}

describe('episode lines', () => {
  const base: EpisodeVerdict = {
    trajectoryId: 't1',
    taskExternalId: 'app:shop:shop-002',
    kind: 'rollout',
    sampleIndex: 2,
    status: 'complete',
    stepCount: 4,
    envSuccess: false,
    envMessage: 'cart has 1 of 2 daypacks',
    error: null,
  };

  it('shows task, sample, status, verdict, steps and the message; the error when judging never ran', () => {
    expect(formatEpisodeLine(base)).toBe(
      'app:shop:shop-002 #3  complete  env failure  4 steps  cart has 1 of 2 daypacks',
    );
    expect(
      formatEpisodeLine({
        ...base,
        status: 'errored',
        stepCount: 1,
        envSuccess: null,
        envMessage: null,
        error: 'Step 1: took longer than 30000 ms',
      }),
    ).toBe('app:shop:shop-002 #3  errored  env unknown  1 step  Step 1: took longer than 30000 ms');
    expect(formatEpisodeLine({ ...base, kind: 'expert', sampleIndex: null, envMessage: null })).toBe(
      'app:shop:shop-002  complete (demo)  env failure  4 steps',
    );
  });

  it('folds line breaks and neutralises control characters', () => {
    expect(toOneLine('a\r\n\n  b\tc\u001b[2J\u0007\u009b')).toBe('a | b c\\x1b[2J\\x07\\x9b');
  });
});

describe('core-curator rollouts: per-episode verdict lines', { timeout: 120_000 }, () => {
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

  it("prints each episode's verdict with the verifier's message, on stderr and in the JSON", () => {
    expect(cli(dataDir, 'env', 'add', appDir, '--id', 'envmsg').code).toBe(0);
    const out = cli(
      dataDir,
      'rollouts',
      '--app',
      'envmsg',
      '--record-demos',
      '--parallel',
      '1',
      '--no-score',
    );
    expect(out.code, out.stderr).toBe(0);
    const summary = JSON.parse(out.stdout) as {
      episodes: number;
      episodeVerdicts: EpisodeVerdict[];
    };
    expect(summary.episodes).toBe(2);
    const byTask = new Map(summary.episodeVerdicts.map((v) => [v.taskExternalId, v]));
    expect(byTask.get('app:envmsg:says-no')).toMatchObject({
      status: 'complete',
      envSuccess: false,
      envMessage: NO_MESSAGE,
    });
    expect(byTask.get('app:envmsg:raises')).toMatchObject({ status: 'errored', envSuccess: null });
    expect(byTask.get('app:envmsg:raises')!.envMessage).toMatch(
      /Verifier v_raise\.py failed: .*ValueError: boom/,
    );

    expect(out.stderr).toContain('Episodes (2):');
    expect(out.stderr).toMatch(
      /\n {2}app:envmsg:says-no #1 {2}complete \(demo\) {2}env failure {2}1 step {2}cart has 0 items \| \\x1b\[31mexpected 2\n/,
    );
    expect(out.stderr).toMatch(
      /\n {2}app:envmsg:raises #1 {2}errored \(demo\) {2}env unknown {2}1 step {2}Verifier v_raise\.py failed: .*boom/,
    );
    expect(out.stderr).not.toContain('\u001b');
  });
});
