/**
 * Replaying recorded actions on a fresh page (undo in a recording session, the prefix of a
 * correction): set-of-marks numbers are per observation, so an element action is carried over by
 * *what* it targeted — role, accessible name, the look-alike context — not by its number.
 *
 * Matching rule, in order (names and contexts compared with whitespace collapsed, roles
 * case-insensitively):
 * 1. candidates: elements of the new observation with the same role and name;
 * 2. when the original had a look-alike context (set-of-marks gives one only to look-alikes),
 *    only candidates with the same context qualify; none → divergence (the row it sat in changed or
 *    is gone: taking another look-alike would silently act on the wrong row);
 * 3. among several remaining candidates, the one at the same position among its look-alikes as the
 *    original was in its own observation (document order = mark order); fewer look-alikes than that
 *    position → divergence.
 * Actions without a target (scroll of the window, key press, go back, go to, wait) replay as they are.
 * This is the same role + name identity the `noisy-expert` policy replays demos by
 * (`noisy-expert.ts`), with the context and position added for lists of look-alikes.
 */
import { collapseWhitespace } from '@/lib/core/step-descriptions';
import type { ObservedElement, StepAction } from '@/lib/core/types';

/** What an element action targeted, as recorded. */
export interface ReplayTarget {
  role: string | null;
  name: string;
  context?: string;
  /** 0-based position among the original observation's elements of the same role, name and context. */
  position: number;
}

const norm = (text: string | null | undefined) => collapseWhitespace(text ?? '').toLowerCase();

function sameIdentity(a: Pick<ObservedElement, 'role' | 'name'>, b: Pick<ObservedElement, 'role' | 'name'>) {
  return norm(a.role) === norm(b.role) && collapseWhitespace(a.name) === collapseWhitespace(b.name);
}

/**
 * The target of `action` in the observation it was chosen on (`elements`), or null when the action
 * has no element. Falls back to the action's own `elementRole` / `elementName` when the observation
 * did not list the element (imported runs).
 * @returns `{ problem }` when the action names an element that cannot be identified.
 */
export function replayTargetOf(
  action: StepAction,
  elements: readonly ObservedElement[],
): ReplayTarget | null | { problem: string } {
  if (action.elementId === undefined) return null;
  const id = action.elementId.replace(/"/g, '');
  const original = elements.find((e) => e.id === id);
  if (!original) {
    if (action.elementRole || action.elementName)
      return { role: action.elementRole ?? null, name: action.elementName ?? '', position: 0 };
    return { problem: `its element [${id}] is not in the step's element list, so it cannot be found again` };
  }
  const position = elements
    .filter((e) => sameIdentity(e, original) && norm(e.context) === norm(original.context))
    .indexOf(original);
  return {
    role: original.role,
    name: original.name,
    context: original.context,
    position: Math.max(0, position),
  };
}

/** `<button> "Save" in "Row 3"`: how divergence messages name a target. */
export function describeReplayTarget(target: Pick<ReplayTarget, 'role' | 'name' | 'context'>): string {
  const name = target.name.length > 60 ? `${target.name.slice(0, 59)}…` : target.name;
  const context = target.context
    ? ` in "${target.context.length > 60 ? `${target.context.slice(0, 59)}…` : target.context}"`
    : '';
  return `${target.role ? `<${target.role}> ` : ''}"${name}"${context}`;
}

/**
 * Finds `target` among the elements of a new observation (rules in the module docstring).
 * @returns the element, or `{ problem }` saying why none qualifies (for a divergence message).
 */
export function findReplayTarget(
  target: ReplayTarget,
  elements: readonly ObservedElement[],
): { element: ObservedElement } | { problem: string } {
  const named = elements.filter((e) => sameIdentity(e, target));
  if (named.length === 0) return { problem: `the page no longer offers ${describeReplayTarget(target)}` };
  let candidates = named;
  if (target.context !== undefined && target.context !== '') {
    candidates = named.filter((e) => norm(e.context) === norm(target.context));
    if (candidates.length === 0)
      return {
        problem: `the page offers ${describeReplayTarget({ ...target, context: undefined })} but none in "${target.context}"`,
      };
  }
  if (candidates.length === 1) return { element: candidates[0]! };
  const element = candidates[target.position];
  if (!element)
    return {
      problem: `the page offers ${candidates.length} of ${describeReplayTarget(target)}, fewer than the ${target.position + 1} the recording counted`,
    };
  return { element };
}

/**
 * `action` aimed at `element` of the new observation: its element id, role and name, and the id in
 * its raw text (`Click [12]` → `Click [7]`), so the replayed step reads like one taken on that page.
 */
export function retargetAction(action: StepAction, element: ObservedElement): StepAction {
  const oldId = action.elementId?.replace(/"/g, '');
  const next: StepAction = { ...action, elementId: element.id };
  if (element.role) next.elementRole = element.role;
  if (element.name !== '') next.elementName = element.name;
  if (oldId !== undefined) next.raw = action.raw.replace(`[${oldId}]`, `[${element.id}]`);
  return next;
}
