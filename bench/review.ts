/**
 * `npm run bench:review` — claiming and deciding review items on a large queue.
 *
 * Seeds a file database (a temporary data directory) with 20,000 `rollout_verdict` items, of which
 * the oldest 10,000 are already decided and 2,000 of the open ones are leased by other reviewers,
 * plus 10 reviewers. Times, in the same process and on the same database:
 * - baseline: the bare `select id from review_item where queue = ? and status = 'open' order by
 *   created_at limit 1` (the cheapest possible "next item");
 * - `claimNextItem` (the IMMEDIATE transaction with its lease, review and slot checks);
 * - a full workspace cycle: `claimNextItem` + `submitReview` (decision, audit row, applying it);
 * - `getReviewHome` (the counts of the home screen and the queue picker).
 * Prints operations/s (best of RUNS) and the ratio of each time per operation to the baseline.
 * No assertions: numbers are for reading.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { reviewDecision, reviewItem, reviewLease, user } from '@/server/db/schema';
import { claimNextItem, submitReview } from '@/server/services/review-queue-service';
import { getReviewHome } from '@/server/services/review-query-service';

const ITEMS = 20_000;
const DECIDED = 10_000;
const LEASED = 2_000;
const OPS = 300;
const RUNS = 3;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-curator-bench-review-'));
const db = openDb(path.join(dataDir, DB_FILE_NAME));
try {
  const users = Array.from({ length: 10 }, (_, i) => ({
    id: randomUUID(),
    name: `reviewer ${i}`,
    email: `reviewer${i}@bench.test`,
    role: 'annotator' as const,
    updatedAt: new Date(),
  }));
  db.insert(user).values(users).run();
  const t0 = Date.now() - ITEMS * 1000;
  db.transaction((tx) => {
    for (let i = 0; i < ITEMS; i++) {
      const id = `item-${i}`;
      const decided = i < DECIDED;
      tx.insert(reviewItem)
        .values({
          id,
          queue: 'rollout_verdict',
          subjectId: id,
          summary: `Rollout ${i}`,
          status: decided ? 'decided' : 'open',
          decision: decided ? 'accept' : null,
          createdAt: new Date(t0 + i * 1000),
        })
        .run();
      if (decided) {
        tx.insert(reviewDecision)
          .values({ id: randomUUID(), itemId: id, userId: users[i % 10]!.id, decision: 'accept' })
          .run();
      } else if (i < DECIDED + LEASED) {
        tx.insert(reviewLease)
          .values({
            itemId: id,
            userId: users[1 + (i % 9)]!.id,
            claimedAt: new Date(),
            expiresAt: new Date(Date.now() + 3600_000),
          })
          .run();
      }
    }
  });
  const me = users[0]!;

  const time = (fn: (i: number) => void): number => {
    let best = Infinity;
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      for (let i = 0; i < OPS; i++) fn(i);
      best = Math.min(best, (performance.now() - start) / OPS);
    }
    return best;
  };

  const baseline = time(() => {
    db.get(
      sql`select id from review_item where queue = 'rollout_verdict' and status = 'open' order by created_at limit 1`,
    );
  });
  const claimed: string[] = [];
  const claim = time(() => {
    const next = claimNextItem(db, {
      queue: 'rollout_verdict',
      userId: me.id,
      excludeItemIds: claimed.slice(-40),
    });
    if (next) claimed.push(next.item.id);
  });
  // Give the claims back before the decision cycle.
  db.delete(reviewLease)
    .where(sql`${reviewLease.userId} = ${me.id}`)
    .run();
  const cycle = time(() => {
    const next = claimNextItem(db, { queue: 'rollout_verdict', userId: me.id });
    if (!next) throw new Error('queue ran dry');
    submitReview(db, {
      itemId: next.item.id,
      reviewer: { id: me.id, label: me.email },
      input: { decision: 'accept' },
    });
  });
  const home = time(() => getReviewHome(db, { userId: me.id }));

  const row = (name: string, ms: number) =>
    console.log(
      `${name.padEnd(44)} ${(1000 / ms).toFixed(0).padStart(8)} ops/s  ${ms.toFixed(3).padStart(8)} ms/op  ${(ms / baseline).toFixed(1).padStart(6)}× baseline`,
    );
  console.log(
    `${ITEMS} items (${DECIDED} decided, ${LEASED} leased by others), best of ${RUNS} × ${OPS} operations`,
  );
  row('baseline: bare next-open-item select', baseline);
  row('claimNextItem', claim);
  row('claimNextItem + submitReview (a decision)', cycle);
  row('getReviewHome (home counts)', home);
} finally {
  db.$client.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
