/**
 * Label-function editing inside the product (issue 5 › Label-function editing): what the editor
 * shows for a pool node, the version history, test runs of a draft against the current version in
 * the sandbox, saving (a new version + rescoring of the tasks it affects) and reverting.
 *
 * Versions are never edited: a save or a revert adds one through
 * {@link saveLabelFunctionVersion}, which refuses a save based on a version that is no longer
 * current (CONFLICT) rather than silently overwriting someone else's edit.
 *
 * A test run is the `lf_test` job ({@link LF_TEST_JOB_KIND}): it evaluates the draft code AND the
 * current version's code on each chosen trajectory in the sandbox (never outside it), in chunks of
 * {@link TEST_CHUNK_TRAJECTORIES} trajectories so a cancel takes effect between chunks. Nothing it
 * computes is stored as an `lf_result`: a draft is not a version.
 *
 * Default sample ({@link pickDefaultSample}), used when the editor chooses none: every expert demo
 * of the tasks whose newest graph uses the node, plus up to {@link DEFAULT_ROLLOUT_SAMPLE} of their
 * rollouts. The pick is deterministic: trajectories are ordered by sha256(`<nodeId>:<trajectoryId>`)
 * and the first ones taken, so the same node gets the same sample on every run, the sample spreads
 * over tasks regardless of import order, and a newly imported rollout joins it only if its hash
 * sorts before the ones already picked. When demos alone would pass {@link MAX_TEST_TRAJECTORIES},
 * the demos are cut to what fits beside the rollouts, in the same hash order.
 */
import { createHash } from 'node:crypto';
import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { DomainError } from '@/lib/core/errors';
import { LF_OUTCOMES } from '@/lib/core/label-functions/types';
import { CATEGORIES, TRAJECTORY_KINDS } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import { job, labelFunctionVersion, poolNode, task, trajectory } from '@/server/db/schema';
import type { JobRunner } from '@/server/jobs/runner';
import {
  MAX_LF_SOURCE_BYTES,
  type LabelFunctionRunner,
  type SandboxedLfEvaluation,
} from '@/server/sandbox/label-function-runner';
import { getJobOrThrow } from '@/server/services/job-service';
import { loadTrajectoryDicts } from '@/server/services/trajectory-service';
import {
  saveLabelFunctionVersion,
  tasksUsingNode,
  type ChangeActor,
} from '@/server/services/graph-change-service';

/** The job kind of a test run. */
export const LF_TEST_JOB_KIND = 'lf_test';
/** Most trajectories one test run may cover (each is evaluated twice: draft and current). */
export const MAX_TEST_TRAJECTORIES = 200;
/** Rollouts in the default sample (besides every expert demo). */
export const DEFAULT_ROLLOUT_SAMPLE = 20;
/** Trajectories sent to the sandbox per round; a cancel is honoured between rounds. */
export const TEST_CHUNK_TRAJECTORIES = 10;
/** Tasks, demos and rollouts the editor lists at most (counts are always complete). */
export const MAX_EDITOR_TASKS = 200;
export const MAX_EDITOR_DEMOS = 500;
export const MAX_EDITOR_ROLLOUTS = 500;
/** Captured prints kept per evaluation in a test result (the sandbox caps them at 16 KiB). */
export const MAX_TEST_OUTPUT_CHARS = 2000;
/** Longest save / revert reason. */
export const MAX_REASON_CHARS = 500;

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/** One evaluation in a test run: the sandbox's verdict on one trajectory. */
export const ZLfTestCellSchema = z.object({
  /** True / false when the function returned a bool; null on any failure (see `outcome`). */
  result: z.boolean().nullable(),
  outcome: z.enum(LF_OUTCOMES),
  /** 0-based step index of the evidence; null when none. */
  evidenceStep: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
  /** Captured prints, cut to {@link MAX_TEST_OUTPUT_CHARS}. */
  output: z.string(),
});
export type TLfTestCell = z.infer<typeof ZLfTestCellSchema>;

export const ZLfTestRowSchema = z.object({
  trajectoryId: z.string(),
  externalId: z.string().nullable(),
  taskId: z.string(),
  taskExternalId: z.string(),
  kind: z.enum(TRAJECTORY_KINDS),
  envSuccess: z.boolean().nullable(),
  category: z.enum(CATEGORIES).nullable(),
  /** The current version's evaluation; null when the node has no version yet. */
  current: ZLfTestCellSchema.nullable(),
  draft: ZLfTestCellSchema,
  /** Status (pass / fail / error) or evidence step differs between current and draft. */
  changed: z.boolean(),
});
export type TLfTestRow = z.infer<typeof ZLfTestRowSchema>;

const ZStatusCountsSchema = z.object({
  pass: z.number().int(),
  fail: z.number().int(),
  error: z.number().int(),
});
export type TStatusCounts = z.infer<typeof ZStatusCountsSchema>;

const ZTotalsGroupSchema = z.object({
  trajectories: z.number().int(),
  changed: z.number().int(),
  /** Rows that pass with the draft but not with the current version, and the reverse. */
  gained: z.number().int(),
  lost: z.number().int(),
  current: ZStatusCountsSchema,
  draft: ZStatusCountsSchema,
});
export type TTotalsGroup = z.infer<typeof ZTotalsGroupSchema>;

export const ZLfTestTotalsSchema = z.object({
  all: ZTotalsGroupSchema,
  expert: ZTotalsGroupSchema,
  rollout: ZTotalsGroupSchema,
});
export type TLfTestTotals = z.infer<typeof ZLfTestTotalsSchema>;

/** What a test run returns (and the `lf_test` job stores as its result). */
export const ZLfTestResultSchema = z.object({
  nodeId: z.string(),
  /** The version the draft was compared with (current when the run started); null when none. */
  baseVersionId: z.string().nullable(),
  baseVersion: z.number().int().nullable(),
  /** The draft code that was tested (the editor compares it with what is in the editor now). */
  code: z.string(),
  rows: z.array(ZLfTestRowSchema),
  totals: ZLfTestTotalsSchema,
  seconds: z.number(),
});
export type TLfTestResult = z.infer<typeof ZLfTestResultSchema>;

/** The `lf_test` job input: trajectoryIds null = the default sample. */
export const ZLfTestJobInputSchema = z.object({
  nodeId: z.string().min(1),
  code: z.string(),
  trajectoryIds: z.array(z.string().min(1)).nullable().default(null),
});
export type TLfTestJobInput = z.infer<typeof ZLfTestJobInputSchema>;

export interface LfTestOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------

/** The key the default sample is ordered by: sha256(`<nodeId>:<trajectoryId>`) in hex. */
export function sampleOrderKey(nodeId: string, trajectoryId: string): string {
  return createHash('sha256').update(`${nodeId}:${trajectoryId}`).digest('hex');
}

function byKey<T extends { id: string }>(nodeId: string, items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, key: sampleOrderKey(nodeId, item.id) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.item);
}

/**
 * The default test sample of a node (see the module comment): up to `rolloutLimit` rollouts and
 * every demo, at most `max` trajectories in all, picked by {@link sampleOrderKey}.
 * @returns trajectory ids, demos first (each group in pick order).
 */
export function pickDefaultSample(
  nodeId: string,
  demos: readonly { id: string }[],
  rollouts: readonly { id: string }[],
  limits: { rollouts?: number; max?: number } = {},
): string[] {
  const max = limits.max ?? MAX_TEST_TRAJECTORIES;
  const pickedRollouts = byKey(nodeId, rollouts).slice(
    0,
    Math.min(limits.rollouts ?? DEFAULT_ROLLOUT_SAMPLE, max),
  );
  const pickedDemos = byKey(nodeId, demos).slice(0, max - pickedRollouts.length);
  return [...pickedDemos, ...pickedRollouts].map((t) => t.id);
}

/** `pass` (returned True), `fail` (returned False) or `error` (anything else); null = not run. */
export function cellStatus(
  cell: Pick<TLfTestCell, 'result' | 'outcome'> | null,
): 'pass' | 'fail' | 'error' | null {
  if (!cell) return null;
  if (cell.outcome !== 'ok' || cell.result === null) return 'error';
  return cell.result ? 'pass' : 'fail';
}

/**
 * Whether the draft's evaluation differs from the current one: status ({@link cellStatus}) or
 * evidence step (which moves the progress score). False when there is no current version: there is
 * nothing to compare with.
 */
export function hasCellChanged(
  current: Pick<TLfTestCell, 'result' | 'outcome' | 'evidenceStep'> | null,
  draft: Pick<TLfTestCell, 'result' | 'outcome' | 'evidenceStep'>,
): boolean {
  if (!current) return false;
  return cellStatus(current) !== cellStatus(draft) || current.evidenceStep !== draft.evidenceStep;
}

function emptyGroup(): TTotalsGroup {
  return {
    trajectories: 0,
    changed: 0,
    gained: 0,
    lost: 0,
    current: { pass: 0, fail: 0, error: 0 },
    draft: { pass: 0, fail: 0, error: 0 },
  };
}

/** Totals over a test run's rows: all (corrections included), and per kind (expert demos, rollouts). */
export function summarizeTestRows(
  rows: readonly Pick<TLfTestRow, 'kind' | 'current' | 'draft' | 'changed'>[],
): TLfTestTotals {
  const totals: TLfTestTotals = { all: emptyGroup(), expert: emptyGroup(), rollout: emptyGroup() };
  for (const row of rows) {
    const before = cellStatus(row.current);
    const after = cellStatus(row.draft);
    // Corrections count in `all` only.
    for (const group of row.kind === 'correction' ? [totals.all] : [totals.all, totals[row.kind]]) {
      group.trajectories++;
      if (row.changed) group.changed++;
      if (before) group.current[before]++;
      if (after) group.draft[after]++;
      if (after === 'pass' && before !== 'pass') group.gained++;
      if (before === 'pass' && after !== 'pass') group.lost++;
    }
  }
  return totals;
}

function toCell(evaluation: SandboxedLfEvaluation): TLfTestCell {
  return {
    result: evaluation.result,
    outcome: evaluation.outcome,
    evidenceStep: evaluation.evidenceStep,
    error: evaluation.error,
    durationMs: evaluation.durationMs,
    output:
      evaluation.output.length > MAX_TEST_OUTPUT_CHARS
        ? `${evaluation.output.slice(0, MAX_TEST_OUTPUT_CHARS)}\n… (cut)`
        : evaluation.output,
  };
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

function getNodeOrThrow(db: Db, nodeId: string) {
  const node = db.select().from(poolNode).where(eq(poolNode.id, nodeId)).get();
  if (!node) throw new DomainError('NOT_FOUND', `Pool node ${nodeId} not found`);
  return node;
}

/** What the editor shows of a label-function version. */
const VERSION_COLUMNS = {
  id: labelFunctionVersion.id,
  version: labelFunctionVersion.version,
  code: labelFunctionVersion.code,
  author: labelFunctionVersion.author,
  reason: labelFunctionVersion.reason,
  createdAt: labelFunctionVersion.createdAt,
};

function getCurrentVersion(db: Db, versionId: string | null) {
  if (!versionId) return null;
  return (
    db
      .select(VERSION_COLUMNS)
      .from(labelFunctionVersion)
      .where(eq(labelFunctionVersion.id, versionId))
      .get() ?? null
  );
}

const TRAJECTORY_COLUMNS = {
  id: trajectory.id,
  externalId: trajectory.externalId,
  taskId: trajectory.taskId,
  taskExternalId: task.externalId,
  kind: trajectory.kind,
  envSuccess: trajectory.envSuccess,
  category: trajectory.category,
  stepCount: trajectory.stepCount,
};

function trajectoriesByIds(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return db
    .select(TRAJECTORY_COLUMNS)
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(inArray(trajectory.id, [...ids]))
    .orderBy(asc(trajectory.kind), asc(task.externalId), asc(trajectory.externalId), asc(trajectory.id))
    .all();
}

/** Ids and kinds of every trajectory of the tasks using the node (ids only: cheap at any size). */
function candidateTrajectories(db: Db, taskIds: readonly string[]) {
  if (taskIds.length === 0) return { demos: [], rollouts: [] };
  const rows = db
    .select({ id: trajectory.id, kind: trajectory.kind })
    .from(trajectory)
    .where(inArray(trajectory.taskId, [...taskIds]))
    .all();
  return {
    demos: rows.filter((r) => r.kind === 'expert'),
    rollouts: rows.filter((r) => r.kind === 'rollout'),
  };
}

/**
 * What the label-function editor shows for a pool node.
 * @returns `node` (id, description, createdBy, createdAt); `current` version (id, version, code,
 *   author, reason, createdAt) or null; `tasks` whose newest graph uses the node (id, externalId,
 *   intent; at most {@link MAX_EDITOR_TASKS}, `taskTotal` counts all); their expert `demos` and the
 *   `rollouts` available for sampling (id, externalId, taskId, taskExternalId, kind, envSuccess,
 *   category, stepCount; at most {@link MAX_EDITOR_DEMOS} / {@link MAX_EDITOR_ROLLOUTS}, default
 *   sample first, `demoTotal` / `rolloutTotal` count all); `defaultSampleIds`
 *   ({@link pickDefaultSample}); and the limits (`maxTestTrajectories`, `defaultRolloutSample`).
 * @throws DomainError NOT_FOUND for an unknown node.
 */
export function getLabelFunctionEditor(db: Db, nodeId: string) {
  const node = getNodeOrThrow(db, nodeId);
  const current = getCurrentVersion(db, node.currentVersionId);
  const taskIds = tasksUsingNode(db, nodeId);
  const tasks = taskIds.length
    ? db
        .select({ id: task.id, externalId: task.externalId, intent: task.intent })
        .from(task)
        .where(inArray(task.id, taskIds))
        .orderBy(asc(task.externalId))
        .limit(MAX_EDITOR_TASKS)
        .all()
    : [];
  const { demos, rollouts } = candidateTrajectories(db, taskIds);
  const defaultSampleIds = pickDefaultSample(nodeId, demos, rollouts);
  const inSample = new Set(defaultSampleIds);
  // Listed: the default sample first, then the rest in the same hash order, up to the bounds.
  const listed = (items: readonly { id: string }[], limit: number) => {
    const ordered = byKey(nodeId, items);
    return [...ordered.filter((t) => inSample.has(t.id)), ...ordered.filter((t) => !inSample.has(t.id))]
      .slice(0, limit)
      .map((t) => t.id);
  };
  const details = trajectoriesByIds(db, [
    ...listed(demos, MAX_EDITOR_DEMOS),
    ...listed(rollouts, MAX_EDITOR_ROLLOUTS),
  ]);
  return {
    node: {
      id: node.id,
      description: node.description,
      createdBy: node.createdBy,
      createdAt: node.createdAt,
    },
    current,
    tasks,
    taskTotal: taskIds.length,
    demos: details.filter((t) => t.kind === 'expert'),
    demoTotal: demos.length,
    rollouts: details.filter((t) => t.kind === 'rollout'),
    rolloutTotal: rollouts.length,
    defaultSampleIds,
    maxTestTrajectories: MAX_TEST_TRAJECTORIES,
    defaultRolloutSample: DEFAULT_ROLLOUT_SAMPLE,
  };
}

/**
 * Every version of a node's label function, newest first: id, version, code, author, reason,
 * createdAt and `isCurrent`.
 * @throws DomainError NOT_FOUND for an unknown node.
 */
export function listLabelFunctionVersions(db: Db, nodeId: string) {
  const node = getNodeOrThrow(db, nodeId);
  return db
    .select(VERSION_COLUMNS)
    .from(labelFunctionVersion)
    .where(eq(labelFunctionVersion.nodeId, nodeId))
    .orderBy(asc(labelFunctionVersion.version))
    .all()
    .reverse()
    .map((v) => ({ ...v, isCurrent: v.id === node.currentVersionId }));
}

// ---------------------------------------------------------------------------------------------
// Test runs
// ---------------------------------------------------------------------------------------------

function checkDraftCode(code: string): void {
  if (!code.trim()) throw new DomainError('BAD_INPUT', 'code: a label function cannot be empty');
  if (Buffer.byteLength(code, 'utf8') > MAX_LF_SOURCE_BYTES) {
    throw new DomainError('TOO_LARGE', `code: over the ${MAX_LF_SOURCE_BYTES / 1024} KiB source limit`);
  }
}

/**
 * The trajectories a test run covers: `trajectoryIds` (deduplicated, in the order given) or, when
 * null, the node's default sample.
 * @throws DomainError BAD_INPUT for more than {@link MAX_TEST_TRAJECTORIES} or an empty sample;
 *   NOT_FOUND naming unknown trajectory ids.
 */
export function resolveTestSample(db: Db, nodeId: string, trajectoryIds: readonly string[] | null): string[] {
  let ids: string[];
  if (trajectoryIds === null) {
    const { demos, rollouts } = candidateTrajectories(db, tasksUsingNode(db, nodeId));
    ids = pickDefaultSample(nodeId, demos, rollouts);
  } else {
    ids = [...new Set(trajectoryIds)];
  }
  if (ids.length > MAX_TEST_TRAJECTORIES) {
    throw new DomainError(
      'BAD_INPUT',
      `A test run covers at most ${MAX_TEST_TRAJECTORIES} trajectories; ${ids.length} were chosen`,
    );
  }
  if (ids.length === 0) {
    throw new DomainError(
      'BAD_INPUT',
      trajectoryIds === null
        ? `Node ${nodeId} is not used by any task's current graph, so there is no default sample; choose trajectories to test on`
        : 'Choose at least one trajectory to test on',
    );
  }
  const found = new Set(
    db
      .select({ id: trajectory.id })
      .from(trajectory)
      .where(inArray(trajectory.id, ids))
      .all()
      .map((r) => r.id),
  );
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) {
    throw new DomainError(
      'NOT_FOUND',
      `Trajectory ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} not found`,
    );
  }
  return ids;
}

const DRAFT_ID = 'draft';
const CURRENT_ID = 'current';

/**
 * Test-runs draft code for a node: evaluates the draft and the node's current version on each
 * chosen trajectory in the sandbox (batched, {@link TEST_CHUNK_TRAJECTORIES} trajectories per
 * round) and compares them. Stores nothing.
 * @param params.trajectoryIds the sample; null = the default sample ({@link pickDefaultSample}).
 * @returns {@link TLfTestResult}: one row per trajectory (demos first, then by task and
 *   trajectory external id) with both evaluations and `changed`, plus totals.
 * @throws DomainError BAD_INPUT (blank code, no or more than {@link MAX_TEST_TRAJECTORIES}
 *   trajectories), TOO_LARGE (code over the source limit), NOT_FOUND (node or trajectory),
 *   CONFLICT `Test run cancelled` when `signal` aborts (checked between rounds).
 */
export async function runLabelFunctionTest(
  db: Db,
  runner: LabelFunctionRunner,
  params: { nodeId: string; code: string; trajectoryIds: readonly string[] | null },
  options: LfTestOptions = {},
): Promise<TLfTestResult> {
  const started = performance.now();
  checkDraftCode(params.code);
  const node = getNodeOrThrow(db, params.nodeId);
  const current = getCurrentVersion(db, node.currentVersionId);
  const ids = resolveTestSample(db, params.nodeId, params.trajectoryIds);
  const meta = trajectoriesByIds(db, ids);
  const labelFunctions = [
    { id: DRAFT_ID, code: params.code },
    ...(current ? [{ id: CURRENT_ID, code: current.code }] : []),
  ];
  const total = meta.length * labelFunctions.length;
  const cells = new Map<string, { draft?: TLfTestCell; current?: TLfTestCell }>();
  let done = 0;
  for (let start = 0; start < meta.length; start += TEST_CHUNK_TRAJECTORIES) {
    if (options.signal?.aborted) throw new DomainError('CONFLICT', 'Test run cancelled');
    const chunk = meta.slice(start, start + TEST_CHUNK_TRAJECTORIES);
    options.onProgress?.(
      done / Math.max(total, 1),
      `Evaluating on trajectories ${start + 1}–${start + chunk.length} of ${meta.length}`,
    );
    const results = await runner.evaluate(
      {
        labelFunctions,
        trajectories: loadTrajectoryDicts(
          db,
          chunk.map((t) => t.id),
        ),
      },
      {
        onResult: () => {
          done++;
          options.onProgress?.(done / Math.max(total, 1), `Evaluated ${done} of ${total}`);
        },
      },
    );
    for (const r of results) {
      const entry = cells.get(r.trajectoryId) ?? {};
      entry[r.labelFunctionId === DRAFT_ID ? 'draft' : 'current'] = toCell(r.evaluation);
      cells.set(r.trajectoryId, entry);
    }
  }
  if (options.signal?.aborted) throw new DomainError('CONFLICT', 'Test run cancelled');
  const rows: TLfTestRow[] = meta.map((t) => {
    const entry = cells.get(t.id);
    if (!entry?.draft) throw new DomainError('INTERNAL', `No test result for trajectory ${t.id}`);
    const currentCell = entry.current ?? null;
    return {
      trajectoryId: t.id,
      externalId: t.externalId,
      taskId: t.taskId,
      taskExternalId: t.taskExternalId,
      kind: t.kind,
      envSuccess: t.envSuccess,
      category: t.category,
      current: currentCell,
      draft: entry.draft,
      changed: hasCellChanged(currentCell, entry.draft),
    };
  });
  options.onProgress?.(1, 'Done');
  return {
    nodeId: node.id,
    baseVersionId: current?.id ?? null,
    baseVersion: current?.version ?? null,
    code: params.code,
    rows,
    totals: summarizeTestRows(rows),
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}

/**
 * Starts a test run as an `lf_test` job after checking its input now (so a bad request fails at
 * once, not in the job). The sample is resolved here and pinned in the job input.
 * @returns the job id.
 * @throws as {@link runLabelFunctionTest} (BAD_INPUT, TOO_LARGE, NOT_FOUND).
 */
export function startLabelFunctionTest(
  db: Db,
  jobs: Pick<JobRunner, 'enqueue'>,
  params: { nodeId: string; code: string; trajectoryIds: readonly string[] | null; actor: ChangeActor },
): { jobId: string } {
  checkDraftCode(params.code);
  getNodeOrThrow(db, params.nodeId);
  const trajectoryIds = resolveTestSample(db, params.nodeId, params.trajectoryIds);
  const input: TLfTestJobInput = { nodeId: params.nodeId, code: params.code, trajectoryIds };
  return { jobId: jobs.enqueue(LF_TEST_JOB_KIND, input, { createdBy: params.actor.userId }) };
}

/**
 * A test run's job: status, progress, error and, once it succeeded, the parsed result.
 * @throws DomainError NOT_FOUND when the job does not exist or is not an `lf_test` job.
 */
export function getLabelFunctionTest(db: Db, jobId: string) {
  const row = db.select({ id: job.id }).from(job).where(eq(job.id, jobId)).get()
    ? getJobOrThrow(db, jobId)
    : null;
  if (!row || row.kind !== LF_TEST_JOB_KIND) {
    throw new DomainError('NOT_FOUND', `Label-function test run ${jobId} not found`);
  }
  const input = ZLfTestJobInputSchema.safeParse(row.input);
  const result = row.status === 'succeeded' ? ZLfTestResultSchema.safeParse(row.result) : null;
  if (result && !result.success) {
    throw new DomainError('INTERNAL', `The stored result of test run ${jobId} is malformed`);
  }
  return {
    jobId: row.id,
    nodeId: input.success ? input.data.nodeId : null,
    status: row.status,
    progress: row.progress,
    progressMessage: row.progressMessage,
    error: row.error,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    result: result?.data ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Saves and reverts
// ---------------------------------------------------------------------------------------------

function enqueueRescoring(
  jobs: Pick<JobRunner, 'enqueue'>,
  taskIds: readonly string[],
  actor: ChangeActor,
): string | null {
  if (taskIds.length === 0) return null;
  return jobs.enqueue('score', { taskIds: [...taskIds] }, { createdBy: actor.userId });
}

/**
 * Reverts a node's label function to an older version by saving that version's code as a new
 * version (reason `revert to vN`) through {@link saveLabelFunctionVersion}: history only grows.
 * @returns the new version's id and number and the tasks to rescore.
 * @throws DomainError NOT_FOUND (node, or a version not of this node), CONFLICT when `toVersionId`
 *   is already current, has the same code as the current version, or `basedOnVersionId` is stale.
 */
export function revertLabelFunction(
  db: Db,
  params: { nodeId: string; toVersionId: string; basedOnVersionId: string | null; actor: ChangeActor },
): { lfVersionId: string; version: number; affectedTaskIds: string[] } {
  const node = getNodeOrThrow(db, params.nodeId);
  const target = db
    .select({
      nodeId: labelFunctionVersion.nodeId,
      version: labelFunctionVersion.version,
      code: labelFunctionVersion.code,
    })
    .from(labelFunctionVersion)
    .where(eq(labelFunctionVersion.id, params.toVersionId))
    .get();
  if (!target || target.nodeId !== params.nodeId) {
    throw new DomainError(
      'NOT_FOUND',
      `Node ${params.nodeId} has no label-function version ${params.toVersionId}`,
    );
  }
  // A stale base is reported by saveLabelFunctionVersion; these checks only apply to a fresh one.
  if (node.currentVersionId === params.basedOnVersionId) {
    if (node.currentVersionId === params.toVersionId) {
      throw new DomainError('CONFLICT', `v${target.version} is already the current version`);
    }
    const current = getCurrentVersion(db, node.currentVersionId);
    if (current?.code === target.code) {
      throw new DomainError(
        'CONFLICT',
        `v${target.version} has the same code as the current version v${current.version}; nothing to revert`,
      );
    }
  }
  return saveLabelFunctionVersion(db, {
    nodeId: params.nodeId,
    code: target.code,
    basedOnVersionId: params.basedOnVersionId,
    reason: `revert to v${target.version}`,
    actor: params.actor,
  });
}

/** What a save or revert from the editor returns. */
export interface LabelFunctionSaveOutcome {
  lfVersionId: string;
  version: number;
  affectedTaskIds: string[];
  /** The `score` job rescoring the affected tasks; null when no task uses the node. */
  scoreJobId: string | null;
}

/**
 * Saves edited code as a new version ({@link saveLabelFunctionVersion}) and enqueues a `score` job
 * for the tasks whose newest graph uses the node.
 * @throws DomainError BAD_INPUT (blank code or reason), TOO_LARGE, NOT_FOUND (node), CONFLICT (stale
 *   base: "changed since you opened it"; or unchanged code).
 */
export function saveLabelFunctionEdit(
  db: Db,
  jobs: Pick<JobRunner, 'enqueue'>,
  params: {
    nodeId: string;
    code: string;
    basedOnVersionId: string | null;
    reason: string;
    actor: ChangeActor;
  },
): LabelFunctionSaveOutcome {
  checkDraftCode(params.code);
  const reason = params.reason.trim();
  if (!reason) throw new DomainError('BAD_INPUT', 'reason: say why you changed the label function');
  const saved = saveLabelFunctionVersion(db, { ...params, reason });
  return { ...saved, scoreJobId: enqueueRescoring(jobs, saved.affectedTaskIds, params.actor) };
}

/**
 * Reverts ({@link revertLabelFunction}) and enqueues a `score` job for the affected tasks.
 * @throws as {@link revertLabelFunction}.
 */
export function revertLabelFunctionEdit(
  db: Db,
  jobs: Pick<JobRunner, 'enqueue'>,
  params: Parameters<typeof revertLabelFunction>[1],
): LabelFunctionSaveOutcome {
  const saved = revertLabelFunction(db, params);
  return { ...saved, scoreJobId: enqueueRescoring(jobs, saved.affectedTaskIds, params.actor) };
}
