/**
 * The element list of a live observation as text, in the set-of-marks format WebVoyager prints
 * (`[<label>]: <tag> "<text>";` entries joined by a tab; `lib/core/import/webvoyager.ts`
 * `parseWebVoyagerElements` reads it back), so label functions see live rollouts and imported
 * WebVoyager runs alike in `element_lists`.
 *
 * Our marks may add, after the quoted name, the widget states in parentheses and the context that
 * tells look-alikes apart (`server/rollouts/som.ts`):
 * `[4]: <button> "☆ star" — in "Dana Wu Q3 numbers 9:14";\t[5]: <checkbox> "Weekly digest" (checked)`.
 * Double quotes inside names, states and contexts become single quotes; brackets in states
 * become square brackets, so the parser can split them back.
 */
import type { ObservedElement } from '@/lib/core/types';

/** Longest element name printed, in characters (longer names end with `…`). */
export const ELEMENT_NAME_MAX_CHARS = 100;
/** Longest context printed, in characters. */
export const ELEMENT_CONTEXT_MAX_CHARS = 80;

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim().replaceAll('"', "'");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function formatStates(states: readonly string[]): string {
  const flat = states.map((s) => clip(s, 60).replaceAll('(', '[').replaceAll(')', ']')).filter(Boolean);
  return flat.length > 0 ? ` (${flat.join(', ')})` : '';
}

/**
 * `[0]: <button> "Add to cart";\t[1]: <link> "Home" (selected);\t[2]: <button> "☆ star" — in "Dana Wu…"`
 * — empty string for no elements.
 */
export function formatElementList(elements: readonly ObservedElement[]): string {
  return elements
    .map((e) => {
      const states = e.states?.length ? formatStates(e.states) : '';
      const context = e.context ? ` — in "${clip(e.context, ELEMENT_CONTEXT_MAX_CHARS)}"` : '';
      return `[${e.id}]: ${e.role ? `<${e.role}> ` : ''}"${clip(e.name, ELEMENT_NAME_MAX_CHARS)}"${states}${context};`;
    })
    .join('\t')
    .replace(/;$/, '');
}
