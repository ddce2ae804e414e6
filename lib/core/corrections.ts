/**
 * Corrections (DESIGN.md › Domain terms › Correction; issue 16 § 3): which rollouts count as failed
 * and may be corrected, where a correction should take over (the reviewer's first harmful step,
 * suggested from the progress score's evidence), and which steps of a saved correction are the
 * person's. Pure and framework-free.
 *
 * Step indices here are 0-based, as stored: the reviewer's step k (1-based, as the UI numbers
 * steps) is index k − 1. A correction's `takeoverStep` is the index of the first step the person
 * took; the steps before it are the failed rollout's actions, replayed.
 */
import type { Category, TrajectoryKind } from '@/lib/core/types';
import { computeProgress } from '@/lib/core/strategy-graph/progress';
import type { NodeId, NodeResult, StrategyGraph } from '@/lib/core/strategy-graph/types';

/** The trajectory fields that decide whether it is a failed rollout. */
export interface FailedRolloutFields {
  kind: TrajectoryKind;
  /** `complete` | `running` | `errored`. */
  status: string;
  envSuccess: boolean | null;
  category: Category | null;
}

/**
 * Whether a trajectory is a **failed rollout**, the only kind a reviewer marks a harmful step on and
 * a person corrects: a complete rollout (not a demo, not a correction, not running or errored) that
 * the environment judged failed (`envSuccess` false), or — when the environment gave no verdict —
 * one the strategy graph categorised Failed. A rollout the environment judged a success is never
 * failed, whatever its category (category Failed then only means no graph node passed on it).
 */
export function isFailedRollout(t: FailedRolloutFields): boolean {
  if (t.kind !== 'rollout' || t.status !== 'complete') return false;
  if (t.envSuccess === false) return true;
  return t.envSuccess === null && t.category === 'failed';
}

/** Why `t` is not a failed rollout, in a reviewer's words (null when it is one). */
export function explainNotFailedRollout(t: FailedRolloutFields): string | null {
  if (isFailedRollout(t)) return null;
  if (t.kind !== 'rollout')
    return t.kind === 'expert' ? 'it is an expert demo, not a rollout' : 'it is itself a correction';
  if (t.status !== 'complete') return `it is ${t.status}, not complete`;
  if (t.envSuccess === true) return 'the environment judged it a success';
  return `the environment gave no verdict and its category is ${t.category ?? 'unscored'}, not failed`;
}

/** A suggested first harmful step (0-based) with the reason a reviewer reads; `stepIndex` null = no suggestion. */
export interface HarmfulStepSuggestion {
  stepIndex: number | null;
  reason: string;
}

const MAX_DESCRIPTION_CHARS = 80;

function quote(description: string | undefined, id: NodeId): string {
  const flat = (description ?? '').replace(/\s+/g, ' ').trim();
  if (!flat) return `node #${id}`;
  return `'${flat.length > MAX_DESCRIPTION_CHARS ? `${flat.slice(0, MAX_DESCRIPTION_CHARS - 1)}…` : flat}'`;
}

/**
 * The first step where the strategy graph's progress stopped on a rollout — a suggestion for the
 * reviewer's first harmful step, from the progress score's evidence (DESIGN.md › Semantics ›
 * Progress score; `computeProgress`):
 *
 * - take the progress score's best valid prefix (the one its score comes from) and its last node
 *   with a known evidence step `e` (the prefix's evidence steps are non-decreasing, so that is the
 *   furthest step the graph saw progress at); the suggestion is `e + 1`, the first step after it,
 *   clamped to the last step (a rollout whose progress ended on its last step is corrected there);
 * - no node passed at the start of any path (score 0) → step 0: the rollout made no progress;
 * - nodes passed but none recorded an evidence step → no suggestion (`stepIndex` null);
 * - a rollout with no steps → no suggestion.
 *
 * The reason quotes the node ("progress stopped after 'Click on …' (node 3 of 5 on the best path,
 * passed at step 4)") with 1-based node positions and step numbers, as the UI numbers them.
 *
 * @param describe the pool node's description for an id (undefined → `node #id`).
 */
export function suggestHarmfulStepFromProgress(params: {
  graph: StrategyGraph;
  results: Readonly<Record<NodeId, NodeResult>>;
  stepCount: number;
  describe: (id: NodeId) => string | undefined;
}): HarmfulStepSuggestion {
  const { graph, results, stepCount, describe } = params;
  if (stepCount <= 0) return { stepIndex: null, reason: 'The rollout has no steps.' };
  const progress = computeProgress(graph, results);
  if (progress.prefix.length === 0) {
    const anyPassed = Object.values(results).some((r) => r.passed);
    return {
      stepIndex: 0,
      reason: anyPassed
        ? 'No start node of the strategy graph passed on this rollout (only nodes further along did): it made no progress, so the suggestion is its first step.'
        : 'No node of the strategy graph passed on this rollout: it made no progress, so the suggestion is its first step.',
    };
  }
  let position = -1;
  let evidence = -1;
  for (let i = progress.prefix.length - 1; i >= 0; i--) {
    const step = results[progress.prefix[i]!]?.evidenceStep;
    if (typeof step === 'number' && Number.isInteger(step) && step >= 0) {
      position = i;
      evidence = step;
      break;
    }
  }
  const pathLength = progress.path.length;
  if (position === -1) {
    const last = progress.prefix[progress.prefix.length - 1]!;
    return {
      stepIndex: null,
      reason: `Progress reached ${quote(describe(last), last)} (node ${progress.prefix.length} of ${pathLength} on the best path), but no label function on the way recorded the step it matched at, so there is no suggestion.`,
    };
  }
  const node = progress.prefix[position]!;
  const after = evidence + 1;
  const stepIndex = Math.min(after, stepCount - 1);
  const where = `${quote(describe(node), node)} (node ${position + 1} of ${pathLength} on the best path, passed at step ${evidence + 1})`;
  const complete = progress.prefix.length === pathLength;
  let reason = complete
    ? `Every node of a path passed; the last evidence is ${where}`
    : `Progress stopped after ${where}`;
  reason +=
    stepIndex === after
      ? `: step ${stepIndex + 1} is the first after it.`
      : `, the rollout's last step: the suggestion is that step.`;
  return { stepIndex, reason };
}

/**
 * The steps of a correction that are the person's (its training targets): indices ≥ `takeoverStep`.
 * The steps before it are the failed rollout's, replayed: they are the history of those targets,
 * never targets themselves. A missing or negative take-over (not a correction) makes every step a
 * target; one beyond the last step makes none.
 */
export function firstPersonStep(takeoverStep: number | null | undefined): number {
  return typeof takeoverStep === 'number' && Number.isInteger(takeoverStep) && takeoverStep > 0
    ? takeoverStep
    : 0;
}
