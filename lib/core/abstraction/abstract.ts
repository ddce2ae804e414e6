/**
 * Semantic code abstraction of one trajectory, K then S (DESIGN.md › Semantics › Key steps (K),
 * › Label-function synthesis (S); stage D is `describeAction`, already applied to the steps), and
 * the path its passing key steps form in a strategy graph (› Graph expansion).
 */
import { parseKeySteps, type ParsedKeyStep } from '@/lib/core/abstraction/key-steps';
import { synthesizeKeyStep, throwIfAborted } from '@/lib/core/abstraction/synthesize';
import type {
  AbstractionResult,
  KeyStepResult,
  LfExecutor,
  SynthesisAttempt,
} from '@/lib/core/abstraction/types';
import type { TrajectoryDict } from '@/lib/core/label-functions/trajectory-dict';
import { renderMessages } from '@/lib/core/llm/messages';
import type { LlmClient, LlmStepView, LlmTask, PromptTemplate } from '@/lib/core/llm/types';
import { linearPath, reuseOrCreateNodes, type NodeDraft } from '@/lib/core/strategy-graph/merge';
import type { NodeId, PoolNode, StrategyGraph } from '@/lib/core/strategy-graph/types';
import type { Environment } from '@/lib/core/types';

export interface AbstractTrajectoryParams {
  objective: string;
  environment: Environment;
  /** The trajectory's steps in step order, each with its stage-D description. */
  steps: readonly LlmStepView[];
  /** The same trajectory as a trajectory dict; label functions are executed on it. */
  trajectory: TrajectoryDict;
  /** Stage K model (role `agent`). */
  agent: LlmClient;
  /** Stage S model (role `coder`). */
  coder: LlmClient;
  prompts: { keySteps: PromptTemplate; labelFunction: PromptTemplate };
  execute: LfExecutor;
  runId?: string | null;
  signal?: AbortSignal;
  /** Called once stage K is parsed, before synthesis starts. */
  onKeySteps?: (keySteps: readonly ParsedKeyStep[], parseFailed: boolean) => void;
  /** Called after each attempt of each key step. */
  onAttempt?: (position: number, attempt: SynthesisAttempt) => void;
  /** Called when a key step is done (`done` of `total`). */
  onKeyStep?: (result: KeyStepResult, done: number, total: number) => void;
}

/**
 * Abstracts one trajectory into key steps with label functions:
 * 1. K — one `agent` call (purpose `key_steps`) over the objective and the numbered descriptions,
 *    parsed by {@link parseKeySteps} (snapping, parse-failure fallback, final-status rule,
 *    duplicates);
 * 2. S — {@link synthesizeKeyStep} for each key step, one after the other in key-step order (each
 *    executed on this trajectory).
 *
 * Returns the key steps (passed or flagged, every attempt recorded), the K call's id and whether K
 * fell back to all descriptions. The key steps' `position` is their 0-based order.
 *
 * @throws the K call's `LlmCallError` (nothing can be synthesised without key steps; the call is
 *   recorded by the client), the signal's reason when aborted, and whatever
 *   {@link synthesizeKeyStep} propagates (executor failures).
 */
export async function abstractTrajectory(params: AbstractTrajectoryParams): Promise<AbstractionResult> {
  const { steps, signal } = params;
  throwIfAborted(signal);
  const task: LlmTask = {
    purpose: 'key_steps',
    objective: params.objective,
    environment: params.environment,
    steps: [...steps],
  };
  const completion = await params.agent.complete({
    task,
    messages: renderMessages(params.prompts.keySteps, task),
    promptId: params.prompts.keySteps.id,
    promptVersion: params.prompts.keySteps.version,
    runId: params.runId ?? null,
    signal,
  });
  const parsed = parseKeySteps(
    completion.text,
    steps.map((step) => step.description),
  );
  params.onKeySteps?.(parsed.keySteps, parsed.parseFailed);

  const results: KeyStepResult[] = [];
  for (const [position, keyStep] of parsed.keySteps.entries()) {
    // parseKeySteps' stepIndex is a position in `steps`; the stored stepIndex is that step's own index.
    const step = keyStep.stepIndex === null ? null : (steps[keyStep.stepIndex] ?? null);
    const result = await synthesizeKeyStep({
      keyStep: { stepIndex: step ? step.index : null, description: keyStep.description },
      position,
      objective: params.objective,
      environment: params.environment,
      step,
      coder: params.coder,
      prompt: params.prompts.labelFunction,
      execute: params.execute,
      trajectory: params.trajectory,
      runId: params.runId,
      signal,
      onAttempt: params.onAttempt ? (attempt) => params.onAttempt?.(position, attempt) : undefined,
    });
    results.push(result);
    params.onKeyStep?.(result, results.length, parsed.keySteps.length);
  }
  return { keySteps: results, keyStepsCallId: completion.callId, parseFailed: parsed.parseFailed };
}

export interface KeyStepsPath {
  /** Pool id per passing key step, in key-step order. */
  ids: NodeId[];
  /** The pool with the created nodes appended. */
  pool: PoolNode[];
  /** The nodes created (passing key steps whose description was new to the pool). */
  created: PoolNode[];
  /** The linear path `"0" → … → "-1"` over `ids` ({@link linearPath}). */
  path: StrategyGraph;
}

/**
 * The strategy-graph path of a trajectory's key steps — DESIGN.md › Graph expansion: passing key
 * steps become node drafts (description + their passing code), existing pool nodes whose
 * description matches case-insensitively are reused, the rest are created
 * ({@link reuseOrCreateNodes}), and the ids form a linear path ({@link linearPath}). Graph
 * initialisation is this path for an expert demo; for a Partially Passed rollout it is the proposed
 * path.
 *
 * Flagged key steps are NOT in the path: they have no passing function. They are kept and flagged
 * for a human, not dropped — they stay in the stored key steps, and a human who fixes one can add it
 * later. Pure: the input pool is not mutated.
 */
export function keyStepsToPath(pool: readonly PoolNode[], keySteps: readonly KeyStepResult[]): KeyStepsPath {
  const drafts: NodeDraft[] = [...keySteps]
    .sort((a, b) => a.position - b.position)
    .filter((keyStep) => keyStep.status === 'passed' && keyStep.code !== null)
    .map((keyStep) => ({ description: keyStep.description, label_function: keyStep.code! }));
  const { ids, pool: nextPool, created } = reuseOrCreateNodes(pool, drafts);
  return { ids, pool: nextPool, created, path: linearPath(ids) };
}
