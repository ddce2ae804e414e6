/**
 * The parent decides what a result is, even when the runner process itself lies (as a runner
 * whose JavaScript an attacker had taken over would): a fake runner speaks the protocol and
 * reports impossible durations and evidence steps, results out of turn and malformed records.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { RunnerProcess, type RunnerEvaluation, type RunnerLimits } from '@/server/sandbox/runner-process';
import type { RunnerLaunch } from '@/server/sandbox/sandbox-launch';

/** A runner that answers every pair with `SCENARIO`'s lie (argv[2]). */
const FAKE_RUNNER = `
const scenario = process.argv[2];
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
let pairs = [];
let rest = '';
send({ type: 'loaded', loadMs: 1 });
process.stdin.on('data', (chunk) => {
  rest += chunk;
  let k;
  while ((k = rest.indexOf('\\n')) >= 0) {
    const message = JSON.parse(rest.slice(0, k));
    rest = rest.slice(k + 1);
    if (message.type === 'init') send({ type: 'ready' });
    else if (message.type === 'batch') { pairs = message.pairs; send({ type: 'batch_loaded' }); }
    else if (message.type === 'start') answer();
  }
});
function result(i, fields) {
  send({ type: 'result', i, result: true, evidenceStep: null, outcome: 'ok', error: null, durationMs: 1, output: '', ...fields });
}
function answer() {
  if (scenario === 'lies') pairs.forEach((_, i) => result(i, { evidenceStep: 7, durationMs: 1e9 }));
  else if (scenario === 'out-of-turn') result(1, {});
  else if (scenario === 'malformed') result(0, { result: null });
  else if (scenario === 'extra') { result(0, {}); result(0, {}); }
  send({ type: 'done' });
}
`;

let dir: string;
const LIMITS: RunnerLimits = {
  timeoutMs: 2000,
  memoryLimitBytes: 256 * 1024 * 1024,
  outputLimitBytes: 16 * 1024,
  startTimeoutMs: 30_000,
  batchLoadTimeoutMs: 30_000,
};
const INIT = { driverSource: '', apiSource: '', staticPolicy: true };
const TRAJECTORY = {
  objective: 'x',
  steps: [
    { index: 0, action: { type: 'click' } },
    { index: 1, action: { type: 'answer' } },
  ],
};

function fakeLaunch(scenario: string): RunnerLaunch {
  return {
    mode: 'process',
    command: process.execPath,
    args: [path.join(dir, 'fake-runner.cjs'), scenario],
    detached: true,
    cwd: dir,
  };
}

async function runFake(scenario: string) {
  const runner = await RunnerProcess.start(fakeLaunch(scenario), INIT, LIMITS);
  const results: RunnerEvaluation[] = [];
  const startedAt = performance.now();
  const end = await runner.runBatch(
    {
      trajectories: [{ id: 't', json: JSON.stringify(TRAJECTORY) }],
      labelFunctions: [{ id: 'lf', code: '' }],
      pairs: [
        ['lf', 't'],
        ['lf', 't'],
      ],
    },
    (_, evaluation) => results.push(evaluation),
  );
  const elapsedMs = performance.now() - startedAt;
  await runner.kill();
  return { results, end, elapsedMs };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'core-curator-fake-runner-'));
  writeFileSync(path.join(dir, 'fake-runner.cjs'), FAKE_RUNNER);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a runner that lies', () => {
  it('cannot report more time than the parent saw pass', async () => {
    const { results, end, elapsedMs } = await runFake('lies');
    expect(end.stop).toBeNull();
    expect(results).toHaveLength(2);
    const reported = results.reduce((sum, r) => sum + r.durationMs, 0);
    expect(reported).toBeLessThanOrEqual(elapsedMs);
  });

  it('cannot give an evidence step that is no step of the trajectory', async () => {
    const pool = await createLabelFunctionRunner({ launch: fakeLaunch('lies') });
    try {
      const [result] = await pool.evaluate({
        labelFunctions: [{ id: 'lf', code: '' }],
        trajectories: [{ id: 't', trajectory: TRAJECTORY }],
      });
      expect(result?.evaluation).toMatchObject({ result: true, outcome: 'ok', evidenceStep: null });
    } finally {
      await pool.close();
    }
  });

  it.each([
    ['out-of-turn', /invalid result \(out of turn\)/],
    ['malformed', /invalid result \(result is a bool exactly when outcome is ok\)/],
    ['extra', /invalid result/],
  ])(
    'a result %s is a protocol violation: the runner is killed and the evaluation is a crash',
    async (scenario, error) => {
      const { results, end } = await runFake(scenario);
      expect(end.stop?.outcome).toBe('crash');
      expect(end.stop?.error).toMatch(error);
      // nothing after the violation is taken
      expect(results.length).toBeLessThanOrEqual(1);
      expect(end.completed).toBe(results.length);
    },
  );
});
