/**
 * `npm run bench:tasks` — the Tasks table at 10,000 tasks.
 *
 * Seeds a temporary database with 10,000 synthetic tasks (5 sites, a rollout on every third),
 * then times the Tasks-table queries (`listTasks` with search, filters, deep pages) against a
 * baseline in the same process: a bare `select … from task limit 50`. Prints milliseconds per
 * call (median of RUNS) and the ratio to the baseline. No assertions: numbers are for reading.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { task, trajectory } from '@/server/db/schema';
import { listTasks, type ListTasksParams } from '@/server/services/task-service';

const TASKS = 10_000;
const RUNS = 30;
const SITES = ['shopping', 'reddit', 'classifieds', 'gitlab', 'wikipedia'];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-bench-'));
const db = openDb(path.join(dir, DB_FILE_NAME));
db.transaction((tx) => {
  for (let i = 0; i < TASKS; i++) {
    const id = randomUUID();
    tx.insert(task)
      .values({
        id,
        externalId: `bench:${i}`,
        source: 'webarena',
        intent: `Find the ${i % 97}th cheapest item number ${i} on the site`,
        site: SITES[i % SITES.length],
        origin: 'seed',
        createdBy: 'bench',
        createdAt: new Date(1_700_000_000_000 + i * 1000),
      })
      .run();
    if (i % 3 === 0)
      tx.insert(trajectory)
        .values({
          id: randomUUID(),
          taskId: id,
          kind: 'rollout',
          source: 'bench',
          contentHash: String(i),
          createdBy: 'bench',
        })
        .run();
  }
});

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => unknown): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const baseline = time(() =>
  db
    .select({ id: task.id, intent: task.intent })
    .from(task)
    .orderBy(sql`${task.createdAt} desc`)
    .limit(50)
    .all(),
);
const base: ListTasksParams = { page: 1, pageSize: 50, sort: 'newest' };
const cases: [string, ListTasksParams][] = [
  ['first page', base],
  ['page 150 (of 200)', { ...base, page: 150 }],
  ['search "cheapest item number 42"', { ...base, search: 'item number 42' }],
  ['site = reddit', { ...base, site: 'reddit' }],
  ['has rollouts', { ...base, hasRollouts: true }],
  ['no rollouts + site + search', { ...base, hasRollouts: false, site: 'gitlab', search: 'cheapest' }],
  ['sort by intent, page 100', { ...base, sort: 'intent', page: 100 }],
];
console.log(`Tasks table over ${TASKS.toLocaleString()} tasks, median of ${RUNS} runs`);
console.log(`${'baseline: bare select limit 50'.padEnd(40)} ${baseline.toFixed(2).padStart(8)} ms   1.0x`);
for (const [label, params] of cases) {
  const ms = time(() => listTasks(db, params));
  console.log(
    `${label.padEnd(40)} ${ms.toFixed(2).padStart(8)} ms ${(ms / baseline).toFixed(1).padStart(6)}x`,
  );
}
db.$client.close();
fs.rmSync(dir, { recursive: true, force: true });
