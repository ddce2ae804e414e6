/**
 * Password strength, estimated with zxcvbn-ts (`@zxcvbn-ts/core` with the common and English
 * dictionaries and keyboard graphs), the maintained TypeScript port of Dropbox's zxcvbn.
 *
 * Rule: a new password needs a zxcvbn score of at least {@link MIN_PASSWORD_SCORE} (3 of 0–4,
 * "safely unguessable: moderate protection from an offline slow-hash scenario", fewer than 10^10
 * guesses), on top of Better Auth's length bounds (8–128). The person's email, its local part,
 * their name and the product's name count as guessable words. `password`, `12345678`, `P@ssw0rd1`
 * and the email address itself are refused; a few uncommon words (`copper lantern orbit`) pass.
 *
 * Levenshtein matching (near-misses of dictionary words) is off: it took 1.5–3 s per check here
 * against about 50 ms without it; l33t substitutions, reversed words, keyboard walks, dates and
 * repeats are still matched. Checks run on the server only (the dictionaries are ~1.5 MB).
 */
import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';

/** Lowest accepted zxcvbn score (0 = too guessable … 4 = very unguessable). */
export const MIN_PASSWORD_SCORE = 3;
/** Characters zxcvbn looks at (Better Auth refuses passwords over 128 characters anyway). */
const MAX_CHECKED_LENGTH = 128;
/** Words of the product itself, guessable for any account here. */
const PRODUCT_WORDS = ['core-curator', 'corecurator', 'core', 'curator'];

let factory: ZxcvbnFactory | null = null;

function getFactory(): ZxcvbnFactory {
  // Built on first use (about 0.6 s: the dictionaries are ranked once per process).
  factory ??= new ZxcvbnFactory({
    translations: zxcvbnEn.translations,
    graphs: zxcvbnCommon.adjacencyGraphs,
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    useLevenshteinDistance: false,
    maxLength: MAX_CHECKED_LENGTH,
  });
  return factory;
}

export interface PasswordVerdict {
  ok: boolean;
  /** zxcvbn score, 0–4. */
  score: ZxcvbnResult['score'];
  /** Why it is weak and what to do, in English; empty when `ok`. */
  message: string;
}

/** The words about this person an attacker would try first: email, its local part, name parts. */
function personalWords(userInputs: readonly (string | null | undefined)[]): string[] {
  const words = new Set<string>(PRODUCT_WORDS);
  for (const input of userInputs) {
    const value = input?.trim().toLowerCase();
    if (!value) continue;
    words.add(value);
    const local = value.split('@')[0];
    if (local) words.add(local);
    for (const part of value.split(/[\s@._+-]+/)) if (part.length >= 3) words.add(part);
  }
  return [...words];
}

/**
 * Scores `password`; `userInputs` are the account's email and name (either may be missing).
 * Pure apart from building the dictionaries once.
 */
export function checkPasswordStrength(
  password: string,
  userInputs: readonly (string | null | undefined)[] = [],
): PasswordVerdict {
  const result = getFactory().check(password, personalWords(userInputs));
  if (result.score >= MIN_PASSWORD_SCORE) return { ok: true, score: result.score, message: '' };
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter(
    (line): line is string => typeof line === 'string' && line.length > 0,
  );
  if (advice.length === 0) advice.push('Add another word or two that are not common.');
  return {
    ok: false,
    score: result.score,
    message: `This password is too easy to guess (strength ${result.score} of 4, needs ${MIN_PASSWORD_SCORE}). ${advice.join(' ')}`,
  };
}
