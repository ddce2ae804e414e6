/**
 * Pure display helpers of the PI review pages (adjudication, annotator stats): kappa formatting and
 * its Landis & Koch (1977) interpretation, the rater-pair matrix, annotator-table sorting, the help
 * texts of each metric and the bounds of the queue settings. No React, no 'use client'.
 */
import type { BadgeTone } from '@/components/ui/badge';
import { interpretKappa as interpretKappaBand } from '@/lib/core/agreement';
import {
  decisionLabels,
  MAX_INTENT_CHARS,
  MAX_REQUIRED_REVIEWS,
  type ReviewQueueId,
} from '@/lib/core/review';

/** The source of the interpretation bands shown beside every kappa. */
export const LANDIS_KOCH_CITATION =
  'Landis, J. R. & Koch, G. G. (1977). The measurement of observer agreement for categorical data. Biometrics 33(1), 159–174.';

/** A Landis & Koch band as shown: its name and the badge colour. */
export interface KappaBand {
  label: string;
  tone: BadgeTone;
}

/**
 * Colours of Landis & Koch's bands (the bands themselves are `interpretKappa` of lib/core/agreement):
 * poor and slight red, fair and moderate amber, substantial and almost perfect green. The bands are
 * a convention, not a test: the authors called their divisions "clearly arbitrary" benchmarks.
 */
const KAPPA_BAND_TONES: Record<string, BadgeTone> = {
  poor: 'red',
  slight: 'red',
  fair: 'amber',
  moderate: 'amber',
  substantial: 'green',
  'almost perfect': 'green',
};

/** The Landis & Koch band of a kappa; null when there is no kappa (too few items, or no variation). */
export function interpretKappa(kappa: number | null | undefined): KappaBand | null {
  if (kappa === null || kappa === undefined || !Number.isFinite(kappa)) return null;
  // Read the value as shown (two decimals): 0.205 displays as 0.21 and reads as "fair", not "slight".
  const label = interpretKappaBand(Math.round(kappa * 100) / 100 || 0);
  return { label, tone: KAPPA_BAND_TONES[label] ?? 'slate' };
}

/** The help text beside agreement figures: what kappa is and how the bands read. */
export const KAPPA_HELP =
  'Kappa is agreement corrected for the agreement expected by chance: 1 = always agree, 0 = no better than chance, below 0 = worse than chance. ' +
  'Fleiss’ kappa covers all reviewers of a queue at once, over the items with the most common number of reviews (n; the statistic needs the same number per item, the reviewers may differ); percent agreement is the share of agreeing reviewer pairs over all items with two or more reviews; Cohen’s kappa compares one pair of reviewers on the items both reviewed. ' +
  'Bands (Landis & Koch 1977): below 0 poor, 0–0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80 substantial, 0.81–1 almost perfect. ' +
  'Kappa is undefined (—) when there are too few items or everyone gave the same answer on every item; look at the percent agreement then.';

/** A kappa with two decimals and a real minus sign; "—" when undefined. */
export function formatKappa(kappa: number | null | undefined): string {
  if (kappa === null || kappa === undefined || !Number.isFinite(kappa)) return '—';
  // The same rounding as interpretKappa, so the figure and its band never disagree.
  const shown = Math.round(kappa * 100) / 100;
  const text = Math.abs(shown).toFixed(2);
  return shown < 0 ? `−${text}` : text;
}

/** A share in 0..1 as a whole percentage ("83%"); "—" when there was nothing to compare. */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  return `${Math.round(share * 100)}%`;
}

/** Decisions per hour with one decimal below 10 ("4.5", "12"); "—" when unknown. */
export function formatPerHour(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return rate < 10 ? (Math.round(rate * 10) / 10).toString() : Math.round(rate).toString();
}

/** A duration in seconds, short: "42 s", "3 min 5 s", "1 h 2 min"; "—" when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const rest = s % 60;
    return rest ? `${Math.floor(s / 60)} min ${rest} s` : `${s / 60} min`;
  }
  const minutes = Math.round((s % 3600) / 60);
  return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${Math.floor(s / 3600)} h`;
}

// ---------------------------------------------------------------------------------------------
// Rater pairs
// ---------------------------------------------------------------------------------------------

/** A reviewer as the agreement procedure names them. */
export interface Rater {
  id: string;
  name: string;
}

/** One pair of reviewers from `review.agreement`. */
export interface RaterPair {
  a: Rater;
  b: Rater;
  items: number;
  cohenKappa: number | null;
  percentAgreement: number;
}

/** A symmetric matrix of rater pairs: the raters sorted by name, and the pair of any two of them. */
export interface PairMatrix {
  raters: Rater[];
  /** The pair of two different raters (either order), or undefined when they share no item. */
  get(aId: string, bId: string): RaterPair | undefined;
}

/** Builds the rater × rater matrix of `review.agreement`'s pairs (every rater of some pair, by name). */
export function buildPairMatrix(pairs: readonly RaterPair[]): PairMatrix {
  const raters = new Map<string, Rater>();
  const byKey = new Map<string, RaterPair>();
  for (const pair of pairs) {
    raters.set(pair.a.id, pair.a);
    raters.set(pair.b.id, pair.b);
    byKey.set(`${pair.a.id}\u0000${pair.b.id}`, pair);
    byKey.set(`${pair.b.id}\u0000${pair.a.id}`, pair);
  }
  return {
    raters: [...raters.values()].sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id)),
    get: (aId, bId) => (aId === bId ? undefined : byKey.get(`${aId}\u0000${bId}`)),
  };
}

// ---------------------------------------------------------------------------------------------
// Annotator stats
// ---------------------------------------------------------------------------------------------

/** One row of `review.annotatorStats` (the fields the table reads). */
export interface AnnotatorStatsRow {
  userId: string;
  name: string | null;
  email: string | null;
  role: string | null;
  decisions: number;
  accepts: number;
  rejects: number;
  decisionsPerHour: number | null;
  medianSecondsPerDecision: number | null;
  agreementWithOthers: number | null;
  comparedItems: number;
  graphAgreement: number | null;
  graphCompared: number;
  envAgreement: number | null;
  envCompared: number;
  lastDecisionAt: Date | string | null;
}

/** The sortable columns of the annotator table. */
export const ANNOTATOR_SORT_KEYS = [
  'name',
  'decisions',
  'accepts',
  'rejects',
  'decisionsPerHour',
  'medianSecondsPerDecision',
  'agreementWithOthers',
  'graphAgreement',
  'envAgreement',
  'lastDecisionAt',
] as const;
export type AnnotatorSortKey = (typeof ANNOTATOR_SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';

/** The name a reviewer is shown by: their name, else their e-mail, else the account id. */
export function reviewerName(row: { userId: string; name: string | null; email: string | null }): string {
  return row.name || row.email || row.userId;
}

function sortValue(row: AnnotatorStatsRow, key: AnnotatorSortKey): number | string | null {
  if (key === 'name') return reviewerName(row).toLocaleLowerCase();
  if (key === 'lastDecisionAt') {
    if (row.lastDecisionAt === null) return null;
    const t = new Date(row.lastDecisionAt).getTime();
    return Number.isNaN(t) ? null : t;
  }
  const value = row[key];
  return value === null || !Number.isFinite(value) ? null : value;
}

/**
 * The rows sorted by `key` in `direction`; rows without a value (no compared items, no timing) go
 * last in both directions, and ties keep a stable order by name then account id.
 */
export function sortAnnotatorStats<T extends AnnotatorStatsRow>(
  rows: readonly T[],
  key: AnnotatorSortKey,
  direction: SortDirection,
): T[] {
  const sign = direction === 'asc' ? 1 : -1;
  const byName = (x: T, y: T) =>
    reviewerName(x).localeCompare(reviewerName(y)) || x.userId.localeCompare(y.userId);
  return [...rows].sort((x, y) => {
    const a = sortValue(x, key);
    const b = sortValue(y, key);
    if (a === null || b === null) return a === b ? byName(x, y) : a === null ? 1 : -1;
    const cmp = typeof a === 'string' && typeof b === 'string' ? a.localeCompare(b) : Number(a) - Number(b);
    return cmp !== 0 ? sign * cmp : byName(x, y);
  });
}

/** The direction a column starts in when first clicked: names A→Z, numbers and dates high→low. */
export function defaultSortDirection(key: AnnotatorSortKey): SortDirection {
  return key === 'name' || key === 'medianSecondsPerDecision' ? 'asc' : 'desc';
}

/** The definition of each annotator metric, shown as help text on the stats page. */
export const ANNOTATOR_METRIC_HELP = {
  decisions:
    'Decisions: reviews this person submitted (accepts + rejects), in every queue. A PI’s adjudications are not counted here.',
  decisionsPerHour:
    'Decisions per hour = decisions / total time from claiming an item to deciding it (summed over their decisions; each decision counts at most one hour, so an abandoned tab does not count as work). Time between items is not counted, so this is working speed, not throughput.',
  medianSecondsPerDecision:
    'Median time: the median over their decisions of the time from claiming the item to deciding it. Unlike the mean, it is not pulled up by an item left open over lunch.',
  agreementWithOthers:
    'Agreement with others = on the items this person and at least one other reviewer both decided, the share of (this person, other reviewer) pairs that gave the same decision. “n” is the number of such items.',
  graphAgreement:
    'Graph agreement: on Rollout verdicts decisions, the share where the reviewer’s call matches the CORE graph verdict (Succeeded ⇔ graph verdict True). These rollouts are queued because the graph and the environment disagree or the environment said nothing, so a low figure is not a bad sign on its own.',
  envAgreement:
    'Environment agreement: the same, against the environment’s own verdict (Succeeded ⇔ environment success), on the rollouts where that verdict is known.',
} as const;

// ---------------------------------------------------------------------------------------------
// Queue settings
// ---------------------------------------------------------------------------------------------

/** Bounds of the queue settings, as `review.settings.update` enforces them. */
export const REQUIRED_REVIEWS_MIN = 1;
export const REQUIRED_REVIEWS_MAX = MAX_REQUIRED_REVIEWS;
export const LEASE_SECONDS_MIN = 60;
export const LEASE_SECONDS_MAX = 3600;

/**
 * Why a queue setting cannot be saved, or null when it can: whole numbers, 1–5 reviews, a lease of
 * 60–3600 seconds (the server checks the same bounds).
 */
export function validateQueueSetting(requiredReviews: number, leaseSeconds: number): string | null {
  if (
    !Number.isInteger(requiredReviews) ||
    requiredReviews < REQUIRED_REVIEWS_MIN ||
    requiredReviews > REQUIRED_REVIEWS_MAX
  ) {
    return `Independent reviews must be a whole number from ${REQUIRED_REVIEWS_MIN} to ${REQUIRED_REVIEWS_MAX}.`;
  }
  if (
    !Number.isInteger(leaseSeconds) ||
    leaseSeconds < LEASE_SECONDS_MIN ||
    leaseSeconds > LEASE_SECONDS_MAX
  ) {
    return `The lease must be a whole number of seconds from ${LEASE_SECONDS_MIN} to ${LEASE_SECONDS_MAX}.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Disagreements
// ---------------------------------------------------------------------------------------------

/**
 * The `review.disagreements` input of the adjudication page: all queues, the queue filter works on
 * the client. Here, not in the client component, so the server page can prefetch with the same key.
 */
export const DISAGREEMENTS_INPUT = {} as const;

/**
 * What a reviewer's `edit` carried, as text to show: the edited intent, the code, the first harmful
 * step of a "Correct from here" (0-based, as sent), or anything else as JSON.
 */
export function describeEdit(edit: Record<string, unknown> | null | undefined): {
  intent: string | null;
  code: string | null;
  harmfulStep: number | null;
  other: string | null;
} {
  if (!edit) return { intent: null, code: null, harmfulStep: null, other: null };
  const { intent, code, harmfulStep, ...rest } = edit;
  return {
    intent: typeof intent === 'string' && intent.trim() !== '' ? intent : null,
    code: typeof code === 'string' && code.trim() !== '' ? code : null,
    harmfulStep: typeof harmfulStep === 'number' && Number.isInteger(harmfulStep) ? harmfulStep : null,
    other: Object.keys(rest).length > 0 ? JSON.stringify(rest, null, 2) : null,
  };
}

/** How the reviews of a disagreement split, e.g. "2 accept · 1 reject". */
export function summarizeSplit(reviews: readonly { decision: string }[]): string {
  const accepts = reviews.filter((r) => r.decision === 'accept').length;
  const rejects = reviews.filter((r) => r.decision === 'reject').length;
  return `${accepts} accept · ${rejects} reject`;
}

/** The label of a decision value on an item ("Approve", "Failed", …). */
export function decisionLabel(queue: ReviewQueueId, flag: string | null, decision: string): string {
  const labels = decisionLabels(queue, flag);
  return decision === 'accept' ? labels.accept : decision === 'reject' ? labels.reject : decision;
}

/**
 * What an accept may carry as an edit: the intent text (intent and task queues, optional), the
 * label-function code (a key step without a passing function, required), or nothing (a PI's
 * "Correct from here" takes the latest accepting reviewer's step).
 */
export function editKindFor(queue: ReviewQueueId, flag: string | null): 'intent' | 'code' | null {
  if (queue === 'extrapolated_intent' || queue === 'proposed_task') return 'intent';
  if (queue === 'lf_flag' && flag === 'no_passing_function') return 'code';
  return null;
}

/** A PI's ruling as the adjudication form holds it. */
export interface AdjudicationDraft {
  decision: 'accept' | 'reject';
  reason: string;
  /** Edited intent or code ('' = none). */
  edit: string;
}

/**
 * Why the ruling cannot be sent yet, or null: a reject needs a reason (except a rollout judged
 * Failed), a key step's "Add label function" needs code, an edited intent fits MAX_INTENT_CHARS.
 */
export function validateAdjudication(
  queue: ReviewQueueId,
  flag: string | null,
  draft: AdjudicationDraft,
): string | null {
  const labels = decisionLabels(queue, flag);
  const kind = editKindFor(queue, flag);
  if (draft.decision === 'reject' && labels.rejectNeedsReason && draft.reason.trim() === '') {
    return `“${labels.reject}” needs a reason.`;
  }
  if (draft.reason.length > MAX_REASON_CHARS)
    return `The reason is longer than ${MAX_REASON_CHARS} characters.`;
  if (draft.decision === 'accept' && kind === 'code' && draft.edit.trim() === '') {
    return `“${labels.accept}” needs the label-function code.`;
  }
  if (draft.decision === 'accept' && kind === 'intent' && draft.edit.length > MAX_INTENT_CHARS) {
    return `The edited intent is longer than ${MAX_INTENT_CHARS} characters.`;
  }
  return null;
}

/** The longest reason `review.submit` / `review.adjudicate` take. */
export const MAX_REASON_CHARS = 2000;

/** The `review.adjudicate` input of a valid draft (an edit only on accept, trimmed reason when given). */
export function toAdjudicateInput(
  itemId: string,
  queue: ReviewQueueId,
  flag: string | null,
  draft: AdjudicationDraft,
): {
  itemId: string;
  decision: 'accept' | 'reject';
  reason?: string;
  edit?: { intent?: string; code?: string };
} {
  const kind = editKindFor(queue, flag);
  const reason = draft.reason.trim();
  const edit = draft.edit.trim();
  return {
    itemId,
    decision: draft.decision,
    ...(reason ? { reason } : {}),
    ...(draft.decision === 'accept' && kind && edit
      ? { edit: kind === 'code' ? { code: draft.edit } : { intent: edit } }
      : {}),
  };
}
