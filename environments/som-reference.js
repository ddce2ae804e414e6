/*
 * som-reference.js — reference implementation of the element-naming rule that the
 * expert demos (expert-demos.json) of the bundled State-API apps are written against.
 *
 * It runs in the page, injected as an init script (before the page's own scripts, so that it can
 * see which elements get click listeners). It defines
 * window.__som = { collect, find, roleOf, nameOf, isVisible, inView } where
 *   collect()                    -> [{ el, role, name, rect, inView }] for every visible interactive
 *                                   element, in document order
 *   find(role, name, nth, opts)  -> { el, count } | { error, candidates }  (nth is 0-based, default 0;
 *                                   opts.inView: count only elements a person can see right now)
 *
 * The rule (kept in sync with the runner's DOM walk, server/rollouts/som.ts):
 *  - Interactive (and visible: non-zero box, not display:none / visibility:hidden):
 *    a (with or without href), button, input (not type=hidden), select, textarea,
 *    [role=button|link|checkbox|radio|switch|tab|menuitem|option|textbox|combobox],
 *    [onclick] (attribute or property), the editing host of a contenteditable, [data-route],
 *    [data-action], [tabindex] >= 0, a <label> wrapping a visually hidden checkbox (a "switch";
 *    the hidden checkbox itself is not listed), an element with its own click / mousedown /
 *    pointerdown listener (addEventListener) unless it contains other interactive elements (then it
 *    is a delegation container, not a control), and an element whose computed cursor is `pointer`
 *    while its parent's is not (the top of a pointer region, not every child inheriting it).
 *    Never html / body.
 *  - role: the role attribute if present; else a label wrapping a hidden checkbox -> switch;
 *    a -> link; [data-route] -> link; button -> button; select -> combobox;
 *    textarea / contenteditable -> textbox; input checkbox -> checkbox, radio -> radio,
 *    submit/button/reset -> button, any other input type -> textbox; anything else -> button.
 *  - name: first non-empty of: the text of the aria-labelledby elements; aria-label;
 *    for input/select/textarea the text of its <label for=id> (or of a wrapping <label>), then
 *    placeholder; for input type submit/button its value; the element's innerText; title; alt of a
 *    contained img. A switch with no name takes its setting's text (the collapsed text of the
 *    nearest ancestor that has any, cut to 80 characters).
 *    Then, when the name has no letter or digit (like "☆", or empty): the title / aria-label is
 *    appended if there is one (and it is not the name already), else the humanised data-action
 *    ("toggle-read" -> "toggle read"): "☆" -> "☆ star".
 *    Whitespace is collapsed to single spaces and trimmed; names are cut to 100 characters and
 *    compared exactly (case-sensitive).
 *  - in view (opts.inView): the element's box meets the viewport and the box of every ancestor
 *    that clips its overflow (a scroll panel), and the element (or something inside it) is what
 *    the page shows at the centre of that visible part (not covered by a modal, a menu, …).
 */
(function () {
  'use strict';

  // ---- click listeners added with addEventListener (recorded from before the page's scripts) ----
  const CLICK_EVENTS = new Set(['click', 'mousedown', 'mouseup', 'pointerdown', 'pointerup', 'dblclick']);
  const withListener = new WeakSet();
  try {
    const original = EventTarget.prototype.addEventListener;
    if (!original.__somPatched) {
      const patched = function (type, listener, options) {
        if (CLICK_EVENTS.has(type) && this instanceof Element) withListener.add(this);
        return original.call(this, type, listener, options);
      };
      patched.__somPatched = true;
      EventTarget.prototype.addEventListener = patched;
    }
  } catch {
    // a page that froze EventTarget: listeners are not seen
  }

  const ROLES = new Set([
    'button',
    'link',
    'checkbox',
    'radio',
    'switch',
    'tab',
    'menuitem',
    'option',
    'textbox',
    'combobox',
  ]);
  const NATIVE = new Set(['a', 'button', 'input', 'select', 'textarea']);

  const clean = (s) =>
    String(s == null ? '' : s)
      .replace(/\s+/g, ' ')
      .trim();
  const cut = (s) => s.slice(0, 100);
  const hasWord = (s) => /[\p{L}\p{N}]/u.test(s);

  function isVisible(el) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const cs = getComputedStyle(el);
    return cs.display !== 'none' && cs.visibility !== 'hidden';
  }

  function inputType(el) {
    return (el.getAttribute('type') || 'text').toLowerCase();
  }

  /** A checkbox drawn by something else: tiny, clipped or transparent. */
  function isVisuallyHidden(el) {
    const r = el.getBoundingClientRect();
    if (r.width <= 2 || r.height <= 2) return true;
    const cs = getComputedStyle(el);
    return Number(cs.opacity) === 0 || (cs.clip && cs.clip !== 'auto') || cs.clipPath === 'inset(50%)';
  }

  function switchInput(el) {
    if (el.tagName.toLowerCase() !== 'label') return null;
    const input = el.querySelector('input[type=checkbox], input[type=radio]');
    return input && isVisuallyHidden(input) ? input : null;
  }

  function isEditingHost(el) {
    if (!el.isContentEditable) return false;
    const parent = el.parentElement;
    return !parent || !parent.isContentEditable;
  }

  /** Why an element is interactive ('' = it is not); 'listener' = only because of a listener. */
  function reasonOf(el) {
    const tag = el.tagName.toLowerCase();
    if (tag === 'html' || tag === 'body') return '';
    if (tag === 'input') {
      if (inputType(el) === 'hidden') return '';
      const wrap = el.closest('label');
      if (wrap && switchInput(wrap) === el) return ''; // listed as its switch
      return 'native';
    }
    if (NATIVE.has(tag)) return 'native';
    if (ROLES.has(clean(el.getAttribute('role')))) return 'role';
    if (switchInput(el)) return 'switch';
    if (el.hasAttribute('onclick') || typeof el.onclick === 'function') return 'onclick';
    if (isEditingHost(el)) return 'editable';
    if (el.hasAttribute('data-route') || el.hasAttribute('data-action')) return 'data';
    const tabindex = el.getAttribute('tabindex');
    if (tabindex !== null && Number(tabindex) >= 0) return 'tabindex';
    const cursor = getComputedStyle(el).cursor;
    if (cursor === 'pointer') {
      const parent = el.parentElement;
      if (!parent || getComputedStyle(parent).cursor !== 'pointer') return 'pointer';
    }
    if (withListener.has(el)) return 'listener';
    return '';
  }

  function roleOf(el) {
    const explicit = clean(el.getAttribute('role'));
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (switchInput(el)) return 'switch';
    if (tag === 'a') return 'link';
    if (el.hasAttribute('data-route')) return 'link';
    if (tag === 'button') return 'button';
    if (tag === 'select') return 'combobox';
    if (tag === 'textarea') return 'textbox';
    if (tag === 'input') {
      const t = inputType(el);
      if (t === 'checkbox') return 'checkbox';
      if (t === 'radio') return 'radio';
      if (t === 'submit' || t === 'button' || t === 'reset') return 'button';
      return 'textbox';
    }
    if (isEditingHost(el)) return 'textbox';
    return 'button'; // any other clickable element
  }

  function labelledByText(el) {
    const ids = clean(el.getAttribute('aria-labelledby'));
    if (!ids) return '';
    return clean(
      ids
        .split(' ')
        .map((id) => document.getElementById(id))
        .filter(Boolean)
        .map((n) => n.innerText || n.textContent)
        .join(' '),
    );
  }

  function fieldLabel(el) {
    let label = '';
    if (el.id) {
      const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) label = clean(l.innerText);
    }
    if (!label) {
      const wrap = el.closest('label');
      if (wrap) label = clean(wrap.innerText);
    }
    return label;
  }

  function baseName(el) {
    let n = labelledByText(el);
    if (n) return n;
    n = clean(el.getAttribute('aria-label'));
    if (n) return n;
    const tag = el.tagName.toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea') {
      n = fieldLabel(el);
      if (n) return n;
      n = clean(el.getAttribute('placeholder'));
      if (n) return n;
    }
    if (tag === 'input') {
      const t = inputType(el);
      if (t === 'submit' || t === 'button') {
        n = clean(el.value);
        if (n) return n;
      }
    }
    n = clean(el.innerText);
    if (n) return n;
    n = clean(el.getAttribute('title'));
    if (n) return n;
    const img = el.querySelector('img[alt]');
    if (img) {
      n = clean(img.getAttribute('alt'));
      if (n) return n;
    }
    return '';
  }

  /** A setting's text: the collapsed text of the nearest ancestor that has any, cut to 80 chars. */
  function settingText(el) {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const t = clean(a.innerText);
      if (t) return t.slice(0, 80);
    }
    return '';
  }

  function nameOf(el) {
    let n = baseName(el);
    if (!n && roleOf(el) === 'switch') n = settingText(el);
    if (!hasWord(n)) {
      const extra =
        clean(el.getAttribute('title')) ||
        clean(el.getAttribute('aria-label')) ||
        clean(el.getAttribute('data-action')).replace(/[-_]+/g, ' ');
      if (extra && extra !== n) n = n ? n + ' ' + extra : extra;
    }
    return cut(n);
  }

  /** The part of el's box a person can see: inside the viewport and every clipping ancestor. */
  function visibleBox(el) {
    const r = el.getBoundingClientRect();
    let left = Math.max(r.left, 0);
    let top = Math.max(r.top, 0);
    let right = Math.min(r.right, window.innerWidth);
    let bottom = Math.min(r.bottom, window.innerHeight);
    for (
      let a = el.parentElement;
      a && a !== document.body && a !== document.documentElement;
      a = a.parentElement
    ) {
      const cs = getComputedStyle(a);
      if (cs.position === 'fixed') break;
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const ar = a.getBoundingClientRect();
      left = Math.max(left, ar.left);
      top = Math.max(top, ar.top);
      right = Math.min(right, ar.right);
      bottom = Math.min(bottom, ar.bottom);
    }
    if (right - left < 1 || bottom - top < 1) return null;
    return { left, top, right, bottom };
  }

  function inView(el) {
    const box = visibleBox(el);
    if (!box) return false;
    const hit = document.elementFromPoint((box.left + box.right) / 2, (box.top + box.bottom) / 2);
    return !!hit && (hit === el || el.contains(hit) || (hit.tagName === 'LABEL' && hit.control === el));
  }

  function collect() {
    const found = [];
    for (const el of document.body ? document.body.querySelectorAll('*') : []) {
      const reason = reasonOf(el);
      if (!reason || !isVisible(el)) continue;
      found.push({ el, reason });
    }
    // A listener-only element holding other controls is a delegation container, not a control.
    const els = found.map((f) => f.el);
    const out = [];
    for (const f of found) {
      if (f.reason === 'listener' && els.some((o) => o !== f.el && f.el.contains(o))) continue;
      const r = f.el.getBoundingClientRect();
      out.push({
        el: f.el,
        role: roleOf(f.el),
        name: nameOf(f.el),
        rect: { x: r.x, y: r.y, w: r.width, h: r.height },
        inView: inView(f.el),
      });
    }
    return out;
  }

  function find(role, name, nth, opts) {
    const want = cut(clean(name));
    const all = collect();
    const items = opts && opts.inView ? all.filter((i) => i.inView) : all;
    const matches = items.filter((i) => i.role === role && i.name === want);
    const k = nth || 0;
    if (!matches[k]) {
      const away = all.filter((i) => !i.inView && i.role === role && i.name === want).length;
      return {
        error:
          `no element #${k} with role=${role} name="${want}" (${matches.length} matches` +
          (opts && opts.inView && away ? `, ${away} more out of view` : '') +
          ')',
        candidates: items.map((i) => `${i.role} "${i.name}"`),
      };
    }
    return { el: matches[k].el, count: matches.length };
  }

  window.__som = { collect, find, roleOf, nameOf, isVisible, inView };
})();
