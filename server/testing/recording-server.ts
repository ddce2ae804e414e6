/**
 * A stand-in server process for the "server killed mid-recording" test
 * (server/services/recording-service.test.ts): opens the database, starts a recording session on a
 * task and, once the person could act, prints the Chromium process id as JSON; then waits to be
 * killed.
 * Usage: node --import tsx server/testing/recording-server.ts <db file> <task id> <user id>
 */
import { openDb } from '@/server/db/client';
import type { RolloutBrowser } from '@/server/rollouts/browser';
import { launchRolloutBrowser } from '@/server/rollouts/browser';
import { getRecordingView, startRecording } from '@/server/services/recording-service';

const [file, taskId, userId] = process.argv.slice(2) as [string, string, string];
const db = openDb(file);
let browser: RolloutBrowser | null = null;
const user = { id: userId, label: 'killed-server test' };
const { sessionId } = startRecording(db, {
  taskId,
  user,
  options: {
    detachGraceMs: 600_000,
    launchBrowser: async () => (browser = await launchRolloutBrowser()),
  },
});
for (;;) {
  const view = getRecordingView(sessionId, user);
  if (view.status === 'ready') break;
  if (view.status === 'ended') throw new Error(view.endReason ?? 'ended');
  await new Promise((r) => setTimeout(r, 100));
}
process.stdout.write(`${JSON.stringify({ chromiumPid: (browser as RolloutBrowser | null)?.pid ?? null })}\n`);
setInterval(() => undefined, 1_000);
