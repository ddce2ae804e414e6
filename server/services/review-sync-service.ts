/**
 * What goes into the review queues (issue 5 › Queues). `syncReviewItems` adds one item per pending
 * proposed path, extrapolated intent and proposed task, per flagged key step of an expert demo, per
 * flag of a current label-function version, and per scored rollout whose environment verdict is
 * unknown or disagrees with the graph verdict, and per failed rollout with no correction yet
 * (`corrections_wanted`). Idempotent (unique queue + subject); open LF-flag items become `obsolete`
 * once their LF version is no longer current, open rollout-verdict items once rescoring made the
 * graph verdict agree with a known environment verdict, open corrections-wanted items once a
 * correction of the rollout is saved or it no longer counts as failed. Pipeline and scoring jobs,
 * and the CLI's `abstract`, `extrapolate` and `score`, call it when they finish.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { DEFAULT_FLAG_MIN_RUNS } from '@/lib/core/metrics';
import { REVIEW_QUEUE_IDS, type LfReviewFlag, type ReviewQueueId } from '@/lib/core/review';
import { inTransaction, type Db } from '@/server/db/client';
import {
  extrapolatedIntent,
  keyStep,
  lfResult,
  poolNode,
  proposedPath,
  proposedTask,
  reviewItem,
  task,
  trajectory,
} from '@/server/db/schema';
import { getLabelFunctionQuality } from '@/server/services/quality-service';
import { listQueueSettings } from '@/server/services/review-queue-service';

interface ItemDraft {
  queue: ReviewQueueId;
  subjectId: string;
  taskId: string | null;
  trajectoryId: string | null;
  nodeId?: string | null;
  flag?: LfReviewFlag | null;
  summary: string;
  iterationId: number | null;
}

const SUMMARY_MAX_CHARS = 300;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SUMMARY_MAX_CHARS ? `${flat.slice(0, SUMMARY_MAX_CHARS - 1)}…` : flat;
}

/**
 * Adds the missing review items of every queue (idempotent) and retires LF-flag items whose label
 * function changed. `minRuns`: as the LF-quality page, flags need that many runs (default 3).
 * @returns how many items each queue gained and how many became `obsolete`.
 */
export function syncReviewItems(
  db: Db,
  options: { minRuns?: number } = {},
): { created: Record<ReviewQueueId, number>; obsoleted: number } {
  const drafts: ItemDraft[] = [
    ...proposedPathDrafts(db),
    ...intentDrafts(db),
    ...proposedTaskDrafts(db),
    ...keyStepFlagDrafts(db),
    ...labelFunctionFlagDrafts(db, options.minRuns ?? DEFAULT_FLAG_MIN_RUNS),
    ...rolloutVerdictDrafts(db),
    ...correctionsWantedDrafts(db),
  ];
  return inTransaction(db, (tx) => {
    const settings = new Map(listQueueSettings(tx).map((s) => [s.queue, s]));
    const created = Object.fromEntries(REVIEW_QUEUE_IDS.map((q) => [q, 0])) as Record<ReviewQueueId, number>;
    for (const d of drafts) {
      const inserted = tx
        .insert(reviewItem)
        .values({
          id: randomUUID(),
          queue: d.queue,
          subjectId: d.subjectId,
          taskId: d.taskId,
          trajectoryId: d.trajectoryId,
          nodeId: d.nodeId ?? null,
          flag: d.flag ?? null,
          summary: clip(d.summary),
          iterationId: d.iterationId,
          requiredReviews: settings.get(d.queue)!.requiredReviews,
        })
        .onConflictDoNothing()
        .run();
      created[d.queue] += inserted.changes;
    }
    // An LF flag concerns one version: once the node has a newer one, the open item is moot.
    const obsoleted = tx.run(sql`
      update review_item set status = 'obsolete'
      where queue = 'lf_flag' and status = 'open' and subject_id like 'lf:%'
        and not exists (
          select 1 from pool_node p
          where p.id = review_item.node_id and 'lf:' || p.current_version_id || ':' || review_item.flag = review_item.subject_id
        )`).changes;
    // A rollout-verdict question is moot once rescoring made the graph agree with a known
    // environment verdict (e.g. after a merge or an LF edit).
    const settledVerdicts = tx.run(sql`
      update review_item set status = 'obsolete'
      where queue = 'rollout_verdict' and status = 'open'
        and exists (
          select 1 from trajectory t
          where t.id = review_item.trajectory_id and t.env_success is not null and t.env_success = t.graph_verdict
        )`).changes;
    // A correction is wanted no more once one is saved, or once the rollout no longer counts as
    // failed (rescoring changed the category of a rollout with no environment verdict).
    const corrected = tx.run(sql`
      update review_item set status = 'obsolete'
      where queue = 'corrections_wanted' and status = 'open'
        and (
          exists (
            select 1 from trajectory c
            where c.kind = 'correction' and c.derived_from_id = review_item.trajectory_id)
          or not exists (
            select 1 from trajectory t
            where t.id = review_item.trajectory_id and ${isFailedRolloutSql(sql`t`)})
        )`).changes;
    return { created, obsoleted: obsoleted + settledVerdicts + corrected };
  });
}

function proposedPathDrafts(db: Db): ItemDraft[] {
  return db
    .select({
      id: proposedPath.id,
      taskId: proposedPath.taskId,
      trajectoryId: proposedPath.trajectoryId,
      nodes: proposedPath.nodes,
      iterationId: proposedPath.iterationId,
      externalId: task.externalId,
    })
    .from(proposedPath)
    .innerJoin(task, eq(task.id, proposedPath.taskId))
    .where(eq(proposedPath.status, 'pending'))
    .all()
    .map((p) => ({
      queue: 'proposed_path' as const,
      subjectId: p.id,
      taskId: p.taskId,
      trajectoryId: p.trajectoryId,
      summary: `${p.externalId}: ${p.nodes.length}-node path, ${p.nodes.filter((n) => !n.nodeId).length} new`,
      iterationId: p.iterationId,
    }));
}

function intentDrafts(db: Db): ItemDraft[] {
  return db
    .select()
    .from(extrapolatedIntent)
    .where(and(eq(extrapolatedIntent.status, 'pending'), isNotNull(extrapolatedIntent.intent)))
    .all()
    .map((i) => ({
      queue: 'extrapolated_intent' as const,
      subjectId: i.id,
      taskId: i.taskId,
      trajectoryId: i.trajectoryId,
      summary: i.intent!,
      iterationId: i.iterationId,
    }));
}

function proposedTaskDrafts(db: Db): ItemDraft[] {
  return db
    .select()
    .from(proposedTask)
    .where(eq(proposedTask.status, 'pending'))
    .all()
    .map((p) => ({
      queue: 'proposed_task' as const,
      subjectId: p.id,
      taskId: p.parentTaskId,
      trajectoryId: p.sourceTrajectoryId,
      summary: p.intent,
      iterationId: p.iterationId,
    }));
}

/** Key steps of expert demos that no synthesis attempt passed (a rollout's go with its proposal). */
function keyStepFlagDrafts(db: Db): ItemDraft[] {
  return db
    .select({
      id: keyStep.id,
      taskId: keyStep.taskId,
      trajectoryId: keyStep.trajectoryId,
      description: keyStep.description,
      iterationId: trajectory.iterationId,
    })
    .from(keyStep)
    .innerJoin(trajectory, eq(trajectory.id, keyStep.trajectoryId))
    .where(and(eq(keyStep.status, 'flagged'), eq(trajectory.kind, 'expert')))
    .all()
    .map((k) => ({
      queue: 'lf_flag' as const,
      subjectId: `key_step:${k.id}`,
      taskId: k.taskId,
      trajectoryId: k.trajectoryId,
      flag: 'no_passing_function' as const,
      summary: `No passing label function: ${k.description}`,
      iterationId: k.iterationId,
    }));
}

const FLAG_SUMMARY: Record<Exclude<LfReviewFlag, 'no_passing_function'>, string> = {
  passes_everything: 'Passes on every run',
  passes_nothing: 'Passes on no run',
  errors: 'Raises errors',
  disagrees_with_env: 'Let a rollout pass that the environment failed',
};

function labelFunctionFlagDrafts(db: Db, minRuns: number): ItemDraft[] {
  const current = new Map(
    db
      .select({ id: poolNode.id, versionId: poolNode.currentVersionId, description: poolNode.description })
      .from(poolNode)
      .all()
      .map((n) => [n.id, n]),
  );
  const drafts: ItemDraft[] = [];
  const push = (
    nodeId: string,
    flag: Exclude<LfReviewFlag, 'no_passing_function'>,
    taskId: string | null,
  ) => {
    const node = current.get(nodeId);
    if (!node?.versionId) return;
    drafts.push({
      queue: 'lf_flag',
      subjectId: `lf:${node.versionId}:${flag}`,
      taskId,
      trajectoryId: null,
      nodeId,
      flag,
      summary: `${FLAG_SUMMARY[flag]}: ${node.description}`,
      iterationId: null,
    });
  };
  // "Passes on every run" asks a human only when a run the environment failed is among them: an LF
  // passing every run of a task that always succeeded is doing its job (the embedded demo's 100
  // mostly successful rollouts flagged 84 of 103 LFs before this rule).
  const passedAnEnvFailure = new Set(
    db
      .selectDistinct({ nodeId: lfResult.nodeId })
      .from(lfResult)
      .innerJoin(trajectory, eq(trajectory.id, lfResult.trajectoryId))
      .innerJoin(poolNode, eq(poolNode.currentVersionId, lfResult.lfVersionId))
      .where(and(eq(trajectory.envSuccess, false), eq(lfResult.result, true)))
      .all()
      .map((r) => r.nodeId),
  );
  for (const lf of getLabelFunctionQuality(db, { minRuns }).perLabelFunction) {
    for (const flag of lf.flags) {
      if (flag === 'passes_everything' && !passedAnEnvFailure.has(lf.nodeId)) continue;
      push(lf.nodeId, flag, lf.taskIds[0] ?? null);
    }
  }
  // False positives: the graph passed a rollout the environment failed; every node of the matched
  // path helped let it through.
  const falsePositives = db
    .select({ taskId: trajectory.taskId, matchedPath: trajectory.matchedPath })
    .from(trajectory)
    .where(
      and(
        eq(trajectory.kind, 'rollout'),
        eq(trajectory.graphVerdict, true),
        eq(trajectory.envSuccess, false),
      ),
    )
    .all();
  const seen = new Set<string>();
  for (const fp of falsePositives) {
    for (const nodeId of fp.matchedPath ?? []) {
      if (seen.has(nodeId)) continue;
      seen.add(nodeId);
      push(nodeId, 'disagrees_with_env', fp.taskId);
    }
  }
  return drafts;
}

function rolloutVerdictDrafts(db: Db): ItemDraft[] {
  return db
    .select({
      id: trajectory.id,
      taskId: trajectory.taskId,
      iterationId: trajectory.iterationId,
      graphVerdict: trajectory.graphVerdict,
      envSuccess: trajectory.envSuccess,
      externalId: trajectory.externalId,
      intent: task.intent,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(
      and(
        eq(trajectory.kind, 'rollout'),
        isNotNull(trajectory.graphVerdict),
        or(isNull(trajectory.envSuccess), sql`${trajectory.envSuccess} <> ${trajectory.graphVerdict}`),
      ),
    )
    .all()
    .map((t) => ({
      queue: 'rollout_verdict' as const,
      subjectId: t.id,
      taskId: t.taskId,
      trajectoryId: t.id,
      summary: `${t.envSuccess === null ? 'Environment verdict unknown' : 'Graph and environment disagree'}: ${t.intent}`,
      iterationId: t.iterationId,
    }));
}

/**
 * `isFailedRollout` (`lib/core/corrections.ts`) as SQL over the trajectory alias `t`: a complete
 * rollout the environment failed, or, with no environment verdict, one categorised Failed.
 */
function isFailedRolloutSql(t: SQL): SQL {
  return sql`${t}.kind = 'rollout' and ${t}.status = 'complete'
    and (${t}.env_success = 0 or (${t}.env_success is null and ${t}.category = 'failed'))`;
}

/**
 * Failed rollouts that nobody corrected yet and that a person can take over (web tasks with an app
 * or a start URL): one `corrections_wanted` item each.
 */
function correctionsWantedDrafts(db: Db): ItemDraft[] {
  return db
    .all<{
      id: string;
      taskId: string;
      iterationId: number | null;
      envSuccess: number | null;
      intent: string;
    }>(
      sql`
      select t.id, t.task_id as taskId, t.iteration_id as iterationId, t.env_success as envSuccess,
             k.intent
      from trajectory t join task k on k.id = t.task_id
      where ${isFailedRolloutSql(sql`t`)}
        -- Only rollouts a person can take over: web tasks with an app or a start URL
        -- (recording-service.ts loadRecordableTask).
        and k.environment = 'web' and (k.source = 'state-api' or k.start_url is not null)
        and not exists (
          select 1 from trajectory c where c.kind = 'correction' and c.derived_from_id = t.id)
      order by t.created_at, t.id`,
    )
    .map((t) => ({
      queue: 'corrections_wanted' as const,
      subjectId: t.id,
      taskId: t.taskId,
      trajectoryId: t.id,
      summary: `${t.envSuccess === 0 ? 'Failed (environment)' : 'Failed (graph; no environment verdict)'}: ${t.intent}`,
      iterationId: t.iterationId,
    }));
}
