/**
 * A separate process for the lease-race test (server/services/review-queue-service.test.ts): opens
 * its own connection to the database file and claims items of one queue as one user until the queue
 * has nothing left for it, then prints the claimed item ids as JSON.
 * Usage: node --import tsx server/testing/claim-worker.ts <db file> <user id> <queue> <start at ms>
 */
import { openDb } from '@/server/db/client';
import type { ReviewQueueId } from '@/lib/core/review';
import { claimNextItem } from '@/server/services/review-queue-service';

const [file, userId, queue, startAt] = process.argv.slice(2) as [string, string, ReviewQueueId, string];
const db = openDb(file);
// Start together, so the claims really overlap.
while (Date.now() < Number(startAt)) {
  /* spin */
}
const claimed: string[] = [];
for (;;) {
  const next = claimNextItem(db, { queue, userId, excludeItemIds: claimed });
  if (!next) break;
  claimed.push(next.item.id);
}
db.$client.close();
process.stdout.write(JSON.stringify(claimed));
