/**
 * Step descriptions, stage D of CORE's semantic code abstraction (DESIGN.md › Semantics › Step
 * descriptions (D)). Each step's structured action becomes one templated English sentence; the
 * key-step stage (K) later snaps LLM output back onto these sentences verbatim, so the templates
 * must be deterministic: same action in, same sentence out.
 */
import type { Environment, ScrollDirection, StepAction } from '@/lib/core/types';

/**
 * Collapses every run of whitespace (spaces, tabs, newlines, NBSP) to one space and trims, so a
 * quoted text always fits on one line. Zero-width marks (U+200B–U+200F, U+FEFF) are dropped too:
 * real WebVoyager element names carry them (e.g. `"\u200eJavaScript\u200e"` on GitHub).
 */
export function collapseWhitespace(text: string): string {
  return text
    .replace(/[\u200b-\u200f\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * How a step refers to its target element, in order of preference:
 * 1. the element's name (`'Search or jump to...'`) when known and not blank;
 * 2. its set-of-marks label (`'element [5]'`) when only the id is known;
 * 3. the pointer position (`'point (120, 340)'`) when the harness recorded only coordinates;
 * 4. otherwise null (the caller words the sentence without a target).
 */
function describeTarget(action: StepAction): string | null {
  const name = action.elementName === undefined ? '' : collapseWhitespace(action.elementName);
  if (name !== '') return name;
  const id = action.elementId === undefined ? '' : collapseWhitespace(action.elementId);
  if (id !== '') return `element [${id}]`;
  if (action.point) return `point (${Math.round(action.point.x)}, ${Math.round(action.point.y)})`;
  return null;
}

/**
 * Longest raw text quoted in an `unknown` action's sentence; longer text is cut and ends with `…`
 * (an assistant turn without `Action:` keeps its whole turn as `raw`, which would swamp stage K).
 */
export const UNKNOWN_RAW_MAX_CHARS = 200;

function quote(text: string | undefined): string {
  return `'${collapseWhitespace(text ?? '')}'`;
}

function describeDirection(direction: ScrollDirection | undefined): string {
  return direction === undefined ? '' : ` ${direction}`;
}

/**
 * Describes one step's action as templated English, in the voice of the CORE reference code.
 *
 * Input: a structured {@link StepAction} and the task's environment (`'web' | 'android'`; only
 * `wait`, `go_back` / `navigate_back` read it: "page" on the web, "screen" on Android).
 * Output: one sentence, never empty, never containing a newline: every quoted text (element name,
 * typed text, answer, URL, app, raw action) is passed through {@link collapseWhitespace}.
 * Raises nothing: an action with missing fields still yields an honest sentence.
 *
 * Templates (`<target>` is the element name, else `element [<id>]`, else `point (<x>, <y>)`; see
 * `describeTarget`). The first seven are verbatim from the reference code as quoted in DESIGN.md
 * (Android); the rest are ours, written in the same voice for the web action spaces of
 * WebVoyager (Click / Type / Scroll / Wait / GoBack / Google / ANSWER) and WebArena
 * (goto / press / hover):
 *
 * | type            | sentence |
 * |-----------------|----------|
 * | `open_app`      | `Open an app named 'Clock'.` |
 * | `click`         | `Click on a UI element '<target>' on the screen.` |
 * | `type`          | `Type text 'black garlic' into the '<target>'` (no final period, as in the reference) |
 * | `scroll`        | `Scroll down on the screen.` (whole window) · `Scroll down on the UI element '<target>'.` |
 * | `navigate_home` | `Navigate to the home screen.` |
 * | `answer`        | `Answer user's question with text: '...'` (no final period, as in the reference) |
 * | `status`        | `Set the task's status as 'complete'.` |
 * | `long_press`    | `Long press on a UI element '<target>' on the screen.` |
 * | `hover`         | `Hover over a UI element '<target>' on the screen.` |
 * | `wait`          | web: `Wait for the page to load.` · android: `Wait for the screen to update.` |
 * | `go_back`, `navigate_back` | web: `Navigate back to the previous page.` · android: `Navigate back to the previous screen.` |
 * | `google`        | `Navigate to the Google search page.` |
 * | `goto`          | `Navigate to the URL 'https://…'.` |
 * | `key_press`     | `Press the key 'Enter'.` |
 * | `unknown`       | `Perform an unrecognized action: '<raw text>'.` (cut at {@link UNKNOWN_RAW_MAX_CHARS} chars + `…`) · `Perform no recognizable action.` when raw is blank |
 *
 * Without any target: `Click on a UI element on the screen.`, `Type text 'x' into the focused element`.
 */
export function describeAction(action: StepAction, env: Environment): string {
  const target = describeTarget(action);
  switch (action.type) {
    case 'open_app':
      return `Open an app named ${quote(action.app)}.`;
    case 'click':
      return target === null
        ? 'Click on a UI element on the screen.'
        : `Click on a UI element '${target}' on the screen.`;
    case 'long_press':
      return target === null
        ? 'Long press on a UI element on the screen.'
        : `Long press on a UI element '${target}' on the screen.`;
    case 'hover':
      return target === null
        ? 'Hover over a UI element on the screen.'
        : `Hover over a UI element '${target}' on the screen.`;
    case 'type':
      return target === null
        ? `Type text ${quote(action.text)} into the focused element`
        : `Type text ${quote(action.text)} into the '${target}'`;
    case 'scroll': {
      const direction = describeDirection(action.direction);
      // Only an element id/name makes it an element scroll; a bare pointer position still scrolls the screen.
      const hasElement = action.elementName !== undefined || action.elementId !== undefined;
      return hasElement && target !== null
        ? `Scroll${direction} on the UI element '${target}'.`
        : `Scroll${direction} on the screen.`;
    }
    case 'navigate_home':
      return 'Navigate to the home screen.';
    case 'go_back':
    case 'navigate_back':
      return env === 'web' ? 'Navigate back to the previous page.' : 'Navigate back to the previous screen.';
    case 'wait':
      return env === 'web' ? 'Wait for the page to load.' : 'Wait for the screen to update.';
    case 'google':
      return 'Navigate to the Google search page.';
    case 'goto':
      return `Navigate to the URL ${quote(action.url)}.`;
    case 'key_press':
      return `Press the key ${quote(action.key)}.`;
    case 'answer':
      return `Answer user's question with text: ${quote(action.answer)}`;
    case 'status':
      return `Set the task's status as ${quote(action.status)}.`;
    case 'unknown': {
      const raw = collapseWhitespace(action.raw);
      if (raw === '') return 'Perform no recognizable action.';
      const shown = raw.length > UNKNOWN_RAW_MAX_CHARS ? `${raw.slice(0, UNKNOWN_RAW_MAX_CHARS)}…` : raw;
      return `Perform an unrecognized action: '${shown}'.`;
    }
  }
}
