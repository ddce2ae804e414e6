/**
 * WebArena / VisualWebArena task evaluators (`string_match`, `url_match`, `program_html`) in
 * TypeScript, framework-free: the browser is reached only through the {@link PageProbe} interface,
 * which the rollout runner implements with Playwright.
 *
 * The rules follow the original harness, read from:
 * - web-arena-x/visualwebarena `evaluation_harness/evaluators.py` (StringEvaluator,
 *   NumericEvaluator, URLExactEvaluator, HTMLContentExactEvaluator, EvaluatorComb)
 * - web-arena-x/visualwebarena `evaluation_harness/helper_functions.py` (the `func:` helpers)
 * - web-arena-x/webarena `evaluation_harness/evaluators.py` (URLEvaluator: the structured
 *   "GOLD in PRED" rule with query parameters)
 *
 * Where the two harnesses differ this module follows VisualWebArena, except for "GOLD in PRED",
 * which uses WebArena's structured rule (host + path contained, query parameters compared as
 * sets, so parameter order does not matter). Known, deliberate deviations:
 * - `program_html` checks every key present in `required_contents` (`exact_match`,
 *   `must_include`, `must_exclude`, `required_values`); the original checks only the first one
 *   found in that order, so e.g. a `must_exclude` next to a `must_include` was silently ignored.
 * - NLTK `word_tokenize` (used for single-word `must_include` / `must_exclude`) is approximated by
 *   {@link tokenizeWords}.
 * Anything that needs an LLM, a vision model or the shopping admin REST API is reported as
 * unsupported, never guessed.
 */
import { z } from 'zod';

import { DomainError } from '@/lib/core/errors';
import { WEBARENA_EVAL_TYPES } from '@/lib/core/import/webarena';

/** Separator of alternatives in reference strings (`"Olympus |OR| Nikon"`). */
export const OR_SEPARATOR = ' |OR| ';
/** URL matching rules of `eval.url_note`. */
export const WEBARENA_URL_NOTES = ['EXACT', 'GOLD in PRED'] as const;
export type WebArenaUrlNote = (typeof WEBARENA_URL_NOTES)[number];
/** VisualWebArena's default when `url_note` is absent (WebArena's own default is "GOLD in PRED"). */
export const DEFAULT_URL_NOTE: WebArenaUrlNote = 'EXACT';
/** Tolerance of the numeric comparisons in `required_values`, as in NumericEvaluator. */
export const NUMERIC_TOLERANCE = 1e-8;

// ---------------------------------------------------------------------------------------------
// Schema of the `eval` block
// ---------------------------------------------------------------------------------------------

/** `[]` stands for "none" in some configs (url_exact_match.json); read it as null. */
const emptyArrayAsNull = (value: unknown): unknown =>
  Array.isArray(value) && value.length === 0 ? null : value;

/** `eval.reference_answers` of a `string_match` config. */
export const ZReferenceAnswersSchema = z.strictObject({
  exact_match: z.string().optional(),
  must_include: z.array(z.string()).optional(),
  must_exclude: z.array(z.string()).optional(),
  one_of: z.array(z.string()).optional(),
  required_values: z.array(z.string()).optional(),
  fuzzy_match: z.union([z.string(), z.array(z.string())]).optional(),
});
export type TReferenceAnswers = z.infer<typeof ZReferenceAnswersSchema>;

/** `required_contents` of one `program_html` target. */
export const ZRequiredContentsSchema = z.strictObject({
  exact_match: z.string().optional(),
  must_include: z.array(z.string()).optional(),
  must_exclude: z.array(z.string()).optional(),
  required_values: z.array(z.string()).optional(),
  fuzzy_match: z.union([z.string(), z.array(z.string())]).optional(),
});
export type TRequiredContents = z.infer<typeof ZRequiredContentsSchema>;

/** One `eval.program_html` target: which page, which element, what it must contain. */
export const ZProgramHtmlTargetSchema = z.looseObject({
  url: z.string(),
  locator: z.string().default(''),
  // `[]` occurs in configs whose eval_types do not include program_html (url_exact_match.json).
  required_contents: z.preprocess(emptyArrayAsNull, ZRequiredContentsSchema.nullable()),
  prep_actions: z.array(z.string()).optional(),
});
export type TProgramHtmlTarget = z.infer<typeof ZProgramHtmlTargetSchema>;

/** The `eval` block of a WebArena / VisualWebArena task config. Unknown fields pass through. */
export const ZWebArenaEvalSchema = z
  .looseObject({
    eval_types: z.array(z.enum(WEBARENA_EVAL_TYPES)).min(1),
    reference_answers: z.preprocess(emptyArrayAsNull, ZReferenceAnswersSchema.nullable().optional()),
    reference_url: z.string().nullable().optional(),
    url_note: z.enum(WEBARENA_URL_NOTES).optional(),
    program_html: z.array(ZProgramHtmlTargetSchema).nullable().optional(),
    page_image_query: z.array(z.looseObject({})).optional(),
    string_note: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    const types = new Set(value.eval_types);
    if (types.has('string_match') && !value.reference_answers) {
      ctx.addIssue({
        code: 'custom',
        path: ['reference_answers'],
        message: 'string_match needs a reference_answers object',
      });
    }
    if (types.has('url_match') && !value.reference_url) {
      ctx.addIssue({
        code: 'custom',
        path: ['reference_url'],
        message: 'url_match needs a non-empty reference_url',
      });
    }
    if (types.has('program_html')) {
      if (!value.program_html || value.program_html.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['program_html'],
          message: 'program_html needs at least one target',
        });
      } else {
        value.program_html.forEach((target, index) => {
          const contents = target.required_contents;
          if (!contents || Object.keys(contents).length === 0) {
            ctx.addIssue({
              code: 'custom',
              path: ['program_html', index, 'required_contents'],
              message: 'needs at least one of exact_match, must_include, must_exclude, required_values',
            });
          }
        });
      }
    }
    if (types.has('page_image_query') && !value.page_image_query?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['page_image_query'],
        message: 'page_image_query needs at least one query',
      });
    }
  });
export type TWebArenaEval = z.infer<typeof ZWebArenaEvalSchema>;

/**
 * Parses a config's `eval` block. Throws `DomainError('BAD_INPUT')` whose message names every
 * offending field as a path (`eval.program_html[0].required_contents: …`).
 */
export function parseWebArenaEval(raw: unknown): TWebArenaEval {
  const result = ZWebArenaEvalSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${formatPath(['eval', ...issue.path])}: ${issue.message}`,
  );
  throw new DomainError('BAD_INPUT', `invalid WebArena eval block: ${problems.join('; ')}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** A verdict: `score` is the product of 0/1 checks as in the original; `details` say why. */
export interface EvaluatorScore {
  pass: boolean;
  score: number;
  details: string[];
}

/** No verdict possible here (LLM, vision model, admin API); `unsupported` says why. */
export interface EvaluatorUnsupported {
  unsupported: string;
  details: string[];
}

export type EvaluatorResult = EvaluatorScore | EvaluatorUnsupported;

export function isUnsupported(result: EvaluatorResult): result is EvaluatorUnsupported {
  return 'unsupported' in result;
}

function scored(score: number, details: string[]): EvaluatorScore {
  return { pass: score === 1, score, details };
}

// ---------------------------------------------------------------------------------------------
// String primitives (StringEvaluator / NumericEvaluator)
// ---------------------------------------------------------------------------------------------

/** Trim, drop one pair of surrounding single or double quotes, lower-case. */
export function cleanAnswer(answer: string): string {
  let out = answer.trim();
  if ((out.startsWith("'") && out.endsWith("'")) || (out.startsWith('"') && out.endsWith('"'))) {
    out = out.slice(1, -1);
  }
  return out.toLowerCase();
}

const SPLIT_PUNCTUATION = `,;:!?@#$%&()\\[\\]{}<>"'\``;
const TOKEN_PATTERN = new RegExp(`(?:[^\\s${SPLIT_PUNCTUATION}]|[,:](?=\\d))+|[${SPLIT_PUNCTUATION}]`, 'gu');

/**
 * Approximation of NLTK `word_tokenize`: splits on whitespace and on the punctuation the Treebank
 * tokenizer splits off (`, ; : ! ? @ # $ % & brackets quotes`), keeps `1,000` and `10:30` whole,
 * and splits a trailing period off a word (`World.` → `World`, `.`).
 */
export function tokenizeWords(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const token = match[0];
    if (token.length > 1 && token.endsWith('.') && !/^\.+$/.test(token)) {
      tokens.push(token.replace(/\.+$/, ''), '.');
    } else {
      tokens.push(token);
    }
  }
  return tokens;
}

/**
 * `ref` is in `pred` after cleaning both. A single-word reference must equal a whole token of the
 * prediction (so "0" is not found in "10"); a longer one is a substring test.
 */
export function mustInclude(ref: string, pred: string): boolean {
  const cleanRef = cleanAnswer(ref);
  const cleanPred = cleanAnswer(pred);
  if (tokenizeWords(cleanRef).length === 1) return tokenizeWords(cleanPred).includes(cleanRef);
  return cleanPred.includes(cleanRef);
}

/** The negation of {@link mustInclude}, with the same single-word rule. */
export function mustExclude(ref: string, pred: string): boolean {
  return !mustInclude(ref, pred);
}

export function exactMatch(ref: string, pred: string): boolean {
  return cleanAnswer(pred) === cleanAnswer(ref);
}

/** Python `int(s)` after stripping and removing commas; null when it is not an integer. */
export function parseInteger(text: string): number | null {
  const stripped = text.trim().replaceAll(',', '').replaceAll('_', '');
  return /^[+-]?\d+$/.test(stripped) ? Number.parseInt(stripped, 10) : null;
}

const INEQUALITY_OPERATORS = ['<=', '>=', '==', '<', '>'] as const;

/**
 * `value` satisfies an inequality such as `"< 700"` or `">= 12"`. The first operator found in the
 * order `<=, >=, ==, <, >` wins; comparisons carry a 1e-8 tolerance (so `<` and `>` accept
 * equality within it), as NumericEvaluator.compare_inequality does.
 */
export function compareInequality(value: number, inequality: string): boolean {
  for (const op of INEQUALITY_OPERATORS) {
    const at = inequality.indexOf(op);
    if (at === -1) continue;
    const bound = Number(inequality.slice(at + op.length).trim());
    if (Number.isNaN(bound)) throw new DomainError('BAD_INPUT', `invalid inequality "${inequality}"`);
    switch (op) {
      case '<=':
        return value <= bound + NUMERIC_TOLERANCE;
      case '>=':
        return value >= bound - NUMERIC_TOLERANCE;
      case '==':
        return Math.abs(value - bound) <= NUMERIC_TOLERANCE;
      case '<':
        return value < bound + NUMERIC_TOLERANCE;
      case '>':
        return value > bound - NUMERIC_TOLERANCE;
    }
  }
  throw new DomainError('BAD_INPUT', `invalid inequality "${inequality}"`);
}

function splitAlternatives(text: string): string[] {
  return text.split(OR_SEPARATOR);
}

/** Applies `must_include` (with |OR| alternatives) to `pred`; returns the 0/1 factor. */
function checkMustInclude(refs: readonly string[], pred: string, details: string[]): number {
  let score = 1;
  for (const ref of refs) {
    const alternatives = splitAlternatives(ref);
    const hit = alternatives.find((alt) => mustInclude(alt, pred));
    details.push(
      hit !== undefined
        ? `must_include ${JSON.stringify(ref)}: found ${JSON.stringify(hit)}`
        : `must_include ${JSON.stringify(ref)}: not found`,
    );
    if (hit === undefined) score = 0;
  }
  return score;
}

/** Applies `must_exclude` (no |OR| alternatives, as in the original); returns the 0/1 factor. */
function checkMustExclude(refs: readonly string[], pred: string, details: string[]): number {
  let score = 1;
  for (const ref of refs) {
    const ok = mustExclude(ref, pred);
    details.push(`must_exclude ${JSON.stringify(ref)}: ${ok ? 'absent' : 'present'}`);
    if (!ok) score = 0;
  }
  return score;
}

/** Applies `required_values` (with |OR| alternatives) to a number; returns the 0/1 factor. */
function checkRequiredValues(inequalities: readonly string[], value: number, details: string[]): number {
  let score = 1;
  for (const inequality of inequalities) {
    const ok = splitAlternatives(inequality).some((alt) => compareInequality(value, alt));
    details.push(`required_values ${JSON.stringify(inequality)}: ${value} ${ok ? 'satisfies' : 'fails'} it`);
    if (!ok) score = 0;
  }
  return score;
}

// ---------------------------------------------------------------------------------------------
// string_match
// ---------------------------------------------------------------------------------------------

/**
 * `string_match` on the agent's final answer (VisualWebArena StringEvaluator). Approaches run in
 * the order the config lists them and multiply: `exact_match`, `must_include` (each item may hold
 * ` |OR| ` alternatives), `must_exclude`, `one_of` (any cleaned value is a substring),
 * `required_values` (answer must be an integer). `fuzzy_match` needs an LLM judge: unsupported,
 * except `"N/A"` answered exactly, or when the deterministic checks already scored 0.
 */
export function evaluateStringMatch(answer: string, referenceAnswers: TReferenceAnswers): EvaluatorResult {
  const pred = cleanAnswer(answer);
  const details: string[] = [];
  let score = 1;
  let needsLlm: string | null = null;

  for (const [approach, value] of Object.entries(referenceAnswers)) {
    if (value === undefined) continue;
    switch (approach) {
      case 'exact_match': {
        const ok = exactMatch(value as string, pred);
        details.push(`exact_match ${JSON.stringify(value)}: ${ok ? 'equal' : 'different'}`);
        if (!ok) score = 0;
        break;
      }
      case 'must_include':
        score *= checkMustInclude(value as string[], pred, details);
        break;
      case 'must_exclude':
        score *= checkMustExclude(value as string[], pred, details);
        break;
      case 'one_of': {
        const hit = (value as string[]).find((v) => pred.includes(cleanAnswer(v)));
        details.push(hit !== undefined ? `one_of: found ${JSON.stringify(hit)}` : 'one_of: none found');
        if (hit === undefined) score = 0;
        break;
      }
      case 'required_values': {
        const number = parseInteger(pred);
        if (number === null) {
          details.push(`required_values: answer ${JSON.stringify(pred)} is not an integer`);
          score = 0;
        } else {
          score *= checkRequiredValues(value as string[], number, details);
        }
        break;
      }
      case 'fuzzy_match': {
        if (value === 'N/A') {
          if (exactMatch('N/A', pred)) {
            details.push('fuzzy_match "N/A": answered N/A exactly');
          } else {
            // The original then asks an LLM whether the stated reason matches string_note, and that
            // judgement replaces the score so far.
            return {
              unsupported: 'fuzzy_match "N/A" with a reason needs an LLM judge (ua_match)',
              details: [...details, `answer ${JSON.stringify(pred)} is not exactly "N/A"`],
            };
          }
        } else {
          needsLlm = 'fuzzy_match needs an LLM judge';
          details.push(`fuzzy_match ${JSON.stringify(value)}: needs an LLM judge`);
        }
        break;
      }
    }
  }

  if (needsLlm !== null && score !== 0) return { unsupported: needsLlm, details };
  return scored(score, details);
}

// ---------------------------------------------------------------------------------------------
// url_match
// ---------------------------------------------------------------------------------------------

function stripTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

const URL_PATTERN = /^(?:[a-z][a-z0-9+.-]*:)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i;

function decodeQueryComponent(text: string): string {
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * Splits a URL as Python `urlparse` + `parse_qs` do: `host + path` without trailing slashes, and
 * the query as name → values (decoded, `+` as space, blank values dropped).
 */
export function parseUrlForMatch(url: string): { basePath: string; query: Map<string, string[]> } {
  const match = URL_PATTERN.exec(url);
  const host = match?.[1] ?? '';
  const path = match?.[2] ?? url;
  const query = new Map<string, string[]>();
  for (const pair of (match?.[3] ?? '').split('&')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = decodeQueryComponent(pair.slice(0, eq));
    const value = decodeQueryComponent(pair.slice(eq + 1));
    if (!value) continue;
    query.set(name, [...(query.get(name) ?? []), value]);
  }
  return { basePath: stripTrailingSlashes(host + path), query };
}

/**
 * `url_match`: is the page's URL the reference URL? `referenceUrl` may hold ` |OR| ` alternatives;
 * trailing slashes never matter.
 * - `EXACT` (VisualWebArena URLExactEvaluator, its default): the URL equals one alternative, as
 *   strings — scheme, host, path, query and its parameter order all count.
 * - `GOLD in PRED` (WebArena URLEvaluator): some alternative's `host + path` is contained in the
 *   page's `host + path` (scheme ignored), and for every query parameter named by the references
 *   the page has one of the reference values (parameters of all alternatives pooled, as the
 *   original does); order and extra parameters on the page do not matter.
 * Site placeholders must already be resolved ({@link resolveSitePlaceholders}).
 */
export function evaluateUrlMatch(
  currentUrl: string,
  referenceUrl: string,
  urlNote: WebArenaUrlNote = DEFAULT_URL_NOTE,
): EvaluatorScore {
  const pred = stripTrailingSlashes(currentUrl);
  const refs = splitAlternatives(referenceUrl).map(stripTrailingSlashes);

  if (urlNote === 'EXACT') {
    const hit = refs.find((ref) => ref === pred);
    return scored(hit !== undefined ? 1 : 0, [
      hit !== undefined
        ? `url_match EXACT: ${JSON.stringify(currentUrl)} equals ${JSON.stringify(hit)}`
        : `url_match EXACT: ${JSON.stringify(currentUrl)} equals none of ${JSON.stringify(refs)}`,
    ]);
  }

  const page = parseUrlForMatch(pred);
  const refParts = refs.map(parseUrlForMatch);
  const details: string[] = [];
  const baseHit = refParts.find((ref) => page.basePath.includes(ref.basePath));
  details.push(
    baseHit
      ? `url_match GOLD in PRED: ${JSON.stringify(page.basePath)} contains ${JSON.stringify(baseHit.basePath)}`
      : `url_match GOLD in PRED: ${JSON.stringify(page.basePath)} contains none of ${JSON.stringify(
          refParts.map((ref) => ref.basePath),
        )}`,
  );
  let score = baseHit ? 1 : 0;

  const pooled = new Map<string, Set<string>>();
  for (const ref of refParts) {
    for (const [name, values] of ref.query) {
      const set = pooled.get(name) ?? new Set<string>();
      values.forEach((v) => set.add(v));
      pooled.set(name, set);
    }
  }
  for (const [name, values] of pooled) {
    const pageValues = page.query.get(name) ?? [];
    const ok = [...values].some((v) => pageValues.includes(v));
    details.push(
      `query ${name}: page has ${JSON.stringify(pageValues)}, ${ok ? 'matches' : 'needs one of'} ${JSON.stringify([...values])}`,
    );
    if (!ok) score = 0;
  }
  return scored(score, details);
}

// ---------------------------------------------------------------------------------------------
// Site placeholders
// ---------------------------------------------------------------------------------------------

/** Base URLs of the sites the user runs, keyed by placeholder name: `{ SHOPPING: 'http://…' }`. */
export type WebArenaSiteUrls = Readonly<Record<string, string>>;

const SITE_PLACEHOLDER = /__([A-Z][A-Z0-9_]*?)__/g;

/**
 * Replaces `__SHOPPING__`-style placeholders with the user's site URLs (trailing slash of the site
 * URL dropped). Throws `DomainError('BAD_INPUT')` naming any placeholder without a URL.
 * Lower-case markers of the harness (`__page__`, `__last_url__`) are left alone.
 */
export function resolveSitePlaceholders(text: string, sites: WebArenaSiteUrls): string {
  const missing = new Set<string>();
  const out = text.replace(SITE_PLACEHOLDER, (whole, name: string) => {
    const url = sites[name];
    if (url === undefined) {
      missing.add(whole);
      return whole;
    }
    return stripTrailingSlashes(url);
  });
  if (missing.size > 0) {
    throw new DomainError('BAD_INPUT', `no site URL set for ${[...missing].join(', ')}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// program_html
// ---------------------------------------------------------------------------------------------

/**
 * What `program_html` needs from a browser page; the rollout runner implements it with Playwright.
 * (`content()` rather than a body-text read: the original's empty locator reads `page.content()`,
 * the serialised HTML.)
 */
export interface PageProbe {
  /** The page's current URL. */
  currentUrl(): Promise<string>;
  /** Navigates and waits for the page to settle. */
  goto(url: string): Promise<void>;
  /**
   * Evaluates a JavaScript expression in the page and returns its value as a string (`String(v)`;
   * `null` / `undefined` → `''`). Rejects when the expression throws.
   */
  evaluate(jsExpression: string): Promise<string>;
  /** The page's serialised HTML (Playwright `page.content()`). */
  content(): Promise<string>;
}

/** Value a locator selected: text, a number (numeric helpers), or null when the page is wrong. */
type Selected = { kind: 'text'; text: string } | { kind: 'number'; value: number } | { kind: 'none' };

interface FuncCall {
  name: string;
  args: ({ kind: 'page' } | { kind: 'string'; value: string })[];
}

/** Parses `name(__page__, 'x', "y")`; null when the call has another shape. */
export function parseHelperCall(text: string): FuncCall | null {
  const match = /^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$/s.exec(text);
  if (!match) return null;
  const [, name = '', rest = ''] = match;
  const args: FuncCall['args'] = [];
  const argPattern = /\s*(?:(__page__)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(?:,|$)/gy;
  let consumed = 0;
  while (consumed < rest.length) {
    argPattern.lastIndex = consumed;
    const arg = argPattern.exec(rest);
    if (!arg || arg[0].length === 0) {
      if (rest.slice(consumed).trim() === '') break;
      return null;
    }
    if (arg[1]) args.push({ kind: 'page' });
    else args.push({ kind: 'string', value: (arg[2] ?? arg[3] ?? '').replace(/\\(.)/g, '$1') });
    consumed = argPattern.lastIndex;
  }
  return { name, args };
}

/**
 * Helpers of helper_functions.py that need the shopping admin REST API (admin credentials of the
 * user's deployment) or an LLM; reported as unsupported.
 */
const API_HELPERS = new Set([
  'shopping_get_latest_order_url',
  'shopping_get_sku_latest_review_author',
  'shopping_get_sku_latest_review_rating',
  'shopping_get_sku_latest_review_text',
  'shopping_get_sku_latest_review_title',
  'shopping_get_sku_product_page_url',
  'llm_fuzzy_match',
  'llm_ua_match',
]);

/** `reddit_get_post_url`: `scheme://host/f/<forum>/<post id>/` of a post or comment URL, else as is. */
export function redditGetPostUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/i.exec(url);
  if (!match) return url;
  const [, scheme = '', host = '', path = ''] = match;
  const parts = path.split('/');
  if (parts.length < 4 || parts[1] !== 'f') return url;
  return `${scheme}://${host}/f/${parts[2]}/${parts[3]}/`;
}

const js = (value: string): string => JSON.stringify(value);

/** JS run in the page by shopping order helpers: the order table's rows as JSON. */
const ORDER_PRODUCTS_JS = `(() => { try {
  const rows = [...document.querySelector('#my-orders-table').getElementsByTagName('tbody')].map((body) =>
    [...body.getElementsByTagName('td')].reduce((obj, cell) => {
      const key = cell.className.split(' ')[1];
      obj[key] = cell.outerText;
      if (key === 'name' && cell.querySelector('dl')) {
        const options = {};
        const items = [...cell.querySelector('dl').children];
        for (let i = 0; i + 1 < items.length; i += 2) options[items[i].outerText] = items[i + 1].outerText;
        obj.options = options;
      }
      return obj;
    }, {}));
  return JSON.stringify(rows);
} catch (e) { return '[]'; } })()`;

/** JS run in the page by reddit comment helpers: the comment tree under #main as JSON. */
const COMMENT_TREE_JS = `(() => { try {
  const build = (node, level) => {
    const tree = {
      username: node.querySelector('.fg-inherit').outerText,
      content: node.querySelector('.comment__content').outerText,
      time: new Date(node.querySelector('.comment__main > header > h1 > span > time').dateTime).getTime(),
      children: [],
    };
    node.querySelectorAll('.comment').forEach((child) => {
      if (parseInt(child.getAttribute('data-level')) === level + 1) tree.children.push(build(child, level + 1));
    });
    return tree;
  };
  return JSON.stringify(build(document.querySelector('#main'), 0));
} catch (e) { return '{}'; } })()`;

interface CommentNode {
  username?: string;
  content?: string;
  time?: number;
  children?: CommentNode[];
}

async function evaluateJson<T>(page: PageProbe, expression: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await page.evaluate(expression)) as T;
  } catch {
    return fallback;
  }
}

/** Latest comment by `username` (or the parent of it) in the post's comment tree. */
async function findLatestComment(
  page: PageProbe,
  username: string,
  want: 'comment' | 'parent',
): Promise<CommentNode | null> {
  const root = await evaluateJson<CommentNode>(page, COMMENT_TREE_JS, {});
  let best: CommentNode | null = null;
  let bestTime = -Infinity;
  const visit = (node: CommentNode): void => {
    if (want === 'comment' && node.username === username && (node.time ?? -Infinity) > bestTime) {
      best = node;
      bestTime = node.time ?? -Infinity;
    }
    for (const child of node.children ?? []) {
      if (want === 'parent' && child.username === username) {
        if ((child.time ?? -Infinity) > bestTime) {
          best = node;
          bestTime = child.time ?? -Infinity;
        }
      } else {
        visit(child);
      }
    }
  };
  visit(root);
  return best;
}

/** Runs a page-reading JS expression; a throw reads as `fallback`, as the helpers' try/except do. */
async function evaluateOr(page: PageProbe, expression: string, fallback: string): Promise<string> {
  try {
    return await page.evaluate(expression);
  } catch {
    return fallback;
  }
}

function numberOrZero(text: string): number {
  const value = Number(text);
  return Number.isFinite(value) ? value : 0;
}

type HelperOutcome = { selected: Selected } | { unsupported: string };

/**
 * The `func:` locator helpers of helper_functions.py that only read the page, re-expressed as JS
 * over the probe. Each returns what the Python helper returns, including its fallbacks ('' or 0).
 */
async function runLocatorHelper(call: FuncCall, page: PageProbe): Promise<HelperOutcome> {
  if (API_HELPERS.has(call.name)) {
    return {
      unsupported: `unsupported evaluator helper ${call.name}: it queries the site's admin REST API or an LLM`,
    };
  }
  const strings = call.args.flatMap((arg) => (arg.kind === 'string' ? [arg.value] : []));
  const [first = '', second = ''] = strings;
  const text = (value: string): HelperOutcome => ({ selected: { kind: 'text', text: value } });
  const number = (value: number): HelperOutcome => ({ selected: { kind: 'number', value } });

  switch (call.name) {
    case 'get_query_text':
    case 'get_query_text_lowercase': {
      const value = await evaluateOr(
        page,
        `(() => { try { return document.querySelector(${js(first)}).textContent; } catch (e) { return ''; } })()`,
        '',
      );
      return text(call.name === 'get_query_text_lowercase' ? value.toLowerCase() : value);
    }
    case 'shopping_get_product_attributes': {
      const expression = `(() => { try {
        const terms = ${js(first)}.toLowerCase().split(' |or| ');
        return Array.from(document.querySelector('#productDetails_detailBullets_sections1 > tbody').children)
          .filter((row) => terms.some((term) => row.children[0].outerText.toLowerCase().includes(term)))
          .map((row) => row.children[1].outerText)
          .join(', ');
      } catch (e) { return ''; } })()`;
      return text(await evaluateOr(page, expression, ''));
    }
    case 'shopping_get_product_price': {
      const selector =
        '#maincontent > div.columns > div > div.product-info-main > div.product-info-price > div.price-box.price-final_price > span > span';
      const expression = `(() => { const v = parseFloat(document.querySelector(${js(selector)}).outerText.substr(1)); return v ? v : 0; })()`;
      return number(numberOrZero(await evaluateOr(page, expression, '0')));
    }
    case 'shopping_get_num_reviews': {
      const expression = `(() => { const v = parseInt(document.querySelector('#tab-label-reviews-title').outerText.split(' ')[1]); return v ? v : 0; })()`;
      return number(numberOrZero(await evaluateOr(page, expression, '0')));
    }
    case 'shopping_get_rating_as_percentage': {
      const expression = `(() => { const v = parseFloat(document.querySelector('.rating-result').title.replace('%', '')); return v ? v : 0; })()`;
      return number(numberOrZero(await evaluateOr(page, expression, '0')));
    }
    case 'shopping_get_order_product_name_list': {
      const products = await evaluateJson<{ name?: string }[]>(page, ORDER_PRODUCTS_JS, []);
      return text(products.map((p) => p.name ?? '').join(OR_SEPARATOR));
    }
    case 'shopping_get_order_product_quantity': {
      const skus = first.includes('|OR|') ? first.split(OR_SEPARATOR) : [first];
      const products = await evaluateJson<{ sku?: string; qty?: string }[]>(page, ORDER_PRODUCTS_JS, []);
      const product = products.find((p) => skus.includes((p.sku ?? '').trim()));
      // The cell reads "Ordered<qty>".
      const quantity = product ? parseInteger((product.qty ?? '').slice('Ordered'.length)) : 0;
      return number(quantity ?? 0);
    }
    case 'shopping_get_order_product_option': {
      const products = await evaluateJson<{ sku?: string; options?: Record<string, string> }[]>(
        page,
        ORDER_PRODUCTS_JS,
        [],
      );
      const product = products.find((p) => (p.sku ?? '').trim() === first);
      return text(product?.options?.[second] ?? '');
    }
    case 'gitlab_get_project_memeber_role': {
      const expression = `(() => {
        const accounts = document.querySelectorAll("td[data-label='Account'] span.gl-avatar-labeled-sublabel");
        let index = -1;
        for (let i = 0; i < accounts.length; i++) { if (accounts[i].outerText === ${js(`@${first}`)}) { index = i; break; } }
        return document.querySelectorAll('td.col-max-role span')[index].outerText;
      })()`;
      return text(await evaluateOr(page, expression, ''));
    }
    case 'reddit_get_latest_comment_content_by_username': {
      const comment = await findLatestComment(page, first, 'comment');
      return text(comment?.content ?? '');
    }
    case 'reddit_get_parent_comment_username_of_latest_comment_by_username': {
      const parent = await findLatestComment(page, first, 'parent');
      return text(parent?.username ?? '');
    }
    default:
      return { unsupported: `unsupported evaluator helper ${call.name}` };
  }
}

/** Resolves a target's `url`: `last`, a literal URL, or `func:reddit_get_post_url('__last_url__')`. */
async function resolveTargetUrl(
  url: string,
  page: PageProbe,
): Promise<{ url: string } | { unsupported: string }> {
  if (!url.startsWith('func')) return { url };
  const callText = url.slice(url.indexOf('func:') + 'func:'.length);
  const call = parseHelperCall(callText.replaceAll('__last_url__', await page.currentUrl()));
  if (!call) return { unsupported: `unsupported evaluator helper call ${JSON.stringify(callText)}` };
  if (call.name === 'reddit_get_post_url' && call.args[0]?.kind === 'string') {
    return { url: redditGetPostUrl(call.args[0].value) };
  }
  if (API_HELPERS.has(call.name)) {
    return {
      unsupported: `unsupported evaluator helper ${call.name}: it queries the site's admin REST API`,
    };
  }
  return { unsupported: `unsupported evaluator helper ${call.name}` };
}

async function selectWithLocator(
  target: TProgramHtmlTarget,
  locator: string,
  page: PageProbe,
): Promise<HelperOutcome> {
  if (!locator.trim()) return { selected: { kind: 'text', text: await page.content() } };
  if (locator.startsWith('document.') || locator.startsWith('[...document.')) {
    for (const action of target.prep_actions ?? []) {
      try {
        await page.evaluate(action);
      } catch {
        break; // the original stops the preparation at the first failing action
      }
    }
    return { selected: { kind: 'text', text: await evaluateOr(page, locator, '') } };
  }
  if (locator.startsWith('lambda:')) {
    const value = await evaluateOr(page, locator.slice('lambda:'.length), '');
    return { selected: value ? { kind: 'text', text: value } : { kind: 'none' } };
  }
  if (locator.startsWith('func:')) {
    const call = parseHelperCall(locator.slice('func:'.length));
    if (!call) return { unsupported: `unsupported evaluator helper call ${JSON.stringify(locator)}` };
    return runLocatorHelper(call, page);
  }
  return { unsupported: `unknown locator ${JSON.stringify(locator)}` };
}

/**
 * `program_html` (VisualWebArena HTMLContentExactEvaluator). For each target, in order: go to its
 * URL (`last` stays on the current page; `func:reddit_get_post_url('__last_url__')` goes to the
 * post of the current URL; anything else, placeholders resolved from `sites`, is opened), select
 * with the locator (empty → the page's HTML; `document.…` / `[...document.…` → that JS
 * expression after `prep_actions`, '' when it throws; `lambda:` → JS, no value = page wrong;
 * `func:` → a helper), then check `required_contents`: `exact_match`, `must_include` (with
 * ` |OR| `), `must_exclude`, `required_values` (text must be an integer; numeric helpers compare
 * their number). Scores multiply; a target with no value stops with score 0. A helper that needs
 * the admin API or an LLM (`fuzzy_match`) makes the result unsupported, unless an earlier target
 * already scored 0.
 */
export async function evaluateProgramHtml(
  targets: readonly TProgramHtmlTarget[],
  page: PageProbe,
  sites: WebArenaSiteUrls = {},
): Promise<EvaluatorResult> {
  const details: string[] = [];
  let score = 1;
  const stopUnsupported = (reason: string): EvaluatorResult =>
    score === 0
      ? scored(0, [...details, `stopped before target needing: ${reason}`])
      : { unsupported: reason, details };

  for (const [index, target] of targets.entries()) {
    const label = `target ${index}`;
    const resolved = await resolveTargetUrl(resolveSitePlaceholders(target.url, sites), page);
    if ('unsupported' in resolved) return stopUnsupported(resolved.unsupported);
    if (resolved.url !== 'last') {
      details.push(`${label}: opened ${resolved.url}`);
      await page.goto(resolved.url);
    }

    const outcome = await selectWithLocator(target, resolveSitePlaceholders(target.locator, sites), page);
    if ('unsupported' in outcome) return stopUnsupported(outcome.unsupported);
    const selected = outcome.selected;
    if (selected.kind === 'none') {
      details.push(`${label}: locator selected nothing, the page is wrong`);
      return scored(0, details);
    }
    const asText = selected.kind === 'text' ? selected.text : String(selected.value);
    details.push(
      `${label}: selected ${JSON.stringify(asText.length > 200 ? `${asText.slice(0, 200)}…` : asText)}`,
    );

    const contents = target.required_contents ?? {};
    const checks: string[] = [];
    if (contents.exact_match !== undefined) {
      const ok = exactMatch(contents.exact_match, asText);
      checks.push(`exact_match ${JSON.stringify(contents.exact_match)}: ${ok ? 'equal' : 'different'}`);
      if (!ok) score = 0;
    }
    if (contents.must_include) score *= checkMustInclude(contents.must_include, asText, checks);
    if (contents.must_exclude) score *= checkMustExclude(contents.must_exclude, asText, checks);
    if (contents.required_values) {
      const value = selected.kind === 'number' ? selected.value : parseInteger(selected.text);
      if (value === null) {
        checks.push(`required_values: ${JSON.stringify(asText)} is not an integer`);
        score = 0;
      } else {
        score *= checkRequiredValues(contents.required_values, value, checks);
      }
    }
    details.push(...checks.map((check) => `${label}: ${check}`));
    if (contents.fuzzy_match !== undefined) return stopUnsupported('fuzzy_match needs an LLM judge');
  }
  return scored(score, details);
}

// ---------------------------------------------------------------------------------------------
// Combined
// ---------------------------------------------------------------------------------------------

export interface WebArenaEvaluationInput {
  /** The agent's final answer (the stop action's text); '' when it gave none. */
  answer?: string;
  page: PageProbe;
  sites?: WebArenaSiteUrls;
  /** Rule when `url_note` is absent: VisualWebArena's `EXACT` unless told otherwise. */
  defaultUrlNote?: WebArenaUrlNote;
}

/**
 * All evaluators of `eval.eval_types`, in order, scores multiplied (EvaluatorComb). An unsupported
 * part (`page_image_query`, LLM, admin API) makes the whole unsupported — unless another part scored
 * 0, since the product is then 0 whatever the missing part would say.
 */
export async function evaluateWebArenaTask(
  evalBlock: TWebArenaEval,
  input: WebArenaEvaluationInput,
): Promise<EvaluatorResult> {
  const sites = input.sites ?? {};
  const details: string[] = [];
  const unsupported: string[] = [];
  let score = 1;

  for (const type of evalBlock.eval_types) {
    let result: EvaluatorResult;
    switch (type) {
      case 'string_match':
        result = evaluateStringMatch(input.answer ?? '', evalBlock.reference_answers ?? {});
        break;
      case 'url_match':
        result = evaluateUrlMatch(
          await input.page.currentUrl(),
          resolveSitePlaceholders(evalBlock.reference_url ?? '', sites),
          evalBlock.url_note ?? input.defaultUrlNote ?? DEFAULT_URL_NOTE,
        );
        break;
      case 'program_html':
        result = await evaluateProgramHtml(evalBlock.program_html ?? [], input.page, sites);
        break;
      case 'page_image_query':
        result = {
          unsupported: 'page_image_query needs a vision model (VQA) and image similarity (SSIM)',
          details: [],
        };
        break;
    }
    details.push(...result.details.map((detail) => `${type}: ${detail}`));
    if (isUnsupported(result)) {
      unsupported.push(`${type}: ${result.unsupported}`);
    } else {
      score *= result.score;
    }
  }

  if (unsupported.length > 0 && score !== 0) return { unsupported: unsupported.join('; '), details };
  if (unsupported.length > 0) details.push(`not evaluated (score already 0): ${unsupported.join('; ')}`);
  return scored(score, details);
}
