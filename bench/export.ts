/**
 * `npm run bench:export` — the fine-tuning export job on 10,000 trajectories.
 *
 * Seeds a file database (a temporary data directory, migrations applied on open) with synthetic
 * Fully Passed rollouts (`bench/synthetic-trajectories.ts`: 8 steps of ~20 elements each, a thought,
 * a WebVoyager action and one of 50 stored 20–60 KB PNG screenshots): 10,000 in iteration 1,
 * 1,000 in iteration 2 and OPENAI_TRAJECTORIES in iteration 3. Then measures, in the same process:
 * - baseline: every step row of iteration 1 read in batches of EXPORT_BATCH_SIZE trajectories and
 *   written as `JSON.stringify(row)` lines through the export's stream/drain pattern (no
 *   formatting, no images);
 * - `executeTrainingExport` in `llama-factory` on iteration 1 (10,000 trajectories) and on
 *   iteration 2 (1,000), and in `openai` on iteration 3 (data URIs inline every screenshot, so
 *   an `openai` file is ~50 KB per example: 10,000 trajectories would write ~4 GB twice over).
 * Prints, per run, examples (rows) per second, the ratio to the baseline's rows/s, the output size,
 * the peak RSS and the peak heapUsed above the heap before the run (sampled every 50 ms), and the
 * 10k/1k ratio of that heap peak (≈ 1 means memory does not grow with the export's size). That peak
 * includes garbage V8 has not collected yet, so the two llama-factory runs are repeated untimed with
 * a full GC before each sample: the live heap, and what it costs per trajectory.
 * No assertions: numbers are for reading.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { asc, eq, inArray } from 'drizzle-orm';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { step, trajectory } from '@/server/db/schema';
import { startTrainingExport } from '@/server/services/export-service';
import { EXPORT_BATCH_SIZE, executeTrainingExport } from '@/server/services/export-writer';
import { createSyntheticScreenshots, seedSyntheticTrajectories } from './synthetic-trajectories';

const TRAJECTORIES = 10_000;
const SMALL_TRAJECTORIES = 1_000;
const OPENAI_TRAJECTORIES = 2_000;
const SCREENSHOTS = 50;
const SAMPLE_INTERVAL_MS = 50;
/** Interval of the forced full GCs of the live-heap probe. */
const LIVE_SAMPLE_INTERVAL_MS = 250;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Measured {
  seconds: number;
  peakRss: number;
  peakHeapDelta: number;
}

/**
 * Runs `fn` while sampling memory every `intervalMs` (after a full GC). With `live`, each sample
 * forces a full GC first, so it measures what is still referenced rather than garbage V8 has not
 * collected yet (slower: not for the timed runs).
 */
async function measure(
  fn: () => Promise<void>,
  { live = false, intervalMs = SAMPLE_INTERVAL_MS } = {},
): Promise<Measured> {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = 0;
  let peakHeap = heapBefore;
  const sample = () => {
    if (live) collectGarbage();
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
  };
  const timer = setInterval(sample, intervalMs);
  const start = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
    sample();
  }
  return { seconds: (performance.now() - start) / 1000, peakRss, peakHeapDelta: peakHeap - heapBefore };
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  return total;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-bench-export-'));
const db = openDb(path.join(dataDir, DB_FILE_NAME));
try {
  const seedStart = performance.now();
  const screenshots = await createSyntheticScreenshots(db, dataDir, SCREENSHOTS);
  const seeded = [
    seedSyntheticTrajectories(db, { screenshots, trajectories: TRAJECTORIES, iterationId: 1, label: 'it1' }),
    seedSyntheticTrajectories(db, {
      screenshots,
      trajectories: SMALL_TRAJECTORIES,
      iterationId: 2,
      label: 'it2',
    }),
    seedSyntheticTrajectories(db, {
      screenshots,
      trajectories: OPENAI_TRAJECTORIES,
      iterationId: 3,
      label: 'it3',
    }),
  ];
  const shotBytes = screenshots.map((s) => s.bytes);
  console.log(
    `Seeded ${seeded.reduce((n, s) => n + s.trajectories, 0)} trajectories / ${seeded.reduce((n, s) => n + s.steps, 0)} steps ` +
      `in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; ${SCREENSHOTS} screenshots of ` +
      `${(Math.min(...shotBytes) / 1024).toFixed(0)}–${(Math.max(...shotBytes) / 1024).toFixed(0)} KB; ` +
      `database ${mb(fs.statSync(path.join(dataDir, DB_FILE_NAME)).size)}`,
  );

  // Baseline: the same reads and the same write pattern, without formatting or images.
  const baselineFile = path.join(dataDir, 'baseline.jsonl');
  let baselineRows = 0;
  const baseline = await measure(async () => {
    const ids = db
      .select({ id: trajectory.id })
      .from(trajectory)
      .where(eq(trajectory.iterationId, 1))
      .orderBy(asc(trajectory.createdAt), asc(trajectory.id))
      .all()
      .map((r) => r.id);
    const out = fs.createWriteStream(baselineFile, { flags: 'wx' });
    for (let i = 0; i < ids.length; i += EXPORT_BATCH_SIZE) {
      const rows = db
        .select()
        .from(step)
        .where(inArray(step.trajectoryId, ids.slice(i, i + EXPORT_BATCH_SIZE)))
        .orderBy(asc(step.trajectoryId), asc(step.index))
        .all();
      for (const row of rows) {
        baselineRows += 1;
        if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      }
    }
    out.end();
    await once(out, 'finish');
  });
  const baselineRate = baselineRows / baseline.seconds;
  const baselineBytes = fs.statSync(baselineFile).size;
  fs.rmSync(baselineFile);

  const jobs = { enqueue: () => randomUUID() };
  const runExport = async (
    format: 'llama-factory' | 'openai',
    iterationId: number,
    options: Parameters<typeof measure>[1] = {},
  ) => {
    const { exportId, jobId } = startTrainingExport(
      db,
      jobs,
      { iterationId, format, sources: ['fully_passed'] },
      { userId: null, label: 'bench' },
    );
    let examples = 0;
    let dir = '';
    const measured = await measure(async () => {
      const result = await executeTrainingExport(db, dataDir, exportId, {
        jobId,
        signal: new AbortController().signal,
        progress: () => {},
      });
      examples = result.counts.train.examples + result.counts.validation.examples;
      dir = path.join(dataDir, result.dir);
    }, options);
    const bytes = dirBytes(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    return { ...measured, examples, bytes };
  };

  const row = (name: string, m: Measured & { examples: number; bytes: number }) =>
    console.log(
      `${name.padEnd(38)} ${String(m.examples).padStart(6)} ${(m.examples / m.seconds).toFixed(0).padStart(8)}/s ` +
        `${(m.examples / m.seconds / baselineRate).toFixed(2).padStart(6)}× ${m.seconds.toFixed(1).padStart(6)} s ` +
        `${mb(m.bytes).padStart(10)} ${mb(m.peakRss).padStart(10)} ${mb(m.peakHeapDelta).padStart(10)}`,
    );
  console.log(
    `${'run'.padEnd(38)} ${'rows'.padStart(6)} ${'rate'.padStart(10)} ${'vs base'.padStart(7)} ${'time'.padStart(8)} ` +
      `${'output'.padStart(10)} ${'peak RSS'.padStart(10)} ${'peak heap+'.padStart(10)}`,
  );
  row(`baseline: step rows → JSON lines (${TRAJECTORIES / 1000}k)`, {
    ...baseline,
    examples: baselineRows,
    bytes: baselineBytes,
  });
  const large = await runExport('llama-factory', 1);
  row(`llama-factory, ${TRAJECTORIES} trajectories`, large);
  const small = await runExport('llama-factory', 2);
  row(`llama-factory, ${SMALL_TRAJECTORIES} trajectories`, small);
  const openai = await runExport('openai', 3);
  row(`openai, ${OPENAI_TRAJECTORIES} trajectories`, openai);
  console.log(
    `Peak heap growth, llama-factory 10k / 1k: ${(large.peakHeapDelta / small.peakHeapDelta).toFixed(2)} ` +
      `(${mb(large.peakHeapDelta)} / ${mb(small.peakHeapDelta)}; ≈ 1 means bounded; this peak includes garbage ` +
      `not yet collected, which V8 lets grow on longer runs)`,
  );
  const liveOptions = { live: true, intervalMs: LIVE_SAMPLE_INTERVAL_MS };
  const largeLive = await runExport('llama-factory', 1, liveOptions);
  const smallLive = await runExport('llama-factory', 2, liveOptions);
  console.log(
    `Live heap growth (full GC before each sample, every ${LIVE_SAMPLE_INTERVAL_MS} ms), llama-factory 10k / 1k: ` +
      `${(largeLive.peakHeapDelta / smallLive.peakHeapDelta).toFixed(2)} ` +
      `(${mb(largeLive.peakHeapDelta)} / ${mb(smallLive.peakHeapDelta)}: ` +
      `${((largeLive.peakHeapDelta - smallLive.peakHeapDelta) / (TRAJECTORIES - SMALL_TRAJECTORIES) / 1024).toFixed(2)} KB ` +
      `per extra trajectory, the selection's heads the writer keeps by design; nothing per example or image)`,
  );
  console.log(
    `openai runs on ${OPENAI_TRAJECTORIES} trajectories, not ${TRAJECTORIES}: it inlines every screenshot as a data URI ` +
      `(~${(openai.bytes / Math.max(openai.examples, 1) / 1024).toFixed(0)} KB per example), so 10k would write ` +
      `~${mb((openai.bytes / Math.max(openai.examples, 1)) * large.examples)} and read it back to validate.`,
  );
} finally {
  db.$client.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
