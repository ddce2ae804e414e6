import { describe, expect, it } from 'vitest';
import { computeActionMarks, findTargetElement } from '@/lib/core/action-geometry';
import type { ObservedElement, StepAction } from '@/lib/core/types';

const elements: ObservedElement[] = [
  { id: '5', role: 'button', name: 'Search', box: { x: 100, y: 50, width: 200, height: 40 } },
  { id: '52', role: null, name: 'Most stars', box: null },
  { id: '9', role: 'link', name: 'Edge', box: { x: 900, y: 700, width: 300, height: 200 } },
];

describe('findTargetElement', () => {
  it('finds the element by its set-of-marks label', () => {
    expect(findTargetElement({ type: 'click', elementId: '52', raw: 'Click [52]' }, elements)?.name).toBe(
      'Most stars',
    );
  });
  it('is null without a label or when the list lacks it (WebVoyager clips early element lists)', () => {
    expect(findTargetElement({ type: 'scroll', raw: 'Scroll [WINDOW]; down' }, elements)).toBeNull();
    expect(findTargetElement({ type: 'click', elementId: '7', raw: 'Click [7]' }, elements)).toBeNull();
  });
});

describe('computeActionMarks', () => {
  const click: StepAction = { type: 'click', elementId: '5', raw: 'Click [5]' };

  it('converts the target box to percentages of the screenshot', () => {
    expect(computeActionMarks(click, elements, 1000, 500).box).toEqual({
      left: 10,
      top: 10,
      width: 20,
      height: 8,
    });
  });
  it('clips a box that reaches past the image', () => {
    const marks = computeActionMarks(
      { type: 'click', elementId: '9', raw: 'Click [9]' },
      elements,
      1024,
      768,
    );
    expect(marks.box?.left).toBeCloseTo(87.89, 2);
    expect(marks.box!.left + marks.box!.width).toBe(100);
    expect(marks.box!.top + marks.box!.height).toBe(100);
  });
  it('gives the pointer position when the harness recorded one', () => {
    expect(
      computeActionMarks({ type: 'click', point: { x: 512, y: 192 }, raw: 'tap' }, [], 1024, 768).point,
    ).toEqual({ left: 50, top: 25 });
  });
  it('draws nothing positional when the size or the box is unknown, but still names the target', () => {
    const marks = computeActionMarks(click, elements, null, null);
    expect(marks).toEqual({ target: elements[0], box: null, point: null });
    expect(
      computeActionMarks({ type: 'click', elementId: '52', raw: 'Click [52]' }, elements, 1024, 768).box,
    ).toBeNull();
  });
});
