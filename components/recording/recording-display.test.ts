import { describe, expect, it } from 'vitest';
import {
  describeElement,
  filterElements,
  markAtPoint,
  recordingKeyAction,
  RECORDING_SHORTCUTS,
  takesText,
} from '@/components/recording/recording-display';
import type { ObservedElement } from '@/lib/core/types';

const row: ObservedElement = {
  id: '3',
  role: 'row',
  name: 'Dana Wu Q3 numbers',
  box: { x: 0, y: 100, width: 800, height: 40 },
};
const star: ObservedElement = {
  id: '4',
  role: 'button',
  name: '☆ Star',
  box: { x: 10, y: 105, width: 20, height: 20 },
  context: 'Dana Wu Q3 numbers',
  states: ['unpressed'],
};

describe('markAtPoint', () => {
  it('takes the smallest box under the point, and none outside every box', () => {
    expect(markAtPoint([row, star], 15, 110)?.id).toBe('4');
    expect(markAtPoint([row, star], 400, 110)?.id).toBe('3');
    expect(markAtPoint([row, star], 400, 500)).toBeNull();
    expect(markAtPoint([{ ...star, box: null }], 15, 110)).toBeNull();
  });
});

describe('element rows', () => {
  it('read like the element list, states and context included', () => {
    expect(describeElement(star)).toBe('<button> "☆ Star" (unpressed) — in "Dana Wu Q3 numbers"');
  });
  it('filter by number, role, name or context', () => {
    expect(filterElements([row, star], '4').map((e) => e.id)).toEqual(['4']);
    expect(filterElements([row, star], 'dana').map((e) => e.id)).toEqual(['3', '4']);
    expect(filterElements([row, star], ' ').map((e) => e.id)).toEqual(['3', '4']);
  });
  it('offer Type for text fields and drop-downs only', () => {
    expect(takesText({ role: 'textbox' })).toBe(true);
    expect(takesText({ role: 'Select' })).toBe(true);
    expect(takesText({ role: 'button' })).toBe(false);
    expect(takesText({ role: null })).toBe(false);
  });
});

describe('recording keys', () => {
  it('map single keys outside text fields, and nothing while typing or with modifiers', () => {
    expect(recordingKeyAction({ key: 'u', inTextField: false })).toBe('undo');
    expect(recordingKeyAction({ key: 'ArrowDown', inTextField: false })).toBe('next');
    expect(recordingKeyAction({ key: 'u', inTextField: true })).toBeNull();
    expect(recordingKeyAction({ key: 'b', ctrlKey: true, inTextField: false })).toBeNull();
    expect(recordingKeyAction({ key: 'x', inTextField: false })).toBeNull();
  });
  it('list every action once in the cheatsheet', () => {
    const actions = RECORDING_SHORTCUTS.map((s) => s.action);
    expect(new Set(actions).size).toBe(actions.length);
  });
});
