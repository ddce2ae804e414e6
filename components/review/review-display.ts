/**
 * Pure helpers of the review workspace (no React): decision labels per queue, the reviewer's draft
 * (reason, edited intent or code) with its checks and the `review.submit` input it becomes, the
 * lease countdown, label-function flag explanations and result badges.
 */
import {
  decisionLabels,
  MAX_INTENT_CHARS,
  REVIEW_QUEUE_IDS,
  type LfReviewFlag,
  type ReviewQueueId,
} from '@/lib/core/review';

/** `review.claimNext` takes at most this many ids to skip (the router's bound). */
export const MAX_EXCLUDED_ITEMS = 50;
/** The lease is renewed this often while an item is open. */
export const LEASE_RENEW_INTERVAL_MS = 60_000;
/** Below this, the countdown turns amber. */
export const LEASE_WARNING_MS = 60_000;
/** How many of the reviewer's past decisions "previous" walks back through. */
export const HISTORY_LIMIT = 50;
/** Same bound as the server's reason check. */
export const MAX_REASON_CHARS = 2000;

/** The queue named by a route parameter, or null for anything else. */
export function parseQueueParam(value: string): ReviewQueueId | null {
  return (REVIEW_QUEUE_IDS as readonly string[]).includes(value) ? (value as ReviewQueueId) : null;
}

/** What an `accept` does, per queue, in one sentence (shown under the buttons and in the README). */
export function acceptEffect(queue: ReviewQueueId, flag: string | null): string {
  switch (queue) {
    case 'proposed_path':
      return 'Approving merges the path into the strategy graph (a new graph version) and rescores the task.';
    case 'extrapolated_intent':
      return 'Accepting creates a task of origin extrapolated with this rollout as its expert demo.';
    case 'proposed_task':
      return 'Accepting creates a task of origin augmented.';
    case 'lf_flag':
      return flag === 'no_passing_function'
        ? 'Adding a label function merges your code into the graph between the neighbouring key steps.'
        : 'Confirming records that the label function needs a fix; fix it in the label-function editor.';
    case 'rollout_verdict':
      return 'Your verdict is recorded beside the environment and graph verdicts.';
    case 'corrections_wanted':
      return 'Correcting marks the selected step as the first harmful one and opens the correction session: steps before it are replayed, then you take over.';
  }
}

/** The recording page of a session `recordings.startCorrection` started ("Correct from here" leads there). */
export function recordingSessionHref(sessionId: string): string {
  return `/record/${encodeURIComponent(sessionId)}`;
}

/** One sentence per label-function flag. */
export const LF_FLAG_EXPLANATIONS: Record<LfReviewFlag, string> = {
  no_passing_function:
    'No synthesised label function passed on the demo in 5 attempts. Write one (Add label function), or say it is not a key step.',
  passes_everything:
    'This label function passes on every trajectory it ran on, so it cannot tell success from failure.',
  passes_nothing: 'This label function fails on every trajectory it ran on, so paths through it never pass.',
  errors: 'This label function raises errors (or times out) on trajectories; errors count as False.',
  disagrees_with_env:
    'This node sits on the matched path of rollouts the graph passed but the environment failed: it may accept too much.',
};

/** The flag's explanation; unknown flags are shown as they are. */
export function explainFlag(flag: string | null): string {
  if (flag && Object.hasOwn(LF_FLAG_EXPLANATIONS, flag)) return LF_FLAG_EXPLANATIONS[flag as LfReviewFlag];
  return flag ? `Flag: ${flag}` : 'Flagged for review.';
}

/** Category ids in DESIGN.md's words. */
export function categoryLabel(category: string | null | undefined): string {
  if (category === 'fully_passed') return 'Fully Passed';
  if (category === 'partially_passed') return 'Partially Passed';
  if (category === 'failed') return 'Failed';
  return 'not scored';
}

export type Tone = 'slate' | 'green' | 'red' | 'amber' | 'indigo';

/** A label-function result as a badge: pass / fail / the error outcome / not run. */
export function resultBadge(result: { result: boolean | null; outcome: string } | null | undefined): {
  label: string;
  tone: Tone;
} {
  if (!result) return { label: 'not run', tone: 'slate' };
  if (result.outcome !== 'ok')
    return { label: result.outcome === 'exception' ? 'error' : result.outcome, tone: 'amber' };
  return result.result ? { label: 'pass', tone: 'green' } : { label: 'fail', tone: 'red' };
}

/** A yes/no/unknown verdict in words. */
export function verdictLabel(value: boolean | null | undefined, yes = 'success', no = 'failure'): string {
  return value == null ? 'unknown' : value ? yes : no;
}

/** `m:ss` left on a lease; `expired` at or below zero. */
export function formatCountdown(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return 'expired';
  const total = Math.ceil(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** `expired`, `warning` under {@link LEASE_WARNING_MS}, else `ok`. */
export function leaseState(ms: number): 'ok' | 'warning' | 'expired' {
  if (!Number.isFinite(ms) || ms <= 0) return 'expired';
  return ms < LEASE_WARNING_MS ? 'warning' : 'ok';
}

/**
 * The ids `claimNext` should skip: the given ones (current, prefetched, skipped) without repeats,
 * the most recent {@link MAX_EXCLUDED_ITEMS} when there are more (older skips come back first).
 */
export function excludedItemIds(ids: readonly (string | null | undefined)[]): string[] {
  const unique: string[] = [];
  for (const id of ids) if (id && !unique.includes(id)) unique.push(id);
  return unique.slice(-MAX_EXCLUDED_ITEMS);
}

/** The code an "Add label function" box starts with: the signature and the key step as a comment. */
export function labelFunctionTemplate(description: string): string {
  const comment = description.replace(/\s+/g, ' ').trim();
  return `def label_function(trajectory):\n    # ${comment}\n    return validate_click(trajectory, None, "")\n`;
}

// ---------------------------------------------------------------------------------------------
// The reviewer's draft
// ---------------------------------------------------------------------------------------------

/** What the reviewer has typed for one item. */
export interface ReviewDraft {
  /** `reject` once the reason box was opened with `r` (Ctrl/⌘+Enter then rejects). */
  mode: 'accept' | 'reject';
  reason: string;
  /** The intent text (intents and proposed tasks), null elsewhere. */
  intent: string | null;
  /** The label-function code (key steps without a passing function), null elsewhere. */
  code: string | null;
}

/** What the draft is compared with, and which checks apply. */
export interface DraftContext {
  queue: ReviewQueueId;
  flag: string | null;
  /** The text as proposed (intents and proposed tasks). */
  originalIntent: string | null;
  /** The code box's starting text (key steps). */
  originalCode: string | null;
}

/** Whether this item takes edited text (`edit.intent`). */
export function takesIntentEdit(queue: ReviewQueueId): boolean {
  return queue === 'extrapolated_intent' || queue === 'proposed_task';
}

/** Whether this item takes code (`edit.code`): key steps with no passing label function. */
export function takesCodeEdit(queue: ReviewQueueId, flag: string | null): boolean {
  return queue === 'lf_flag' && flag === 'no_passing_function';
}

/** A fresh draft: the proposed text or the code template, no reason. */
export function initialDraft(context: DraftContext): ReviewDraft {
  return {
    mode: 'accept',
    reason: '',
    intent: takesIntentEdit(context.queue) ? (context.originalIntent ?? '') : null,
    code: takesCodeEdit(context.queue, context.flag) ? (context.originalCode ?? '') : null,
  };
}

/** Whether the reviewer changed anything (leaving then asks first). */
export function isDraftDirty(draft: ReviewDraft, context: DraftContext): boolean {
  if (draft.reason.trim() !== '') return true;
  if (draft.intent !== null && draft.intent.trim() !== (context.originalIntent ?? '').trim()) return true;
  if (draft.code !== null && draft.code !== (context.originalCode ?? '')) return true;
  return false;
}

/** Whether the intent text differs from the proposed one (then it goes as `edit.intent`). */
export function isIntentEdited(draft: ReviewDraft, context: DraftContext): boolean {
  return draft.intent !== null && draft.intent.trim() !== (context.originalIntent ?? '').trim();
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * The problem with submitting `decision` from this draft, or null when it may go: a reject needs a
 * reason where the queue says so; an edited intent needs 3+ words and at most
 * {@link MAX_INTENT_CHARS} characters; adding a label function needs code that is not just the
 * template. The server checks all of this again.
 */
export function checkDecision(
  decision: 'accept' | 'reject',
  draft: ReviewDraft,
  context: DraftContext,
): string | null {
  const reason = draft.reason.trim();
  if (reason.length > MAX_REASON_CHARS)
    return `The reason is too long (at most ${MAX_REASON_CHARS} characters).`;
  if (decision === 'reject') {
    const { rejectNeedsReason, reject } = decisionLabels(context.queue, context.flag);
    return rejectNeedsReason && !reason ? `${reject} needs a reason.` : null;
  }
  if (isIntentEdited(draft, context)) {
    const text = draft.intent!.trim();
    if (countWords(text) < 3) return 'An intent needs at least three words.';
    if (text.length > MAX_INTENT_CHARS) return `An intent has at most ${MAX_INTENT_CHARS} characters.`;
  }
  if (takesCodeEdit(context.queue, context.flag)) {
    const code = (draft.code ?? '').trim();
    if (!code) return 'Adding a label function needs its code.';
    if (code === (context.originalCode ?? '').trim())
      return 'Write the label function first (the box holds a template).';
  }
  return null;
}

/**
 * The `review.submit` input for `decision` (call {@link checkDecision} first). `step`: the step
 * selected (0-based); a `corrections_wanted` accept ("Correct from here") sends it as
 * `edit.harmfulStep`.
 */
export function buildSubmitInput(
  itemId: string,
  decision: 'accept' | 'reject',
  draft: ReviewDraft,
  context: DraftContext,
  step?: number,
): {
  itemId: string;
  decision: 'accept' | 'reject';
  reason?: string;
  edit?: { intent?: string; code?: string; harmfulStep?: number };
} {
  const reason = draft.reason.trim();
  const input: ReturnType<typeof buildSubmitInput> = { itemId, decision };
  if (reason) input.reason = reason;
  if (decision === 'accept') {
    if (isIntentEdited(draft, context)) input.edit = { intent: draft.intent!.trim() };
    else if (takesCodeEdit(context.queue, context.flag) && draft.code) input.edit = { code: draft.code };
    else if (context.queue === 'corrections_wanted' && step !== undefined)
      input.edit = { harmfulStep: Math.max(0, Math.floor(step)) };
  }
  return input;
}
