/**
 * Shapes of the abstraction (D → K → S) and extrapolation pipelines (DESIGN.md › Semantics).
 * The pipelines are pure orchestration over an {@link LlmClient} and an {@link LfExecutor}; the
 * server stores what they return.
 */
import type { TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import type { LfEvaluation, LfOutcome } from '@/lib/core/label-functions/types';

/** DESIGN.md › Label-function synthesis: up to 5 attempts per key step (reference code). */
export const MAX_SYNTHESIS_ATTEMPTS = 5;

/** DESIGN.md › Failure-driven intent inference: a candidate over 1,000 characters is INVALID. */
export const MAX_INTENT_CANDIDATE_CHARS = 1000;

/** DESIGN.md › Failure-driven intent inference: above a 30% INVALID rate the mechanism adds noise. */
export const INVALID_RATE_WARNING = 0.3;

/** Runs one label function on one trajectory in the sandbox (server: the LF runner). */
export type LfExecutor = (code: string, trajectory: TrajectoryDict) => Promise<LfEvaluation>;

/** How an attempt ended: an LF outcome, or no code block in the reply, or the model call failed. */
export type AttemptOutcome = LfOutcome | 'no_code' | 'model_error';

export interface SynthesisAttempt {
  /** 1-based. */
  attempt: number;
  code: string | null;
  result: boolean | null;
  outcome: AttemptOutcome;
  error: string | null;
  evidenceStep: number | null;
  modelCallId: string | null;
}

export interface KeyStepResult {
  /** 0-based order among the key steps. */
  position: number;
  /** The step the description was snapped to; null for a synthetic final-status step. */
  stepIndex: number | null;
  /** Verbatim step description (stage K snaps to the original descriptions). */
  description: string;
  /** `passed` when an attempt returned True on the trajectory; `flagged` for a human otherwise. */
  status: 'passed' | 'flagged';
  /** The first passing attempt's code; null when flagged. */
  code: string | null;
  attempts: SynthesisAttempt[];
}

export interface AbstractionResult {
  keySteps: KeyStepResult[];
  /** The stage-K call. */
  keyStepsCallId: string;
  /** True when the K reply could not be parsed and every description became a key step. */
  parseFailed: boolean;
}

/**
 * Synthesis rates (DESIGN.md › Label-function synthesis; our definitions, the paper's were not
 * available): OSR = key steps with a passing function within 5 attempts / key steps; FTSR = key
 * steps whose first attempt passes / key steps; ESP = attempts that execute without raising /
 * attempts. null when the denominator is 0.
 */
export interface SynthesisRates {
  keySteps: number;
  attempts: number;
  osr: number | null;
  ftsr: number | null;
  esp: number | null;
}

export type IntentOutcome =
  | { status: 'pending'; candidate: string; intent: string; candidateCallId: string; refineCallId: string }
  | {
      status: 'invalid' | 'dropped';
      candidate: string | null;
      intent: string | null;
      reason: string;
      candidateCallId: string;
      refineCallId: string | null;
    };

export interface TaskVariant {
  intent: string;
  /** New template parameters, for `template` variants. */
  params: Record<string, unknown> | null;
  variant: 'template' | 'paraphrase';
}
