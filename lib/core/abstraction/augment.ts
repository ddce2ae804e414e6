/**
 * Success-based augmentation (DESIGN.md › Semantics › Success-based augmentation): reading the
 * model's proposed task variants (same template with other parameters, or paraphrased intents).
 */
import { MAX_INTENT_CANDIDATE_CHARS, type TaskVariant } from '@/lib/core/abstraction/types';
import { collapseWhitespace } from '@/lib/core/step-descriptions';

/** At most this many variants are kept from one reply, whatever `count` asks (our choice). */
export const MAX_AUGMENT_VARIANTS = 20;
/** Replies are read up to this many characters (our choice). */
export const MAX_AUGMENT_REPLY_CHARS = 200_000;

export interface ParseAugmentReplyOptions {
  /** The task's own intent; variants equal to it (case-insensitively) are dropped. */
  originalIntent: string;
  /** The task's template; a variant is a `template` variant only when this is set and it has params. */
  template: string | null;
  /** How many variants were asked for; more are cut (and never more than {@link MAX_AUGMENT_VARIANTS}). */
  count: number;
}

/** The contents of the first fenced block tagged `json` / `jsonl` (else bare), or null. Line scan. */
function firstJsonBlock(reply: string): string | null {
  const lines = reply.split(/\r\n|\r|\n/);
  let bare: string | null = null;
  for (let k = 0; k < lines.length; k++) {
    const open = /^\s*```\s*([A-Za-z]*)\s*$/.exec(lines[k]!);
    if (!open) continue;
    let j = k + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j]!)) j++;
    if (j >= lines.length) return bare;
    const body = lines.slice(k + 1, j).join('\n');
    const info = open[1]!.toLowerCase();
    if (info === 'json' || info === 'jsonl') return body;
    if (info === '' && bare === null) bare = body;
    k = j;
  }
  return bare;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Candidate entries: a JSON array (or `{variants: […]}`), else one JSON object per line. */
function readEntries(text: string): unknown[] {
  const whole = tryParse(text.trim());
  if (Array.isArray(whole)) return whole;
  if (whole && typeof whole === 'object') {
    const variants = (whole as Record<string, unknown>).variants;
    return Array.isArray(variants) ? (variants as unknown[]) : [whole];
  }
  const entries: unknown[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const trimmed = line.trim().replace(/,$/, '');
    if (!trimmed.startsWith('{')) continue;
    const parsed = tryParse(trimmed);
    if (parsed !== undefined) entries.push(parsed);
  }
  return entries;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses an augmentation reply into task variants.
 *
 * Format (ours, asked for by `prompts/augment.md`): a fenced ```` ```json ```` block holding a JSON
 * array of `{"intent": string, "params": object | null}`. Tolerated: a bare fence or no fence, JSON
 * lines (one object per line, trailing commas ignored), an object `{"variants": [...]}`, entries
 * that are plain strings (taken as paraphrases).
 *
 * Kept entries: `intent` a non-empty string (whitespace collapsed) of at most 1,000 characters (the
 * intent-candidate limit); `params` a JSON object or absent/null (other types make it null).
 * Dropped: invalid entries, intents equal to `originalIntent` or to an earlier variant
 * (case-insensitively, whitespace collapsed). `variant` is `template` when the task has a template
 * and the entry has non-empty params, else `paraphrase` (params then null). At most
 * `min(count, MAX_AUGMENT_VARIANTS)` variants, in reply order. Never throws.
 */
export function parseAugmentReply(reply: string, options: ParseAugmentReplyOptions): TaskVariant[] {
  const text = reply.slice(0, MAX_AUGMENT_REPLY_CHARS);
  const entries = readEntries(firstJsonBlock(text) ?? text);
  const limit = Math.max(0, Math.min(Math.floor(options.count), MAX_AUGMENT_VARIANTS));
  const seen = new Set([collapseWhitespace(options.originalIntent).toLowerCase()]);
  const variants: TaskVariant[] = [];
  for (const entry of entries) {
    if (variants.length >= limit) break;
    const raw = typeof entry === 'string' ? entry : isPlainObject(entry) ? entry.intent : undefined;
    if (typeof raw !== 'string') continue;
    const intent = collapseWhitespace(raw);
    if (intent === '' || intent.length > MAX_INTENT_CANDIDATE_CHARS) continue;
    const key = intent.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const params = isPlainObject(entry) && isPlainObject(entry.params) ? entry.params : null;
    const isTemplate = options.template !== null && params !== null && Object.keys(params).length > 0;
    variants.push({
      intent,
      params: isTemplate ? params : null,
      variant: isTemplate ? 'template' : 'paraphrase',
    });
  }
  return variants;
}
