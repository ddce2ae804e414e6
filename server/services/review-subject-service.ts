/**
 * What a reviewer looks at for one review item (issue 5 › the review workspace): the item, its
 * task and rollout, the other reviewers' decisions where they may be seen, and per queue the
 * subject itself — a proposed path overlaid on the task's strategy graph with each label function's
 * result on the rollout, an extrapolated intent or proposed task with the model calls behind it, a
 * label-function flag with its evidence, a rollout whose verdicts disagree, or a failed rollout
 * to correct with the suggested first harmful step.
 *
 * Output is bounded: no step lists (the UI loads steps through the `trajectories` router), at most
 * {@link MAX_FLAG_ROLLOUTS} rollouts per flag, at most the 5 synthesis attempts per key step.
 * Everything here is read-only; decisions go through `review-queue-service.ts`.
 */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { HarmfulStepSuggestion } from '@/lib/core/corrections';
import { hasScope, type Role } from '@/lib/core/roles';
import {
  overlayProposedPath,
  type PathNodeKind,
  type PathOverlay,
} from '@/lib/core/strategy-graph/path-overlay';
import type { StrategyGraph } from '@/lib/core/strategy-graph/types';
import type { Category, TaskOrigin, TrajectoryKind } from '@/lib/core/types';
import type { Db } from '@/server/db/client';
import {
  extrapolatedIntent,
  keyStep,
  labelFunctionVersion,
  lfAttempt,
  lfResult,
  poolNode,
  proposedPath,
  proposedTask,
  reviewItem,
  stepComment,
  strategyGraphVersion,
  task,
  trajectory,
  user,
  type ReviewDecisionValue,
  type ReviewQueue,
} from '@/server/db/schema';
import { listCorrectionsOf, suggestHarmfulStep } from '@/server/services/correction-service';
import { getLatestGraphVersion, getPoolNodes, graphNodeIds } from '@/server/services/graph-service';
import { findPoolNodeByDescription } from '@/server/services/label-function-service';
import { listItemReviews } from '@/server/services/review-query-service';

/** Rollouts listed for a `disagrees_with_env` flag (the total is reported too). */
export const MAX_FLAG_ROLLOUTS = 20;

export interface ReviewViewer {
  id: string;
  role: Role;
}

export type ReviewItemRecord = typeof reviewItem.$inferSelect;

export interface ReviewSubjectTask {
  id: string;
  externalId: string;
  intent: string;
  startUrl: string | null;
  origin: TaskOrigin;
  environment: string;
  template: string | null;
  params: Record<string, unknown> | null;
}

export interface ReviewSubjectTrajectory {
  id: string;
  externalId: string | null;
  taskId: string;
  kind: TrajectoryKind;
  policy: string | null;
  envSuccess: boolean | null;
  graphVerdict: boolean | null;
  category: Category | null;
  progress: number | null;
  stepCount: number;
  finalAnswer: string | null;
  /** Unresolved step comments: how many, and on which 0-based steps (ascending). */
  comments: { count: number; steps: number[] };
}

export interface ReviewOfItem {
  userId: string | null;
  userName: string | null;
  kind: 'review' | 'adjudication';
  decision: ReviewDecisionValue;
  reason: string | null;
  edit: Record<string, unknown> | null;
  createdAt: Date;
}

interface ReviewSubjectBase {
  item: ReviewItemRecord;
  task: ReviewSubjectTask | null;
  trajectory: ReviewSubjectTrajectory | null;
  /**
   * Other reviewers' decisions. Empty for non-PI viewers while the item is `open` (reviews are
   * independent); `hiddenReviews` then says how many there are.
   */
  reviews: ReviewOfItem[];
  hiddenReviews: number;
  /** The viewer's own decision on this item, when they made one. */
  myReview: ReviewOfItem | null;
}

/** A node's result on the source rollout, from the stored LF result or the synthesis attempt. */
export interface PathNodeResult {
  /** `lf_result`: the current LF version run by scoring; `synthesis`: the passing attempt of the key step. */
  source: 'lf_result' | 'synthesis';
  result: boolean | null;
  outcome: string;
  /** 0-based step at which the LF's checks matched. */
  evidenceStep: number | null;
  error: string | null;
  /** Synthesis only: which attempt (1..5) passed, and its model call. */
  attempt: number | null;
  modelCallId: string | null;
}

export interface ReviewPathNode {
  position: number;
  overlayId: string;
  /** The pool id; null for a node an approval creates. */
  nodeId: string | null;
  kind: PathNodeKind;
  description: string;
  /** The code the merged graph would run: the pool node's current LF, or the proposed code for a new node. */
  code: string;
  /** The proposal's own code when the node reuses a pool node with different code (it is dropped on merge). */
  proposedCode: string | null;
  /** Current LF version number of a pool node. */
  lfVersion: number | null;
  /** True when the proposal named no pool node but one now has the same description (the merge reuses it). */
  resolvedByDescription: boolean;
  result: PathNodeResult | null;
  /** The key step of the proposal's run this node came from. */
  keyStep: { id: string; stepIndex: number | null; attempts: number } | null;
}

export interface ProposedPathSubject extends ReviewSubjectBase {
  queue: 'proposed_path';
  proposal: {
    id: string;
    status: string;
    runId: string | null;
    producedBy: string;
    createdAt: Date;
    reviewNote: string | null;
    graphVersionId: string | null;
  };
  /**
   * The graph the path is overlaid on: the task's newest, or for an approved path the version
   * before its merge; null when there was none (approval then creates version 1).
   */
  graph: { versionId: string; version: number; graph: StrategyGraph } | null;
  /** The graph version the approval created, once approved. */
  mergedInto: { versionId: string; version: number } | null;
  /** Descriptions of every pool node the graph or the path names (for labels). */
  graphNodes: { id: string; description: string }[];
  overlay: PathOverlay;
  pathNodes: ReviewPathNode[];
  /** The model call that chose the rollout's key steps (stage K). */
  keyStepsCallId: string | null;
  producedBy: string;
}

export interface ExtrapolatedIntentSubject extends ReviewSubjectBase {
  queue: 'extrapolated_intent';
  intent: {
    id: string;
    candidate: string | null;
    intent: string | null;
    status: string;
    dropReason: string | null;
    candidateCallId: string | null;
    refineCallId: string | null;
    producedBy: string;
    createdTaskId: string | null;
    runId: string | null;
  };
}

export interface ProposedTaskSubject extends ReviewSubjectBase {
  queue: 'proposed_task';
  proposal: {
    id: string;
    intent: string;
    template: string | null;
    params: Record<string, unknown> | null;
    variant: 'template' | 'paraphrase';
    status: string;
    modelCallId: string | null;
    producedBy: string;
    createdTaskId: string | null;
    runId: string | null;
  };
  /** The task it varies (also `task`). */
  parentTask: ReviewSubjectTask | null;
  /** The Fully Passed rollout it came from (also `trajectory`). */
  sourceRollout: ReviewSubjectTrajectory | null;
}

export interface LfFlagAttempt {
  attempt: number;
  code: string | null;
  result: boolean | null;
  outcome: string;
  error: string | null;
  evidenceStep: number | null;
  modelCallId: string | null;
}

export interface LfFlagRollout {
  id: string;
  externalId: string | null;
  taskId: string;
  taskExternalId: string;
  matchedPath: string[] | null;
  /** This node's evidence step on the rollout (current LF version), when stored. */
  evidenceStep: number | null;
}

export interface LfFlagSubject extends ReviewSubjectBase {
  queue: 'lf_flag';
  flag: string;
  node: { id: string; description: string } | null;
  /** The flagged label-function version (`lf:` items). */
  flaggedLf: { versionId: string; version: number; code: string; author: string; createdAt: Date } | null;
  /** The node's current label function (it may be newer than the flagged one). */
  currentLf: { versionId: string; version: number; code: string; author: string } | null;
  /** Results of the flagged version on all trajectories it ran on. */
  runCounts: { total: number; passed: number; failed: number; errors: number } | null;
  /** `no_passing_function`: the key step with its neighbours in the demo's key-step order. */
  keyStep: {
    id: string;
    description: string;
    stepIndex: number | null;
    position: number;
    trajectoryId: string;
    runId: string;
    keyStepsCallId: string | null;
    previous: { description: string; nodeId: string | null } | null;
    next: { description: string; nodeId: string | null } | null;
  } | null;
  /** `no_passing_function`: every synthesis attempt, in order. */
  attempts: LfFlagAttempt[];
  /** `disagrees_with_env`: rollouts the graph passed and the environment failed, with this node on the matched path. */
  disagreements: { rows: LfFlagRollout[]; total: number } | null;
}

export interface RolloutVerdictSubject extends ReviewSubjectBase {
  queue: 'rollout_verdict';
  verdict: {
    envSuccess: boolean | null;
    /** The environment's explanation of `envSuccess` (verifier message, evaluator details); third-party text. */
    envMessage: string | null;
    graphVerdict: boolean | null;
    category: Category | null;
    progress: number | null;
    matchedPath: { id: string; description: string | null }[] | null;
    scoredGraphVersion: { id: string; version: number } | null;
    scoredAt: Date | null;
    finalAnswer: string | null;
  };
}

export interface CorrectionsWantedSubject extends ReviewSubjectBase {
  queue: 'corrections_wanted';
  /** The failed rollout's verdicts (its steps load through the `trajectories` router). */
  rollout: {
    envSuccess: boolean | null;
    /** The environment's explanation of `envSuccess`; third-party text. */
    envMessage: string | null;
    graphVerdict: boolean | null;
    category: Category | null;
    progress: number | null;
    finalAnswer: string | null;
    stepCount: number;
    scoredGraphVersion: { id: string; version: number } | null;
  };
  /** Where progress stopped (`suggestHarmfulStep`): a 0-based step, or null, with the reason. */
  suggestion: HarmfulStepSuggestion;
  /** The first harmful step already marked on the rollout (0-based), with who marked it and when. */
  harmfulStep: { stepIndex: number; by: string | null; byName: string | null; at: Date | null } | null;
  /** Corrections saved of this rollout (an open item has none: saving one makes it obsolete). */
  corrections: { id: string; takeoverStep: number | null; envSuccess: boolean | null; createdAt: Date }[];
  /** The step the item opens at, pre-selected: the marked step, else the suggestion, else 0. */
  initialStep: number;
}

/** The subject of one review item, discriminated by `queue`. */
export type ReviewSubject =
  | ProposedPathSubject
  | ExtrapolatedIntentSubject
  | ProposedTaskSubject
  | LfFlagSubject
  | RolloutVerdictSubject
  | CorrectionsWantedSubject;

/**
 * Everything the review workspace shows for one item (see the module doc and {@link ReviewSubject}).
 * Reviews of other people are returned to PIs always, to others only once the item is no longer
 * `open`; the viewer's own review is always returned as `myReview`.
 * @throws DomainError NOT_FOUND when the item, or the proposal / flag / rollout it names, does not exist;
 *   BAD_INPUT when an `lf_flag` item's subject id is malformed.
 */
export function getReviewSubject(db: Db, params: { itemId: string; viewer: ReviewViewer }): ReviewSubject {
  const item = db.select().from(reviewItem).where(eq(reviewItem.id, params.itemId)).get();
  if (!item) throw new DomainError('NOT_FOUND', `Review item ${params.itemId} not found`);
  const base: ReviewSubjectBase = {
    item,
    task: item.taskId ? getTaskSummary(db, item.taskId) : null,
    trajectory: item.trajectoryId ? getTrajectorySummary(db, item.trajectoryId) : null,
    ...getReviews(db, item, params.viewer),
  };
  const queue: ReviewQueue = item.queue;
  switch (queue) {
    case 'proposed_path':
      return getProposedPathSubject(db, base);
    case 'extrapolated_intent':
      return getExtrapolatedIntentSubject(db, base);
    case 'proposed_task':
      return getProposedTaskSubject(db, base);
    case 'lf_flag':
      return getLfFlagSubject(db, base);
    case 'rollout_verdict':
      return getRolloutVerdictSubject(db, base);
    case 'corrections_wanted':
      return getCorrectionsWantedSubject(db, base);
    default: {
      const unknown: never = queue;
      throw new DomainError('BAD_INPUT', `Unknown review queue ${String(unknown)}`);
    }
  }
}

function getReviews(db: Db, item: ReviewItemRecord, viewer: ReviewViewer) {
  const rows: ReviewOfItem[] = listItemReviews(db, [item.id]).map(
    ({ itemId: _itemId, userEmail: _userEmail, ...review }) => review,
  );
  const mine = rows.find((r) => r.userId === viewer.id && r.kind === 'review') ?? null;
  const others = rows.filter((r) => r !== mine);
  const visible = item.status !== 'open' || hasScope(viewer.role, 'reviews:adjudicate');
  return {
    reviews: visible ? others : [],
    hiddenReviews: visible ? 0 : others.length,
    myReview: mine,
  };
}

function getTaskSummary(db: Db, taskId: string): ReviewSubjectTask | null {
  return (
    db
      .select({
        id: task.id,
        externalId: task.externalId,
        intent: task.intent,
        startUrl: task.startUrl,
        origin: task.origin,
        environment: task.environment,
        template: task.template,
        params: task.params,
      })
      .from(task)
      .where(eq(task.id, taskId))
      .get() ?? null
  );
}

function getTrajectorySummary(db: Db, trajectoryId: string): ReviewSubjectTrajectory | null {
  const row = db
    .select({
      id: trajectory.id,
      externalId: trajectory.externalId,
      taskId: trajectory.taskId,
      kind: trajectory.kind,
      policy: trajectory.policy,
      envSuccess: trajectory.envSuccess,
      graphVerdict: trajectory.graphVerdict,
      category: trajectory.category,
      progress: trajectory.progress,
      stepCount: trajectory.stepCount,
      finalAnswer: trajectory.finalAnswer,
    })
    .from(trajectory)
    .where(eq(trajectory.id, trajectoryId))
    .get();
  if (!row) return null;
  const comments = db
    .select({ stepIndex: stepComment.stepIndex, n: sql<number>`count(*)` })
    .from(stepComment)
    .where(and(eq(stepComment.trajectoryId, trajectoryId), isNull(stepComment.resolvedAt)))
    .groupBy(stepComment.stepIndex)
    .orderBy(asc(stepComment.stepIndex))
    .all();
  return {
    ...row,
    comments: {
      count: comments.reduce((sum, c) => sum + c.n, 0),
      steps: comments.map((c) => c.stepIndex),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Proposed paths
// ---------------------------------------------------------------------------------------------

function getProposedPathSubject(db: Db, base: ReviewSubjectBase): ProposedPathSubject {
  const proposal = db.select().from(proposedPath).where(eq(proposedPath.id, base.item.subjectId)).get();
  if (!proposal) throw new DomainError('NOT_FOUND', `Proposed path ${base.item.subjectId} not found`);
  // An approved path is shown on the graph it was merged into (the version before its merge), so
  // the overlay still says what the approval added; a pending one on the task's newest graph.
  const merged = proposal.graphVersionId
    ? db
        .select({ id: strategyGraphVersion.id, version: strategyGraphVersion.version })
        .from(strategyGraphVersion)
        .where(eq(strategyGraphVersion.id, proposal.graphVersionId))
        .get()
    : undefined;
  const latest = merged
    ? db
        .select()
        .from(strategyGraphVersion)
        .where(
          and(
            eq(strategyGraphVersion.taskId, proposal.taskId),
            eq(strategyGraphVersion.version, merged.version - 1),
          ),
        )
        .get()
    : getLatestGraphVersion(db, proposal.taskId);
  const graph: StrategyGraph = latest?.graph ?? {};

  // What an approval would do: a node without a pool id reuses one with the same description.
  const resolved = proposal.nodes.map((node) => {
    if (node.nodeId !== null) return { ...node, resolvedByDescription: false };
    const hit = findPoolNodeByDescription(db, node.description);
    return { ...node, nodeId: hit?.id ?? null, resolvedByDescription: hit !== undefined };
  });
  const overlay = overlayProposedPath(graph, resolved);

  const poolIds = [
    ...new Set([...graphNodeIds(graph), ...resolved.flatMap((n) => (n.nodeId ? [n.nodeId] : []))]),
  ];
  const pool = getPoolNodes(db, poolIds);
  const poolById = new Map(pool.map((n) => [n.id, n]));

  const versionIds = resolved.flatMap((n) => {
    const versionId = n.nodeId ? poolById.get(n.nodeId)?.lfVersionId : null;
    return versionId ? [versionId] : [];
  });
  const stored = versionIds.length
    ? db
        .select()
        .from(lfResult)
        .where(
          and(eq(lfResult.trajectoryId, proposal.trajectoryId), inArray(lfResult.lfVersionId, versionIds)),
        )
        .all()
    : [];
  const storedByVersion = new Map(stored.map((r) => [r.lfVersionId, r]));

  const keySteps = matchKeySteps(db, proposal);
  const pathNodes: ReviewPathNode[] = overlay.nodes.map((node, i) => {
    const draft = resolved[i]!;
    const poolNode = draft.nodeId ? poolById.get(draft.nodeId) : undefined;
    const code = poolNode?.code ?? draft.code;
    const stepMatch = keySteps[i] ?? null;
    const storedResult = poolNode?.lfVersionId ? storedByVersion.get(poolNode.lfVersionId) : undefined;
    let result: PathNodeResult | null = null;
    if (storedResult) {
      result = {
        source: 'lf_result',
        result: storedResult.result,
        outcome: storedResult.outcome,
        evidenceStep: storedResult.evidenceStep,
        error: storedResult.error,
        attempt: null,
        modelCallId: null,
      };
    } else if (stepMatch?.passing) {
      const a = stepMatch.passing;
      result = {
        source: 'synthesis',
        result: a.result,
        outcome: a.outcome,
        evidenceStep: a.evidenceStep,
        error: a.error,
        attempt: a.attempt,
        modelCallId: a.modelCallId,
      };
    }
    return {
      position: node.position,
      overlayId: node.overlayId,
      nodeId: node.nodeId,
      kind: node.kind,
      description: poolNode?.description ?? node.description,
      code,
      proposedCode: poolNode && poolNode.code !== draft.code ? draft.code : null,
      lfVersion: poolNode?.lfVersion ?? null,
      resolvedByDescription: draft.resolvedByDescription,
      result,
      keyStep: stepMatch
        ? { id: stepMatch.id, stepIndex: stepMatch.stepIndex, attempts: stepMatch.attemptCount }
        : null,
    };
  });

  const described = new Map(pool.map((n) => [n.id, n.description]));
  return {
    ...base,
    queue: 'proposed_path',
    proposal: {
      id: proposal.id,
      status: proposal.status,
      runId: proposal.runId,
      producedBy: proposal.producedBy,
      createdAt: proposal.createdAt,
      reviewNote: proposal.reviewNote,
      graphVersionId: proposal.graphVersionId,
    },
    graph: latest ? { versionId: latest.id, version: latest.version, graph: latest.graph } : null,
    mergedInto: merged ? { versionId: merged.id, version: merged.version } : null,
    graphNodes: [...described.entries()].map(([id, description]) => ({ id, description })),
    overlay,
    pathNodes,
    keyStepsCallId: keySteps.find((k) => k?.keyStepsCallId)?.keyStepsCallId ?? null,
    producedBy: proposal.producedBy,
  };
}

interface MatchedKeyStep {
  id: string;
  stepIndex: number | null;
  keyStepsCallId: string | null;
  attemptCount: number;
  passing: typeof lfAttempt.$inferSelect | null;
}

/**
 * The key step each proposed node came from. The pipeline builds a proposal from the rollout's
 * passing key steps of one run, in key-step order (`pipeline-service.ts` passingDrafts), so the
 * i-th passing key step with code is the i-th node; a description mismatch (a run re-used for
 * another proposal) falls back to the first unused key step with the same description.
 */
function matchKeySteps(db: Db, proposal: typeof proposedPath.$inferSelect): (MatchedKeyStep | null)[] {
  // The proposal's run; when that run was deleted, the newest run that abstracted the rollout.
  const runId =
    proposal.runId ??
    db
      .select({ runId: keyStep.runId })
      .from(keyStep)
      .where(eq(keyStep.trajectoryId, proposal.trajectoryId))
      .orderBy(desc(keyStep.createdAt))
      .get()?.runId;
  if (!runId) return proposal.nodes.map(() => null);
  const steps = db
    .select({
      id: keyStep.id,
      position: keyStep.position,
      stepIndex: keyStep.stepIndex,
      description: keyStep.description,
      status: keyStep.status,
      code: keyStep.code,
      keyStepsCallId: keyStep.keyStepsCallId,
    })
    .from(keyStep)
    .where(and(eq(keyStep.trajectoryId, proposal.trajectoryId), eq(keyStep.runId, runId)))
    .orderBy(asc(keyStep.position))
    .all()
    .filter((s) => s.status === 'passed' && s.code !== null);
  if (steps.length === 0) return proposal.nodes.map(() => null);
  const attempts = db
    .select()
    .from(lfAttempt)
    .where(
      inArray(
        lfAttempt.keyStepId,
        steps.map((s) => s.id),
      ),
    )
    .orderBy(asc(lfAttempt.attempt))
    .all();
  const byStep = new Map<string, (typeof attempts)[number][]>();
  for (const a of attempts) byStep.set(a.keyStepId, [...(byStep.get(a.keyStepId) ?? []), a]);
  const used = new Set<string>();
  const toMatch = (s: (typeof steps)[number]): MatchedKeyStep => {
    used.add(s.id);
    const list = byStep.get(s.id) ?? [];
    return {
      id: s.id,
      stepIndex: s.stepIndex,
      keyStepsCallId: s.keyStepsCallId,
      attemptCount: list.length,
      passing: list.find((a) => a.result === true) ?? null,
    };
  };
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  return proposal.nodes.map((node, i) => {
    const inOrder = steps[i];
    if (inOrder && !used.has(inOrder.id) && same(inOrder.description, node.description))
      return toMatch(inOrder);
    const byDescription = steps.find((s) => !used.has(s.id) && same(s.description, node.description));
    return byDescription ? toMatch(byDescription) : null;
  });
}

// ---------------------------------------------------------------------------------------------
// Extrapolated intents and proposed tasks
// ---------------------------------------------------------------------------------------------

function getExtrapolatedIntentSubject(db: Db, base: ReviewSubjectBase): ExtrapolatedIntentSubject {
  const row = db
    .select()
    .from(extrapolatedIntent)
    .where(eq(extrapolatedIntent.id, base.item.subjectId))
    .get();
  if (!row) throw new DomainError('NOT_FOUND', `Extrapolated intent ${base.item.subjectId} not found`);
  return {
    ...base,
    queue: 'extrapolated_intent',
    intent: {
      id: row.id,
      candidate: row.candidate,
      intent: row.intent,
      status: row.status,
      dropReason: row.dropReason,
      candidateCallId: row.candidateCallId,
      refineCallId: row.refineCallId,
      producedBy: row.producedBy,
      createdTaskId: row.createdTaskId,
      runId: row.runId,
    },
  };
}

function getProposedTaskSubject(db: Db, base: ReviewSubjectBase): ProposedTaskSubject {
  const row = db.select().from(proposedTask).where(eq(proposedTask.id, base.item.subjectId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Proposed task ${base.item.subjectId} not found`);
  const parentTask = base.task?.id === row.parentTaskId ? base.task : getTaskSummary(db, row.parentTaskId);
  const sourceRollout = row.sourceTrajectoryId
    ? base.trajectory?.id === row.sourceTrajectoryId
      ? base.trajectory
      : getTrajectorySummary(db, row.sourceTrajectoryId)
    : null;
  return {
    ...base,
    task: base.task ?? parentTask,
    trajectory: base.trajectory ?? sourceRollout,
    queue: 'proposed_task',
    proposal: {
      id: row.id,
      intent: row.intent,
      template: row.template,
      params: row.params,
      variant: row.variant,
      status: row.status,
      modelCallId: row.modelCallId,
      producedBy: row.producedBy,
      createdTaskId: row.createdTaskId,
      runId: row.runId,
    },
    parentTask,
    sourceRollout,
  };
}

// ---------------------------------------------------------------------------------------------
// Label-function flags
// ---------------------------------------------------------------------------------------------

/**
 * Reads an `lf_flag` subject id: `key_step:<keyStepId>` or `lf:<lfVersionId>:<flag>`.
 * @throws DomainError BAD_INPUT for anything else.
 */
export function parseLfFlagSubject(
  subjectId: string,
): { kind: 'key_step'; keyStepId: string } | { kind: 'lf'; lfVersionId: string; flag: string } {
  if (subjectId.startsWith('key_step:') && subjectId.length > 'key_step:'.length) {
    return { kind: 'key_step', keyStepId: subjectId.slice('key_step:'.length) };
  }
  const match = /^lf:(.+):([a-z_]+)$/.exec(subjectId);
  if (match) return { kind: 'lf', lfVersionId: match[1]!, flag: match[2]! };
  throw new DomainError('BAD_INPUT', `Malformed label-function flag subject ${subjectId}`);
}

function getLfFlagSubject(db: Db, base: ReviewSubjectBase): LfFlagSubject {
  const parsed = parseLfFlagSubject(base.item.subjectId);
  const empty = {
    flaggedLf: null,
    currentLf: null,
    runCounts: null,
    keyStep: null,
    attempts: [],
    disagreements: null,
  };

  if (parsed.kind === 'key_step') {
    const ks = db.select().from(keyStep).where(eq(keyStep.id, parsed.keyStepId)).get();
    if (!ks) throw new DomainError('NOT_FOUND', `Key step ${parsed.keyStepId} not found`);
    const siblings = db
      .select({ position: keyStep.position, description: keyStep.description, nodeId: keyStep.nodeId })
      .from(keyStep)
      .where(
        and(
          eq(keyStep.runId, ks.runId),
          eq(keyStep.trajectoryId, ks.trajectoryId),
          inArray(keyStep.position, [ks.position - 1, ks.position + 1]),
        ),
      )
      .all();
    const at = (position: number) => {
      const s = siblings.find((r) => r.position === position);
      return s ? { description: s.description, nodeId: s.nodeId } : null;
    };
    const attempts = db
      .select()
      .from(lfAttempt)
      .where(eq(lfAttempt.keyStepId, ks.id))
      .orderBy(asc(lfAttempt.attempt))
      .all();
    const node = base.item.nodeId ? getNodeSummary(db, base.item.nodeId) : null;
    return {
      ...base,
      trajectory: base.trajectory ?? getTrajectorySummary(db, ks.trajectoryId),
      task: base.task ?? getTaskSummary(db, ks.taskId),
      queue: 'lf_flag',
      flag: base.item.flag ?? 'no_passing_function',
      node,
      ...empty,
      currentLf: node ? getCurrentLf(db, node.id) : null,
      keyStep: {
        id: ks.id,
        description: ks.description,
        stepIndex: ks.stepIndex,
        position: ks.position,
        trajectoryId: ks.trajectoryId,
        runId: ks.runId,
        keyStepsCallId: ks.keyStepsCallId,
        previous: at(ks.position - 1),
        next: at(ks.position + 1),
      },
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        code: a.code,
        result: a.result,
        outcome: a.outcome,
        error: a.error,
        evidenceStep: a.evidenceStep,
        modelCallId: a.modelCallId,
      })),
    };
  }

  const version = db
    .select()
    .from(labelFunctionVersion)
    .where(eq(labelFunctionVersion.id, parsed.lfVersionId))
    .get();
  if (!version) throw new DomainError('NOT_FOUND', `Label-function version ${parsed.lfVersionId} not found`);
  const node = getNodeSummary(db, version.nodeId);
  const counts = db
    .select({
      total: sql<number>`count(*)`,
      passed: sql<number>`coalesce(sum(case when ${lfResult.result} = 1 then 1 else 0 end), 0)`,
      failed: sql<number>`coalesce(sum(case when ${lfResult.outcome} = 'ok' and ${lfResult.result} = 0 then 1 else 0 end), 0)`,
      errors: sql<number>`coalesce(sum(case when ${lfResult.outcome} <> 'ok' then 1 else 0 end), 0)`,
    })
    .from(lfResult)
    .where(eq(lfResult.lfVersionId, version.id))
    .get() ?? { total: 0, passed: 0, failed: 0, errors: 0 };
  const flag = base.item.flag ?? parsed.flag;
  return {
    ...base,
    queue: 'lf_flag',
    flag,
    node,
    ...empty,
    flaggedLf: {
      versionId: version.id,
      version: version.version,
      code: version.code,
      author: version.author,
      createdAt: version.createdAt,
    },
    currentLf: getCurrentLf(db, version.nodeId),
    runCounts: counts,
    disagreements: flag === 'disagrees_with_env' ? getDisagreeingRollouts(db, version.nodeId) : null,
  };
}

function getNodeSummary(db: Db, nodeId: string) {
  return (
    db
      .select({ id: poolNode.id, description: poolNode.description })
      .from(poolNode)
      .where(eq(poolNode.id, nodeId))
      .get() ?? null
  );
}

function getCurrentLf(db: Db, nodeId: string) {
  const [node] = getPoolNodes(db, [nodeId]);
  if (!node?.lfVersionId || node.code === null || node.lfVersion === null) return null;
  return { versionId: node.lfVersionId, version: node.lfVersion, code: node.code, author: node.author ?? '' };
}

/** Rollouts with graph verdict true, environment verdict false, and `nodeId` on the matched path. */
function getDisagreeingRollouts(db: Db, nodeId: string): { rows: LfFlagRollout[]; total: number } {
  const candidates = db
    .select({
      id: trajectory.id,
      externalId: trajectory.externalId,
      taskId: trajectory.taskId,
      taskExternalId: task.externalId,
      matchedPath: trajectory.matchedPath,
    })
    .from(trajectory)
    .innerJoin(task, eq(task.id, trajectory.taskId))
    .where(
      and(
        eq(trajectory.kind, 'rollout'),
        eq(trajectory.graphVerdict, true),
        eq(trajectory.envSuccess, false),
        sql`exists (select 1 from json_each(${trajectory.matchedPath}) where json_each.value = ${nodeId})`,
      ),
    )
    .orderBy(asc(task.externalId), asc(trajectory.externalId))
    .all();
  const shown = candidates.slice(0, MAX_FLAG_ROLLOUTS);
  const [node] = getPoolNodes(db, [nodeId]);
  const evidence =
    node?.lfVersionId && shown.length
      ? db
          .select({ trajectoryId: lfResult.trajectoryId, evidenceStep: lfResult.evidenceStep })
          .from(lfResult)
          .where(
            and(
              eq(lfResult.lfVersionId, node.lfVersionId),
              inArray(
                lfResult.trajectoryId,
                shown.map((r) => r.id),
              ),
            ),
          )
          .all()
      : [];
  const evidenceOf = new Map(evidence.map((e) => [e.trajectoryId, e.evidenceStep]));
  return {
    rows: shown.map((r) => ({ ...r, evidenceStep: evidenceOf.get(r.id) ?? null })),
    total: candidates.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Rollout verdicts
// ---------------------------------------------------------------------------------------------

function getRolloutVerdictSubject(db: Db, base: ReviewSubjectBase): RolloutVerdictSubject {
  const row = db.select().from(trajectory).where(eq(trajectory.id, base.item.subjectId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Rollout ${base.item.subjectId} not found`);
  const path = row.matchedPath ?? null;
  const descriptions = new Map(getPoolNodes(db, path ?? []).map((n) => [n.id, n.description]));
  const scored = getScoredGraphVersion(db, row.scoredGraphVersionId);
  return {
    ...base,
    trajectory: base.trajectory ?? getTrajectorySummary(db, row.id),
    task: base.task ?? getTaskSummary(db, row.taskId),
    queue: 'rollout_verdict',
    verdict: {
      envSuccess: row.envSuccess,
      envMessage: row.envMessage,
      graphVerdict: row.graphVerdict,
      category: row.category,
      progress: row.progress,
      matchedPath: path ? path.map((id) => ({ id, description: descriptions.get(id) ?? null })) : null,
      scoredGraphVersion: scored,
      scoredAt: row.scoredAt,
      finalAnswer: row.finalAnswer,
    },
  };
}

/** The graph version a trajectory was scored against (id and number), or null when unscored or gone. */
function getScoredGraphVersion(db: Db, versionId: string | null): { id: string; version: number } | null {
  if (!versionId) return null;
  return (
    db
      .select({ id: strategyGraphVersion.id, version: strategyGraphVersion.version })
      .from(strategyGraphVersion)
      .where(eq(strategyGraphVersion.id, versionId))
      .get() ?? null
  );
}

// ---------------------------------------------------------------------------------------------
// Corrections wanted
// ---------------------------------------------------------------------------------------------

function getCorrectionsWantedSubject(db: Db, base: ReviewSubjectBase): CorrectionsWantedSubject {
  const row = db.select().from(trajectory).where(eq(trajectory.id, base.item.subjectId)).get();
  if (!row) throw new DomainError('NOT_FOUND', `Rollout ${base.item.subjectId} not found`);
  const scored = getScoredGraphVersion(db, row.scoredGraphVersionId);
  const suggestion = suggestHarmfulStep(db, row.id);
  const markedBy = row.harmfulStepBy
    ? db.select({ name: user.name, email: user.email }).from(user).where(eq(user.id, row.harmfulStepBy)).get()
    : undefined;
  const harmfulStep =
    row.harmfulStep !== null
      ? {
          stepIndex: row.harmfulStep,
          by: row.harmfulStepBy,
          byName: markedBy ? markedBy.name || markedBy.email : null,
          at: row.harmfulStepAt,
        }
      : null;
  const lastStep = Math.max(row.stepCount - 1, 0);
  return {
    ...base,
    trajectory: base.trajectory ?? getTrajectorySummary(db, row.id),
    task: base.task ?? getTaskSummary(db, row.taskId),
    queue: 'corrections_wanted',
    rollout: {
      envSuccess: row.envSuccess,
      envMessage: row.envMessage,
      graphVerdict: row.graphVerdict,
      category: row.category,
      progress: row.progress,
      finalAnswer: row.finalAnswer,
      stepCount: row.stepCount,
      scoredGraphVersion: scored,
    },
    suggestion,
    harmfulStep,
    corrections: listCorrectionsOf(db, row.id).map((c) => ({
      id: c.id,
      takeoverStep: c.takeoverStep,
      envSuccess: c.envSuccess,
      createdAt: c.createdAt,
    })),
    initialStep: Math.min(harmfulStep?.stepIndex ?? suggestion.stepIndex ?? 0, lastStep),
  };
}
