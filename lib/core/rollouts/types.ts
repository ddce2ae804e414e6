/**
 * The rollout runner's domain shapes (DESIGN.md › The CORE loop: "sample rollouts"), framework-free.
 *
 * A rollout is one attempt of a {@link RolloutPolicy} at a task in a live browser. At every step the
 * runner captures an {@link Observation} (screenshot stored by content hash, URL, title, and the
 * set-of-marks element list: interactive elements in the viewport, numbered `"0"`, `"1"`, … with
 * boxes in screenshot pixels), asks the policy for one {@link PolicyDecision}, executes the action,
 * and appends the step. The episode ends when the policy answers, says it is done, or gives up,
 * at `maxSteps`, on a step timeout, on cancellation, or when the browser crashes (that rollout
 * ends `errored`; the others go on).
 */
import type { ObservedElement, StepAction } from '@/lib/core/types';

/** Names of the built-in policies. */
export const POLICY_NAMES = ['noisy-expert', 'openai'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** An interactive element outside the viewport: the expert replay scrolls toward it. */
export interface OffscreenElement {
  role: string | null;
  name: string;
  /** Where it lies relative to the viewport, or to the scroll panel that hides it. */
  direction: 'up' | 'down';
  /**
   * When a scroll panel (not the window) hides it: the id of a visible mark inside that panel, so
   * `scroll` with that element id scrolls the panel.
   */
  anchorId?: string;
}

/** What the agent sees before acting. */
export interface Observation {
  /** 0-based index of the step this observation opens. */
  stepIndex: number;
  url: string;
  title: string;
  /** Set-of-marks list of the interactive elements in the viewport. */
  elements: ObservedElement[];
  /** Interactive elements outside the viewport (not shown to model policies). */
  offscreen: OffscreenElement[];
  /** The viewport screenshot, stored (media hash) before the policy is asked. */
  screenshot: { mediaHash: string; mime: string; width: number; height: number };
  /**
   * The screenshot with the marks' boxes and numbers drawn on it, stored: the image a model acting
   * on this step is sent (and exports train on). Null when none was drawn.
   */
  markedScreenshot: { mediaHash: string; mime: string; width: number; height: number } | null;
}

/** One earlier step, as a policy's history. */
export interface PolicyHistoryStep {
  index: number;
  action: StepAction;
  actionDescription: string;
  url: string;
  /** Why the action could not be done (element gone, option missing, …); absent when it was. */
  error?: string;
}

export interface PolicyContext {
  /** The task's natural-language goal. */
  intent: string;
  /** Steps taken so far in this rollout, oldest first. */
  history: readonly PolicyHistoryStep[];
  /** 0-based sample number within the task (CORE samples 5 per task). */
  sampleIndex: number;
  signal: AbortSignal;
}

/**
 * The policy's choice. `action.elementId` names an element of the observation's `elements`;
 * `answer` and `status` end the episode. `giveUp` ends it without an action (the policy has
 * nothing left to do, e.g. the expert script ran out), recorded as a final `status` step.
 */
export interface PolicyDecision {
  action: StepAction;
  thought: string | null;
  /** The policy's raw output (model text, or the replayed script step as JSON). */
  rawOutput: string;
  /** The recorded model call that produced it, when a model did. */
  modelCallId?: string | null;
}

export interface RolloutPolicy {
  /** `noisy-expert`, `openai`, `expert-script`, … — stored as the trajectory's `policy` with the model. */
  readonly name: string;
  /** Model that acts (null for offline policies). */
  readonly model: string | null;
  decide(observation: Observation, context: PolicyContext): Promise<PolicyDecision>;
}

/** Why an episode ended. */
export type EpisodeEnd =
  | { kind: 'answered' }
  | { kind: 'done' }
  | { kind: 'max_steps' }
  | { kind: 'cancelled' }
  | { kind: 'errored'; message: string };

/** Action types that end an episode once executed. */
export function isTerminalAction(action: StepAction): boolean {
  return action.type === 'answer' || action.type === 'status';
}
