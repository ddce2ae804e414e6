/**
 * Where to draw a step's action on its screenshot. Pure geometry, shared by the viewer and tests.
 * Inputs are screenshot pixels (origin top-left); outputs are percentages of the screenshot's
 * natural size, so the drawing scales with the displayed image.
 */
import type { Box, ObservedElement, StepAction } from '@/lib/core/types';

export interface PercentBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ActionMarks {
  /** The element the action targets (by set-of-marks label), when the step's element list has it. */
  target: ObservedElement | null;
  /** The target's box in percent, when its box and the screenshot size are known. */
  box: PercentBox | null;
  /** The pointer position in percent, when the harness recorded one and the size is known. */
  point: { left: number; top: number } | null;
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, value));
}

function toPercentBox(box: Box, width: number, height: number): PercentBox {
  const left = clampPercent((box.x / width) * 100);
  const top = clampPercent((box.y / height) * 100);
  return {
    left,
    top,
    width: clampPercent(((box.x + box.width) / width) * 100) - left,
    height: clampPercent(((box.y + box.height) / height) * 100) - top,
  };
}

/** The element `action` targets, looked up by its label in `elements`; null when absent. */
export function findTargetElement(
  action: StepAction,
  elements: readonly ObservedElement[],
): ObservedElement | null {
  if (action.elementId === undefined) return null;
  return elements.find((e) => e.id === action.elementId) ?? null;
}

/**
 * The marks to draw for `action`. `width`/`height` are the screenshot's natural size in pixels
 * (null when unknown: then only `target` is given). Boxes reaching past the image are clipped.
 */
export function computeActionMarks(
  action: StepAction,
  elements: readonly ObservedElement[],
  width: number | null,
  height: number | null,
): ActionMarks {
  const target = findTargetElement(action, elements);
  const hasSize = !!width && !!height && width > 0 && height > 0;
  return {
    target,
    box: hasSize && target?.box ? toPercentBox(target.box, width, height) : null,
    point:
      hasSize && action.point
        ? {
            left: clampPercent((action.point.x / width) * 100),
            top: clampPercent((action.point.y / height) * 100),
          }
        : null,
  };
}
