/**
 * Pure helpers of the recording page (no React): which mark a click on the screenshot hits, how an
 * element row reads, which elements take text, and the keyboard scheme with its cheatsheet.
 */
import type { ObservedElement } from '@/lib/core/types';

/**
 * The mark under a point of the screenshot (image pixels): the smallest box containing it, so a
 * star inside a row wins over the row. Null when no box contains it.
 */
export function markAtPoint(
  elements: readonly ObservedElement[],
  x: number,
  y: number,
): ObservedElement | null {
  let best: ObservedElement | null = null;
  let bestArea = Infinity;
  for (const e of elements) {
    const b = e.box;
    if (!b || x < b.x || y < b.y || x > b.x + b.width || y > b.y + b.height) continue;
    const area = b.width * b.height;
    if (area < bestArea) {
      best = e;
      bestArea = area;
    }
  }
  return best;
}

const TEXT_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'textarea', 'input', 'select', 'spinbutton']);

/** Whether `Type` applies (text fields, editing hosts, drop-downs): the page offers a text box for it. */
export function takesText(element: Pick<ObservedElement, 'role'>): boolean {
  return TEXT_ROLES.has((element.role ?? '').toLowerCase());
}

/** `<button> "Save" (disabled) — in "Row 3"`: one element as the list shows it (text only). */
export function describeElement(element: ObservedElement): string {
  const states = element.states?.length ? ` (${element.states.join(', ')})` : '';
  const context = element.context ? ` — in "${element.context}"` : '';
  return `${element.role ? `<${element.role}> ` : ''}"${element.name}"${states}${context}`;
}

/** Elements whose number, role, name or context contains `query` (case-insensitive). */
export function filterElements(elements: readonly ObservedElement[], query: string): ObservedElement[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...elements];
  return elements.filter(
    (e) =>
      e.id === q ||
      (e.role ?? '').toLowerCase().includes(q) ||
      e.name.toLowerCase().includes(q) ||
      (e.context ?? '').toLowerCase().includes(q),
  );
}

export type RecordingKeyAction =
  | 'next'
  | 'previous'
  | 'click'
  | 'type'
  | 'scrollDown'
  | 'scrollUp'
  | 'back'
  | 'undo'
  | 'finish'
  | 'marks'
  | 'filter'
  | 'help';

export interface RecordingShortcut {
  action: RecordingKeyAction;
  keys: string[];
  description: string;
}

/** Every shortcut, in cheatsheet order. Single keys are ignored while typing in a field. */
export const RECORDING_SHORTCUTS: readonly RecordingShortcut[] = [
  { action: 'next', keys: ['j', '↓'], description: 'Select the next element of the list' },
  { action: 'previous', keys: ['k', '↑'], description: 'Select the previous element' },
  { action: 'click', keys: ['Enter'], description: 'Click the selected element' },
  { action: 'type', keys: ['t'], description: 'Type into the selected element (Enter in the box sends it)' },
  { action: 'scrollDown', keys: ['PageDown'], description: 'Scroll the page down' },
  { action: 'scrollUp', keys: ['PageUp'], description: 'Scroll the page up' },
  { action: 'back', keys: ['b'], description: 'Go back (browser history)' },
  { action: 'undo', keys: ['u'], description: 'Undo the last step (resets the app and replays the others)' },
  { action: 'finish', keys: ['f'], description: 'Go to the answer box; Ctrl/⌘+Enter there finishes' },
  { action: 'marks', keys: ['m'], description: 'Show or hide the numbered marks on the screenshot' },
  { action: 'filter', keys: ['/'], description: 'Filter the element list (a number jumps to that mark)' },
  { action: 'help', keys: ['?'], description: 'Show these shortcuts' },
];

const KEY_TO_ACTION: Record<string, RecordingKeyAction> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'previous',
  ArrowUp: 'previous',
  Enter: 'click',
  t: 'type',
  PageDown: 'scrollDown',
  PageUp: 'scrollUp',
  b: 'back',
  u: 'undo',
  f: 'finish',
  m: 'marks',
  '/': 'filter',
  '?': 'help',
};

/**
 * The shortcut of a key press, or null. Nothing while the focus is in a text field, and nothing with
 * Ctrl / ⌘ / Alt held (browser shortcuts stay the browser's).
 */
export function recordingKeyAction(event: {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  inTextField: boolean;
}): RecordingKeyAction | null {
  if (event.inTextField || event.ctrlKey || event.metaKey || event.altKey) return null;
  return KEY_TO_ACTION[event.key] ?? null;
}

/** What the status reads as, for the header. */
export function recordingStatusLabel(status: string): string {
  switch (status) {
    case 'starting':
      return 'Starting the browser…';
    case 'replaying':
      return 'Replaying…';
    case 'ready':
      return 'Your turn';
    case 'busy':
      return 'Carrying out your action…';
    case 'judging':
      return 'Running the verifier…';
    case 'closing':
      return 'Closing…';
    default:
      return 'Ended';
  }
}
