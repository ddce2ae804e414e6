/**
 * Stage S of the semantic code abstraction: label-function synthesis for one key step
 * (DESIGN.md › Semantics › Label-function synthesis (S)), and the run's synthesis rates.
 */
import { extractPythonCode } from '@/lib/core/abstraction/extract-code';
import type { ParsedKeyStep } from '@/lib/core/abstraction/key-steps';
import {
  MAX_SYNTHESIS_ATTEMPTS,
  type KeyStepResult,
  type LfExecutor,
  type SynthesisAttempt,
  type SynthesisRates,
} from '@/lib/core/abstraction/types';
import type { TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import type { LfEvaluation } from '@/lib/core/label-functions/types';
import { renderMessages } from '@/lib/core/llm/messages';
import {
  LlmCallError,
  type LlmClient,
  type LlmStepView,
  type LlmTask,
  type PromptTemplate,
} from '@/lib/core/llm/types';
import type { Environment } from '@/lib/core/types';

/** Longest feedback text passed to the next attempt (our choice); longer error text is cut. */
export const MAX_FEEDBACK_CHARS = 2000;

/**
 * Throws the signal's reason when it is aborted (an `AbortError` `DOMException` when the reason is
 * not set). Used between model calls and executions.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

function cut(text: string): string {
  return text.length <= MAX_FEEDBACK_CHARS ? text : `${text.slice(0, MAX_FEEDBACK_CHARS)}… (cut)`;
}

/** Whether an attempt passed: its function ran (`ok`) and returned `True`. */
export function isPassingAttempt(attempt: SynthesisAttempt): boolean {
  return attempt.outcome === 'ok' && attempt.result === true;
}

/**
 * The feedback for the attempt after `attempt` (what the coder sees as `previous_feedback`), in
 * plain English: returned False / raised / timed out / hit the memory limit / crashed / returned a
 * non-bool / had no code block / the model call failed. Error text is cut at
 * {@link MAX_FEEDBACK_CHARS}.
 */
export function describeAttemptFailure(attempt: SynthesisAttempt): string {
  const error = attempt.error ? cut(attempt.error) : null;
  switch (attempt.outcome) {
    case 'ok':
      return 'The function ran but returned False on the demonstration it was written from; the key step does happen in that demonstration, so the check is too strict or checks the wrong thing.';
    case 'exception':
      return `The function raised an exception: ${error ?? 'unknown error'}`;
    case 'timeout':
      return `The function did not finish within the time limit (${error ?? 'timed out'}); do not loop.`;
    case 'memory':
      return `The function exceeded the memory limit (${error ?? 'memory limit'}).`;
    case 'crash':
      return `Running the function crashed the sandbox (${error ?? 'crash'}).`;
    case 'non_bool':
      return `The function must return a bool (True or False): ${error ?? 'it returned something else'}`;
    case 'no_code':
      return `Your reply could not be used: ${error ?? 'no code block'}. Answer with one fenced \`\`\`python block defining label_function(trajectory).`;
    case 'model_error':
      return 'The previous request failed; please answer again.';
  }
}

export interface SynthesizeKeyStepParams {
  /** The key step (stage K output). */
  keyStep: ParsedKeyStep;
  /** 0-based order among the key steps. */
  position: number;
  objective: string;
  environment: Environment;
  /** The step the key step was snapped to; null for a synthetic status step. */
  step: LlmStepView | null;
  coder: LlmClient;
  /** The `label_function` prompt. */
  prompt: PromptTemplate;
  execute: LfExecutor;
  /** The demo the key step came from (its trajectory dict); every attempt is executed on it. */
  trajectory: TrajectoryDict;
  runId?: string | null;
  signal?: AbortSignal;
  /** Called after each recorded attempt (e.g. job progress). */
  onAttempt?: (attempt: SynthesisAttempt) => void;
}

/**
 * Synthesises the label function of one key step — DESIGN.md › Label-function synthesis (S): up to
 * {@link MAX_SYNTHESIS_ATTEMPTS} attempts; each asks the coder (purpose `label_function`, attempt
 * n, the previous attempt's failure as feedback, see {@link describeAttemptFailure}), extracts the
 * first fenced Python block ({@link extractPythonCode}), executes it on the demo it came from, and
 * the first attempt returning `True` wins. Every attempt is recorded.
 *
 * Outcomes per attempt: the executor's LF outcome (`ok` with result True/False, `exception`,
 * `timeout`, `memory`, `crash`, `non_bool`); `no_code` when the reply had no usable block (missing,
 * empty or over the sandbox's source limit; the reason is in `error`); `model_error` when the call
 * threw an {@link LlmCallError} (its `callId` recorded), after which the next attempt follows.
 *
 * A key step that never passes is kept with status `flagged` (the reference code drops it; DESIGN.md
 * keeps it for a human) and `code` null.
 *
 * @throws the signal's reason (or an `AbortError`) when `signal` is aborted before an attempt or
 *   during a call; errors other than {@link LlmCallError} from the client and any error from the
 *   executor (an infrastructure failure, e.g. no sandbox) propagate unchanged. A hostile reply (a
 *   1 MB answer, code that loops forever — the executor's timeout stops it) is a recorded attempt,
 *   never a throw.
 */
export async function synthesizeKeyStep(params: SynthesizeKeyStepParams): Promise<KeyStepResult> {
  const { keyStep, coder, prompt, execute, trajectory, signal } = params;
  const attempts: SynthesisAttempt[] = [];
  let passing: SynthesisAttempt | null = null;

  for (let n = 1; n <= MAX_SYNTHESIS_ATTEMPTS && passing === null; n++) {
    throwIfAborted(signal);
    const previous = attempts[attempts.length - 1];
    const task: LlmTask = {
      purpose: 'label_function',
      objective: params.objective,
      environment: params.environment,
      keyStep: keyStep.description,
      step: params.step,
      attempt: n,
      previousFeedback: previous ? describeAttemptFailure(previous) : null,
    };

    let attempt: SynthesisAttempt;
    try {
      const completion = await coder.complete({
        task,
        messages: renderMessages(prompt, task),
        promptId: prompt.id,
        promptVersion: prompt.version,
        runId: params.runId ?? null,
        signal,
      });
      attempt = await runAttempt(n, completion.text, completion.callId, execute, trajectory, signal);
    } catch (error) {
      throwIfAborted(signal);
      if (!(error instanceof LlmCallError)) throw error;
      attempt = {
        attempt: n,
        code: null,
        result: null,
        outcome: 'model_error',
        error: cut(error.message),
        evidenceStep: null,
        modelCallId: error.callId,
      };
    }
    attempts.push(attempt);
    params.onAttempt?.(attempt);
    if (isPassingAttempt(attempt)) passing = attempt;
  }

  return {
    position: params.position,
    stepIndex: keyStep.stepIndex,
    description: keyStep.description,
    status: passing ? 'passed' : 'flagged',
    code: passing?.code ?? null,
    attempts,
  };
}

async function runAttempt(
  n: number,
  reply: string,
  callId: string,
  execute: LfExecutor,
  trajectory: TrajectoryDict,
  signal: AbortSignal | undefined,
): Promise<SynthesisAttempt> {
  const extracted = extractPythonCode(reply);
  if (extracted.code === null) {
    return {
      attempt: n,
      code: null,
      result: null,
      outcome: 'no_code',
      error: extracted.error,
      evidenceStep: null,
      modelCallId: callId,
    };
  }
  throwIfAborted(signal);
  const evaluation: LfEvaluation = await execute(extracted.code, trajectory);
  return {
    attempt: n,
    code: extracted.code,
    result: evaluation.outcome === 'ok' ? evaluation.result : null,
    outcome: evaluation.outcome,
    error: evaluation.error,
    evidenceStep: evaluation.evidenceStep,
    modelCallId: callId,
  };
}

/**
 * Whether an attempt "executed without raising" for ESP (our reading of DESIGN.md's definition):
 * `ok` (True or False) and `non_bool` (the function ran to its end and returned) count; `exception`,
 * `timeout`, `memory` and `crash` count as raising; `no_code` and `model_error` attempts never
 * executed and count as failures (they stay in the denominator).
 */
export function isExecutedWithoutRaising(attempt: SynthesisAttempt): boolean {
  return attempt.outcome === 'ok' || attempt.outcome === 'non_bool';
}

/**
 * The synthesis rates of a run — DESIGN.md › Label-function synthesis (our definitions; the
 * paper's were not available):
 * - OSR = key steps with a passing attempt within {@link MAX_SYNTHESIS_ATTEMPTS} / key steps;
 * - FTSR = key steps whose first attempt passes / key steps;
 * - ESP = attempts executed without raising ({@link isExecutedWithoutRaising}) / all attempts,
 *   `no_code` and `model_error` attempts included in the denominator.
 * A key step passes when one of its attempts is `ok` with result True (not its `status` field, so
 * stored results are re-counted honestly). Each rate is null when its denominator is 0.
 */
export function computeSynthesisRates(keySteps: readonly KeyStepResult[]): SynthesisRates {
  let passed = 0;
  let firstPassed = 0;
  let attempts = 0;
  let executed = 0;
  for (const keyStep of keySteps) {
    const ordered = [...keyStep.attempts].sort((a, b) => a.attempt - b.attempt);
    const capped = ordered.filter((attempt) => attempt.attempt <= MAX_SYNTHESIS_ATTEMPTS);
    if (capped.some(isPassingAttempt)) passed++;
    if (ordered[0] && ordered[0].attempt === 1 && isPassingAttempt(ordered[0])) firstPassed++;
    attempts += ordered.length;
    executed += ordered.filter(isExecutedWithoutRaising).length;
  }
  const rate = (numerator: number, denominator: number) =>
    denominator === 0 ? null : numerator / denominator;
  return {
    keySteps: keySteps.length,
    attempts,
    osr: rate(passed, keySteps.length),
    ftsr: rate(firstPassed, keySteps.length),
    esp: rate(executed, attempts),
  };
}
