/**
 * The set-of-marks walk the runner injects into pages: it numbers the visible interactive elements
 * of the viewport (`"0"`, `"1"`, … in document order), tags each with `data-cc-som="<n>"` so the
 * action executor can address it, and returns their role, accessible name and box (CSS pixels of
 * the viewport = screenshot pixels at device scale 1). Interactive elements outside the viewport
 * are returned apart (role, name, up/down) so the expert replay can scroll toward them.
 *
 * Naming rule (the bundled apps' `expert-demos.json` rely on it; `environments/som-reference.js`
 * is the same rule):
 * - elements: `a[href]`, `button`, `input` (not hidden), `select`, `textarea`, `[role=button|link|
 *   checkbox|tab|menuitem]`, `[onclick]`, with a non-empty box and not `display:none` /
 *   `visibility:hidden`;
 * - role: the `role` attribute, else `a`→link, `button`→button, `select`→combobox,
 *   `textarea`→textbox, input checkbox/radio→checkbox/radio, submit/button/reset→button, other
 *   inputs→textbox, anything else with onclick→button;
 * - name: first non-empty of `aria-label`; for form fields the `<label for>` / wrapping label text,
 *   then `placeholder`; `value` of input buttons; the collapsed `innerText`; `title`; a contained
 *   image's `alt` — whitespace collapsed, cut to 100 characters.
 */
import type { OffscreenElement } from '@/lib/core/rollouts/types';
import type { ObservedElement } from '@/lib/core/types';

export const SOM_ATTRIBUTE = 'data-cc-som';
/** At most this many elements are listed per observation (the rest are left out). */
export const MAX_SOM_ELEMENTS = 200;

export interface SomResult {
  elements: ObservedElement[];
  offscreen: OffscreenElement[];
}

/** Runs in the page (serialised by Playwright): keep it self-contained. */
export function collectSetOfMarks(args: { attribute: string; max: number }): SomResult {
  const { attribute, max } = args;
  for (const el of Array.from(document.querySelectorAll(`[${attribute}]`))) el.removeAttribute(attribute);
  const selector =
    'a[href], button, input:not([type=hidden]), select, textarea, [role=button], [role=link], [role=checkbox], [role=tab], [role=menuitem], [onclick]';
  const collapse = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const roleOf = (el: Element): string => {
    const explicit = el.getAttribute('role');
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (tag === 'a') return 'link';
    if (tag === 'button') return 'button';
    if (tag === 'select') return 'combobox';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      const type = ((el as HTMLInputElement).type || 'text').toLowerCase();
      if (type === 'checkbox') return 'checkbox';
      if (type === 'radio') return 'radio';
      if (type === 'submit' || type === 'button' || type === 'reset') return 'button';
      return 'textbox';
    }
    return 'button';
  };
  const nameOf = (el: Element): string => {
    const aria = collapse(el.getAttribute('aria-label'));
    if (aria) return aria;
    const tag = el.tagName.toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea') {
      const id = el.getAttribute('id');
      const forLabel = id ? document.querySelector(`label[for="${CSS.escape(id)}"]`) : null;
      const label = collapse((forLabel as HTMLElement | null)?.innerText ?? el.closest('label')?.innerText);
      if (label) return label;
      const placeholder = collapse(el.getAttribute('placeholder'));
      if (placeholder) return placeholder;
      const type = ((el as HTMLInputElement).type || '').toLowerCase();
      if (tag === 'input' && (type === 'submit' || type === 'button' || type === 'reset')) {
        const value = collapse((el as HTMLInputElement).value);
        if (value) return value;
      }
    }
    const text = collapse((el as HTMLElement).innerText);
    if (text) return text;
    const title = collapse(el.getAttribute('title'));
    if (title) return title;
    return collapse(el.querySelector('img')?.getAttribute('alt'));
  };
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const elements: ObservedElement[] = [];
  const offscreen: OffscreenElement[] = [];
  for (const el of Array.from(document.querySelectorAll(selector))) {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const role = roleOf(el);
    const name = nameOf(el).slice(0, 100);
    if (r.bottom <= 0) {
      offscreen.push({ role, name, direction: 'up' });
      continue;
    }
    if (r.top >= vh) {
      offscreen.push({ role, name, direction: 'down' });
      continue;
    }
    if (r.right <= 0 || r.left >= vw || elements.length >= max) continue;
    const id = String(elements.length);
    el.setAttribute(attribute, id);
    const x = Math.max(0, r.left);
    const y = Math.max(0, r.top);
    elements.push({
      id,
      role,
      name,
      box: {
        x: Math.round(x),
        y: Math.round(y),
        width: Math.round(Math.min(r.right, vw) - x),
        height: Math.round(Math.min(r.bottom, vh) - y),
      },
    });
  }
  return { elements, offscreen };
}
