/**
 * Stage K of the semantic code abstraction: reading the model's key-step list back onto the
 * trajectory's own step descriptions (DESIGN.md › Semantics › Key steps (K)).
 *
 * The model is given the objective and the numbered descriptions (stage D) and returns a numbered
 * list. Every returned line is snapped to the closest original description, so key steps are always
 * verbatim descriptions; on a parse failure all descriptions are key steps; a final
 * "Set the task's status" step is kept if present; exact duplicates are removed.
 */
import { distance } from 'fastest-levenshtein';

import { collapseWhitespace } from '@/lib/core/step-descriptions';

/** One key step as stage K returns it. */
export interface ParsedKeyStep {
  /**
   * 0-based index of the step whose description this is (the earliest one when several steps share
   * the description). {@link parseKeySteps} always sets it; the type allows null for callers that
   * add a synthetic final-status step that no step carries (see `KeyStepResult.stepIndex`).
   */
  stepIndex: number | null;
  /** Verbatim step description. */
  description: string;
}

export interface ParseKeyStepsResult {
  keySteps: ParsedKeyStep[];
  /** True when the reply held no numbered line: every description became a key step (DESIGN.md). */
  parseFailed: boolean;
}

/**
 * Replies are read up to this many characters (our choice); a longer reply is cut before parsing so
 * a hostile 1 MB answer costs linear time only.
 */
export const MAX_KEY_STEPS_REPLY_CHARS = 100_000;
/** At most this many numbered lines are snapped (our choice); later lines are ignored. */
export const MAX_KEY_STEP_LINES = 200;
/**
 * Snapping compares at most this many characters of each side (our choice): descriptions quoting a
 * long answer are still told apart by their first 300 characters, and the edit distance stays cheap.
 */
export const SNAP_COMPARE_CHARS = 300;

/** The description prefix of a task-status step (stage D's `status` template). */
export const STATUS_DESCRIPTION_PREFIX = "Set the task's status";

/**
 * A numbered line: optional list bullet (`-`, `*`, `+`), optional bold / italics markers, optional
 * `Step`, a number, then `.`, `)` or `:` (or a closing bold marker) and the text. Examples:
 * `1. Click…`, `1) Click…`, `- 1. Click…`, `**1.** Click…`, `**1. Click…**`, `Step 1: Click…`.
 */
const NUMBERED_LINE =
  /^\s*(?:[-*+•]\s+)?(?:[*_]{1,3})?\s*(?:step\s*)?(\d{1,4})\s*(?:[.):]|[*_]{1,3}[.):]?)\s*(.*)$/i;

const QUOTE_PAIRS: Record<string, string> = { '"': '"', "'": "'", '`': '`', '“': '”', '‘': '’', '«': '»' };

/**
 * The text of a numbered line without list and emphasis decoration: bold / italic markers at both
 * ends, a leading `Step n:` left over, one pair of surrounding quotes or backticks, whitespace
 * collapsed ({@link collapseWhitespace}). May be empty.
 */
function cleanLineText(text: string): string {
  let value = collapseWhitespace(text);
  for (let round = 0; round < 3; round++) {
    const before = value;
    value = value.replace(/^[*_]{1,3}|[*_]{1,3}$/g, '').trim();
    value = value.replace(/^[.):]\s*/, '').trim();
    const close = QUOTE_PAIRS[value.charAt(0)];
    if (close !== undefined && value.length >= 2 && value.endsWith(close)) value = value.slice(1, -1).trim();
    if (value === before) break;
  }
  return value;
}

/**
 * The numbered lines of a reply, in reply order, as cleaned text (see {@link cleanLineText});
 * code-fence lines are skipped (a list inside a fence is read like any other), lines whose text is
 * empty after cleaning are dropped. At most {@link MAX_KEY_STEP_LINES}.
 */
export function extractNumberedLines(reply: string): string[] {
  const lines = reply.slice(0, MAX_KEY_STEPS_REPLY_CHARS).split(/\r\n|\r|\n/);
  const out: string[] = [];
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) continue;
    const match = NUMBERED_LINE.exec(line);
    if (!match) continue;
    const text = cleanLineText(match[2] ?? '');
    if (text === '') continue;
    out.push(text);
    if (out.length >= MAX_KEY_STEP_LINES) break;
  }
  return out;
}

/** The form both sides are compared in: whitespace collapsed, lower-cased, cut at {@link SNAP_COMPARE_CHARS}. */
function compareForm(text: string): string {
  return collapseWhitespace(text).toLowerCase().slice(0, SNAP_COMPARE_CHARS);
}

/**
 * Index of the description closest to `line` — the snapping rule of stage K (DESIGN.md › Key
 * steps: "every returned line is snapped to the closest original description"). Our rule for
 * "closest": the smallest normalised Levenshtein distance (`fastest-levenshtein`)
 * `distance(a, b) / max(|a|, |b|)` between the compare forms (whitespace collapsed, lower-cased,
 * first {@link SNAP_COMPARE_CHARS} characters); ties go to the earliest description. An exact match
 * (distance 0) wins at once. Returns -1 only when `descriptions` is empty.
 */
export function snapToDescription(line: string, descriptions: readonly string[]): number {
  const wanted = compareForm(line);
  let best = -1;
  let bestScore = Infinity;
  descriptions.forEach((description, index) => {
    if (bestScore === 0) return;
    const candidate = compareForm(description);
    const longest = Math.max(wanted.length, candidate.length);
    const score = longest === 0 ? 0 : distance(wanted, candidate) / longest;
    if (score < bestScore) {
      bestScore = score;
      best = index;
    }
  });
  return best;
}

/**
 * Parses the stage-K reply into key steps — DESIGN.md › Semantics › Key steps (K).
 *
 * Input: the model's reply (any text) and the trajectory's step descriptions in step order
 * (`descriptions[i]` belongs to step `i`).
 *
 * Rules:
 * 1. Numbered lines are read as in {@link extractNumberedLines} (`1.`, `1)`, `- 1.`, `**1.**`,
 *    `Step 1:`; quotes, bold markers and code fences are tolerated; other lines, e.g. a preamble,
 *    are ignored). The numbers themselves are not used: the model may renumber.
 * 2. Every numbered line is snapped to its closest description ({@link snapToDescription}), so key
 *    steps are verbatim descriptions; their order is the order the model returned them in.
 * 3. Exact duplicates (same verbatim description) are removed, the first occurrence kept.
 * 4. A reply without any numbered line is a parse failure: every description is a key step (in
 *    step order, duplicates removed) and `parseFailed` is true.
 * 5. When the last description starts with "Set the task's status" it is kept: appended at the end
 *    when the model omitted it.
 *
 * `stepIndex` is the earliest step carrying the description. Never throws; empty `descriptions`
 * give no key steps.
 */
export function parseKeySteps(reply: string, descriptions: readonly string[]): ParseKeyStepsResult {
  const firstIndex = new Map<string, number>();
  descriptions.forEach((description, index) => {
    if (!firstIndex.has(description)) firstIndex.set(description, index);
  });
  const keySteps: ParsedKeyStep[] = [];
  const seen = new Set<string>();
  const add = (index: number) => {
    const description = descriptions[index];
    if (description === undefined || seen.has(description)) return;
    seen.add(description);
    keySteps.push({ stepIndex: firstIndex.get(description) ?? index, description });
  };

  if (descriptions.length === 0) return { keySteps, parseFailed: extractNumberedLines(reply).length === 0 };

  const lines = extractNumberedLines(reply);
  const parseFailed = lines.length === 0;
  if (parseFailed) {
    descriptions.forEach((_, index) => add(index));
  } else {
    for (const line of lines) add(snapToDescription(line, descriptions));
  }

  const lastIndex = descriptions.length - 1;
  const last = descriptions[lastIndex];
  if (last !== undefined && last.startsWith(STATUS_DESCRIPTION_PREFIX)) add(lastIndex);
  return { keySteps, parseFailed };
}
