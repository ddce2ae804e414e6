/**
 * Failure-driven intent inference (DESIGN.md › Semantics › Failure-driven intent inference): a
 * vision call proposes the intent a failed rollout actually satisfies, a text-only call refines it,
 * and two gates drop the noise.
 */
import { throwIfAborted } from '@/lib/core/abstraction/synthesize';
import { MAX_INTENT_CANDIDATE_CHARS, type IntentOutcome } from '@/lib/core/abstraction/types';
import { renderMessages } from '@/lib/core/llm/messages';
import type { LlmClient, LlmStepView, LlmTask, PromptTemplate } from '@/lib/core/llm/types';
import type { Environment } from '@/lib/core/types';

/** The marker a model writes when no intent fits; a refined intent containing it is dropped (case-sensitive). */
export const INVALID_MARKER = 'INVALID';

/** A refined intent with at most this many words is dropped (DESIGN.md: "at most two words"). */
export const MIN_INTENT_WORDS_EXCLUSIVE = 2;

/**
 * Reads a model's intent text (our choice of cleaning): code-fence lines dropped, every run of
 * whitespace collapsed to one space, a leading `New task intent:` / `Intent:` / `Refined intent:`
 * label (any case, optionally in `**bold**`) removed, then one pair of surrounding quotes
 * (`"…"`, `'…'`, `` `…` ``, `“…”`) removed. Nothing else is changed.
 */
export function cleanIntentText(text: string): string {
  let value = text
    .split(/\r\n|\r|\n/)
    .filter((line) => !/^\s*(```|~~~)/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  value = value.replace(
    /^\**\s*(?:new\s+task\s+intent|refined\s+(?:task\s+)?intent|intent)\s*:\s*\**\s*/i,
    '',
  );
  const pairs: Record<string, string> = { '"': '"', "'": "'", '`': '`', '“': '”' };
  const close = pairs[value.charAt(0)];
  if (close !== undefined && value.length >= 2 && value.endsWith(close)) value = value.slice(1, -1).trim();
  return value;
}

/** Words of a text: maximal runs of non-whitespace. */
export function countWords(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/**
 * Why a refined intent is dropped, or null when it survives — DESIGN.md: "dropped if it has at most
 * two words or contains INVALID". `INVALID` is matched case-sensitively, as a substring (our
 * reading of the reference's `'INVALID' in intent`): an intent about "invalid coupons" survives,
 * `INVALID.` or `Answer: INVALID` does not.
 */
export function getIntentDropReason(intent: string): string | null {
  if (intent.includes(INVALID_MARKER)) return `the refined intent contains '${INVALID_MARKER}'`;
  const words = countWords(intent);
  if (words <= MIN_INTENT_WORDS_EXCLUSIVE) {
    return `the refined intent has ${words} word${words === 1 ? '' : 's'} (at most ${MIN_INTENT_WORDS_EXCLUSIVE})`;
  }
  return null;
}

export interface InferIntentParams {
  /** The rollout's original objective. */
  objective: string;
  environment: Environment;
  /** The failed rollout's steps (with screenshots by media hash where present). */
  steps: readonly LlmStepView[];
  /** The vision model (role `agent`); both calls go to it. */
  agent: LlmClient;
  prompts: { candidate: PromptTemplate; refine: PromptTemplate };
  runId?: string | null;
  signal?: AbortSignal;
}

/**
 * Infers a new intent for a failed rollout — DESIGN.md › Failure-driven intent inference, exactly:
 * 1. candidate call (purpose `intent_candidate`; the vision layout of `renderMessages`), its text
 *    cleaned by {@link cleanIntentText};
 * 2. a candidate over {@link MAX_INTENT_CANDIDATE_CHARS} (1,000) characters (after cleaning) is
 *    `invalid` and no refine call is made;
 * 3. otherwise the text-only refine call (purpose `intent_refine`), cleaned the same way;
 * 4. the result is `dropped` when {@link getIntentDropReason} says so, else `pending` (human review).
 * Every other candidate goes to refinement, even one that says INVALID itself (the refine prompt
 * answers INVALID for it, and the gate drops it).
 *
 * @throws the `LlmCallError` of a failed call (recorded by the client; the caller decides whether
 *   one rollout's failure stops a batch) and the signal's reason when aborted.
 */
export async function inferIntent(params: InferIntentParams): Promise<IntentOutcome> {
  const { agent, prompts, signal } = params;
  throwIfAborted(signal);
  const candidateTask: LlmTask = {
    purpose: 'intent_candidate',
    objective: params.objective,
    environment: params.environment,
    steps: [...params.steps],
  };
  const first = await agent.complete({
    task: candidateTask,
    messages: renderMessages(prompts.candidate, candidateTask),
    promptId: prompts.candidate.id,
    promptVersion: prompts.candidate.version,
    runId: params.runId ?? null,
    signal,
  });
  const candidate = cleanIntentText(first.text);
  if (candidate.length > MAX_INTENT_CANDIDATE_CHARS) {
    return {
      status: 'invalid',
      candidate,
      intent: null,
      reason: `the candidate has ${candidate.length} characters (over ${MAX_INTENT_CANDIDATE_CHARS})`,
      candidateCallId: first.callId,
      refineCallId: null,
    };
  }

  throwIfAborted(signal);
  const refineTask: LlmTask = { purpose: 'intent_refine', candidate };
  const second = await agent.complete({
    task: refineTask,
    messages: renderMessages(prompts.refine, refineTask),
    promptId: prompts.refine.id,
    promptVersion: prompts.refine.version,
    runId: params.runId ?? null,
    signal,
  });
  const intent = cleanIntentText(second.text);
  const reason = getIntentDropReason(intent);
  if (reason !== null) {
    return {
      status: 'dropped',
      candidate,
      intent,
      reason,
      candidateCallId: first.callId,
      refineCallId: second.callId,
    };
  }
  return { status: 'pending', candidate, intent, candidateCallId: first.callId, refineCallId: second.callId };
}

/**
 * The INVALID rate of a set of inference outcomes (DESIGN.md: "Track the INVALID rate: above 30%
 * the mechanism adds noise"). Our choice: every outcome that yielded no usable intent counts —
 * `invalid` (over-long candidate) and `dropped` (refined intent too short or containing INVALID);
 * the reference pipeline marks both as INVALID. Rate = those / all outcomes; null for none. Any
 * other status (`pending`, or a stored row's later review status such as accepted / rejected) is a
 * usable intent. Accepts stored rows (`{ status }`) as well as {@link IntentOutcome}s. Compare with
 * `INVALID_RATE_WARNING` (0.3).
 */
export function invalidRate(outcomes: readonly { status: string }[]): number | null {
  if (outcomes.length === 0) return null;
  const invalid = outcomes.filter(
    (outcome) => outcome.status === 'invalid' || outcome.status === 'dropped',
  ).length;
  return invalid / outcomes.length;
}
