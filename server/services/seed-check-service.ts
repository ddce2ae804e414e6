/**
 * The seed check (job kind `seed-check`): which State-API tasks already pass on the app's untouched
 * seed. A task whose verifier says True before anyone acted teaches nothing — its rollouts would
 * all be "successes" — so rollouts and exports skip such tasks unless asked to include them.
 *
 * Per app: start its State-API server (`state-api-server.ts`), open its start page in Chromium
 * through the same guarded context a rollout uses (`app-page.ts`), wait for `networkidle` (the app
 * PUTs its seed) — or, for an app that keeps `/api/events` open, until its PUTs have been quiet for
 * STATE_QUIET_MS — close the page, then run every task's verifier (`verifier.ts`, `final_answer` =
 * null) against that state. The results of all apps are stored at the end in one transaction:
 * `task.passesOnSeed` (true / false; null when the verifier raised or the app did not load, with
 * the reason), `seedCheckMessage` (the verifier's message or the error) and `seedCheckedAt`, with
 * one audit entry per app (`environment.seed_check`). A cancelled check stores nothing.
 */
import { and, eq, like } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { APP_ID_RE } from '@/lib/core/rollouts/state-api-app';
import { inTransaction, type Db } from '@/server/db/client';
import { task } from '@/server/db/schema';
import { openAppPage } from '@/server/rollouts/app-page';
import {
  assertChromiumAvailable,
  launchRolloutBrowser,
  type RolloutBrowser,
} from '@/server/rollouts/browser';
import { startStateApiServer } from '@/server/rollouts/state-api-server';
import { runVerifier } from '@/server/rollouts/verifier';
import { recordAudit } from '@/server/services/audit-service';
import { getEnvironmentAppOrThrow, STATE_API_SOURCE } from '@/server/services/environment-service';

export const SEED_CHECK_JOB_KIND = 'seed-check';
/** Longest wait for an app's start page to load, in ms. */
export const SEED_CHECK_PAGE_TIMEOUT_MS = 30_000;
/** Longest a stored message is, in characters. */
export const MAX_SEED_CHECK_MESSAGE = 2_000;

export const ZSeedCheckJobInputSchema = z.object({
  appIds: z
    .array(z.string().regex(APP_ID_RE, 'an app id (lower-case letters, digits and dashes)'))
    .min(1)
    .max(50),
  actor: z.object({ userId: z.string().nullable(), label: z.string() }),
});
export type TSeedCheckJobInput = z.input<typeof ZSeedCheckJobInputSchema>;

export interface SeedCheckTaskResult {
  taskId: string;
  externalId: string;
  intent: string;
  /** null: not determined (the verifier raised, or the app did not load). */
  passesOnSeed: boolean | null;
  message: string;
}

export interface SeedCheckAppSummary {
  appId: string;
  name: string;
  tasks: number;
  /** The tasks whose verifier passes on the untouched seed. */
  passing: SeedCheckTaskResult[];
  failing: number;
  /** Tasks with no verdict (verifier error, app not loaded), with the reason. */
  undetermined: SeedCheckTaskResult[];
  /** Why the app's page could not be opened, if it could not (its tasks are then undetermined). */
  loadError: string | null;
}

export interface SeedCheckSummary {
  apps: SeedCheckAppSummary[];
  checked: number;
  passing: number;
  failing: number;
  undetermined: number;
  seconds: number;
}

export interface SeedCheckHooks {
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
  /** Replaces the browser launcher (tests). */
  launchBrowser?: () => Promise<RolloutBrowser>;
}

interface AppTask {
  id: string;
  externalId: string;
  intent: string;
  verify: string | null;
}

function clip(text: string): string {
  const one = text.trim();
  return one.length > MAX_SEED_CHECK_MESSAGE ? `${one.slice(0, MAX_SEED_CHECK_MESSAGE - 1)}…` : one;
}

/** The State-API tasks of an app, ordered by external id. */
function listAppTasks(db: Db, appId: string): AppTask[] {
  return db
    .select({ id: task.id, externalId: task.externalId, intent: task.intent, meta: task.meta })
    .from(task)
    .where(and(eq(task.source, STATE_API_SOURCE), like(task.externalId, `app:${appId}:%`)))
    .orderBy(task.externalId)
    .all()
    .map((t) => ({
      id: t.id,
      externalId: t.externalId,
      intent: t.intent,
      verify: typeof t.meta.verify === 'string' ? t.meta.verify : null,
    }));
}

/** Quiet time after the app's last `PUT /api/state` before its state counts as saved, in ms. */
export const STATE_QUIET_MS = 500;

/** Resolves once the app has stored state and then stored nothing for STATE_QUIET_MS. */
async function untilStateSaved(server: { stateWriteCount(): number }, signal: AbortSignal): Promise<void> {
  let last = server.stateWriteCount();
  let quietSince = Date.now();
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = server.stateWriteCount();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (now > 0 && Date.now() - quietSince >= STATE_QUIET_MS) {
      return;
    }
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DomainError('CONFLICT', 'Seed check cancelled; nothing was stored');
}

/**
 * Runs the seed check of `input.appIds` and stores the results.
 * @throws DomainError('BAD_INPUT') for bad input or apps without tasks; DomainError('NOT_FOUND')
 *   for an unknown app; DomainError('CONFLICT') without Chromium (with the fix) or when cancelled
 *   (nothing stored then).
 */
export async function executeSeedCheck(
  db: Db,
  rawInput: unknown,
  hooks: SeedCheckHooks = {},
): Promise<SeedCheckSummary> {
  const started = performance.now();
  const parsed = ZSeedCheckJobInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `Bad seed-check input: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const input = parsed.data;
  const apps = [...new Set(input.appIds)].map((appId) => {
    const app = getEnvironmentAppOrThrow(db, appId);
    return { id: app.id, name: app.name, folder: app.folder, tasks: listAppTasks(db, app.id) };
  });
  const total = apps.reduce((n, a) => n + a.tasks.length, 0);
  if (total === 0) {
    throw new DomainError('BAD_INPUT', `No tasks to check in ${apps.map((a) => a.id).join(', ')}`);
  }
  if (!hooks.launchBrowser) assertChromiumAvailable();
  throwIfCancelled(hooks.signal);
  let done = 0;
  const report = (message: string) => hooks.onProgress?.(done / total, message);
  report(`Starting Chromium for ${apps.length} app(s), ${total} task(s)`);

  const results = new Map<
    string,
    { app: (typeof apps)[number]; loadError: string | null; tasks: SeedCheckTaskResult[] }
  >();
  const browser = await (hooks.launchBrowser ?? launchRolloutBrowser)();
  try {
    for (const app of apps) {
      throwIfCancelled(hooks.signal);
      report(`${app.name}: opening the app on a fresh server`);
      const server = await startStateApiServer(app.folder);
      const appResults: SeedCheckTaskResult[] = [];
      let loadError: string | null = null;
      try {
        try {
          const opened = await openAppPage(browser.browser, {
            startUrl: `${server.url}/`,
            origins: [server.url],
            timeoutMs: SEED_CHECK_PAGE_TIMEOUT_MS,
            settled: (signal) => untilStateSaved(server, signal),
          });
          // Closed before the verifiers run: nothing may change the state while they read it.
          await opened.close();
        } catch (error) {
          loadError = clip(
            `The app did not load: ${(error as Error).message.split('\n')[0] ?? 'unknown error'}`,
          );
        }
        for (const t of app.tasks) {
          throwIfCancelled(hooks.signal);
          const base = { taskId: t.id, externalId: t.externalId, intent: t.intent };
          if (loadError) {
            appResults.push({ ...base, passesOnSeed: null, message: loadError });
          } else if (!t.verify) {
            appResults.push({ ...base, passesOnSeed: null, message: 'The task has no verify file' });
          } else {
            try {
              const verdict = await runVerifier({
                folder: app.folder,
                verifyFile: t.verify,
                serverUrl: server.url,
                finalAnswer: null,
              });
              appResults.push({ ...base, passesOnSeed: verdict.success, message: clip(verdict.message) });
            } catch (error) {
              appResults.push({
                ...base,
                passesOnSeed: null,
                message: clip(`Verifier error: ${(error as Error).message}`),
              });
            }
          }
          done++;
          report(`${app.name}: ${done} of ${total} task(s) checked (last: ${t.externalId})`);
        }
      } finally {
        await server.close();
      }
      results.set(app.id, { app, loadError, tasks: appResults });
    }
  } finally {
    await browser.close();
  }
  throwIfCancelled(hooks.signal);

  const checkedAt = new Date();
  inTransaction(db, (tx) => {
    for (const { app, tasks: appResults, loadError } of results.values()) {
      for (const r of appResults) {
        tx.update(task)
          .set({ passesOnSeed: r.passesOnSeed, seedCheckMessage: r.message, seedCheckedAt: checkedAt })
          .where(eq(task.id, r.taskId))
          .run();
      }
      recordAudit(tx, {
        userId: input.actor.userId,
        actor: input.actor.label,
        action: 'environment.seed_check',
        objectType: 'environment_app',
        objectId: app.id,
        after: {
          tasks: appResults.length,
          passing: appResults.filter((r) => r.passesOnSeed === true).map((r) => r.externalId),
          failing: appResults.filter((r) => r.passesOnSeed === false).length,
          undetermined: appResults.filter((r) => r.passesOnSeed === null).length,
          loadError,
        },
      });
    }
  });
  hooks.onProgress?.(1, 'Done');

  const summaries: SeedCheckAppSummary[] = [...results.values()].map(({ app, loadError, tasks: rs }) => ({
    appId: app.id,
    name: app.name,
    tasks: rs.length,
    passing: rs.filter((r) => r.passesOnSeed === true),
    failing: rs.filter((r) => r.passesOnSeed === false).length,
    undetermined: rs.filter((r) => r.passesOnSeed === null),
    loadError,
  }));
  return {
    apps: summaries,
    checked: total,
    passing: summaries.reduce((n, a) => n + a.passing.length, 0),
    failing: summaries.reduce((n, a) => n + a.failing, 0),
    undetermined: summaries.reduce((n, a) => n + a.undetermined.length, 0),
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}

/**
 * Validates and enqueues a seed-check job. @returns its id.
 * @throws DomainError('NOT_FOUND') for an unknown app; DomainError('BAD_INPUT') for bad input.
 */
export function startSeedCheckJob(
  db: Db,
  jobs: { enqueue: (kind: string, input: unknown, options: { createdBy: string | null }) => string },
  input: TSeedCheckJobInput,
): { jobId: string } {
  const parsed = ZSeedCheckJobInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DomainError('BAD_INPUT', `${issue?.path.join('.')}: ${issue?.message}`);
  }
  for (const appId of parsed.data.appIds) getEnvironmentAppOrThrow(db, appId);
  return { jobId: jobs.enqueue(SEED_CHECK_JOB_KIND, parsed.data, { createdBy: input.actor.userId }) };
}
