/**
 * The review workspace's keyboard scheme (pure, no React): which key does what, and the cheatsheet
 * the `?` dialog lists. One map, so the dialog, the README and the handler cannot drift apart.
 *
 * Single keys are ignored while the focus is in a text field (so typing a reason never triggers
 * them); Ctrl/⌘+Enter (submit and advance) and Esc work everywhere.
 */

export const REVIEW_ACTIONS = [
  'accept',
  'reject',
  'edit',
  'skip',
  'nextItem',
  'previousItem',
  'submit',
  'previousStep',
  'nextStep',
  'firstStep',
  'lastStep',
  'comment',
  'help',
  'escape',
] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export interface ReviewShortcut {
  action: ReviewAction;
  /** Keys as shown in the cheatsheet (each rendered as a <kbd>). */
  keys: string[];
  /** What it does, in the field's words. */
  description: string;
  /** Works while typing in a field. */
  whileTyping?: boolean;
}

/** Every shortcut, in cheatsheet order. */
export const REVIEW_SHORTCUTS: readonly ReviewShortcut[] = [
  { action: 'accept', keys: ['a'], description: 'Accept / approve and move on (with your edit, if any)' },
  {
    action: 'reject',
    keys: ['r'],
    description: 'Reject: focuses the reason box; Enter submits, Shift+Enter adds a line',
  },
  {
    action: 'edit',
    keys: ['e'],
    description:
      'Edit the intent text or the label-function code (Ctrl/⌘+Enter accepts the edit); corrections: focus the step list (↑ / ↓ pick the first harmful step)',
  },
  {
    action: 'submit',
    keys: ['Ctrl/⌘', 'Enter'],
    description: 'Submit and advance: reject when the reason box is open, else accept',
    whileTyping: true,
  },
  { action: 'skip', keys: ['s'], description: 'Skip: give the item back to the queue and move on' },
  {
    action: 'nextItem',
    keys: ['n'],
    description: 'Next item (from your past decisions: towards the current one)',
  },
  { action: 'previousItem', keys: ['p'], description: 'Previous item: your last decisions, read-only' },
  {
    action: 'previousStep',
    keys: ['←'],
    description: 'Previous step of the rollout (corrections: the step selected to take over at)',
  },
  { action: 'nextStep', keys: ['→'], description: 'Next step of the rollout' },
  { action: 'firstStep', keys: ['Home'], description: 'First step' },
  { action: 'lastStep', keys: ['End'], description: 'Last step' },
  { action: 'comment', keys: ['c'], description: 'Comment on the step shown (for the next reviewer)' },
  { action: 'help', keys: ['?'], description: 'This cheatsheet' },
  {
    action: 'escape',
    keys: ['Esc'],
    description: 'Close the cheatsheet, leave the field you are typing in',
    whileTyping: true,
  },
];

const SINGLE_KEYS: Readonly<Record<string, ReviewAction>> = {
  a: 'accept',
  r: 'reject',
  e: 'edit',
  s: 'skip',
  n: 'nextItem',
  p: 'previousItem',
  c: 'comment',
  '?': 'help',
  ArrowLeft: 'previousStep',
  ArrowRight: 'nextStep',
  Home: 'firstStep',
  End: 'lastStep',
};

/** The parts of a KeyboardEvent the map reads. */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** An IME is composing (the key belongs to the composition). */
  isComposing?: boolean;
}

/**
 * The workspace action for a key press, or null when the key is not a shortcut here.
 * `typing`: the focus is in a text field (input, textarea, select, contenteditable).
 * Letters are read case-insensitively (Caps Lock does not disable the shortcuts).
 */
export function resolveReviewKey(press: KeyPress, context: { typing: boolean }): ReviewAction | null {
  if (press.isComposing) return null;
  if (press.key === 'Enter' && (press.ctrlKey || press.metaKey) && !press.altKey) return 'submit';
  if (press.key === 'Escape') return 'escape';
  if (context.typing || press.ctrlKey || press.metaKey || press.altKey) return null;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  return SINGLE_KEYS[key] ?? null;
}

/** Whether an event target is a text field, where single-key shortcuts must not fire. */
export function isTypingTarget(target: unknown): boolean {
  if (typeof target !== 'object' || target === null) return false;
  const el = target as { tagName?: unknown; isContentEditable?: unknown; type?: unknown };
  if (el.isContentEditable === true) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  // Buttons-like inputs do not take text.
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(
    typeof el.type === 'string' ? el.type : '',
  );
}
