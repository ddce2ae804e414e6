/*
 * som-reference.js — reference implementation of the element-naming rule that the
 * expert demos (expert-demos.json) of the bundled State-API apps are written against.
 *
 * It runs in the page (inject it as a script / init script). It defines
 * window.__som = { collect, find, roleOf, nameOf, isVisible } where
 *   collect()              -> [{ el, role, name, rect }] for every visible interactive element,
 *                             in document order
 *   find(role, name, nth)  -> { el } | { error, candidates }  (nth is 0-based, default 0)
 *
 * The rule (kept in sync with the runner's DOM walk):
 *  - Interactive: a[href], button, input (not type=hidden), select, textarea, [role=button],
 *    [role=link], [role=checkbox], [role=tab], [role=menuitem], [onclick]; only visible ones
 *    (non-zero box, not display:none / visibility:hidden).
 *  - role: the role attribute if present; else by tag: a -> link, button -> button,
 *    select -> combobox, textarea -> textbox, input checkbox -> checkbox, radio -> radio,
 *    submit/button/reset -> button, any other input type -> textbox; other [onclick] -> button.
 *  - name: first non-empty of aria-label; for input/select/textarea the text of its
 *    <label for=id> (or of a wrapping <label>), then placeholder; for input type submit/button
 *    its value; the element's innerText; title; alt of a contained img.
 *    Whitespace is collapsed to single spaces and trimmed; names are cut to 100 characters and
 *    compared exactly (case-sensitive).
 */
(function () {
  'use strict';
  const SELECTOR = [
    'a[href]',
    'button',
    'input:not([type=hidden])',
    'select',
    'textarea',
    '[role=button]',
    '[role=link]',
    '[role=checkbox]',
    '[role=tab]',
    '[role=menuitem]',
    '[onclick]',
  ].join(',');

  const clean = (s) =>
    String(s == null ? '' : s)
      .replace(/\s+/g, ' ')
      .trim();
  const cut = (s) => s.slice(0, 100);

  function isVisible(el) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return false;
    const cs = getComputedStyle(el);
    return cs.display !== 'none' && cs.visibility !== 'hidden';
  }

  function inputType(el) {
    return (el.getAttribute('type') || 'text').toLowerCase();
  }

  function roleOf(el) {
    const explicit = clean(el.getAttribute('role'));
    if (explicit) return explicit;
    const tag = el.tagName.toLowerCase();
    if (tag === 'a') return 'link';
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
    return 'button'; // any other element carrying onclick
  }

  function nameOf(el) {
    let n = clean(el.getAttribute('aria-label'));
    if (n) return cut(n);
    const tag = el.tagName.toLowerCase();
    if (tag === 'input' || tag === 'select' || tag === 'textarea') {
      let label = '';
      if (el.id) {
        const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
        if (l) label = clean(l.innerText);
      }
      if (!label) {
        const wrap = el.closest('label');
        if (wrap) label = clean(wrap.innerText);
      }
      if (label) return cut(label);
      n = clean(el.getAttribute('placeholder'));
      if (n) return cut(n);
    }
    if (tag === 'input') {
      const t = inputType(el);
      if (t === 'submit' || t === 'button') {
        n = clean(el.value);
        if (n) return cut(n);
      }
    }
    n = clean(el.innerText);
    if (n) return cut(n);
    n = clean(el.getAttribute('title'));
    if (n) return cut(n);
    const img = el.querySelector('img[alt]');
    if (img) {
      n = clean(img.getAttribute('alt'));
      if (n) return cut(n);
    }
    return '';
  }

  function collect() {
    const out = [];
    document.querySelectorAll(SELECTOR).forEach((el) => {
      if (!isVisible(el)) return;
      const r = el.getBoundingClientRect();
      out.push({ el, role: roleOf(el), name: nameOf(el), rect: { x: r.x, y: r.y, w: r.width, h: r.height } });
    });
    return out;
  }

  function find(role, name, nth) {
    const want = cut(clean(name));
    const items = collect();
    const matches = items.filter((i) => i.role === role && i.name === want);
    const k = nth || 0;
    if (!matches[k]) {
      return {
        error: `no element #${k} with role=${role} name="${want}" (${matches.length} matches)`,
        candidates: items.map((i) => `${i.role} "${i.name}"`),
      };
    }
    return { el: matches[k].el, count: matches.length };
  }

  window.__som = { collect, find, roleOf, nameOf, isVisible };
})();
