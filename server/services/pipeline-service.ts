/**
 * The model-driven half of the CORE loop as resumable jobs (issue 4 › Pipeline stages; DESIGN.md ›
 * Semantics). A **pipeline run** is one stage over a selection of tasks:
 *
 * - `abstract` — stages D, K, S and graph initialisation. Unit: a task. Each finished expert demo
 *   with steps (imported, recorded or promoted) is abstracted (`lib/core/abstraction/abstract.ts`:
 *   K by the `agent` model, up to 5 `coder` attempts per key step executed in the sandbox on that
 *   demo); every key step and attempt is stored, flagged key steps included. A task without a
 *   graph gets version 1 = the union of one linear path per demo over its passing key steps. A
 *   task that already has a graph keeps it (our choice: re-abstracting never rewrites a graph
 *   silently; new paths arrive as proposals). A task with no usable demo is skipped with a reason
 *   and a hint (`lib/core/abstraction/skip-reasons.ts`); the run's stats list every skipped unit
 *   (`computeRunStats` › `skipped`).
 * - `propose_paths` — categorise (score) the tasks, then for each Partially Passed rollout run K
 *   and S on it and store a **proposed path** (pool nodes reused by description), not merged.
 * - `infer_intents` — categorise, then for each Failed rollout run failure-driven intent inference
 *   and store the outcome (`pending` for review, `invalid` / `dropped` with the reason) as an
 *   **extrapolated intent**; the run's INVALID rate is recorded, with a warning above 30%.
 * - `augment` — categorise, then for each Fully Passed rollout ask for task variants (other
 *   template parameters or paraphrases) and store them as **proposed tasks**.
 *
 * Resumability: every unit is written in one transaction together with its `pipeline_item` row;
 * a resumed run (after a crash, a cancel or a fix to the provider settings) skips units already
 * `done` or `skipped` and retries `failed` ones. A unit whose model call failed records the call.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { abstractTrajectory } from '@/lib/core/abstraction/abstract';
import { parseAugmentReply } from '@/lib/core/abstraction/augment';
import { inferIntent } from '@/lib/core/abstraction/intents';
import { describeDemoProblems, selectAbstractionDemos } from '@/lib/core/abstraction/skip-reasons';
import { computeSynthesisRates } from '@/lib/core/abstraction/synthesize';
import {
  type AbstractionResult,
  type IntentOutcome,
  type KeyStepResult,
  type LfExecutor,
} from '@/lib/core/abstraction/types';
import { DomainError } from '@/lib/core/errors';
import { buildTrajectoryDict, type TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import { renderMessages } from '@/lib/core/llm/messages';
import { LlmCallError, type LlmStepView, type LlmTask, type PromptTemplate } from '@/lib/core/llm/types';
import { normalizeDescription } from '@/lib/core/strategy-graph/merge';
import type { Category } from '@/lib/core/types';
import { inTransaction, type Db } from '@/server/db/client';
import {
  extrapolatedIntent,
  job,
  keyStep,
  lfAttempt,
  media,
  pipelineItem,
  pipelineRun,
  proposedPath,
  proposedTask,
  step,
  task,
  trajectory,
  type PipelineStage,
} from '@/server/db/schema';
import type { LlmClients } from '@/server/llm/clients';
import { listPromptVersions, loadPrompt } from '@/server/llm/prompts';
import type { JobRunner } from '@/server/jobs/runner';
import type { LabelFunctionRunner } from '@/server/sandbox/label-function-runner';
import { initTaskGraph, type ChangeActor } from '@/server/services/graph-change-service';
import { getLatestGraphVersion } from '@/server/services/graph-service';
import { getOrCreateOpenIteration } from '@/server/services/iteration-service';
import { findPoolNodeByDescription } from '@/server/services/label-function-service';
import { computeRunStats } from '@/server/services/pipeline-query-service';
import { scoreTasks } from '@/server/services/scoring-service';

/** Stage → one line for the UI and the CLI help. */
export const STAGE_DESCRIPTIONS: Record<PipelineStage, string> = {
  abstract: 'Key steps and label functions from expert demos; version 1 of graphs that have none',
  propose_paths: 'Score, then propose new graph paths from Partially Passed rollouts',
  infer_intents: 'Score, then infer new task intents from Failed rollouts',
  augment: 'Score, then propose task variants from Fully Passed rollouts',
};

/** Variants asked for per Fully Passed rollout (our choice). */
export const AUGMENT_VARIANTS_PER_ROLLOUT = 3;

/** The job kind that runs pipeline stages. */
export const PIPELINE_JOB_KIND = 'pipeline';

export interface PipelineScope {
  taskIds: string[];
  iterationId: number | null;
}

/** Task ids of a scope: the given ids, plus tasks with a trajectory in `iterationId`. */
export function resolveScopeTaskIds(db: Db, scope: PipelineScope): string[] {
  const ids = new Set(scope.taskIds);
  if (scope.iterationId !== null) {
    for (const r of db
      .selectDistinct({ taskId: trajectory.taskId })
      .from(trajectory)
      .where(eq(trajectory.iterationId, scope.iterationId))
      .all())
      ids.add(r.taskId);
  }
  const known = ids.size
    ? db
        .select({ id: task.id })
        .from(task)
        .where(inArray(task.id, [...ids]))
        .all()
        .map((r) => r.id)
    : [];
  const missing = [...ids].filter((id) => !known.includes(id));
  if (missing.length)
    throw new DomainError('NOT_FOUND', `Unknown task ids: ${missing.slice(0, 5).join(', ')}`);
  return [...ids];
}

/**
 * Creates a run (no job): scope resolved, providers and prompt versions recorded. The CLI executes
 * it in-process with {@link executePipelineRun}; the server enqueues it ({@link startPipelineRun}).
 * @throws DomainError BAD_INPUT when the scope selects no task; NOT_FOUND for unknown task ids.
 */
export function createPipelineRun(
  db: Db,
  params: {
    stage: PipelineStage;
    scope: PipelineScope;
    actor: ChangeActor;
    providers: LlmClients['describe'];
  },
): { runId: string; iterationId: number } {
  const taskIds = resolveScopeTaskIds(db, params.scope);
  if (taskIds.length === 0) throw new DomainError('BAD_INPUT', 'Select at least one task or an iteration');
  const runId = randomUUID();
  const iterationId = inTransaction(db, (tx) => getOrCreateOpenIteration(tx));
  db.insert(pipelineRun)
    .values({
      id: runId,
      stage: params.stage,
      scope: { taskIds, iterationId: params.scope.iterationId },
      providers: params.providers(),
      promptVersions: listPromptVersions(),
      iterationId,
      createdBy: params.actor.label,
    })
    .run();
  return { runId, iterationId };
}

/** Creates a run ({@link createPipelineRun}) and enqueues its job. */
export function startPipelineRun(
  db: Db,
  jobs: JobRunner,
  params: Parameters<typeof createPipelineRun>[1],
): { runId: string; jobId: string } {
  const { runId, iterationId } = createPipelineRun(db, params);
  const jobId = jobs.enqueue(PIPELINE_JOB_KIND, { runId }, { createdBy: params.actor.userId, iterationId });
  db.update(pipelineRun).set({ jobId }).where(eq(pipelineRun.id, runId)).run();
  return { runId, jobId };
}

/**
 * Enqueues a run again; its units already done are skipped, failed ones retried.
 * @throws DomainError NOT_FOUND; CONFLICT while the run's job is queued or running.
 */
export function resumePipelineRun(
  db: Db,
  jobs: JobRunner,
  runId: string,
  actor: ChangeActor,
): { jobId: string } {
  const run = db.select().from(pipelineRun).where(eq(pipelineRun.id, runId)).get();
  if (!run) throw new DomainError('NOT_FOUND', `Pipeline run ${runId} not found`);
  const current = run.jobId
    ? db.select({ status: job.status }).from(job).where(eq(job.id, run.jobId)).get()
    : null;
  if (current && (current.status === 'queued' || current.status === 'running')) {
    throw new DomainError('CONFLICT', 'This run is already queued or running');
  }
  const jobId = jobs.enqueue(
    PIPELINE_JOB_KIND,
    { runId },
    { createdBy: actor.userId, iterationId: run.iterationId },
  );
  db.update(pipelineRun).set({ jobId, finishedAt: null }).where(eq(pipelineRun.id, runId)).run();
  return { jobId };
}

// ---------------------------------------------------------------------------------------------
// Loading what the models see
// ---------------------------------------------------------------------------------------------

interface LoadedTrajectory {
  id: string;
  taskId: string;
  objective: string;
  environment: 'web' | 'android';
  steps: LlmStepView[];
  dict: TrajectoryDict;
}

function loadTrajectory(db: Db, trajectoryId: string): LoadedTrajectory {
  const row = db
    .select({
      id: trajectory.id,
      taskId: trajectory.taskId,
      finalAnswer: trajectory.finalAnswer,
      intent: task.intent,
      template: task.template,
      params: task.params,
      environment: task.environment,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(eq(trajectory.id, trajectoryId))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Trajectory ${trajectoryId} not found`);
  const steps = db
    .select({ step, mime: media.mime })
    .from(step)
    .leftJoin(media, eq(media.hash, step.screenshotHash))
    .where(eq(step.trajectoryId, trajectoryId))
    .orderBy(asc(step.index))
    .all();
  return {
    id: row.id,
    taskId: row.taskId,
    objective: row.intent,
    environment: row.environment,
    steps: steps.map(({ step: s, mime }) => ({
      index: s.index,
      description: s.actionDescription,
      action: s.action,
      url: s.url,
      title: s.title,
      observation: s.elementsText,
      screenshot: s.screenshotHash && mime ? { mediaHash: s.screenshotHash, mime } : null,
    })),
    dict: buildTrajectoryDict({
      task: { intent: row.intent, template: row.template, params: row.params, environment: row.environment },
      trajectory: { finalAnswer: row.finalAnswer },
      steps: steps.map((s) => s.step),
    }),
  };
}

/** Runs one synthesised label function on one trajectory in the sandbox. */
export function sandboxExecutor(runner: LabelFunctionRunner): LfExecutor {
  return async (code, dict) => {
    const [result] = await runner.evaluate({
      labelFunctions: [{ id: 'attempt', code }],
      trajectories: [{ id: 'trajectory', trajectory: dict }],
    });
    return result!.evaluation;
  };
}

// ---------------------------------------------------------------------------------------------
// Storing units
// ---------------------------------------------------------------------------------------------

function insertKeySteps(
  tx: Db,
  params: {
    runId: string;
    taskId: string;
    trajectoryId: string;
    result: AbstractionResult;
    /** Pool id per passing key step, in order (null: not in the pool yet). */
    nodeIds?: readonly (string | null)[];
  },
): string[] {
  const passingIds = [...(params.nodeIds ?? [])];
  return params.result.keySteps.map((ks: KeyStepResult) => {
    const id = randomUUID();
    tx.insert(keyStep)
      .values({
        id,
        runId: params.runId,
        taskId: params.taskId,
        trajectoryId: params.trajectoryId,
        position: ks.position,
        stepIndex: ks.stepIndex,
        description: ks.description,
        status: ks.status,
        nodeId: ks.status === 'passed' ? (passingIds.shift() ?? null) : null,
        code: ks.code,
        keyStepsCallId: params.result.keyStepsCallId,
      })
      .run();
    for (const a of ks.attempts) {
      tx.insert(lfAttempt)
        .values({
          id: randomUUID(),
          keyStepId: id,
          attempt: a.attempt,
          code: a.code,
          result: a.result,
          outcome: a.outcome,
          error: a.error,
          evidenceStep: a.evidenceStep,
          modelCallId: a.modelCallId,
        })
        .run();
    }
    return id;
  });
}

function writeItem(
  tx: Db,
  params: {
    runId: string;
    subjectId: string;
    taskId: string;
    status: 'done' | 'failed' | 'skipped';
    error?: string | null;
    failedModelCallId?: string | null;
    summary?: Record<string, unknown>;
  },
): void {
  const values = {
    status: params.status,
    error: params.error ?? null,
    failedModelCallId: params.failedModelCallId ?? null,
    summary: params.summary ?? {},
  };
  tx.insert(pipelineItem)
    .values({ runId: params.runId, subjectId: params.subjectId, taskId: params.taskId, ...values })
    .onConflictDoUpdate({ target: [pipelineItem.runId, pipelineItem.subjectId], set: values })
    .run();
}

function passingDrafts(result: AbstractionResult) {
  return result.keySteps
    .filter((ks) => ks.status === 'passed' && ks.code !== null)
    .map((ks) => ({ description: ks.description, code: ks.code!, nodeId: null }));
}

function producedBy(clients: LlmClients): string {
  const d = clients.describe();
  const agent = `${d.agent.provider}:${d.agent.model}`;
  const coder = `${d.coder.provider}:${d.coder.model}`;
  return agent === coder ? agent : `agent=${agent}; coder=${coder}`;
}

// ---------------------------------------------------------------------------------------------
// Running a stage
// ---------------------------------------------------------------------------------------------

export interface PipelineContext {
  clients: LlmClients;
  runner: LabelFunctionRunner;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

interface Subject {
  id: string;
  taskId: string;
  label: string;
}

function subjectsForStage(db: Db, stage: PipelineStage, taskIds: string[]): Subject[] {
  if (taskIds.length === 0) return [];
  if (stage === 'abstract') {
    return db
      .select({ id: task.id, externalId: task.externalId })
      .from(task)
      .where(inArray(task.id, taskIds))
      .orderBy(asc(task.externalId))
      .all()
      .map((t) => ({ id: t.id, taskId: t.id, label: t.externalId }));
  }
  const category: Category =
    stage === 'propose_paths' ? 'partially_passed' : stage === 'infer_intents' ? 'failed' : 'fully_passed';
  return db
    .select({ id: trajectory.id, taskId: trajectory.taskId, externalId: trajectory.externalId })
    .from(trajectory)
    .where(
      and(
        inArray(trajectory.taskId, taskIds),
        eq(trajectory.kind, 'rollout'),
        eq(trajectory.category, category),
      ),
    )
    .orderBy(asc(trajectory.taskId), asc(trajectory.externalId))
    .all()
    .map((t) => ({ id: t.id, taskId: t.taskId, label: t.externalId ?? t.id }));
}

/**
 * Runs (or resumes) a pipeline run: the job handler's body. Units are processed one after the
 * other; between units the signal is checked.
 * @returns the run's stats (also stored on the run).
 * @throws DomainError NOT_FOUND for an unknown run; CONFLICT when cancelled (units finished so far
 *   are kept).
 */
export async function executePipelineRun(db: Db, runId: string, ctx: PipelineContext) {
  const run = db.select().from(pipelineRun).where(eq(pipelineRun.id, runId)).get();
  if (!run) throw new DomainError('NOT_FOUND', `Pipeline run ${runId} not found`);
  const taskIds = run.scope.taskIds;
  if (run.stage !== 'abstract') {
    ctx.onProgress?.(0, 'Categorising rollouts (scoring)');
    await scoreTasks(db, ctx.runner, taskIds, { signal: ctx.signal });
  }
  const subjects = subjectsForStage(db, run.stage, taskIds);
  const finished = new Set(
    db
      .select({ subjectId: pipelineItem.subjectId })
      .from(pipelineItem)
      .where(and(eq(pipelineItem.runId, runId), inArray(pipelineItem.status, ['done', 'skipped'])))
      .all()
      .map((r) => r.subjectId),
  );
  const prompts = {
    keySteps: loadPrompt('key_steps'),
    labelFunction: loadPrompt('label_function'),
    candidate: loadPrompt('intent_candidate'),
    refine: loadPrompt('intent_refine'),
    augment: loadPrompt('augment'),
  };
  const execute = sandboxExecutor(ctx.runner);
  const actor: ChangeActor = { userId: null, label: producedBy(ctx.clients) };

  for (const [i, subject] of subjects.entries()) {
    if (ctx.signal?.aborted) throw new DomainError('CONFLICT', 'Pipeline run cancelled');
    ctx.onProgress?.(i / Math.max(subjects.length, 1), `${subject.label} (${i + 1} of ${subjects.length})`);
    if (finished.has(subject.id)) continue;
    try {
      const unit = { db, runId, subject, ctx, prompts, execute, actor, iterationId: run.iterationId };
      if (run.stage === 'abstract') await abstractTask(unit);
      else if (run.stage === 'propose_paths') await proposePath(unit);
      else if (run.stage === 'infer_intents') await extrapolateIntent(unit);
      else await augmentTask(unit);
    } catch (error) {
      if (ctx.signal?.aborted) throw new DomainError('CONFLICT', 'Pipeline run cancelled');
      const message = error instanceof Error ? error.message : String(error);
      writeItem(db, {
        runId,
        subjectId: subject.id,
        taskId: subject.taskId,
        status: 'failed',
        error: message,
        failedModelCallId: error instanceof LlmCallError ? error.callId : null,
      });
    }
  }
  if (run.stage === 'abstract') {
    // New graphs change verdicts: score their tasks now (only missing results are evaluated).
    ctx.onProgress?.(0.99, 'Scoring the tasks against their graphs');
    await scoreTasks(
      db,
      ctx.runner,
      taskIds.filter((id) => getLatestGraphVersion(db, id)),
      { signal: ctx.signal },
    );
  }
  ctx.onProgress?.(1, 'Done');
  const stats = computeRunStats(db, runId);
  db.update(pipelineRun).set({ stats, finishedAt: new Date() }).where(eq(pipelineRun.id, runId)).run();
  return stats;
}

interface Unit {
  db: Db;
  runId: string;
  subject: Subject;
  ctx: PipelineContext;
  prompts: Record<'keySteps' | 'labelFunction' | 'candidate' | 'refine' | 'augment', PromptTemplate>;
  execute: LfExecutor;
  actor: ChangeActor;
  iterationId: number | null;
}

function abstractOne(unit: Unit, loaded: LoadedTrajectory) {
  return abstractTrajectory({
    objective: loaded.objective,
    environment: loaded.environment,
    steps: loaded.steps,
    trajectory: loaded.dict,
    agent: unit.ctx.clients.agent,
    coder: unit.ctx.clients.coder,
    prompts: { keySteps: unit.prompts.keySteps, labelFunction: unit.prompts.labelFunction },
    execute: unit.execute,
    runId: unit.runId,
    signal: unit.ctx.signal,
  });
}

async function abstractTask(unit: Unit): Promise<void> {
  const { db, subject } = unit;
  // Every expert demo of the task (imported, recorded, promoted); unfinished, errored, empty and
  // verifier-failed (unless promoted) ones are left out, and a task with none left is skipped with the reason (skip-reasons.ts).
  const selection = selectAbstractionDemos(
    db
      .select({
        id: trajectory.id,
        status: trajectory.status,
        stepCount: trajectory.stepCount,
        envSuccess: trajectory.envSuccess,
        source: trajectory.source,
      })
      .from(trajectory)
      .where(and(eq(trajectory.taskId, subject.taskId), eq(trajectory.kind, 'expert')))
      .orderBy(asc(trajectory.externalId), asc(trajectory.createdAt))
      .all(),
  );
  if (selection.skip) {
    writeItem(db, {
      ...itemKey(unit),
      status: 'skipped',
      summary: { reason: selection.skip.reason, reasonCode: selection.skip.code },
    });
    return;
  }
  const demos = selection.usable;
  const results: { trajectoryId: string; result: AbstractionResult }[] = [];
  for (const demo of demos) {
    results.push({ trajectoryId: demo.id, result: await abstractOne(unit, loadTrajectory(db, demo.id)) });
  }
  inTransaction(db, (tx) => {
    const existing = getLatestGraphVersion(tx, subject.taskId);
    const init = existing
      ? null
      : initTaskGraph(tx, {
          taskId: subject.taskId,
          paths: results.map((r) => passingDrafts(r.result)),
          actor: unit.actor,
          iterationId: unit.iterationId,
        });
    results.forEach((r, i) =>
      insertKeySteps(tx, {
        runId: unit.runId,
        taskId: subject.taskId,
        trajectoryId: r.trajectoryId,
        result: r.result,
        nodeIds: init?.pathNodeIds[i],
      }),
    );
    const keySteps = results.flatMap((r) => r.result.keySteps);
    writeItem(tx, {
      ...itemKey(unit),
      status: 'done',
      summary: {
        demos: demos.length,
        ...(selection.ignored.length ? { ignoredDemos: describeDemoProblems(selection.ignored) } : {}),
        keySteps: keySteps.length,
        flagged: keySteps.filter((k) => k.status === 'flagged').length,
        rates: computeSynthesisRates(keySteps),
        graph: existing
          ? { kept: existing.version }
          : init
            ? { created: init.version, nodes: new Set(init.pathNodeIds.flat()).size }
            : { created: null, reason: 'no key step got a passing label function' },
      },
    });
  });
}

function itemKey(unit: Unit) {
  return { runId: unit.runId, subjectId: unit.subject.id, taskId: unit.subject.taskId };
}

function hasPending(
  db: Db,
  table: typeof proposedPath | typeof extrapolatedIntent,
  trajectoryId: string,
): boolean {
  return (
    db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.trajectoryId, trajectoryId), eq(table.status, 'pending')))
      .get() !== undefined
  );
}

async function proposePath(unit: Unit): Promise<void> {
  const { db, subject } = unit;
  if (hasPending(db, proposedPath, subject.id)) {
    writeItem(db, {
      ...itemKey(unit),
      status: 'skipped',
      summary: { reason: 'a proposed path is already pending' },
    });
    return;
  }
  const result = await abstractOne(unit, loadTrajectory(db, subject.id));
  inTransaction(db, (tx) => {
    const drafts = passingDrafts(result).map((d) => ({
      ...d,
      nodeId: findPoolNodeByDescription(tx, d.description)?.id ?? null,
    }));
    insertKeySteps(tx, {
      runId: unit.runId,
      taskId: subject.taskId,
      trajectoryId: subject.id,
      result,
      nodeIds: drafts.map((d) => d.nodeId),
    });
    let proposalId: string | null = null;
    if (drafts.length > 0) {
      proposalId = randomUUID();
      tx.insert(proposedPath)
        .values({
          id: proposalId,
          runId: unit.runId,
          taskId: subject.taskId,
          trajectoryId: subject.id,
          nodes: drafts,
          producedBy: unit.actor.label,
          iterationId: unit.iterationId,
        })
        .run();
    }
    writeItem(tx, {
      ...itemKey(unit),
      status: drafts.length ? 'done' : 'skipped',
      summary: {
        keySteps: result.keySteps.length,
        flagged: result.keySteps.filter((k) => k.status === 'flagged').length,
        reusedNodes: drafts.filter((d) => d.nodeId).length,
        newNodes: drafts.filter((d) => !d.nodeId).length,
        proposedPathId: proposalId,
        ...(drafts.length ? {} : { reason: 'no key step got a passing label function' }),
      },
    });
  });
}

async function extrapolateIntent(unit: Unit): Promise<void> {
  const { db, subject } = unit;
  if (hasPending(db, extrapolatedIntent, subject.id)) {
    writeItem(db, {
      ...itemKey(unit),
      status: 'skipped',
      summary: { reason: 'an intent is already pending' },
    });
    return;
  }
  const loaded = loadTrajectory(db, subject.id);
  const outcome: IntentOutcome = await inferIntent({
    objective: loaded.objective,
    environment: loaded.environment,
    steps: loaded.steps,
    agent: unit.ctx.clients.agent,
    prompts: { candidate: unit.prompts.candidate, refine: unit.prompts.refine },
    runId: unit.runId,
    signal: unit.ctx.signal,
  });
  inTransaction(db, (tx) => {
    const id = randomUUID();
    tx.insert(extrapolatedIntent)
      .values({
        id,
        runId: unit.runId,
        taskId: subject.taskId,
        trajectoryId: subject.id,
        candidate: outcome.candidate,
        intent: outcome.intent,
        status: outcome.status,
        dropReason: outcome.status === 'pending' ? null : outcome.reason,
        candidateCallId: outcome.candidateCallId,
        refineCallId: outcome.refineCallId,
        producedBy: `${unit.ctx.clients.agent.provider}:${unit.ctx.clients.agent.model}`,
        iterationId: unit.iterationId,
      })
      .run();
    writeItem(tx, { ...itemKey(unit), status: 'done', summary: { intentId: id, outcome: outcome.status } });
  });
}

async function augmentTask(unit: Unit): Promise<void> {
  const { db, subject } = unit;
  const loaded = loadTrajectory(db, subject.id);
  const parent = db.select().from(task).where(eq(task.id, subject.taskId)).get()!;
  const siblingParams = parent.template
    ? db
        .select({ id: task.id, params: task.params })
        .from(task)
        .where(eq(task.template, parent.template))
        .all()
        .filter((t) => t.id !== parent.id && t.params)
        .map((t) => t.params!)
    : [];
  const llmTask: LlmTask = {
    purpose: 'augment',
    objective: parent.intent,
    environment: parent.environment,
    template: parent.template,
    params: parent.params,
    siblingParams,
    steps: loaded.steps,
    count: AUGMENT_VARIANTS_PER_ROLLOUT,
  };
  const completion = await unit.ctx.clients.agent.complete({
    task: llmTask,
    messages: renderMessages(unit.prompts.augment, llmTask),
    promptId: unit.prompts.augment.id,
    promptVersion: unit.prompts.augment.version,
    runId: unit.runId,
    signal: unit.ctx.signal,
  });
  const variants = parseAugmentReply(completion.text, {
    originalIntent: parent.intent,
    template: parent.template,
    count: AUGMENT_VARIANTS_PER_ROLLOUT,
  });
  inTransaction(db, (tx) => {
    const taken = new Set(
      [
        ...tx.select({ intent: task.intent }).from(task).all(),
        ...tx.select({ intent: proposedTask.intent }).from(proposedTask).all(),
      ].map((r) => normalizeDescription(r.intent)),
    );
    const fresh = variants.filter((v) => !taken.has(normalizeDescription(v.intent)));
    for (const v of fresh) {
      tx.insert(proposedTask)
        .values({
          id: randomUUID(),
          runId: unit.runId,
          parentTaskId: parent.id,
          sourceTrajectoryId: subject.id,
          intent: v.intent,
          template: v.variant === 'template' ? parent.template : null,
          params: v.params,
          variant: v.variant,
          modelCallId: completion.callId,
          producedBy: `${completion.provider}:${completion.model}`,
          iterationId: unit.iterationId,
        })
        .run();
    }
    writeItem(tx, {
      ...itemKey(unit),
      status: 'done',
      summary: { proposed: fresh.length, duplicates: variants.length - fresh.length },
    });
  });
}
