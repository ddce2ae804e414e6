/**
 * The element list of a live observation as text, in the set-of-marks format WebVoyager prints
 * (`[<label>]: <tag> "<text>";` entries joined by a tab; `lib/core/import/webvoyager.ts`
 * `parseWebVoyagerElements` reads it back), so label functions see live rollouts and imported
 * WebVoyager runs alike in `element_lists`.
 */
import type { ObservedElement } from '@/lib/core/types';

/** Longest element name printed, in characters (longer names end with `…`). */
export const ELEMENT_NAME_MAX_CHARS = 100;

function clip(name: string): string {
  const flat = name.replace(/\s+/g, ' ').trim().replaceAll('"', "'");
  return flat.length > ELEMENT_NAME_MAX_CHARS ? `${flat.slice(0, ELEMENT_NAME_MAX_CHARS - 1)}…` : flat;
}

/** `[0]: <button> "Add to cart";\t[1]: <link> "Home"` — empty string for no elements. */
export function formatElementList(elements: readonly ObservedElement[]): string {
  return elements
    .map((e) => `[${e.id}]: ${e.role ? `<${e.role}> ` : ''}"${clip(e.name)}";`)
    .join('\t')
    .replace(/;$/, '');
}
