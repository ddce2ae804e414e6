/**
 * The set-of-marks walk the runner injects into pages: it numbers every element of the viewport a
 * person can act on (`"0"`, `"1"`, … in document order), tags each with `data-cc-som="<n>"` so the
 * action executor can address it, and returns role, accessible name, widget states, the context that
 * tells look-alikes apart, and the box (CSS pixels of the viewport = screenshot pixels at device
 * scale 1). Marked-looking elements outside the viewport, or scrolled out of a panel, are returned
 * apart (role, name, up/down, and a visible mark in the same panel) so the expert replay can scroll
 * toward them.
 *
 * Which elements (README › Rollouts › What the agent sees). Taken from BrowserGym's set-of-marks
 * flag (`browsergym/core/src/browsergym/core/javascript/frame_mark_elements.js`: interactive tags,
 * `onclick`, `cursor: pointer`; the click at the centre must land on the element or a child; open
 * shadow roots walked; tiny boxes skipped) and WebVoyager's / VisualWebArena's set-of-marks
 * (interactive tags and ARIA roles, visible, numbered boxes drawn on the screenshot), extended for
 * delegated listeners and adapted. Where we differ: BrowserGym unflags every marked ancestor of a
 * marked element (the innermost wins); we keep a marked ancestor whose box is clearly larger (a mail
 * row opens the message, its star stars it) and merge only near-equal boxes. The rules:
 * - interactive tags: `a` (with or without `href`), `button`, `input` (not hidden), `select`,
 *   `textarea`, `summary`, an editing host (`contenteditable`);
 * - ARIA widget roles ({@link WIDGET_ROLES});
 * - `tabindex` ≥ 0; inline `on…` handlers; listeners added with `addEventListener` or `on…`
 *   properties for click / mouse / pointer / key / touch events, recorded by {@link LISTENER_PROBE_SCRIPT}
 *   (Chromium's CDP `DOMDebugger.getEventListeners` would need one round trip per element);
 * - attributes delegated listeners route on ({@link DELEGATION_ATTRIBUTES}: `data-action`,
 *   `data-route`, …) and `cursor: pointer` where it starts (an element whose parent is not
 *   already `pointer`: the cursor is inherited, so its children are the same control), or on an
 *   icon inside a clickable row (≤ 64 px, an `svg` / `img` / `i`, symbol-only text like `☆`, or a
 *   `::before` glyph of an icon font), which is a control of its own;
 * - not marked: a listener- or `tabindex`-only container of other marks (a delegation root or a
 *   focusable scroll region), anything `display: none` / `visibility: hidden` / `opacity: 0`, inert,
 *   or covered at every probe point (centre and four inner points, `elementFromPoint`); a mark whose
 *   box nearly equals its nearest marked ancestor's (≥ 85 % of its area) is merged with it, keeping
 *   the stronger kind (native control > ARIA role > listener / delegation attribute > tabindex /
 *   pointer), the inner one on ties. Open shadow roots are walked; iframes are not.
 *
 * Naming rule (the bundled apps' `expert-demos.json` rely on it):
 * - role: the `role` attribute; else `a` or an element with a routing attribute (`data-route`,
 *   `data-href`, …)→link, `button`/`summary`→button, `select`→combobox, `textarea` and editing
 *   hosts→textbox, input checkbox/radio→checkbox/radio, submit/button/reset/image→button, range→slider,
 *   other inputs→textbox, a `label` for a checkbox that is not itself visible→switch (when it or the
 *   input says switch/toggle) or the input's role, anything else→button;
 * - name: first non-empty of the `aria-labelledby` texts; `aria-label`; for form fields the
 *   `<label for>` / wrapping label text, then `placeholder`; `value` of input buttons; the collapsed
 *   `innerText`; `title`; a contained image's `alt` or SVG `<title>`; the humanised `data-action` or
 *   icon class (`icon-archive`, `fa-trash` → `archive`, `trash`). A name with no letter or digit
 *   (`☆`, `⋮`) gets the first of `title`, `data-action`, icon class appended (`☆ star`).
 *   Whitespace is collapsed; names are cut to 100 characters.
 * - context: given when the role and name are not unique on the page, the name is empty or has no
 *   letter or digit, or the element has `aria-describedby` (then its text): the text of the nearest
 *   row-like ancestor (`tr`, `li`, `[role=row|listitem|option|treeitem]`, `article`, `[data-id]`),
 *   else of the nearest ancestor with more text than the element, cut to 80 characters.
 * - states: `checked` / `unchecked`, `pressed`, `expanded` / `collapsed`, `selected`, `disabled`,
 *   `value: "…"` of text fields (passwords as `••••`) and the chosen option of a `select`.
 */
import type { OffscreenElement } from '@/lib/core/rollouts/types';
import type { ObservedElement } from '@/lib/core/types';

export const SOM_ATTRIBUTE = 'data-cc-som';
/** At most this many elements are listed per observation (the rest are left out). */
export const MAX_SOM_ELEMENTS = 200;
/** At most this many elements outside the viewport are returned (expert replay only). */
export const MAX_OFFSCREEN_ELEMENTS = 300;
/** Longest element name, in characters. */
export const MAX_NAME_CHARS = 100;
/** Longest context, in characters. */
export const MAX_CONTEXT_CHARS = 80;
/** Global the listener probe keeps its WeakMap under (not enumerable). */
export const LISTENER_REGISTRY_KEY = '__ccSomListeners';

/** Roles a person acts on (WAI-ARIA 1.2 widget roles, plus `row` / `gridcell` of selectable grids). */
export const WIDGET_ROLES = [
  'button',
  'link',
  'checkbox',
  'radio',
  'switch',
  'tab',
  'menuitem',
  'menuitemcheckbox',
  'menuitemradio',
  'option',
  'treeitem',
  'combobox',
  'textbox',
  'searchbox',
  'slider',
  'spinbutton',
  'gridcell',
  'row',
] as const;

/** Attributes that delegated click handlers commonly route on (`closest('[data-action]')`). */
export const DELEGATION_ATTRIBUTES = [
  'data-action',
  'data-route',
  'data-href',
  'data-link',
  'data-nav',
  'data-navigate',
  'data-url',
  'data-toggle',
  'data-bs-toggle',
  'data-command',
  'data-click',
] as const;
/** Of those, the ones that make an element a `link`. */
export const ROUTING_ATTRIBUTES = [
  'data-route',
  'data-href',
  'data-link',
  'data-nav',
  'data-navigate',
  'data-url',
];

/** Event types whose listeners make an element actionable. */
export const ACTION_EVENT_TYPES = [
  'click',
  'dblclick',
  'mousedown',
  'mouseup',
  'pointerdown',
  'pointerup',
  'touchstart',
  'touchend',
  'keydown',
  'keyup',
  'keypress',
  'contextmenu',
] as const;

/**
 * Init script (runs in every frame before the page's own scripts): records which elements get
 * listeners for {@link ACTION_EVENT_TYPES}, through `addEventListener` / `removeEventListener`
 * and the `on…` properties, in a WeakMap under {@link LISTENER_REGISTRY_KEY}. Listeners on
 * `window`, `document`, `html` and `body` are delegation roots and are not counted. Limits: a
 * page can read or fool the registry (it only adds or hides marks of its own page); listeners added
 * before the script runs (none in practice) are missed.
 */
export const LISTENER_PROBE_SCRIPT = `(() => {
  const KEY = ${JSON.stringify(LISTENER_REGISTRY_KEY)};
  if (Object.prototype.hasOwnProperty.call(globalThis, KEY)) return;
  const registry = new WeakMap();
  Object.defineProperty(globalThis, KEY, { value: registry, enumerable: false });
  const TYPES = new Set(${JSON.stringify(ACTION_EVENT_TYPES)});
  const note = (target, type, delta) => {
    if (!TYPES.has(type) || typeof Element === 'undefined' || !(target instanceof Element)) return;
    let counts = registry.get(target);
    if (!counts) { counts = new Map(); registry.set(target, counts); }
    counts.set(type, Math.max(0, (counts.get(type) || 0) + delta));
  };
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  proto.addEventListener = function (type, listener, options) {
    if (listener) note(this, String(type), 1);
    return add.call(this, type, listener, options);
  };
  proto.removeEventListener = function (type, listener, options) {
    if (listener) note(this, String(type), -1);
    return remove.call(this, type, listener, options);
  };
  for (const type of TYPES) {
    const prop = 'on' + type;
    const descriptor = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
    if (!descriptor || !descriptor.set || !descriptor.configurable) continue;
    Object.defineProperty(HTMLElement.prototype, prop, {
      ...descriptor,
      set(value) {
        let counts = registry.get(this);
        if (!counts) { counts = new Map(); registry.set(this, counts); }
        counts.set(prop, value ? 1 : 0);
        return descriptor.set.call(this, value);
      },
    });
  }
})();`;

export interface SomStats {
  /** Elements walked. */
  scanned: number;
  /** Elements with any marking signal, before visibility and merging. */
  candidates: number;
  /** Elements listed (in the viewport, visible, not covered). */
  marked: number;
  /** In the viewport but covered at every probe point (a modal, a sticky header). */
  covered: number;
  /** Merged into a marked ancestor or descendant with nearly the same box. */
  merged: number;
  /** Listener- or tabindex-only containers of other marks (delegation roots). */
  containers: number;
  /** Outside the viewport or scrolled out of a panel. */
  offscreen: number;
}

export interface SomResult {
  elements: ObservedElement[];
  offscreen: OffscreenElement[];
  stats: SomStats;
}

export interface SomArgs {
  attribute: string;
  max: number;
  maxOffscreen: number;
  registryKey: string;
  widgetRoles: readonly string[];
  delegationAttributes: readonly string[];
  routingAttributes: readonly string[];
  maxNameChars: number;
  maxContextChars: number;
}

/** The arguments {@link collectSetOfMarks} is evaluated with. */
export const SOM_ARGS: SomArgs = {
  attribute: SOM_ATTRIBUTE,
  max: MAX_SOM_ELEMENTS,
  maxOffscreen: MAX_OFFSCREEN_ELEMENTS,
  registryKey: LISTENER_REGISTRY_KEY,
  widgetRoles: WIDGET_ROLES,
  delegationAttributes: DELEGATION_ATTRIBUTES,
  routingAttributes: ROUTING_ATTRIBUTES,
  maxNameChars: MAX_NAME_CHARS,
  maxContextChars: MAX_CONTEXT_CHARS,
};

/**
 * Runs in the page (serialised by Playwright): keep it self-contained.
 * @returns the marks of the viewport, what lies outside it, and counts for the benchmark.
 */
export function collectSetOfMarks(args: SomArgs): SomResult {
  const { attribute } = args;
  const registry = (
    globalThis as unknown as Record<string, WeakMap<Element, Map<string, number>> | undefined>
  )[args.registryKey];
  const widgetRoles = new Set(args.widgetRoles);
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const collapse = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const hasWord = (s: string) => /[\p{L}\p{N}]/u.test(s);
  const humanise = (s: string) => collapse(s.replace(/[-_.:]+/g, ' '));

  // ---- walk (document + open shadow roots), clearing our old marks ----
  const all: Element[] = [];
  const walk = (root: Document | ShadowRoot) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node as Element;
      if (el.hasAttribute(attribute)) el.removeAttribute(attribute);
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);

  // ---- signals ----
  // 4 native control, 3 ARIA widget role, 2 listener / delegation attribute / <a>, 1 tabindex / pointer.
  type Kind = { strength: number; weakOnly: boolean };
  const styleOf = new Map<Element, CSSStyleDeclaration>();
  const style = (el: Element) => {
    let s = styleOf.get(el);
    if (!s) {
      s = getComputedStyle(el);
      styleOf.set(el, s);
    }
    return s;
  };
  const parentOf = (el: Element): Element | null =>
    el.parentElement ?? (el.parentNode as ShadowRoot | null)?.host ?? null;
  const isEditingHost = (el: Element) =>
    (el as HTMLElement).isContentEditable && !(parentOf(el) as HTMLElement | null)?.isContentEditable;
  const hasListener = (el: Element) => {
    const counts = registry?.get(el);
    if (counts) for (const n of counts.values()) if (n > 0) return true;
    for (const a of el.getAttributeNames()) {
      if (
        /^on(click|dblclick|mouse(down|up)|pointer(down|up)|touch(start|end)|key(down|up|press)|contextmenu)$/.test(
          a,
        )
      )
        return true;
    }
    return false;
  };
  const STRONG_ANCESTORS = [
    'a, button, select, textarea, label, summary, [role], svg',
    ...args.delegationAttributes.map((a) => `[${a}]`),
  ].join(', ');
  /** An icon that says what it does: a title / aria-label, its own listener, or a glyph as text. */
  const iconSpeaks = (el: Element): boolean =>
    !!collapse(el.getAttribute('title') ?? el.getAttribute('aria-label')) ||
    hasListener(el) ||
    !!collapse((el as HTMLElement).innerText);
  /** Small, and a glyph rather than words: an `svg` / `img` / `i`, symbol-only text, or a `::before` icon. */
  const isIconLike = (el: Element): boolean => {
    const r = el.getBoundingClientRect();
    if (r.width > 64 || r.height > 64) return false;
    const tag = el.tagName.toLowerCase();
    if (tag === 'svg' || tag === 'img' || tag === 'i') return true;
    const text = collapse((el as HTMLElement).innerText);
    if (text) return text.length <= 3 && !hasWord(text);
    const before = getComputedStyle(el, '::before').content;
    return before !== 'none' && before !== 'normal' && before !== '""';
  };
  const kindOf = (el: Element): Kind | null => {
    const tag = el.tagName.toLowerCase();
    if (tag === 'html' || tag === 'body' || tag === 'head' || tag === 'script' || tag === 'style')
      return null;
    if (
      (tag === 'input' && (el as HTMLInputElement).type !== 'hidden') ||
      tag === 'button' ||
      tag === 'select' ||
      tag === 'textarea' ||
      tag === 'summary' ||
      (tag === 'a' && el.hasAttribute('href'))
    )
      return { strength: 4, weakOnly: false };
    if (isEditingHost(el)) return { strength: 4, weakOnly: false };
    const role = (el.getAttribute('role') ?? '').trim().split(/\s+/)[0] ?? '';
    if (widgetRoles.has(role)) return { strength: 3, weakOnly: false };
    if (tag === 'a' || args.delegationAttributes.some((a) => el.hasAttribute(a)))
      return { strength: 2, weakOnly: false };
    if (hasListener(el)) return { strength: 2, weakOnly: true };
    const tabindex = el.getAttribute('tabindex');
    if (tabindex !== null && Number.parseInt(tabindex, 10) >= 0) return { strength: 1, weakOnly: true };
    if (tag === 'label') {
      // A label for a visually hidden checkbox is the control people click (custom switches).
      const control = (el as HTMLLabelElement).control;
      if (control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio')) {
        const r = control.getBoundingClientRect();
        const shown =
          r.width > 2 &&
          r.height > 2 &&
          control.checkVisibility({ opacityProperty: true, visibilityProperty: true });
        if (!shown) return { strength: 3, weakOnly: false };
      }
    }
    if (style(el).cursor === 'pointer') {
      const parent = parentOf(el);
      if (!parent || style(parent).cursor !== 'pointer') return { strength: 1, weakOnly: false };
      // An icon inside a clickable row (a star, a trash can) is a control of its own.
      if (isIconLike(el) && iconSpeaks(el) && !el.parentElement?.closest(STRONG_ANCESTORS))
        return { strength: 1, weakOnly: false };
    }
    return null;
  };

  /** What a `label` labels: its control, the element its `for` names, or a contained widget. */
  const labelTarget = (el: Element): Element | null => {
    if (el.tagName.toLowerCase() !== 'label') return null;
    const control = (el as HTMLLabelElement).control;
    if (control) return control;
    const id = el.getAttribute('for');
    const root = el.getRootNode() as Document | ShadowRoot;
    const named = id ? (root.getElementById?.(id) ?? document.getElementById(id)) : null;
    return named ?? el.querySelector('[role=switch], [role=checkbox], [role=radio]');
  };
  /** label text → the element it labels (for widgets that are not form controls). */
  const labelledBy = new Map<Element, string>();
  for (const label of Array.from(document.querySelectorAll('label'))) {
    const target = labelTarget(label);
    if (
      target &&
      !(
        target instanceof HTMLInputElement ||
        target instanceof HTMLSelectElement ||
        target instanceof HTMLTextAreaElement
      )
    )
      labelledBy.set(target, collapse(label.innerText));
  }

  interface Candidate {
    el: Element;
    kind: Kind;
    rect: DOMRect;
    parent: Candidate | null;
    dropped: boolean;
    hasChild: boolean;
  }
  const candidates: Candidate[] = [];
  const byElement = new Map<Element, Candidate>();
  const hiddenUntilHover = new Set<Element>();
  const stats = {
    scanned: all.length,
    candidates: 0,
    marked: 0,
    covered: 0,
    merged: 0,
    containers: 0,
    offscreen: 0,
  };
  for (const el of all) {
    const kind = kindOf(el);
    if (!kind) continue;
    if (el.closest('[inert]')) continue;
    const rect = el.getBoundingClientRect();
    // ≤ 2 px: the "visually hidden" pattern (a checkbox kept for its state under a custom switch).
    if (rect.width <= 2 || rect.height <= 2) continue;
    if (!(el as HTMLElement).checkVisibility({ visibilityProperty: true })) continue;
    // Transparent (`opacity: 0`): left out, unless it is a real control that still takes clicks —
    // row actions that appear on hover. Transparent checkbox inputs are custom-checkbox overlays.
    const transparent = !(el as HTMLElement).checkVisibility({ opacityProperty: true });
    if (transparent) {
      const input = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');
      if (kind.strength < 2 || input) continue;
      hiddenUntilHover.add(el);
    }
    let parent: Candidate | null = null;
    for (let p = parentOf(el); p; p = parentOf(p)) {
      const c = byElement.get(p);
      if (c) {
        parent = c;
        break;
      }
    }
    const candidate: Candidate = { el, kind, rect, parent, dropped: false, hasChild: false };
    if (parent) parent.hasChild = true;
    candidates.push(candidate);
    byElement.set(el, candidate);
  }
  stats.candidates = candidates.length;

  for (const c of candidates) {
    // A label whose control is marked itself adds nothing (clicking it clicks the control).
    const control = labelTarget(c.el);
    if (control && byElement.has(control) && c.kind.strength < 3) {
      c.dropped = true;
      stats.merged++;
    }
  }
  // Listener- or tabindex-only containers of other marks are delegation roots / focus regions.
  for (const c of candidates) {
    if (c.kind.weakOnly && c.hasChild && style(c.el).cursor !== 'pointer') {
      c.dropped = true;
      stats.containers++;
    }
  }
  // Nested duplicates: nearly the same box as the nearest kept marked ancestor.
  const area = (r: DOMRect) => r.width * r.height;
  for (const c of candidates) {
    if (c.dropped) continue;
    let p = c.parent;
    while (p && p.dropped) p = p.parent;
    if (!p) continue;
    if (area(c.rect) < 0.85 * area(p.rect)) continue;
    if (c.kind.strength >= p.kind.strength) p.dropped = true;
    else c.dropped = true;
    stats.merged++;
  }

  // ---- visibility on screen ----
  const hitTest = (el: Element, r: DOMRect): boolean => {
    const left = Math.max(0, r.left);
    const right = Math.min(vw, r.right);
    const top = Math.max(0, r.top);
    const bottom = Math.min(vh, r.bottom);
    if (right <= left || bottom <= top) return false;
    const root = el.getRootNode() as Document | ShadowRoot;
    const points: [number, number][] = [
      [(left + right) / 2, (top + bottom) / 2],
      [left + (right - left) * 0.25, top + (bottom - top) * 0.25],
      [left + (right - left) * 0.75, top + (bottom - top) * 0.25],
      [left + (right - left) * 0.25, top + (bottom - top) * 0.75],
      [left + (right - left) * 0.75, top + (bottom - top) * 0.75],
    ];
    for (const [x, y] of points) {
      const hit = root.elementFromPoint(x, y);
      if (!hit) continue;
      if (hit === el || el.contains(hit)) return true;
      // A label's control may sit on top of it (custom checkboxes), and vice versa.
      const control = (el as HTMLLabelElement).control;
      if (control && (hit === control || control.contains(hit))) return true;
    }
    return false;
  };
  /** The nearest ancestor that clips `el` by scrolling (overflow not visible) and hides it. */
  const clippingPanel = (el: Element, r: DOMRect): { panel: Element; direction: 'up' | 'down' } | null => {
    for (let p = parentOf(el); p && p !== document.documentElement; p = parentOf(p)) {
      const s = style(p);
      if (s.overflowY === 'visible' && s.overflowX === 'visible') continue;
      const pr = p.getBoundingClientRect();
      if (r.bottom <= pr.top + 1) return { panel: p, direction: 'up' };
      if (r.top >= pr.bottom - 1) return { panel: p, direction: 'down' };
    }
    return null;
  };

  // ---- role, name, states ----
  const labelText = (el: Element): string => {
    const id = el.getAttribute('id');
    const root = el.getRootNode() as Document | ShadowRoot;
    const forLabel = id ? root.querySelector(`label[for="${CSS.escape(id)}"]`) : null;
    return collapse(
      (forLabel as HTMLElement | null)?.innerText ?? (el.closest('label') as HTMLElement | null)?.innerText,
    );
  };
  const hiddenControlOf = (el: Element): HTMLInputElement | null => {
    if (el.tagName.toLowerCase() !== 'label') return null;
    const control = (el as HTMLLabelElement).control;
    if (!(control instanceof HTMLInputElement)) return null;
    if (control.type !== 'checkbox' && control.type !== 'radio') return null;
    return byElement.get(control) &&
      !byElement.get(control)!.dropped &&
      hitTest(control, control.getBoundingClientRect())
      ? null
      : control;
  };
  const roleOf = (el: Element): string => {
    const explicit = (el.getAttribute('role') ?? '').trim().split(/\s+/)[0];
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (tag === 'a') return 'link';
    if (args.routingAttributes.some((a) => el.hasAttribute(a))) return 'link';
    if (tag === 'button' || tag === 'summary') return 'button';
    if (tag === 'select') return 'combobox';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      const type = ((el as HTMLInputElement).type || 'text').toLowerCase();
      if (type === 'checkbox') return 'checkbox';
      if (type === 'radio') return 'radio';
      if (type === 'submit' || type === 'button' || type === 'reset' || type === 'image') return 'button';
      if (type === 'range') return 'slider';
      return 'textbox';
    }
    if (isEditingHost(el)) return 'textbox';
    const control = hiddenControlOf(el);
    if (control) {
      const says = `${control.getAttribute('role') ?? ''} ${el.className} ${control.className}`;
      if (/switch|toggle/i.test(says)) return 'switch';
      return control.type;
    }
    return 'button';
  };
  const iconHint = (el: Element): string => {
    const fromClass = (node: Element) => {
      for (const token of Array.from(node.classList)) {
        const m =
          /^(?:fa[srlbd]?|bi|icon|icons|ti|ri|mdi|glyphicon|lucide|ion|ph|codicon|octicon)-(.+)$/.exec(token);
        if (m?.[1] && !/^(?:solid|regular|light|fw|lg|sm|xs|\dx)$/.test(m[1])) return humanise(m[1]);
      }
      return '';
    };
    const own = fromClass(el);
    if (own) return own;
    for (const child of Array.from(el.querySelectorAll('i, span, svg, use')).slice(0, 5)) {
      const hint = fromClass(child);
      if (hint) return hint;
      const href = child.getAttribute('href') ?? child.getAttribute('xlink:href');
      if (href && href.startsWith('#')) return humanise(href.slice(1).replace(/^(?:icon|i)[-_]/, ''));
    }
    return '';
  };
  /** @param hints whether the `data-action` / icon-class fallbacks may name it. */
  const baseName = (el: Element, hints = true): string => {
    const root = el.getRootNode() as Document | ShadowRoot;
    const labelledby = el.getAttribute('aria-labelledby');
    if (labelledby) {
      const text = collapse(
        labelledby
          .split(/\s+/)
          .map((id) => root.getElementById?.(id) ?? document.getElementById(id))
          .map((n) => n?.innerText ?? n?.textContent ?? '')
          .join(' '),
      );
      if (text) return text;
    }
    const aria = collapse(el.getAttribute('aria-label'));
    if (aria) return aria;
    const widgetLabel = labelledBy.get(el);
    if (widgetLabel) return widgetLabel;
    const tag = el.tagName.toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea') {
      const label = labelText(el);
      if (label) return label;
      const placeholder = collapse(el.getAttribute('placeholder'));
      if (placeholder) return placeholder;
      const type = ((el as HTMLInputElement).type || '').toLowerCase();
      if (tag === 'input' && (type === 'submit' || type === 'button' || type === 'reset')) {
        const value = collapse((el as HTMLInputElement).value);
        if (value) return value;
      }
    }
    if (isEditingHost(el)) {
      const placeholder = collapse(el.getAttribute('placeholder') ?? el.getAttribute('data-placeholder'));
      if (placeholder) return placeholder;
    }
    const control = hiddenControlOf(el);
    if (control) {
      const own = collapse(control.getAttribute('aria-label')) || collapse((el as HTMLElement).innerText);
      if (own) return own;
    }
    const text = collapse((el as HTMLElement).innerText);
    if (text) return text;
    const title = collapse(el.getAttribute('title'));
    if (title) return title;
    const alt = collapse(el.querySelector('img[alt]')?.getAttribute('alt'));
    if (alt) return alt;
    const svgTitle = collapse(el.querySelector('svg title')?.textContent);
    if (svgTitle) return svgTitle;
    const action = el.getAttribute('data-action');
    if (!hints) return '';
    if (action) return humanise(action);
    return iconHint(el);
  };
  const nameOf = (el: Element): string => {
    // A switch without a label of its own takes its setting's text (the row it sits in), rather
    // than a generic `data-action="toggle"`.
    const isSwitch = roleOf(el) === 'switch';
    let name = baseName(el, !isSwitch);
    if (!name && isSwitch) name = contextOf(el, '', new Set([el])) || baseName(el);
    if (name && !hasWord(name)) {
      const title = collapse(el.getAttribute('title'));
      const action = el.getAttribute('data-action');
      const hint = title && title !== name ? title : action ? humanise(action) : iconHint(el);
      if (hint) name = `${name} ${hint}`;
    }
    return name.slice(0, args.maxNameChars);
  };
  const statesOf = (el: Element): string[] => {
    const states: string[] = [];
    const tag = el.tagName.toLowerCase();
    const checkable = hiddenControlOf(el) ?? (el instanceof HTMLInputElement ? el : null);
    const ariaChecked = el.getAttribute('aria-checked');
    if (checkable && (checkable.type === 'checkbox' || checkable.type === 'radio'))
      states.push(checkable.checked ? 'checked' : 'unchecked');
    else if (ariaChecked === 'true' || ariaChecked === 'mixed')
      states.push(ariaChecked === 'mixed' ? 'mixed' : 'checked');
    else if (ariaChecked === 'false') states.push('unchecked');
    const pressed = el.getAttribute('aria-pressed');
    if (pressed === 'true') states.push('pressed');
    else if (pressed === 'false') states.push('not pressed');
    const expanded = el.getAttribute('aria-expanded');
    if (expanded === 'true') states.push('expanded');
    else if (expanded === 'false') states.push('collapsed');
    if (el.getAttribute('aria-selected') === 'true' || el.getAttribute('aria-current') === 'page')
      states.push('selected');
    if ((el as HTMLButtonElement).disabled === true || el.getAttribute('aria-disabled') === 'true')
      states.push('disabled');
    if (tag === 'select') {
      const select = el as HTMLSelectElement;
      const chosen = Array.from(select.selectedOptions)
        .map((o) => collapse(o.label || o.text))
        .join(', ');
      states.push(`value: "${chosen.slice(0, 40)}"`);
    } else if (tag === 'textarea' || (tag === 'input' && roleOf(el) === 'textbox')) {
      const input = el as HTMLInputElement;
      if (input.value)
        states.push(
          input.type === 'password' ? 'value: "••••"' : `value: "${collapse(input.value).slice(0, 40)}"`,
        );
    } else if (isEditingHost(el) && collapse((el as HTMLElement).innerText)) {
      states.push(`value: "${collapse((el as HTMLElement).innerText).slice(0, 40)}"`);
    }
    return states;
  };
  const ROW_SELECTOR =
    'tr, li, [role=row], [role=listitem], [role=option], [role=treeitem], [role=article], article, [data-id], [data-key], [data-row]';
  /** Text of `node` without the text of the controls inside it (their names say nothing new). */
  /**
   * Texts of the controls that repeat on the page ("Snooze", "Publish", "☆"): they say nothing
   * about a row. Null until the marks are listed: then every control's text is left out.
   */
  let repeatedTexts: Set<string> | null = null;
  const ownText = (node: Element): string => {
    let text = collapse((node as HTMLElement).innerText);
    for (const c of candidates) {
      if (c.el === node || !node.contains(c.el)) continue;
      const inner = collapse((c.el as HTMLElement).innerText);
      if (!inner || inner.length >= text.length) continue;
      if (repeatedTexts ? repeatedTexts.has(inner) : hasWord(inner))
        text = collapse(text.replace(inner, ' '));
    }
    return text;
  };
  /**
   * The context of `el`: its `aria-describedby` text; else the text of the largest ancestor that
   * holds none of `group` (its look-alikes) but `el` — its row — less the text of controls that
   * repeat on the page (a row's own links, like an issue title, stay); else
   * the nearest row-like ancestor or ancestor with more text than `name`.
   */
  const contextOf = (el: Element, name: string, group: Set<Element>): string => {
    const described = el.getAttribute('aria-describedby');
    if (described) {
      const root = el.getRootNode() as Document | ShadowRoot;
      const text = collapse(
        described
          .split(/\s+/)
          .map((id) => (root.getElementById?.(id) ?? document.getElementById(id))?.innerText ?? '')
          .join(' '),
      );
      if (text) return text.slice(0, args.maxContextChars);
    }
    const usable = (node: Element | null) =>
      !!node && node !== document.body && node !== document.documentElement;
    if (group.size > 1) {
      let row: Element | null = null;
      for (let p = parentOf(el); usable(p); p = parentOf(p!)) {
        let other = false;
        for (const g of group) if (g !== el && p!.contains(g)) other = true;
        if (other) break;
        row = p;
      }
      const text = row ? ownText(row) : '';
      if (text && hasWord(text) && text !== name) return text.slice(0, args.maxContextChars);
    }
    const longer = (node: Element | null) => {
      if (!usable(node)) return '';
      const text = ownText(node!);
      return text.length > name.length + 1 && text.length <= 400 && hasWord(text) ? text : '';
    };
    let text = longer(parentOf(el)?.closest(ROW_SELECTOR) ?? null);
    for (let p = parentOf(el), depth = 0; !text && p && depth < 8; p = parentOf(p), depth++) text = longer(p);
    return text.slice(0, args.maxContextChars);
  };

  // ---- list ----
  const elements: ObservedElement[] = [];
  const offscreen: (OffscreenElement & { panel?: Element })[] = [];
  const markedElements: Element[] = [];
  for (const c of candidates) {
    if (c.dropped) continue;
    const { el, rect: r } = c;
    const outside = r.bottom <= 0 || r.top >= vh;
    if (outside || !hitTest(el, r)) {
      // Scrolled out of a panel (the panel scrolls it back), else out of the window, else covered.
      const clipped = clippingPanel(el, r);
      if (clipped || outside) {
        if (offscreen.length < args.maxOffscreen)
          offscreen.push({
            role: roleOf(el),
            name: nameOf(el),
            direction: clipped ? clipped.direction : r.bottom <= 0 ? 'up' : 'down',
            ...(clipped ? { panel: clipped.panel } : {}),
          });
        stats.offscreen++;
      } else if (r.right > 0 && r.left < vw) stats.covered++;
      continue;
    }
    if (r.right <= 0 || r.left >= vw) continue;
    if (elements.length >= args.max) continue;
    const id = String(elements.length);
    el.setAttribute(attribute, id);
    markedElements.push(el);
    const x = Math.max(0, r.left);
    const y = Math.max(0, r.top);
    const element: ObservedElement = {
      id,
      role: roleOf(el),
      name: nameOf(el),
      box: {
        x: Math.round(x),
        y: Math.round(y),
        width: Math.round(Math.min(r.right, vw) - x),
        height: Math.round(Math.min(r.bottom, vh) - y),
      },
    };
    const states = statesOf(el);
    if (hiddenUntilHover.has(el)) states.push('hidden until hover');
    if (states.length > 0) element.states = states;
    elements.push(element);
  }
  stats.marked = elements.length;

  // Context where the name alone does not tell an element apart.
  const groups = new Map<string, Set<Element>>();
  elements.forEach((e, i) => {
    const key = `${e.role}\u0000${e.name}`;
    const group = groups.get(key) ?? new Set<Element>();
    group.add(markedElements[i]!);
    groups.set(key, group);
  });
  repeatedTexts = new Set();
  for (const group of groups.values()) {
    if (group.size < 2) continue;
    for (const el of group) repeatedTexts.add(collapse((el as HTMLElement).innerText));
  }
  elements.forEach((e, i) => {
    const el = markedElements[i]!;
    const group = groups.get(`${e.role}\u0000${e.name}`)!;
    const needs = group.size > 1 || !hasWord(e.name) || el.hasAttribute('aria-describedby');
    if (!needs) return;
    const context = contextOf(el, e.name, group);
    if (context && context !== e.name) e.context = context;
  });
  // Offscreen entries inside a scroll panel name a visible mark in that panel to scroll with.
  const result: OffscreenElement[] = offscreen.map(({ panel, ...rest }) => {
    if (!panel) return rest;
    const index = markedElements.findIndex((m) => panel.contains(m));
    return index >= 0 ? { ...rest, anchorId: String(index) } : rest;
  });
  return { elements, offscreen: result, stats };
}

export interface MarkAudit {
  /** Visible, unoccluded viewport elements with a pointer cursor of their own or a click / key listener. */
  actionable: number;
  /** Those no mark covers (the element, an ancestor, or a descendant with ≥ 85 % of its area). */
  missed: { tag: string; text: string; className: string }[];
}

/**
 * Counts what {@link collectSetOfMarks} left out, by evidence a person would act on, independent of
 * the marking rules: an element whose own computed cursor is `pointer` (not inherited from its
 * parent) or that has a click / key / pointer listener recorded by the probe (not one that merely
 * contains other such elements: a delegation root), visible, in the viewport and on top at its
 * centre. Runs in the page after `collectSetOfMarks`; used by the tests and `npm run bench:som`.
 */
export function auditMarks(args: { attribute: string; registryKey: string }): MarkAudit {
  const registry = (
    globalThis as unknown as Record<string, WeakMap<Element, Map<string, number>> | undefined>
  )[args.registryKey];
  const listened = (el: Element) => {
    const counts = registry?.get(el);
    if (counts) for (const n of counts.values()) if (n > 0) return true;
    return /\bon(click|mousedown|mouseup|pointerdown|keydown)=/i.test(
      el.outerHTML.slice(0, el.outerHTML.indexOf('>') + 1),
    );
  };
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const evidence: Element[] = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const parent = el.parentElement;
    const pointer =
      getComputedStyle(el).cursor === 'pointer' && (!parent || getComputedStyle(parent).cursor !== 'pointer');
    if (pointer || listened(el)) evidence.push(el);
  }
  const isRoot = (el: Element) =>
    listened(el) &&
    getComputedStyle(el).cursor !== 'pointer' &&
    evidence.some((o) => o !== el && el.contains(o));
  const missed: MarkAudit['missed'] = [];
  let actionable = 0;
  for (const el of evidence) {
    if (isRoot(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0 || r.bottom <= 0 || r.top >= vh || r.right <= 0 || r.left >= vw)
      continue;
    if (!(el as HTMLElement).checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    const x = (Math.max(0, r.left) + Math.min(vw, r.right)) / 2;
    const y = (Math.max(0, r.top) + Math.min(vh, r.bottom)) / 2;
    const hit = document.elementFromPoint(x, y);
    if (!hit || !(hit === el || el.contains(hit))) continue;
    actionable++;
    if (el.closest(`[${args.attribute}]`)) continue;
    // A label is covered by its marked control (clicking either does the same).
    if (el instanceof HTMLLabelElement) {
      const target =
        el.control ??
        (el.htmlFor ? document.getElementById(el.htmlFor) : null) ??
        el.querySelector('[role=switch], [role=checkbox], [role=radio]');
      if (target?.closest(`[${args.attribute}]`)) continue;
    }
    const inner = Array.from(el.querySelectorAll(`[${args.attribute}]`)).some((m) => {
      const b = m.getBoundingClientRect();
      return b.width * b.height >= 0.85 * r.width * r.height;
    });
    if (inner) continue;
    missed.push({
      tag: el.tagName.toLowerCase(),
      text: ((el as HTMLElement).innerText || '').replace(/\s+/g, ' ').trim().slice(0, 60),
      className: typeof el.className === 'string' ? el.className : '',
    });
  }
  return { actionable, missed };
}
