/**
 * `lf run`, tested in-process on a fresh commander program (the lead wires `registerLfCommand`
 * into `server/cli/main.ts`; then these can also spawn `node bin/core-curator.mjs lf run …`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DomainError } from '@/lib/core/errors';
import { registerLfCommand, type LfRunOutput } from '@/server/cli/commands/lf';
import { loadWebVoyagerTrajectoryDicts } from '@/server/sandbox/test-trajectories';

function collect(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function runLf(...args: string[]) {
  const stdout = collect();
  const stderr = collect();
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerLfCommand(program, { stdout: stdout.stream, stderr: stderr.stream });
  await program.parseAsync(['lf', 'run', ...args], { from: 'user' });
  return { stdout: stdout.text(), stderr: stderr.text() };
}

let dir: string;
let trajectoryFile: string;
const write = (name: string, content: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-cli-'));
  const github = (await loadWebVoyagerTrajectoryDicts()).get('taskGitHub--0');
  trajectoryFile = write('github-0.json', JSON.stringify(github));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('lf run', { timeout: 90_000 }, () => {
  it('prints result, evidence step, error and duration for a passing label function', async () => {
    const code = write(
      'most-stars.py',
      "def label_function(trajectory):\n    print('checking')\n    return validate_click(trajectory, None, 'Most stars')\n",
    );
    const { stdout, stderr } = await runLf('--code', code, '--trajectory', trajectoryFile);
    const output = JSON.parse(stdout) as LfRunOutput;
    expect(Object.keys(output)).toEqual(['result', 'evidenceStep', 'error', 'durationMs']);
    expect(output).toMatchObject({ result: true, evidenceStep: 3, error: null });
    expect(output.durationMs).toBeGreaterThan(0);
    expect(stdout.endsWith('}\n')).toBe(true);
    expect(stderr).toBe('checking\n');
  });

  it('prints result null and the error when the label function fails (still a success)', async () => {
    const code = write('broken.py', 'import os\ndef label_function(trajectory):\n    return True\n');
    const output = JSON.parse(
      (await runLf('--code', code, '--trajectory', trajectoryFile)).stdout,
    ) as LfRunOutput;
    expect(output).toMatchObject({ result: null, evidenceStep: null });
    expect(output.error).toMatch(/PolicyError: line 1: import of 'os'/);
  });

  it('accepts a minimal trajectory dict (objective + steps)', async () => {
    const minimal = write(
      'minimal.json',
      JSON.stringify({
        objective: 'x',
        steps: [{ index: 0, action: { type: 'answer', answer: 'forty-two' } }],
      }),
    );
    const code = write('answer.py', "def label_function(t):\n    return validate_answer(t, 'FORTY-TWO')\n");
    const output = JSON.parse((await runLf('--code', code, '--trajectory', minimal)).stdout) as LfRunOutput;
    expect(output).toMatchObject({ result: true, evidenceStep: 0, error: null });
  });

  it('fails with the file name on a missing or unreadable file', async () => {
    const code = write('ok.py', 'def label_function(t):\n    return True\n');
    const missing = path.join(dir, 'missing.json');
    await expect(runLf('--code', code, '--trajectory', missing)).rejects.toThrow(
      new RegExp(`${missing}: cannot read the trajectory`),
    );
    await expect(
      runLf('--code', path.join(dir, 'nope.py'), '--trajectory', trajectoryFile),
    ).rejects.toBeInstanceOf(DomainError);
  });

  it('fails naming the file and the field for a bad trajectory', async () => {
    const code = write('ok2.py', 'def label_function(t):\n    return True\n');
    const notJson = write('not-json.json', '{"objective": ');
    await expect(runLf('--code', code, '--trajectory', notJson)).rejects.toThrow(
      /not-json\.json: invalid JSON/,
    );
    const badField = write(
      'bad-field.json',
      JSON.stringify({ objective: 'x', steps: [{ index: 0, action: { type: 'teleport' } }] }),
    );
    await expect(runLf('--code', code, '--trajectory', badField)).rejects.toThrow(
      /bad-field\.json \(field steps\[0\]\.action\.type\)/,
    );
    const noSteps = write('no-steps.json', JSON.stringify({ objective: 'x' }));
    await expect(runLf('--code', code, '--trajectory', noSteps)).rejects.toThrow(
      /no-steps\.json \(field steps\)/,
    );
  });

  it('is a usage error without --code or --trajectory', async () => {
    await expect(runLf('--trajectory', trajectoryFile)).rejects.toBeInstanceOf(CommanderError);
    await expect(
      runLf('--code', 'x.py', '--trajectory', trajectoryFile, '--timeout-ms', '-1'),
    ).rejects.toBeInstanceOf(CommanderError);
  });
});
