/**
 * The runner pool's own rules: launch modes (fail closed without bubblewrap), batching over a pool
 * of two, the per-label-function kill budget, input validation. Uses the weaker `process` mode
 * (announced as such) so it also covers that mode; the red-team suite covers bubblewrap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DomainError } from '@/lib/core/errors';
import {
  createLabelFunctionRunner,
  MAX_LF_SOURCE_BYTES,
  type LabelFunctionRunner,
  type LfBatchResult,
} from '@/server/sandbox/label-function-runner';
import {
  SandboxUnavailableError,
  readSandboxMode,
  resolveRunnerLaunch,
} from '@/server/sandbox/sandbox-launch';

describe('sandbox launch', () => {
  it('reads the mode from CORE_CURATOR_LF_SANDBOX and rejects unknown values', () => {
    expect(readSandboxMode({})).toBe('bwrap');
    expect(readSandboxMode({ CORE_CURATOR_LF_SANDBOX: 'process' })).toBe('process');
    expect(() => readSandboxMode({ CORE_CURATOR_LF_SANDBOX: 'none' })).toThrow(SandboxUnavailableError);
  });

  it('fails closed, naming the fix, when bubblewrap is missing', () => {
    expect(() =>
      resolveRunnerLaunch({ mode: 'bwrap', env: { CORE_CURATOR_BWRAP: '/nonexistent/bwrap' } }),
    ).toThrow(/apt-get install bubblewrap[\s\S]*CORE_CURATOR_LF_SANDBOX=process/);
  });

  it('binds only the node binary, its libraries, the runner and Pyodide, without network', () => {
    const launch = resolveRunnerLaunch({ mode: 'bwrap' });
    const args = launch.args.join(' ');
    for (const flag of [
      '--unshare-net',
      '--unshare-pid',
      '--die-with-parent',
      '--new-session',
      '--clearenv',
    ]) {
      expect(launch.args).toContain(flag);
    }
    expect(args).toContain('--disallow-code-generation-from-strings');
    const bound = launch.args.flatMap((arg, k) => (arg === '--ro-bind' ? [launch.args[k + 2] ?? ''] : []));
    expect(bound).toContain('/sandbox/lf-runner.mjs');
    expect(bound).toContain('/sandbox/pyodide');
    expect(bound.filter((target) => !/^\/(usr\/)?(bin|lib|lib64)\/|^\/sandbox\//.test(target))).toEqual([]);
  });
});

describe('runner pool (process mode, two runners)', () => {
  let runner: LabelFunctionRunner;
  const warnings: string[] = [];

  beforeAll(async () => {
    runner = await createLabelFunctionRunner({
      mode: 'process',
      poolSize: 2,
      timeoutMs: 500,
      maxKillsPerLabelFunction: 1,
      warn: (message) => warnings.push(message),
    });
  }, 120_000);

  afterAll(async () => {
    await runner?.close();
  });

  it('announces the weaker mode honestly', () => {
    expect(runner.mode).toBe('process');
    expect(warnings.join('\n')).toMatch(/NO OS isolation/);
  });

  it('evaluates every label function on every trajectory, in pair order, across both runners', async () => {
    const trajectories = Array.from({ length: 6 }, (_, k) => ({
      id: `t${k}`,
      trajectory: { objective: `task ${k}`, steps: [], final_answer: `answer ${k}` },
    }));
    const seen: LfBatchResult[] = [];
    const results = await runner.evaluate(
      {
        labelFunctions: [
          { id: 'even', code: "def label_function(t):\n    return int(t['objective'][-1]) % 2 == 0\n" },
          { id: 'answer', code: "def label_function(t):\n    return validate_answer(t, 'answer 3')\n" },
        ],
        trajectories,
      },
      { onResult: (result) => seen.push(result) },
    );
    expect(results.map((r) => `${r.trajectoryId}:${r.labelFunctionId}:${r.evaluation.result}`)).toEqual(
      trajectories.flatMap((t, k) => [`${t.id}:even:${k % 2 === 0}`, `${t.id}:answer:${k === 3}`]),
    );
    expect(seen).toHaveLength(12);
    expect(runner.stats()).toMatchObject({ runnersStarted: 2, runnersStopped: 0 });
  });

  it('stops running a label function that already stopped the runner (kill budget), without touching others', async () => {
    const results = await runner.evaluate({
      labelFunctions: [
        { id: 'loop', code: 'def label_function(t):\n    while True:\n        pass\n' },
        { id: 'fine', code: 'def label_function(t):\n    return True\n' },
      ],
      trajectories: [1, 2, 3].map((k) => ({ id: `t${k}`, trajectory: { objective: 'x', steps: [] } })),
    });
    const loops = results.filter((r) => r.labelFunctionId === 'loop').map((r) => r.evaluation);
    expect(loops.every((e) => e.outcome === 'timeout' && e.result === null)).toBe(true);
    expect(loops.filter((e) => e.error?.startsWith('not run:'))).toHaveLength(
      3 - runner.stats().runnersStopped,
    );
    expect(
      results.filter((r) => r.labelFunctionId === 'fine').every((r) => r.evaluation.result === true),
    ).toBe(true);
  });

  it('rejects bad input before running anything', async () => {
    const trajectories = [{ id: 't', trajectory: { objective: 'x', steps: [] } }];
    const lf = { id: 'a', code: 'def label_function(t):\n    return True\n' };
    await expect(runner.evaluate({ labelFunctions: [lf, lf], trajectories })).rejects.toThrow(DomainError);
    await expect(
      runner.evaluate({
        labelFunctions: [lf],
        trajectories,
        pairs: [{ labelFunctionId: 'b', trajectoryId: 't' }],
      }),
    ).rejects.toThrow(/unknown label function 'b'/);
    await expect(
      runner.evaluate({
        labelFunctions: [{ id: 'big', code: '#'.repeat(MAX_LF_SOURCE_BYTES + 1) }],
        trajectories,
      }),
    ).rejects.toThrow(/source limit/);
  });

  it('an empty batch is fine', async () => {
    expect(await runner.evaluate({ labelFunctions: [], trajectories: [] })).toEqual([]);
  });
});
