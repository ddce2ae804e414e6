import { describe, expect, it } from 'vitest';
import {
  isTypingTarget,
  REVIEW_ACTIONS,
  REVIEW_SHORTCUTS,
  resolveReviewKey,
} from '@/components/review/review-keys';

const press = (key: string, mods: { ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean } = {}) => ({
  key,
  ...mods,
});

describe('resolveReviewKey', () => {
  it('maps the single keys when not typing, case-insensitively', () => {
    const typing = { typing: false };
    expect(resolveReviewKey(press('a'), typing)).toBe('accept');
    expect(resolveReviewKey(press('A'), typing)).toBe('accept');
    expect(resolveReviewKey(press('r'), typing)).toBe('reject');
    expect(resolveReviewKey(press('e'), typing)).toBe('edit');
    expect(resolveReviewKey(press('s'), typing)).toBe('skip');
    expect(resolveReviewKey(press('n'), typing)).toBe('nextItem');
    expect(resolveReviewKey(press('p'), typing)).toBe('previousItem');
    expect(resolveReviewKey(press('c'), typing)).toBe('comment');
    expect(resolveReviewKey(press('?'), typing)).toBe('help');
    expect(resolveReviewKey(press('ArrowLeft'), typing)).toBe('previousStep');
    expect(resolveReviewKey(press('ArrowRight'), typing)).toBe('nextStep');
    expect(resolveReviewKey(press('Home'), typing)).toBe('firstStep');
    expect(resolveReviewKey(press('End'), typing)).toBe('lastStep');
    expect(resolveReviewKey(press('x'), typing)).toBeNull();
    expect(resolveReviewKey(press('Enter'), typing)).toBeNull();
  });

  it('ignores single keys while typing and with modifiers (browser shortcuts stay intact)', () => {
    expect(resolveReviewKey(press('a'), { typing: true })).toBeNull();
    expect(resolveReviewKey(press('ArrowLeft'), { typing: true })).toBeNull();
    expect(resolveReviewKey(press('r', { ctrlKey: true }), { typing: false })).toBeNull();
    expect(resolveReviewKey(press('s', { metaKey: true }), { typing: false })).toBeNull();
    expect(resolveReviewKey(press('ArrowLeft', { altKey: true }), { typing: false })).toBeNull();
  });

  it('submits with Ctrl/⌘+Enter and escapes with Esc, even while typing', () => {
    expect(resolveReviewKey(press('Enter', { ctrlKey: true }), { typing: true })).toBe('submit');
    expect(resolveReviewKey(press('Enter', { metaKey: true }), { typing: false })).toBe('submit');
    expect(resolveReviewKey(press('Enter', { ctrlKey: true, altKey: true }), { typing: true })).toBeNull();
    expect(resolveReviewKey(press('Escape'), { typing: true })).toBe('escape');
  });

  it('ignores keys that belong to an IME composition', () => {
    expect(resolveReviewKey({ key: 'a', isComposing: true }, { typing: false })).toBeNull();
  });

  it('lists every action once in the cheatsheet', () => {
    expect(REVIEW_SHORTCUTS.map((s) => s.action).sort()).toEqual([...REVIEW_ACTIONS].sort());
  });
});

describe('isTypingTarget', () => {
  it('is true for text fields and contenteditable, false for buttons and checkboxes', () => {
    expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTypingTarget({ tagName: 'SELECT' })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTypingTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});
