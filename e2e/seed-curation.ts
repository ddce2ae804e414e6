/**
 * Seeds the curation-workspace e2e spec (e2e/workspace.spec.ts) on real WebVoyager runs, through the
 * product's own pipeline with the offline `heuristic` provider and the real label-function sandbox:
 *
 * 1. imports the WebVoyager examples as expert demos (idempotent) and abstracts Allrecipes--4 and
 *    Apple--17 and ArXiv--11 (graph version 1 from each demo);
 * 2. adds one rollout per task — for Allrecipes and Apple the demo's first two steps only (a rollout
 *    that stopped early, no answer), so the graph's later key steps fail on it: the Allrecipes one
 *    is marked successful by the environment (→ Partially Passed), the Apple one failed (→ Failed);
 *    for ArXiv--11 the whole demo, successful (→ Fully Passed, until an LF edit changes that);
 * 3. scores both, then runs `propose_paths` (→ a proposed path: the shorter strategy) and
 *    `infer_intents` (→ an extrapolated intent), and syncs the review queues.
 *
 * It forgets model settings first (an earlier spec may have pointed a role at a server that is gone),
 * so the offline provider serves; a second run finds its rollouts and changes nothing.
 *
 * Usage: CORE_CURATOR_DATA_DIR=e2e/.data npx tsx e2e/seed-curation.ts — prints a JSON summary.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { DB_FILE_NAME, openDb } from '@/server/db/client';
import { llmSetting, step, task, trajectory } from '@/server/db/schema';
import { readEnv } from '@/server/env';
import { createLlmClients } from '@/server/llm/clients';
import { createLabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { importBundle } from '@/server/services/import-service';
import { readImportSource } from '@/server/services/import-sources';
import { createPipelineRun, executePipelineRun } from '@/server/services/pipeline-service';
import { syncReviewItems } from '@/server/services/review-sync-service';
import { scoreTasks } from '@/server/services/scoring-service';
import { getTaskIdByExternalIdOrThrow } from '@/server/services/task-service';
import { WEBVOYAGER_EXAMPLES } from './helpers';

export const CURATION_TASKS = {
  path: 'webvoyager:Allrecipes--4',
  intent: 'webvoyager:Apple--17',
  labelFunction: 'webvoyager:ArXiv--11',
} as const;
/** Steps of the demo a stopped-early rollout keeps. */
const EARLY_STOP_STEPS = 2;

const env = readEnv();
const db = openDb(path.join(env.dataDir, DB_FILE_NAME));
const runner = await createLabelFunctionRunner();
const actor = { userId: null, label: 'e2e-seed' };
try {
  const bundle = await readImportSource('webvoyager', WEBVOYAGER_EXAMPLES, { kind: 'expert' });
  await importBundle(db, env.dataDir, bundle, { format: 'webvoyager', actor });
  db.delete(llmSetting).run();
  const clients = createLlmClients(db, env.dataDir);
  const stage = async (name: 'abstract' | 'propose_paths' | 'infer_intents', taskIds: string[]) => {
    const { runId } = createPipelineRun(db, {
      stage: name,
      scope: { taskIds, iterationId: null },
      actor,
      providers: () => clients.describe(),
    });
    return executePipelineRun(db, runId, { clients, runner });
  };
  const pathTask = getTaskIdByExternalIdOrThrow(db, CURATION_TASKS.path);
  const intentTask = getTaskIdByExternalIdOrThrow(db, CURATION_TASKS.intent);
  const lfTask = getTaskIdByExternalIdOrThrow(db, CURATION_TASKS.labelFunction);
  await stage('abstract', [pathTask, intentTask, lfTask]);

  const addRollout = (taskId: string, envSuccess: boolean, stopEarly: boolean) => {
    const demo = db
      .select()
      .from(trajectory)
      .where(and(eq(trajectory.taskId, taskId), eq(trajectory.kind, 'expert')))
      .get()!;
    const existing = db
      .select({ id: trajectory.id })
      .from(trajectory)
      .where(eq(trajectory.externalId, `e2e-rollout:${demo.externalId}`))
      .get();
    if (existing) return existing.id;
    const id = randomUUID();
    db.transaction((tx) => {
      tx.insert(trajectory)
        .values({
          ...demo,
          id,
          externalId: `e2e-rollout:${demo.externalId}`,
          kind: 'rollout',
          source: 'e2e-seed',
          policy: stopEarly ? 'stopped-early copy of the demo' : 'copy of the demo',
          envSuccess,
          graphVerdict: null,
          category: null,
          progress: null,
          matchedPath: null,
          scoredGraphVersionId: null,
          scoredAt: null,
          stepCount: stopEarly ? Math.min(EARLY_STOP_STEPS, demo.stepCount) : demo.stepCount,
          finalAnswer: stopEarly ? null : demo.finalAnswer,
          createdBy: 'e2e-seed',
        })
        .run();
      const steps = tx
        .select()
        .from(step)
        .where(eq(step.trajectoryId, demo.id))
        .orderBy(asc(step.index))
        .limit(stopEarly ? EARLY_STOP_STEPS : demo.stepCount)
        .all();
      for (const s of steps)
        tx.insert(step)
          .values({ ...s, id: randomUUID(), trajectoryId: id })
          .run();
    });
    return id;
  };
  const pathRollout = addRollout(pathTask, true, true);
  const intentRollout = addRollout(intentTask, false, true);
  const lfRollout = addRollout(lfTask, true, false);
  await scoreTasks(db, runner, [pathTask, intentTask, lfTask]);
  await stage('propose_paths', [pathTask]);
  await stage('infer_intents', [intentTask]);
  const synced = syncReviewItems(db);
  const category = (id: string) => db.select().from(trajectory).where(eq(trajectory.id, id)).get()!.category;
  console.log(
    JSON.stringify({
      pathRollout: { id: pathRollout, category: category(pathRollout) },
      intentRollout: { id: intentRollout, category: category(intentRollout) },
      lfRollout: { id: lfRollout, category: category(lfRollout) },
      created: synced.created,
      tasks: db.select({ id: task.id }).from(task).all().length,
    }),
  );
} finally {
  await runner.close();
  db.$client.close();
}
