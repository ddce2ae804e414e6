/**
 * Read side of pipeline runs for the UI and the CLI: a run with its job and units, the key steps
 * with every synthesis attempt in order, what the run proposed, and synthesis rates per model.
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { invalidRate } from '@/lib/core/abstraction/intents';
import { skipCodeOf, skipHint, type SkippedUnit } from '@/lib/core/abstraction/skip-reasons';
import { computeSynthesisRates } from '@/lib/core/abstraction/synthesize';
import { INVALID_RATE_WARNING, type AttemptOutcome, type KeyStepResult } from '@/lib/core/abstraction/types';
import { DomainError } from '@/lib/core/errors';
import type { Db } from '@/server/db/client';
import {
  extrapolatedIntent,
  job,
  keyStep,
  lfAttempt,
  pipelineItem,
  pipelineRun,
  proposedPath,
  proposedTask,
  task,
  trajectory,
} from '@/server/db/schema';

/**
 * A run with its current job, its units (newest result per subject, with the subject's task and
 * trajectory names and the failed model call, if any) and its figures ({@link computeRunStats}:
 * computed live until the run has finished, then the copy stored at the end — the run page polls
 * this every second while a run is active).
 * @throws DomainError NOT_FOUND
 */
export function getPipelineRun(db: Db, runId: string) {
  const run = db.select().from(pipelineRun).where(eq(pipelineRun.id, runId)).get();
  if (!run) throw new DomainError('NOT_FOUND', `Pipeline run ${runId} not found`);
  const currentJob = run.jobId
    ? (db
        .select({
          id: job.id,
          status: job.status,
          progress: job.progress,
          progressMessage: job.progressMessage,
          error: job.error,
        })
        .from(job)
        .where(eq(job.id, run.jobId))
        .get() ?? null)
    : null;
  const items = db
    .select({
      subjectId: pipelineItem.subjectId,
      taskId: pipelineItem.taskId,
      taskExternalId: task.externalId,
      trajectoryExternalId: trajectory.externalId,
      status: pipelineItem.status,
      error: pipelineItem.error,
      failedModelCallId: pipelineItem.failedModelCallId,
      summary: pipelineItem.summary,
    })
    .from(pipelineItem)
    .innerJoin(task, eq(task.id, pipelineItem.taskId))
    .leftJoin(trajectory, eq(trajectory.id, pipelineItem.subjectId))
    .where(eq(pipelineItem.runId, runId))
    .orderBy(asc(task.externalId), asc(pipelineItem.subjectId))
    .all();
  const tasks = run.scope.taskIds.length
    ? db
        .select({ id: task.id, externalId: task.externalId })
        .from(task)
        .where(inArray(task.id, run.scope.taskIds))
        .all()
    : [];
  // Live figures while the run may still change; the stored ones (written when its job ended) after.
  const active = currentJob?.status === 'queued' || currentJob?.status === 'running' || !run.finishedAt;
  // Skipped units are read live either way: runs stored before they were listed have none stored.
  const stats = active
    ? computeRunStats(db, runId)
    : { ...(run.stats as PipelineRunStats), skipped: listSkippedUnits(db, runId) };
  return { ...run, job: currentJob, items, tasks, stats };
}

/**
 * The key steps a run produced, grouped by trajectory in key-step order, each with every
 * synthesis attempt in attempt order (code, result, outcome, error, evidence step, model call).
 */
export function getRunKeySteps(db: Db, runId: string) {
  const steps = db
    .select({
      id: keyStep.id,
      taskId: keyStep.taskId,
      taskExternalId: task.externalId,
      trajectoryId: keyStep.trajectoryId,
      trajectoryExternalId: trajectory.externalId,
      trajectoryKind: trajectory.kind,
      position: keyStep.position,
      stepIndex: keyStep.stepIndex,
      description: keyStep.description,
      status: keyStep.status,
      nodeId: keyStep.nodeId,
      keyStepsCallId: keyStep.keyStepsCallId,
    })
    .from(keyStep)
    .innerJoin(task, eq(task.id, keyStep.taskId))
    .innerJoin(trajectory, eq(trajectory.id, keyStep.trajectoryId))
    .where(eq(keyStep.runId, runId))
    .orderBy(asc(task.externalId), asc(trajectory.externalId), asc(keyStep.position))
    .all();
  const attempts = steps.length
    ? db
        .select()
        .from(lfAttempt)
        .where(
          inArray(
            lfAttempt.keyStepId,
            steps.map((s) => s.id),
          ),
        )
        .orderBy(asc(lfAttempt.attempt))
        .all()
    : [];
  const byStep = new Map<string, typeof attempts>();
  for (const a of attempts) byStep.set(a.keyStepId, [...(byStep.get(a.keyStepId) ?? []), a]);
  return steps.map((s) => ({
    ...s,
    attempts: (byStep.get(s.id) ?? []).map((a) => ({
      attempt: a.attempt,
      code: a.code,
      result: a.result,
      outcome: a.outcome as AttemptOutcome,
      error: a.error,
      evidenceStep: a.evidenceStep,
      modelCallId: a.modelCallId,
    })),
  }));
}

/** What a run proposed for review: paths, extrapolated intents (dropped ones too) and tasks. */
export function getRunProposals(db: Db, runId: string) {
  const paths = db
    .select({
      id: proposedPath.id,
      taskId: proposedPath.taskId,
      taskExternalId: task.externalId,
      trajectoryId: proposedPath.trajectoryId,
      nodes: proposedPath.nodes,
      status: proposedPath.status,
      producedBy: proposedPath.producedBy,
    })
    .from(proposedPath)
    .innerJoin(task, eq(task.id, proposedPath.taskId))
    .where(eq(proposedPath.runId, runId))
    .all();
  const intents = db
    .select({
      id: extrapolatedIntent.id,
      taskId: extrapolatedIntent.taskId,
      taskExternalId: task.externalId,
      trajectoryId: extrapolatedIntent.trajectoryId,
      candidate: extrapolatedIntent.candidate,
      intent: extrapolatedIntent.intent,
      status: extrapolatedIntent.status,
      dropReason: extrapolatedIntent.dropReason,
      candidateCallId: extrapolatedIntent.candidateCallId,
      refineCallId: extrapolatedIntent.refineCallId,
      producedBy: extrapolatedIntent.producedBy,
    })
    .from(extrapolatedIntent)
    .innerJoin(task, eq(task.id, extrapolatedIntent.taskId))
    .where(eq(extrapolatedIntent.runId, runId))
    .all();
  const tasks = db
    .select({
      id: proposedTask.id,
      parentTaskId: proposedTask.parentTaskId,
      taskExternalId: task.externalId,
      sourceTrajectoryId: proposedTask.sourceTrajectoryId,
      intent: proposedTask.intent,
      params: proposedTask.params,
      variant: proposedTask.variant,
      status: proposedTask.status,
      modelCallId: proposedTask.modelCallId,
      producedBy: proposedTask.producedBy,
    })
    .from(proposedTask)
    .innerJoin(task, eq(task.id, proposedTask.parentTaskId))
    .where(eq(proposedTask.runId, runId))
    .all();
  return { paths, intents, tasks };
}

/**
 * OSR / FTSR / ESP (DESIGN.md › Label-function synthesis) per coder model, over every key step of
 * every run that synthesised label functions, newest model first.
 */
export function getSynthesisRatesByModel(db: Db) {
  const runs = db
    .select({ id: pipelineRun.id, providers: pipelineRun.providers })
    .from(pipelineRun)
    .where(inArray(pipelineRun.stage, ['abstract', 'propose_paths']))
    .orderBy(desc(pipelineRun.createdAt))
    .all();
  const modelOf = new Map(
    runs.map((r) => [r.id, `${r.providers.coder?.provider ?? '?'}:${r.providers.coder?.model ?? '?'}`]),
  );
  const perModel = new Map<string, KeyStepResult[]>();
  for (const s of runs.length ? getKeyStepsOfRuns(db, [...modelOf.keys()]) : []) {
    const model = modelOf.get(s.runId)!;
    perModel.set(model, [...(perModel.get(model) ?? []), s.result]);
  }
  return [...perModel.entries()].map(([model, keySteps]) => ({ model, ...computeSynthesisRates(keySteps) }));
}

function getKeyStepsOfRuns(db: Db, runIds: string[]) {
  const rows = db
    .select({ keyStep, attempt: lfAttempt })
    .from(keyStep)
    .leftJoin(lfAttempt, eq(lfAttempt.keyStepId, keyStep.id))
    .where(and(inArray(keyStep.runId, runIds)))
    .orderBy(asc(keyStep.id), asc(lfAttempt.attempt))
    .all();
  const byId = new Map<string, { runId: string; taskId: string; result: KeyStepResult }>();
  for (const { keyStep: s, attempt: a } of rows) {
    let entry = byId.get(s.id);
    if (!entry) {
      entry = {
        runId: s.runId,
        taskId: s.taskId,
        result: {
          position: s.position,
          stepIndex: s.stepIndex,
          description: s.description,
          status: s.status,
          code: s.code,
          attempts: [],
        },
      };
      byId.set(s.id, entry);
    }
    if (a) {
      entry.result.attempts.push({
        attempt: a.attempt,
        code: a.code,
        result: a.result,
        outcome: a.outcome as AttemptOutcome,
        error: a.error,
        evidenceStep: a.evidenceStep,
        modelCallId: a.modelCallId,
      });
    }
  }
  return [...byId.values()];
}

/**
 * The units a run skipped, each with its reason (`pipeline_item.summary.reason`) and, for
 * `abstract`, the reason's code and a hint (`lib/core/abstraction/skip-reasons.ts`), in task order.
 */
export function listSkippedUnits(db: Db, runId: string): SkippedUnit[] {
  return db
    .select({
      subjectId: pipelineItem.subjectId,
      taskId: pipelineItem.taskId,
      taskExternalId: task.externalId,
      trajectoryExternalId: trajectory.externalId,
      summary: pipelineItem.summary,
    })
    .from(pipelineItem)
    .innerJoin(task, eq(task.id, pipelineItem.taskId))
    .leftJoin(trajectory, eq(trajectory.id, pipelineItem.subjectId))
    .where(and(eq(pipelineItem.runId, runId), eq(pipelineItem.status, 'skipped')))
    .orderBy(asc(task.externalId), asc(pipelineItem.subjectId))
    .all()
    .map((row) => {
      const code = skipCodeOf(row.summary);
      const reason = row.summary?.reason;
      const isTask = row.subjectId === row.taskId;
      return {
        taskId: row.taskId,
        taskExternalId: row.taskExternalId,
        trajectoryId: isTask ? null : row.subjectId,
        trajectoryExternalId: isTask ? null : row.trajectoryExternalId,
        code,
        reason: typeof reason === 'string' && reason ? reason : 'no reason recorded',
        hint: skipHint(code),
      };
    });
}

/**
 * A run's figures: unit counts by status; the skipped units with their reasons; for runs with key steps the synthesis rates (OSR, FTSR,
 * ESP — DESIGN.md › Label-function synthesis, our definitions) overall and per task; for intent
 * runs the INVALID rate and whether it is above {@link INVALID_RATE_WARNING}; proposals created.
 */
export function computeRunStats(db: Db, runId: string) {
  const items = db.select().from(pipelineItem).where(eq(pipelineItem.runId, runId)).all();
  const units = { done: 0, failed: 0, skipped: 0 };
  for (const item of items) units[item.status]++;
  const keySteps = getKeyStepsOfRuns(db, [runId]).map((k) => ({ taskId: k.taskId, result: k.result }));
  const byTask = new Map<string, KeyStepResult[]>();
  for (const k of keySteps) byTask.set(k.taskId, [...(byTask.get(k.taskId) ?? []), k.result]);
  const perTask = [...byTask.entries()].map(([taskId, rows]) => ({ taskId, ...computeSynthesisRates(rows) }));
  const intents = db
    .select({ status: extrapolatedIntent.status })
    .from(extrapolatedIntent)
    .where(eq(extrapolatedIntent.runId, runId))
    .all();
  const rate = invalidRate(intents);
  return {
    units,
    skipped: listSkippedUnits(db, runId),
    synthesis: keySteps.length ? computeSynthesisRates(keySteps.map((k) => k.result)) : null,
    flaggedKeySteps: keySteps.filter((k) => k.result.status === 'flagged').length,
    perTask,
    intents: intents.length
      ? {
          total: intents.length,
          pending: intents.filter((i) => i.status === 'pending').length,
          invalid: intents.filter((i) => i.status === 'invalid').length,
          dropped: intents.filter((i) => i.status === 'dropped').length,
          invalidRate: rate,
          warning: rate !== null && rate > INVALID_RATE_WARNING,
        }
      : null,
    proposedPaths: db
      .select({ id: proposedPath.id })
      .from(proposedPath)
      .where(eq(proposedPath.runId, runId))
      .all().length,
    proposedTasks: db
      .select({ id: proposedTask.id })
      .from(proposedTask)
      .where(eq(proposedTask.runId, runId))
      .all().length,
  };
}

export type PipelineRunStats = ReturnType<typeof computeRunStats>;

/** Newest runs first, with their job's status and progress. */
export function listPipelineRuns(db: Db, params: { limit: number }) {
  return db
    .select({
      id: pipelineRun.id,
      stage: pipelineRun.stage,
      scope: pipelineRun.scope,
      providers: pipelineRun.providers,
      stats: pipelineRun.stats,
      createdBy: pipelineRun.createdBy,
      createdAt: pipelineRun.createdAt,
      finishedAt: pipelineRun.finishedAt,
      jobId: pipelineRun.jobId,
      status: job.status,
      progress: job.progress,
      progressMessage: job.progressMessage,
      error: job.error,
    })
    .from(pipelineRun)
    .leftJoin(job, eq(job.id, pipelineRun.jobId))
    .orderBy(desc(pipelineRun.createdAt))
    .limit(params.limit)
    .all();
}
