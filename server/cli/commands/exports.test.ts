import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportManifest } from '@/lib/core/export/manifest';
import type { TrainingExportOutput } from '@/server/cli/commands/exports';
import { WEBVOYAGER_EXAMPLES } from '@/server/testing/harness';

const BIN = 'bin/core-curator.mjs';

/** Runs the real `core-curator` binary (as `npx core-curator` does) against a data dir. */
function cli(dataDir: string, ...args: string[]) {
  const result = spawnSync('node', [BIN, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function importExamples(dataDir: string, source = WEBVOYAGER_EXAMPLES) {
  const out = cli(dataDir, 'import', 'webvoyager', source, '--kind', 'expert', '--json');
  expect(out.code, out.stderr).toBe(0);
}

/** Runs an export command that must succeed and returns its one JSON line. */
function exportOk(dataDir: string, ...args: string[]): TrainingExportOutput {
  const out = cli(dataDir, 'export', ...args);
  expect(out.code, out.stderr).toBe(0);
  const lines = out.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as TrainingExportOutput;
}

function readManifest(output: TrainingExportOutput): ExportManifest {
  return JSON.parse(fs.readFileSync(output.manifest, 'utf8')) as ExportManifest;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file below `dir`, as paths relative to it. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => {
    return fs.statSync(path.join(dir, p)).isFile();
  });
}

/**
 * Copies every trajectory and its steps `copies` times (new ids, `kind = 'expert'`, same
 * screenshots), straight in the SQLite file: a big export without importing gigabytes.
 */
function multiplyTrajectories(dataDir: string, copies: number) {
  const db = new Database(path.join(dataDir, 'core-curator.db'));
  try {
    const columns = (table: string) =>
      (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
    const copy = (table: string, replace: Record<string, string>) => {
      const names = columns(table);
      db.prepare(
        `with recursive k(n) as (select 1 union all select n + 1 from k where n < ?)
         insert into ${table} (${names.map((c) => `"${c}"`).join(', ')})
         select ${names.map((c) => replace[c] ?? `"${c}"`).join(', ')} from ${table}, k`,
      ).run(copies);
    };
    db.transaction(() => {
      copy('trajectory', { id: `id || '-copy-' || n`, external_id: 'null', kind: `'expert'` });
      copy('step', { id: `id || '-copy-' || n`, trajectory_id: `trajectory_id || '-copy-' || n` });
    })();
    return db.prepare('select count(*) as n, sum(step_count) as steps from trajectory').get() as {
      n: number;
      steps: number;
    };
  } finally {
    db.close();
  }
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

// Each call starts node + tsx (~1-2 s) and test (b) writes ~400 MB twice: a long timeout.
describe('core-curator export / finetune / iteration', { timeout: 120_000 }, () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-exports-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('writes a llama-factory export whose manifest command writes the same files again', () => {
    importExamples(dataDir);
    const first = exportOk(
      dataDir,
      'llama-factory',
      '--sources',
      'expert_demos,fully_passed',
      '--seed',
      '7',
      '--validation-fraction',
      '0.3',
    );
    expect(first.dir).toBe(path.join(dataDir, 'exports', first.exportId));
    expect(first.manifest).toBe(path.join(first.dir, 'manifest.json'));
    for (const name of ['train.jsonl', 'validation.jsonl', 'dataset_info.json', 'manifest.json', 'images'])
      expect(fs.existsSync(path.join(first.dir, name)), name).toBe(true);
    expect(first.counts.train.examples).toBeGreaterThan(0);
    expect(first.counts.validation.examples).toBeGreaterThan(0);
    expect(first.files).toBe(readManifest(first).files.length + 1);
    expect(first.command).toBe(
      'npx core-curator export llama-factory --iteration 1 --sources expert_demos,fully_passed --seed 7 --validation-fraction 0.3',
    );

    const args = first.command.replace(/^npx core-curator export /, '').split(' ');
    const second = exportOk(dataDir, ...args);
    expect(second.exportId).not.toBe(first.exportId);
    expect(second.command).toBe(first.command);
    for (const name of ['train.jsonl', 'validation.jsonl']) {
      const a = fs.readFileSync(path.join(first.dir, name));
      expect(a.equals(fs.readFileSync(path.join(second.dir, name))), name).toBe(true);
    }
  });

  it('leaves no export behind when killed mid-export, and `export rerun` completes it', async () => {
    importExamples(dataDir);
    // 21 × the 10 example runs: ~1100 examples, ~400 MB of openai JSONL (screenshots inlined as
    // data URIs), about 10 s of writing on a 2-core machine.
    const size = multiplyTrajectories(dataDir, 20);
    expect(size.n).toBe(210);

    const child = spawn('node', [BIN, '--data-dir', dataDir, 'export', 'openai'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const tmpRoot = path.join(dataDir, 'exports', '.tmp');
    const hasTrainLines = (name: string) => {
      const file = path.join(tmpRoot, name, 'train.jsonl');
      return fs.existsSync(file) && fs.statSync(file).size > 0;
    };
    const deadline = Date.now() + 60_000;
    let tmpName: string | undefined;
    while (tmpName === undefined) {
      if (child.exitCode !== null)
        throw new Error(`The export ended (exit ${child.exitCode}) before it could be killed:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`No temporary export folder after 60 s:\n${stderr}`);
      tmpName = fs.existsSync(tmpRoot) ? fs.readdirSync(tmpRoot).find(hasTrainLines) : undefined;
      if (tmpName === undefined) await sleep(25);
    }
    child.kill('SIGKILL');
    const end = await exited;
    // Fails loudly when the export finished first (exit code 0): make the data set bigger.
    expect(end, 'the export must still be running when killed').toEqual({ code: null, signal: 'SIGKILL' });

    const match = new RegExp(`^(${UUID})-(${UUID})$`).exec(tmpName);
    expect(match, tmpName).not.toBeNull();
    const exportId = match![1]!;
    const exportsDir = path.join(dataDir, 'exports');
    expect(fs.existsSync(path.join(exportsDir, exportId))).toBe(false);
    const trainFiles = walk(exportsDir).filter((p) => path.basename(p) === 'train.jsonl');
    expect(trainFiles.length).toBeGreaterThan(0);
    for (const file of trainFiles) expect(file.split(path.sep)[0], file).toBe('.tmp');

    const startedAt = performance.now();
    const rerun = exportOk(dataDir, 'rerun', exportId);
    const seconds = (performance.now() - startedAt) / 1000;
    console.info(`export rerun of ${size.steps} steps (openai) took ${seconds.toFixed(1)} s`);
    expect(rerun.exportId).toBe(exportId);
    expect(rerun.dir).toBe(path.join(exportsDir, exportId));
    expect(rerun.counts.train.examples + rerun.counts.validation.examples).toBeGreaterThan(1000);
    const manifest = readManifest(rerun);
    expect(manifest.files.map((f) => f.path).sort()).toEqual(['train.jsonl', 'validation.jsonl']);
    for (const file of manifest.files) {
      const absolute = path.join(rerun.dir, file.path);
      expect(fs.statSync(absolute).size, file.path).toBe(file.bytes);
      expect(await sha256File(absolute), file.path).toBe(file.sha256);
    }
    expect(fs.readdirSync(tmpRoot).filter((name) => name.startsWith(exportId))).toEqual([]);
  });

  it('configures fine-tuning commands and launches one on an export, exiting 1 when it fails', () => {
    importExamples(dataDir, path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'));
    const exported = exportOk(dataDir, 'ms-swift');
    const add = cli(
      dataDir,
      'finetune',
      'command',
      'add',
      'echo-train',
      '--description',
      'prints the train file',
      '--',
      'node',
      '-e',
      'console.log(process.argv[1])',
      '{train_file}',
    );
    expect(add.code, add.stderr).toBe(0);
    const failing = cli(
      dataDir,
      'finetune',
      'command',
      'add',
      'exit-3',
      '--',
      'node',
      '-e',
      'process.exit(3)',
    );
    expect(failing.code, failing.stderr).toBe(0);
    const list = cli(dataDir, 'finetune', 'command', 'list');
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      {
        name: 'echo-train',
        argv: ['node', '-e', 'console.log(process.argv[1])', '{train_file}'],
        description: 'prints the train file',
      },
      { name: 'exit-3', argv: ['node', '-e', 'process.exit(3)'], description: '' },
    ]);

    const ok = cli(dataDir, 'finetune', 'launch', exported.exportId, '--command', 'echo-train');
    expect(ok.code, ok.stderr).toBe(0);
    // The command's own output line (the log header quotes the command line too).
    expect(ok.stdout.split('\n')).toContain(path.join(exported.dir, 'train.jsonl'));
    expect(ok.stderr).toMatch(/fine-tuning run \S+ succeeded/);

    const bad = cli(dataDir, 'finetune', 'launch', exported.exportId, '--command', 'exit-3');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('[exit code 3');
    expect(bad.stderr).toContain('exit-3 exited with code 3');
  });

  it('closes the open iteration and lists both', () => {
    importExamples(dataDir, path.join(WEBVOYAGER_EXAMPLES, 'taskGitHub--0'));
    const close = cli(dataDir, 'iteration', 'close', '--note', 'x');
    expect(close.code, close.stderr).toBe(0);
    expect(JSON.parse(close.stdout)).toEqual({ closed: 1, opened: 2 });
    const list = cli(dataDir, 'iteration', 'list');
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; status: string; note: string | null });
    expect(rows.map((r) => [r.id, r.status, r.note])).toEqual([
      [2, 'open', null],
      [1, 'closed', 'x'],
    ]);
  });

  it('rejects bad export input on stderr, naming the option', () => {
    const sources = cli(dataDir, 'export', 'openai', '--sources', 'expert_demos,nope');
    expect(sources.code).toBe(2);
    expect(sources.stderr).toContain("'--sources");
    expect(sources.stderr).toContain("unknown source 'nope'");
    expect(sources.stderr).toContain(
      'valid sources: expert_demos, fully_passed, approved_paths, extrapolated_intents, proposed_tasks, corrections',
    );

    const dir = cli(dataDir, 'export', 'openai', './out');
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain('written under the data directory');

    const core = cli(dataDir, 'export', 'core', '--seed', '3', './out');
    expect(core.code).toBe(2);
    expect(core.stderr).toContain('--seed: only for the formats openai, llama-factory, ms-swift');

    const empty = cli(dataDir, 'export', 'openai');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('No iteration is open');
    expect(empty.stderr).toContain('--iteration');
  });
});
