/**
 * The review queues of the curation workspace (issue 5 › Queues): what each queue holds and what
 * its two decisions mean. The decision values are always `accept` / `reject`; the labels differ per
 * queue so the UI speaks the field's terms (DESIGN.md › Domain terms).
 *
 * `corrections_wanted` (issue 16 § 3, DESIGN.md › Correction) holds one item per failed rollout
 * (`isFailedRollout` in `lib/core/corrections.ts`) that has no correction yet (no trajectory of kind
 * `correction` derived from it). The reviewer picks the first harmful step k — pre-selected: the
 * first step after the progress score's evidence stopped (`suggestHarmfulStepFromProgress`), or the
 * step already marked on the rollout.
 * - **accept = "Correct from here"**: the decision carries the step as `edit.harmfulStep` (0-based,
 *   required on a review; an adjudication without one takes the latest accepting review's); applying
 *   it records the mark on the rollout (`markHarmfulStep`: `harmfulStep`, `harmfulStepBy`,
 *   `harmfulStepAt`, audited) in the decision's transaction. Once the decision is applied, the
 *   workspace opens the correction session from that step (the recording session replays steps
 *   before it, then hands control to the person).
 * - **reject = "No correction"** (reason required): the rollout is left as it is, unmarked.
 * - The item becomes `obsolete` when a correction of the rollout is saved, or when the rollout no
 *   longer counts as failed (rescored, or its verdict changed), at the next sync.
 * With several required reviews, reviewers agree on accept / reject; the step applied is the latest
 * accepting reviewer's (as edited text is for intents).
 */
export const REVIEW_QUEUE_IDS = [
  'proposed_path',
  'extrapolated_intent',
  'proposed_task',
  'lf_flag',
  'rollout_verdict',
  'corrections_wanted',
] as const;
export type ReviewQueueId = (typeof REVIEW_QUEUE_IDS)[number];

export interface ReviewQueueInfo {
  label: string;
  /** One sentence for the queue picker. */
  description: string;
  acceptLabel: string;
  rejectLabel: string;
  /** Whether a reject must carry a reason (always, except a rollout judged Failed). */
  rejectNeedsReason: boolean;
}

export const REVIEW_QUEUE_INFO: Record<ReviewQueueId, ReviewQueueInfo> = {
  proposed_path: {
    label: 'Proposed paths',
    description:
      'New strategy-graph paths from Partially Passed rollouts. Approving merges the path (a new graph version) and rescores the task.',
    acceptLabel: 'Approve',
    rejectLabel: 'Reject',
    rejectNeedsReason: true,
  },
  extrapolated_intent: {
    label: 'Extrapolated intents',
    description:
      'Intents inferred from Failed rollouts. Accepting (as is or edited) creates a task of origin extrapolated with the rollout as its demo.',
    acceptLabel: 'Accept',
    rejectLabel: 'Reject',
    rejectNeedsReason: true,
  },
  proposed_task: {
    label: 'Proposed tasks',
    description:
      'Task variants proposed from Fully Passed rollouts. Accepting (as is or edited) creates a task of origin augmented.',
    acceptLabel: 'Accept',
    rejectLabel: 'Reject',
    rejectNeedsReason: true,
  },
  lf_flag: {
    label: 'Label-function flags',
    description:
      'Key steps with no passing label function, and label functions that pass on everything or nothing, error, or let a failed rollout pass.',
    acceptLabel: 'Confirm (needs a fix)',
    rejectLabel: 'Dismiss',
    rejectNeedsReason: true,
  },
  rollout_verdict: {
    label: 'Rollout verdicts',
    description:
      'Scored rollouts whose environment verdict is unknown or disagrees with the graph verdict: did the rollout accomplish its task?',
    acceptLabel: 'Succeeded',
    rejectLabel: 'Failed',
    rejectNeedsReason: false,
  },
  corrections_wanted: {
    label: 'Corrections wanted',
    description:
      'Failed rollouts without a correction: mark the first harmful step (the step after progress stopped is suggested) and correct the rollout from there yourself.',
    acceptLabel: 'Correct from here',
    rejectLabel: 'No correction',
    rejectNeedsReason: true,
  },
};

/** LF flag kinds of the `lf_flag` queue. `disagrees_with_env`: on the matched path of a rollout the graph passed and the environment failed. */
export const LF_REVIEW_FLAGS = [
  'no_passing_function',
  'passes_everything',
  'passes_nothing',
  'errors',
  'disagrees_with_env',
] as const;
export type LfReviewFlag = (typeof LF_REVIEW_FLAGS)[number];

/** Key-step items' decisions read differently: accepting adds the reviewer's label function. */
export const KEY_STEP_DECISION_LABELS = { accept: 'Add label function', reject: 'Not a key step' } as const;

/** The two decisions' labels for an item of `queue` (key-step flags read differently). */
export function decisionLabels(
  queue: ReviewQueueId,
  flag: string | null,
): { accept: string; reject: string; rejectNeedsReason: boolean } {
  const info = REVIEW_QUEUE_INFO[queue];
  if (queue === 'lf_flag' && flag === 'no_passing_function') {
    return { ...KEY_STEP_DECISION_LABELS, rejectNeedsReason: info.rejectNeedsReason };
  }
  return { accept: info.acceptLabel, reject: info.rejectLabel, rejectNeedsReason: info.rejectNeedsReason };
}

export const DEFAULT_LEASE_SECONDS = 300;
export const DEFAULT_REQUIRED_REVIEWS = 1;
export const MAX_REQUIRED_REVIEWS = 5;
/** Edited intents: the same ceiling as a model's candidate (DESIGN.md › Failure-driven intent inference). */
export const MAX_INTENT_CHARS = 1000;

/**
 * Whether `reviews` (one decision per reviewer) settle an item that needs `required` of them.
 * @returns `pending` while fewer than `required`; `agreed` with the decision when all agree;
 *   `disagreed` otherwise (a PI adjudicates).
 */
export function settleReviews<D extends string>(
  reviews: readonly D[],
  required: number,
): { state: 'pending' } | { state: 'agreed'; decision: D } | { state: 'disagreed' } {
  if (reviews.length < required) return { state: 'pending' };
  const first = reviews[0]!;
  return reviews.every((r) => r === first) ? { state: 'agreed', decision: first } : { state: 'disagreed' };
}
