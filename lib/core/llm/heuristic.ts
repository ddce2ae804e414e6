/**
 * The offline, deterministic `heuristic` provider (issue 4): answers every {@link LlmTask} from its
 * structured input, in the same text shape the prompts in `prompts/` ask a real model for, so the
 * pipelines' parsers serve both (a numbered list, a fenced Python block, one line of intent, a
 * fenced JSON list). Same task in, same text out; no I/O, no randomness.
 *
 * It exists so the whole CORE loop runs without a model server (demos, tests, CI). Its choices are
 * ours and simple on purpose; see each `respond*` function.
 */
import type { LlmStepView, LlmTask } from '@/lib/core/llm/types';
import { collapseWhitespace } from '@/lib/core/step-descriptions';
import type { ActionType, StepAction } from '@/lib/core/types';

/** Model name recorded for heuristic answers. */
export const HEURISTIC_MODEL = 'heuristic-v1';

/**
 * Why the heuristic provider refuses `next_action`: it has no way to read a screenshot, so a rollout
 * with it would be noise. The `openai` rollout policy raises this as a CONFLICT before opening
 * browsers; a `next_action` call that reaches the provider anyway fails with it.
 */
export const HEURISTIC_CANNOT_ACT_MESSAGE =
  'The heuristic provider does not pick browser actions; use the noisy-expert policy or configure an OpenAI-compatible agent model on the Models page.';

/** Longest element name / typed text / answer quoted in a heuristic label function (our choice). */
export const HEURISTIC_MAX_LITERAL_CHARS = 80;

// ---------------------------------------------------------------------------------------------
// Python literals
// ---------------------------------------------------------------------------------------------

/**
 * A Python string literal with the value `text`, written with JSON escaping: `JSON.stringify`
 * output is also a valid Python 3 `str` literal with the same value (`\"`, `\\`, `\n`, `\t`,
 * `\uXXXX` for control characters and lone surrogates mean the same in both), and we additionally
 * escape U+2028 / U+2029 and DEL…U+009F so the source has no invisible line-like characters. Quotes,
 * backslashes and newlines in an element name can therefore never break out of the literal.
 */
export function toPythonString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A Python literal: `None` for null/blank, else {@link toPythonString}. */
function pyOptional(text: string | null | undefined): string {
  return text === null || text === undefined || collapseWhitespace(text) === ''
    ? 'None'
    : toPythonString(text);
}

/**
 * The text a check matches on: whitespace collapsed, cut at {@link HEURISTIC_MAX_LITERAL_CHARS} on
 * a word boundary when possible. The predefined API matches by containment, so a prefix of the
 * recorded text still matches it.
 */
export function toMatchText(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const value = collapseWhitespace(text);
  if (value === '') return null;
  const chars = Array.from(value);
  if (chars.length <= HEURISTIC_MAX_LITERAL_CHARS) return value;
  // Cut by code points, so a surrogate pair is never split.
  const cut = chars.slice(0, HEURISTIC_MAX_LITERAL_CHARS).join('');
  const space = cut.lastIndexOf(' ');
  return (space >= HEURISTIC_MAX_LITERAL_CHARS / 2 ? cut.slice(0, space) : cut).trim();
}

// ---------------------------------------------------------------------------------------------
// Stage K
// ---------------------------------------------------------------------------------------------

const ENTER_KEYS = new Set(['enter', 'return', 'kp_enter', 'keycode_enter', 'numpadenter']);

/**
 * Whether the heuristic treats an action as a key step: actions that change state or finish the
 * task — click, type, long_press, key_press Enter / Return, goto, google, navigate_home, open_app,
 * answer, status. Not key steps: scroll, wait, hover, go_back / navigate_back (they undo rather
 * than advance), other key presses, unknown actions.
 */
export function isHeuristicKeyAction(action: StepAction): boolean {
  switch (action.type) {
    case 'click':
    case 'type':
    case 'long_press':
    case 'goto':
    case 'google':
    case 'navigate_home':
    case 'open_app':
    case 'answer':
    case 'status':
      return true;
    case 'key_press':
      return ENTER_KEYS.has((action.key ?? '').trim().toLowerCase().replace(/\s+/g, '_'));
    default:
      return false;
  }
}

/**
 * Stage K: a numbered list of the key-action steps' descriptions ({@link isHeuristicKeyAction}), in
 * step order, verbatim. The final step is listed too when it sets the task status. When no step
 * qualifies, the last step is listed (so the reply always parses as a list).
 */
function respondKeySteps(steps: readonly LlmStepView[]): string {
  const picked = steps.filter((step) => isHeuristicKeyAction(step.action));
  const last = steps[steps.length - 1];
  if (last && last.action.type === 'status' && !picked.includes(last)) picked.push(last);
  if (picked.length === 0 && last) picked.push(last);
  if (picked.length === 0) return 'There are no steps, so there are no key steps.';
  return picked.map((step, k) => `${k + 1}. ${step.description}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Stage S
// ---------------------------------------------------------------------------------------------

/** A check and a one-line note on what it verifies. */
interface Check {
  expression: string;
  note: string;
}

function actionTypeCheck(type: ActionType): Check {
  return {
    expression: `validate_action_type(trajectory, ${toPythonString(type)})`,
    note: `some step is a '${type}' action`,
  };
}

/** Click / long press: role and name, then the name only, then the action type. */
function targetCheck(
  fn: 'validate_click' | 'validate_long_press',
  action: StepAction,
  attempt: number,
): Check {
  const name = toMatchText(action.elementName);
  const role = toMatchText(action.elementRole);
  if (attempt === 1 && (name !== null || role !== null)) {
    return {
      expression: `${fn}(trajectory, ${pyOptional(role)}, ${pyOptional(name)})`,
      note: 'role and name',
    };
  }
  if (attempt <= 2 && name !== null) {
    return { expression: `${fn}(trajectory, None, ${pyOptional(name)})`, note: 'name, any role' };
  }
  if (attempt <= 2) {
    return { expression: `${fn}(trajectory, None, None)`, note: 'the element name was not recorded' };
  }
  return actionTypeCheck(action.type);
}

/**
 * The check of one attempt. Attempt 1 is the most specific template for the action; attempt 2
 * drops the role / field / second argument; attempt 3 and later check the action type only (or the
 * loosest form of the action's own validator). Deterministic.
 */
export function chooseHeuristicCheck(step: LlmStepView | null, attempt: number): Check {
  if (!step) {
    return attempt === 1
      ? { expression: `validate_task_status(trajectory, "complete")`, note: 'the task was completed' }
      : { expression: 'validate_task_status(trajectory)', note: 'the task was completed' };
  }
  const { action } = step;
  switch (action.type) {
    case 'click':
      return targetCheck('validate_click', action, attempt);
    case 'long_press':
      return targetCheck('validate_long_press', action, attempt);
    case 'type': {
      const text = toMatchText(action.text);
      const field = toMatchText(action.elementName);
      if (attempt === 1) {
        return {
          expression: `validate_type_action(trajectory, ${pyOptional(text)}, ${pyOptional(field)})`,
          note: 'typed text into the field',
        };
      }
      if (attempt === 2) {
        return {
          expression: `validate_type_action(trajectory, ${pyOptional(text)}, None)`,
          note: 'typed text',
        };
      }
      return actionTypeCheck('type');
    }
    case 'answer': {
      const answer = toMatchText(action.answer);
      if (attempt === 1 && answer !== null) {
        return { expression: `validate_answer(trajectory, ${pyOptional(answer)})`, note: 'the answer' };
      }
      return attempt <= 2
        ? { expression: 'validate_answer(trajectory, None)', note: 'some answer' }
        : actionTypeCheck('answer');
    }
    case 'status':
      return attempt === 1
        ? {
            expression: `validate_task_status(trajectory, ${toPythonString(action.status ?? 'complete')})`,
            note: 'the task status',
          }
        : actionTypeCheck('status');
    case 'open_app':
      if (attempt === 1) {
        return {
          expression: `validate_open_app(trajectory, ${pyOptional(toMatchText(action.app))})`,
          note: 'app',
        };
      }
      return attempt === 2
        ? { expression: 'validate_open_app(trajectory, None)', note: 'some app' }
        : actionTypeCheck('open_app');
    case 'goto':
      if (attempt === 1) {
        return { expression: `validate_goto_url(trajectory, ${pyOptional(action.url)})`, note: 'the URL' };
      }
      return attempt === 2
        ? { expression: 'validate_goto_url(trajectory, None)', note: 'some URL' }
        : actionTypeCheck('goto');
    case 'key_press': {
      const isEnter = ENTER_KEYS.has((action.key ?? '').trim().toLowerCase().replace(/\s+/g, '_'));
      if (attempt === 1 && action.key) {
        return {
          expression: `validate_key_press(trajectory, ${toPythonString(action.key)})`,
          note: 'the key',
        };
      }
      if (attempt <= 2 && isEnter) {
        return { expression: 'validate_keyboard_enter_action(trajectory)', note: 'Enter was pressed' };
      }
      return actionTypeCheck('key_press');
    }
    case 'scroll': {
      const name = toMatchText(action.elementName);
      if (attempt === 1) {
        return {
          expression: `validate_scroll(trajectory, ${pyOptional(action.direction)}, ${pyOptional(name)})`,
          note: 'scroll direction and element',
        };
      }
      return attempt === 2
        ? {
            expression: `validate_scroll(trajectory, ${pyOptional(action.direction)})`,
            note: 'scroll direction',
          }
        : { expression: 'validate_scroll(trajectory)', note: 'some scroll' };
    }
    case 'go_back':
    case 'navigate_back':
      return { expression: 'validate_navigate_back(trajectory)', note: 'navigated back' };
    case 'navigate_home':
      return { expression: 'validate_navigate_home(trajectory)', note: 'went to the home screen' };
    case 'google':
      return { expression: 'validate_navigate_google(trajectory)', note: 'went to Google' };
    case 'hover':
    case 'wait':
    case 'unknown':
      return actionTypeCheck(action.type);
  }
}

/** A comment line: control characters and line breaks removed, so it cannot end early. */
function toComment(text: string): string {
  const visible = Array.from(text, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' ' : char;
  }).join('');
  // Cut by code points, so a surrogate pair is never split.
  return Array.from(collapseWhitespace(visible)).slice(0, 200).join('');
}

/**
 * Stage S: a fenced Python block defining `label_function(trajectory)` with one predefined-API
 * check chosen by {@link chooseHeuristicCheck} for the snapped step's action and the attempt
 * number (later attempts loosen the check). A null step (a synthetic status step) checks the task
 * status.
 */
function respondLabelFunction(task: Extract<LlmTask, { purpose: 'label_function' }>): string {
  const check = chooseHeuristicCheck(task.step, task.attempt);
  return [
    `Attempt ${task.attempt}: checking ${check.note}.`,
    '',
    '```python',
    'def label_function(trajectory):',
    `    # Key step: ${toComment(task.keyStep)}`,
    `    return ${check.expression}`,
    '```',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Intents
// ---------------------------------------------------------------------------------------------

function siteOf(steps: readonly LlmStepView[]): string | null {
  for (const step of steps) {
    if (!step.url) continue;
    try {
      const host = new URL(step.url).hostname.replace(/^www\./, '');
      if (host) return host;
    } catch {
      // not a URL; try the next step
    }
  }
  const title = steps.find((step) => step.title && collapseWhitespace(step.title) !== '')?.title;
  return title ? toMatchText(title) : null;
}

function quoteList(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * An intent read off the actions: what was typed (first two texts), the last two clicked element
 * names, the site (first URL's host, else first page title), and whether an answer was given.
 * Always more than two words and well under 1,000 characters (every quoted piece is capped at
 * {@link HEURISTIC_MAX_LITERAL_CHARS}).
 */
function respondIntentCandidate(steps: readonly LlmStepView[]): string {
  const typed: string[] = [];
  const clicked: string[] = [];
  let answered = false;
  for (const step of steps) {
    const { action } = step;
    if (action.type === 'type') {
      const text = toMatchText(action.text);
      if (text && !typed.includes(text)) typed.push(text);
    } else if (action.type === 'click' || action.type === 'long_press') {
      const name = toMatchText(action.elementName);
      if (name && !clicked.includes(name)) clicked.push(name);
    } else if (action.type === 'open_app') {
      const app = toMatchText(action.app);
      if (app && !clicked.includes(app)) clicked.push(app);
    } else if (action.type === 'answer') {
      answered = true;
    }
  }
  const site = siteOf(steps);
  const clauses: string[] = [];
  if (typed.length > 0) clauses.push(`search for ${quoteList(typed.slice(0, 2))}`);
  if (clicked.length > 0) clauses.push(`open ${quoteList(clicked.slice(-2))}`);
  if (clauses.length === 0) clauses.push('browse the page that is shown first');
  let intent = clauses.join(', then ');
  if (site) intent = `On ${site}, ${intent}`;
  intent += answered ? ', and report what you find' : '';
  return `New task intent: ${intent}.`;
}

/**
 * A deterministic tidy-up of a candidate: `New task intent:` prefix and surrounding quotes removed,
 * whitespace collapsed, first letter capitalised, a final period added unless it ends with `.`,
 * `?` or `!`. An empty candidate yields `INVALID`.
 */
function respondIntentRefine(candidate: string): string {
  let text = collapseWhitespace(candidate).replace(/^new task intent:\s*/i, '');
  if (text.length >= 2 && /^["'“]/.test(text) && /["'”]$/.test(text)) text = text.slice(1, -1).trim();
  if (text === '') return 'INVALID';
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

// ---------------------------------------------------------------------------------------------
// Augmentation
// ---------------------------------------------------------------------------------------------

function paramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(paramText).join(', ');
  return JSON.stringify(value) ?? '';
}

/**
 * `template` with its `{{name}}` and `{name}` placeholders replaced from `params` (WebArena
 * `intent_template`s use `{{name}}`); null when a placeholder has no value.
 */
export function instantiateTemplate(template: string, params: Record<string, unknown>): string | null {
  let missing = false;
  const filled = template.replace(
    /\{\{\s*([^{}]+?)\s*\}\}|\{\s*([A-Za-z_][\w-]*)\s*\}/g,
    (_m, a?: string, b?: string) => {
      const name = (a ?? b)!;
      if (!Object.hasOwn(params, name)) {
        missing = true;
        return '';
      }
      return paramText(params[name]);
    },
  );
  return missing ? null : collapseWhitespace(filled);
}

const IMPERATIVE_PARAPHRASES: readonly ((intent: string) => string)[] = [
  (intent) => `Please ${intent}.`,
  (intent) => `Could you ${intent}?`,
  (intent) => `I need you to ${intent}.`,
  (intent) => `Help me ${intent}.`,
  (intent) => `Go ahead and ${intent}.`,
  (intent) => `Your task: ${intent}.`,
];

const QUESTION_PARAPHRASES: readonly ((question: string) => string)[] = [
  (question) => `Please tell me: ${question}?`,
  (question) => `Can you find out: ${question}?`,
  (question) => `I would like to know: ${question}?`,
  (question) => `Quick question: ${question}?`,
  (question) => `Look up the answer: ${question}?`,
];

const QUESTION_START =
  /^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|should|will|would)\b/i;

/**
 * Paraphrases of an intent (our templates): a question (ends with `?` or starts with a question
 * word) gets `Please tell me: …?`-style wrappers around itself; an imperative gets `Please …`,
 * `Could you …?`, … with its first letter lower-cased.
 */
export function paraphraseIntent(intent: string): string[] {
  const text = collapseWhitespace(intent);
  const base = text.replace(/[.?!]+$/, '');
  if (base === '') return [];
  if (text.endsWith('?') || QUESTION_START.test(base)) return QUESTION_PARAPHRASES.map((wrap) => wrap(base));
  const lowered = base.charAt(0).toLowerCase() + base.slice(1);
  return IMPERATIVE_PARAPHRASES.map((wrap) => wrap(lowered));
}

/**
 * Variants as a fenced JSON list of `{"intent", "params"}`: first the task's template instantiated
 * with each sibling's parameters (skipping the task's own and unfillable ones), then paraphrases of
 * the objective ({@link paraphraseIntent}) until `count` variants.
 */
function respondAugment(task: Extract<LlmTask, { purpose: 'augment' }>): string {
  const variants: { intent: string; params: Record<string, unknown> | null }[] = [];
  const seen = new Set([collapseWhitespace(task.objective).toLowerCase()]);
  const push = (intent: string, params: Record<string, unknown> | null) => {
    const key = collapseWhitespace(intent).toLowerCase();
    if (variants.length >= task.count || key === '' || seen.has(key)) return;
    seen.add(key);
    variants.push({ intent, params });
  };
  if (task.template) {
    const own = JSON.stringify(task.params ?? null);
    for (const params of task.siblingParams) {
      if (JSON.stringify(params) === own) continue;
      const intent = instantiateTemplate(task.template, params);
      if (intent !== null) push(intent, params);
    }
  }
  for (const paraphrase of paraphraseIntent(task.objective)) push(paraphrase, null);
  return ['```json', JSON.stringify(variants, null, 2), '```'].join('\n');
}

/**
 * Answers a task in the same text shape a real model is asked for (see the prompt files):
 * `key_steps` → numbered list; `label_function` → one fenced python block; `intent_candidate` →
 * `New task intent: …`; `intent_refine` → one sentence; `augment` → a fenced JSON list; `ping` →
 * `pong`. Deterministic.
 *
 * @throws Error({@link HEURISTIC_CANNOT_ACT_MESSAGE}) for `next_action` (the only purpose it refuses;
 *   the heuristic client records the call as failed and raises an `LlmCallError`).
 */
export function respondHeuristically(task: LlmTask): string {
  switch (task.purpose) {
    case 'key_steps':
      return respondKeySteps(task.steps);
    case 'label_function':
      return respondLabelFunction(task);
    case 'intent_candidate':
      return respondIntentCandidate(task.steps);
    case 'intent_refine':
      return respondIntentRefine(task.candidate);
    case 'augment':
      return respondAugment(task);
    case 'ping':
      return 'pong';
    case 'next_action':
      throw new Error(HEURISTIC_CANNOT_ACT_MESSAGE);
  }
}
