import { describe, expect, it } from 'vitest';
import {
  findReplayTarget,
  replayTargetOf,
  retargetAction,
  type ReplayTarget,
} from '@/lib/core/rollouts/replay';
import type { ObservedElement, StepAction } from '@/lib/core/types';

const el = (id: string, role: string | null, name: string, context?: string): ObservedElement => ({
  id,
  role,
  name,
  box: null,
  ...(context !== undefined ? { context } : {}),
});

const star = (id: string, row: string) => el(id, 'button', '☆ Star', row);
const page = [
  el('0', 'link', 'Inbox'),
  star('1', 'Dana Wu Q3 numbers'),
  star('2', 'Ravi Budget'),
  el('3', 'textbox', 'Search'),
];

describe('replayTargetOf', () => {
  it('reads role, name, context and position from the observation the action was chosen on', () => {
    const click: StepAction = { type: 'click', elementId: '2', raw: 'Click [2]' };
    expect(replayTargetOf(click, page)).toEqual({
      role: 'button',
      name: '☆ Star',
      context: 'Ravi Budget',
      position: 0,
    });
    expect(
      replayTargetOf({ type: 'scroll', direction: 'down', raw: 'Scroll [WINDOW]; down' }, page),
    ).toBeNull();
  });

  it("falls back to the action's own role and name, and names an element it cannot identify", () => {
    expect(
      replayTargetOf(
        { type: 'click', elementId: '9', elementRole: 'link', elementName: 'Home', raw: '' },
        [],
      ),
    ).toEqual({ role: 'link', name: 'Home', position: 0 });
    expect(replayTargetOf({ type: 'click', elementId: '9', raw: 'Click [9]' }, page)).toEqual({
      problem: "its element [9] is not in the step's element list, so it cannot be found again",
    });
  });

  it('counts the position among identical look-alikes (same role, name and context)', () => {
    const twins = [el('0', 'button', 'Delete'), el('1', 'button', 'Delete'), el('2', 'button', 'Delete')];
    expect(replayTargetOf({ type: 'click', elementId: '2', raw: '' }, twins)).toMatchObject({ position: 2 });
  });
});

describe('findReplayTarget', () => {
  it('finds the element by identity whatever its new number', () => {
    const moved = [
      el('0', 'link', 'Inbox'),
      el('1', 'button', 'Compose'),
      star('5', 'Ravi Budget'),
      star('6', 'Dana Wu Q3 numbers'),
    ];
    const target = replayTargetOf({ type: 'click', elementId: '2', raw: '' }, page) as ReplayTarget;
    expect(findReplayTarget(target, moved)).toEqual({ element: moved[2] });
  });

  it('compares roles case-insensitively and whitespace collapsed', () => {
    const target: ReplayTarget = { role: 'Button', name: 'Save  draft', position: 0 };
    expect(findReplayTarget(target, [el('4', 'button', 'Save draft')])).toMatchObject({
      element: { id: '4' },
    });
  });

  it('diverges when the element is gone, or its row is', () => {
    expect(findReplayTarget({ role: 'button', name: 'Archive', position: 0 }, page)).toEqual({
      problem: 'the page no longer offers <button> "Archive"',
    });
    const target = { role: 'button', name: '☆ Star', context: 'Old row', position: 0 };
    expect(findReplayTarget(target, [star('1', 'Dana Wu Q3 numbers')])).toEqual({
      problem: 'the page offers <button> "☆ Star" but none in "Old row"',
    });
  });

  it('takes the same position among look-alikes, and diverges when there are fewer', () => {
    const twins = [el('3', 'button', 'Delete'), el('4', 'button', 'Delete')];
    expect(findReplayTarget({ role: 'button', name: 'Delete', position: 1 }, twins)).toEqual({
      element: twins[1],
    });
    expect(
      findReplayTarget({ role: 'button', name: 'Delete', position: 2 }, [
        ...twins,
        el('5', 'link', 'Delete'),
      ]),
    ).toEqual({ problem: 'the page offers 2 of <button> "Delete", fewer than the 3 the recording counted' });
  });
});

describe('retargetAction', () => {
  it('moves the id, role, name and the raw text to the new element', () => {
    const action: StepAction = { type: 'type', elementId: '3', text: 'kayak', raw: 'Type [3]; kayak' };
    expect(retargetAction(action, el('8', 'textbox', 'Search'))).toEqual({
      type: 'type',
      elementId: '8',
      elementRole: 'textbox',
      elementName: 'Search',
      text: 'kayak',
      raw: 'Type [8]; kayak',
    });
  });
});
