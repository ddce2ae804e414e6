import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DomainError } from '@/lib/core/errors';
import {
  expandCommandArgv,
  formatCommandForDisplay,
  runFineTuneCommand,
} from '@/server/fine-tune/command-launcher';

// Every command here is `node -e <script>`: harmless and available wherever the tests run.
const NODE = process.execPath;
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

let dir: string;
let logFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-launcher-'));
  logFile = path.join(dir, 'logs', 'run-1.log');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readLog(): string {
  return fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
}

async function waitFor<T>(probe: () => T | null, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out; log so far:\n${readLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Whether a process has ended. A zombie counts as ended: it has exited and only waits to be reaped,
 * which never happens for orphans in containers whose PID 1 does not reap (`kill(pid, 0)` still
 * succeeds for it).
 */
function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function run(
  argv: string[],
  options: { signal?: AbortSignal; killGraceMs?: number; env?: Record<string, string> } = {},
) {
  return runFineTuneCommand({
    argv,
    cwd: dir,
    env: options.env ?? ENV,
    logFile,
    signal: options.signal ?? new AbortController().signal,
    killGraceMs: options.killGraceMs,
  });
}

describe('expandCommandArgv', () => {
  const vars = { export_dir: '/data/exports/7', run_id: 'r1', format: 'sharegpt' };

  it('replaces several placeholders inside one argument and leaves other arguments alone', () => {
    expect(
      expandCommandArgv(
        ['llamafactory-cli', 'train', '--dataset_dir={export_dir}', '--run={run_id}-{format}'],
        vars,
      ),
    ).toEqual(['llamafactory-cli', 'train', '--dataset_dir=/data/exports/7', '--run=r1-sharegpt']);
  });

  it('reads {{ and }} as literal braces and inserts values verbatim', () => {
    expect(
      expandCommandArgv(['{{x}}', '{{{run_id}}}', '{export_dir}'], { ...vars, export_dir: '{run_id}' }),
    ).toEqual(['{x}', '{r1}', '{run_id}']);
  });

  it('rejects an unknown placeholder, naming it and the argument index', () => {
    let caught: unknown;
    try {
      expandCommandArgv(['train', '--out={output_dirr}'], vars);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({ code: 'BAD_INPUT' });
    expect((caught as Error).message).toContain('{output_dirr}');
    expect((caught as Error).message).toContain('argument 1');
  });

  it('rejects a lone brace', () => {
    expect(() => expandCommandArgv(['--config={"a": 1}'], vars)).toThrow(/not a placeholder/);
    expect(() => expandCommandArgv(['{'], vars)).toThrow(/unmatched/);
    expect(() => expandCommandArgv(['a}'], vars)).toThrow(DomainError);
  });
});

describe('formatCommandForDisplay', () => {
  it('quotes only what needs quoting', () => {
    expect(formatCommandForDisplay(['llamafactory-cli', 'train', 'a b', "it's", '--x=1', ''])).toBe(
      `llamafactory-cli train 'a b' 'it'\\''s' --x=1 ''`,
    );
  });
});

describe('runFineTuneCommand', () => {
  it('appends stdout and stderr in arrival order between a header and a footer', async () => {
    const script = [
      "process.stdout.write('out 1\\n');",
      "setTimeout(() => { process.stderr.write('err 2\\n');",
      "  setTimeout(() => process.stdout.write('out 3 no newline'), 100); }, 100);",
    ].join('\n');
    const argv = [NODE, '-e', script];
    const result = await run(argv);
    expect(result).toMatchObject({ exitCode: 0, signal: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
    expect(readLog()).toMatch(
      new RegExp(
        `^\\$ ${escapeRegExp(formatCommandForDisplay(argv))}\\n\\(cwd: ${escapeRegExp(dir)}\\)\\n` +
          'out 1\\nerr 2\\nout 3 no newline\\n\\[exit code 0 after \\d+\\.\\d s\\]\\n$',
      ),
    );
  });

  it('reports a non-zero exit code without throwing and appends to an existing log', async () => {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, 'earlier run\n');
    const result = await run([NODE, '-e', 'process.exit(3)']);
    expect(result).toMatchObject({ exitCode: 3, signal: null });
    expect(readLog()).toMatch(/^earlier run\n\$ .*\n\[exit code 3 after \d+\.\d s\]\n$/s);
  });

  it('passes expanded placeholders and values with spaces and ; as single arguments', async () => {
    const exportDir = path.join(dir, 'my export; touch pwned');
    const argv = expandCommandArgv(
      [
        NODE,
        '-e',
        'console.log(JSON.stringify(process.argv.slice(1)))',
        '--', // node's end of options: what follows reaches the script
        '--dataset_dir={export_dir}',
        '{run_id}',
      ],
      { export_dir: exportDir, run_id: 'a b && c' },
    );
    await run(argv);
    const line = readLog().split('\n')[2] ?? '';
    expect(JSON.parse(line)).toEqual([`--dataset_dir=${exportDir}`, 'a b && c']);
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  it('gives the child exactly the env passed, nothing of the server', async () => {
    process.env.CORE_CURATOR_TEST_SECRET = 'do-not-leak';
    try {
      await run([NODE, '-e', 'console.log(JSON.stringify(Object.keys(process.env).sort()))'], {
        env: { ...ENV, HF_HOME: '/models' },
      });
    } finally {
      delete process.env.CORE_CURATOR_TEST_SECRET;
    }
    const keys = JSON.parse(readLog().split('\n')[2] ?? '') as string[];
    expect(keys).toEqual(['HF_HOME', 'PATH']);
    expect(keys).not.toContain('CORE_CURATOR_TEST_SECRET');
    expect(keys).not.toContain('HOME');
  });

  it('on cancel kills the whole process group, child and grandchild, and rejects with Cancelled', async () => {
    const script = [
      "const { spawn } = require('node:child_process');",
      "const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });",
      "console.log('pids ' + process.pid + ' ' + grandchild.pid);",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const controller = new AbortController();
    const running = run([NODE, '-e', script], { signal: controller.signal });
    const pids = await waitFor(() => {
      const match = /^pids (\d+) (\d+)$/m.exec(readLog());
      return match ? [Number(match[1]), Number(match[2])] : null;
    });
    expect(pids.every((pid) => !isProcessGone(pid))).toBe(true);

    controller.abort();
    await expect(running).rejects.toThrow('Cancelled');
    await waitFor(() => (pids.every(isProcessGone) ? true : null), 5_000);
    expect(readLog()).toMatch(
      /\[cancel requested: sent SIGTERM to process group \d+\]\n\[killed by SIGTERM after/,
    );
  });

  it('sends SIGKILL after killGraceMs to a child that ignores SIGTERM', async () => {
    const script = "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);";
    const controller = new AbortController();
    const running = run([NODE, '-e', script], { signal: controller.signal, killGraceMs: 300 });
    await waitFor(() => (readLog().includes('ready\n') ? true : null));

    const abortedAt = performance.now();
    controller.abort();
    await expect(running).rejects.toThrow('Cancelled');
    expect(performance.now() - abortedAt).toBeGreaterThanOrEqual(290);
    expect(readLog()).toMatch(/\[still running after 0\.3 s: sent SIGKILL\]\n\[killed by SIGKILL after/);
  });

  it('throws without spawning or logging when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      run([NODE, '-e', `require('node:fs').writeFileSync(${JSON.stringify(path.join(dir, 'ran'))}, '')`], {
        signal: controller.signal,
      }),
    ).rejects.toThrow('Cancelled');
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(false);
    expect(fs.existsSync(logFile)).toBe(false);
  });

  it('throws BAD_INPUT for a missing executable after writing the footer', async () => {
    const missing = path.join(dir, 'no-such-cli');
    const running = run([missing, 'train']);
    await expect(running).rejects.toBeInstanceOf(DomainError);
    await expect(running).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining(`Could not start '${missing}': `) as unknown,
    });
    expect(readLog()).toMatch(/^\$ .*no-such-cli train\n\(cwd: .*\)\n\[could not start: .*ENOENT.*\]\n$/);
  });

  it('throws BAD_INPUT for a missing working directory', async () => {
    const cwd = path.join(dir, 'gone');
    await expect(
      runFineTuneCommand({
        argv: [NODE, '-e', ''],
        cwd,
        env: ENV,
        logFile,
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(cwd) as unknown });
    expect(readLog()).toContain(`[could not start: working directory '${cwd}' does not exist]`);
  });
});
