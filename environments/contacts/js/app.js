/* Ledger Contacts — single-page contacts manager, hash routing, all data in the State API state. */
(function () {
  'use strict';

  let state = null;
  const ui = {
    query: '',
    selected: new Set(),
    labelForm: false,
    labelError: '',
    formErrors: {},
    draft: null,
    toastTimer: null,
    lastPath: null,
  };
  const $sidebar = document.getElementById('sidebar');
  const $main = document.getElementById('main');
  const $overlay = document.getElementById('overlay');
  const $search = document.getElementById('search');
  const $me = document.getElementById('me');

  // ---------- helpers ----------
  const esc = (s) =>
    String(s == null ? '' : s).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  const persist = () => window.StateAPI.save(state);
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const fmtDate = (iso) => {
    if (!iso) return '';
    const [y, m, d] = iso.split('-').map(Number);
    return `${MONTHS[m - 1]} ${d}, ${y}`;
  };
  const today = () => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  const fullName = (c) =>
    [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email || c.phone || '(no name)';
  const initials = (c) => ((c.firstName || '')[0] || '') + ((c.lastName || '')[0] || '') || '?';
  const contact = (id) => state.contacts.find((c) => c.id === Number(id));
  const label = (id) => state.labels.find((l) => l.id === id);
  const digits = (s) => String(s || '').replace(/\D/g, '');
  const AVATAR = ['#3558a8', '#2f855a', '#b7791f', '#c05621', '#6b46c1', '#2c7a7b', '#b83280', '#4a5568'];
  function avatarColor(c) {
    let h = 0;
    for (const ch of fullName(c)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return AVATAR[h % AVATAR.length];
  }
  const LABEL_COLORS = ['#c2553d', '#2f6fb0', '#3f8f5a', '#8a5cb8', '#b7791f', '#2c7a7b', '#b83280'];
  const ICON = {
    plus: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 5v14M5 12h14" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/></svg>',
    people:
      '<svg viewBox="0 0 24 24" aria-hidden="true"><circle cx="9" cy="8" r="3.5" fill="currentColor"/><path d="M2.5 20c.6-4 3.4-6 6.5-6s5.9 2 6.5 6z" fill="currentColor"/><circle cx="17" cy="9" r="2.6" fill="currentColor" opacity=".55"/><path d="M15.5 14.2c3 .2 5.3 2 5.9 5.8h-4.2" fill="currentColor" opacity=".55"/></svg>',
    star: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.2l-5.7 3.1 1.2-6.4L2.8 9.5l6.4-.8z" fill="currentColor"/></svg>',
    starOutline:
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.2l-5.7 3.1 1.2-6.4L2.8 9.5l6.4-.8z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>',
    back: '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path d="M15 5l-7 7 7 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>',
    edit: '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 20h4L19 9l-4-4L4 16z" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/></svg>',
    trash:
      '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/></svg>',
  };

  function parseHash() {
    const h = location.hash.replace(/^#/, '') || '/';
    return h.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  }
  function isListRoute(parts) {
    return !parts[0] || parts[0] === 'contacts' || parts[0] === 'favourites' || parts[0] === 'label';
  }
  function matches(c, q) {
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    const hay = [fullName(c), c.email, c.phone, c.company, c.jobTitle].join(' ').toLowerCase();
    const hd = digits(c.phone);
    return words.every((w) => hay.includes(w) || (digits(w).length >= 3 && hd.includes(digits(w))));
  }
  const byName = (a, b) =>
    (a.firstName || a.lastName).localeCompare(b.firstName || b.lastName) ||
    (a.lastName || '').localeCompare(b.lastName || '');
  function chips(c) {
    return c.labels
      .map(label)
      .filter(Boolean)
      .map(
        (l) => `<span class="chip" style="color:${l.color};border-color:${l.color}55">${esc(l.name)}</span>`,
      )
      .join('');
  }
  function starButton(c) {
    const name = fullName(c);
    return `<button class="star ${c.favorite ? 'on' : ''}" data-action="star" data-id="${c.id}" aria-label="${c.favorite ? `Remove ${esc(name)} from favourites` : `Add ${esc(name)} to favourites`}" title="${c.favorite ? 'Starred' : 'Star'}">${c.favorite ? ICON.star : ICON.starOutline}</button>`;
  }

  // ---------- sidebar ----------
  function renderSidebar(parts) {
    const active =
      parts[0] === 'favourites'
        ? 'fav'
        : parts[0] === 'label'
          ? 'label:' + parts[1]
          : isListRoute(parts)
            ? 'all'
            : '';
    const favCount = state.contacts.filter((c) => c.favorite).length;
    $sidebar.innerHTML = `
      <button class="create" data-action="new">${ICON.plus}Create contact</button>
      <ul class="navlist">
        <li><a href="#/contacts" class="${active === 'all' ? 'active' : ''}" aria-label="Contacts" data-nav>${ICON.people}Contacts<span class="count">${state.contacts.length}</span></a></li>
        <li><a href="#/favourites" class="${active === 'fav' ? 'active' : ''}" aria-label="Favourites" data-nav>${ICON.star}Favourites<span class="count">${favCount}</span></a></li>
      </ul>
      <div class="side-head"><span>Labels</span><button class="iconbtn" data-action="new-label" aria-label="Create label" title="Create label">${ICON.plus}</button></div>
      ${
        ui.labelForm
          ? `<form class="label-form" data-form="label">
          <input id="label-name" type="text" aria-label="Label name" placeholder="Label name" maxlength="40" autocomplete="off">
          ${ui.labelError ? `<span class="err" style="color:var(--danger);font-size:12px">${esc(ui.labelError)}</span>` : ''}
          <div class="row"><button class="btn small" type="submit">Save label</button><button class="btn ghost small" type="button" data-action="cancel-label">Cancel</button></div>
        </form>`
          : ''
      }
      <ul class="navlist">
        ${state.labels
          .map(
            (
              l,
            ) => `<li><a href="#/label/${encodeURIComponent(l.id)}" class="${active === 'label:' + l.id ? 'active' : ''}" aria-label="${esc(l.name)}" data-nav>
          <span class="dot" style="background:${l.color}"></span>${esc(l.name)}<span class="count">${state.contacts.filter((c) => c.labels.includes(l.id)).length}</span></a></li>`,
          )
          .join('')}
      </ul>`;
  }

  // ---------- views ----------
  function listView(parts) {
    let items = state.contacts.slice();
    let title = 'Contacts';
    if (parts[0] === 'favourites') {
      items = items.filter((c) => c.favorite);
      title = 'Favourites';
    }
    if (parts[0] === 'label') {
      const l = label(parts[1]);
      if (!l) return notFound();
      items = items.filter((c) => c.labels.includes(l.id));
      title = l.name;
    }
    const q = ui.query.trim();
    if (q) items = items.filter((c) => matches(c, q));
    items.sort(byName);
    const visibleSelected = items.filter((c) => ui.selected.has(c.id)).length;
    const nSel = ui.selected.size;
    const allOn = items.length > 0 && visibleSelected === items.length;
    return `
      <div class="list-head">
        <div><h1>${esc(title)}</h1><div class="meta">${items.length} ${items.length === 1 ? 'contact' : 'contacts'}${q ? ` matching “${esc(q)}” · <button class="linkbtn" data-action="clear-search">Clear search</button>` : ''}</div></div>
      </div>
      <div class="toolbar">
        <input type="checkbox" data-action="select-all" aria-label="Select all contacts" ${allOn ? 'checked' : ''}>
        <span class="sel">${nSel ? `${nSel} selected` : 'None selected'}</span>
        <select id="bulk-label" aria-label="Add selected to label" ${nSel ? '' : 'disabled'}>
          <option value="">Add to label…</option>
          ${state.labels.map((l) => `<option value="${esc(l.id)}">${esc(l.name)}</option>`).join('')}
        </select>
        ${nSel ? '<button class="linkbtn" data-action="clear-selection">Clear selection</button>' : ''}
      </div>
      ${
        items.length
          ? `<table class="contacts">
        <thead><tr><th class="c-check"></th><th class="c-name">Name</th><th class="c-email">Email</th><th class="c-phone">Phone</th><th>Company</th><th class="c-labels">Labels</th><th class="c-star"></th></tr></thead>
        <tbody>
          ${items
            .map(
              (c) => `<tr class="${ui.selected.has(c.id) ? 'selected' : ''}">
            <td class="c-check"><input type="checkbox" data-action="select" data-id="${c.id}" aria-label="Select ${esc(fullName(c))}" ${ui.selected.has(c.id) ? 'checked' : ''}></td>
            <td><div class="namecell"><span class="avatar" style="background:${avatarColor(c)}">${esc(initials(c))}</span><a href="#/contact/${c.id}">${esc(fullName(c))}</a></div></td>
            <td>${esc(c.email)}</td>
            <td>${esc(c.phone)}</td>
            <td>${esc(c.company)}</td>
            <td class="c-labels">${chips(c)}</td>
            <td class="c-star">${starButton(c)}</td>
          </tr>`,
            )
            .join('')}
        </tbody></table>`
          : `<div class="empty">${q ? 'No contacts match your search.' : 'No contacts here yet.'}</div>`
      }`;
  }

  function detailView(id) {
    const c = contact(id);
    if (!c) return notFound();
    const row = (k, v) => (v ? `<dt>${k}</dt><dd>${v}</dd>` : '');
    const sub = [c.jobTitle, c.company].filter(Boolean).join(' · ');
    const notes = c.notes.slice().sort((a, b) => b.date.localeCompare(a.date) || b.id - a.id);
    return `
      <a class="back" href="#/contacts">${ICON.back}Back to contacts</a>
      <div class="profile">
        <span class="avatar big" style="background:${avatarColor(c)}">${esc(initials(c))}</span>
        <div>
          <h1>${esc(fullName(c))}</h1>
          ${sub ? `<div class="sub">${esc(sub)}</div>` : ''}
          <div>${chips(c) || '<span style="color:var(--muted);font-size:12px">No labels</span>'}</div>
        </div>
        <div class="actions">
          ${starButton(c)}
          <button class="btn ghost" data-action="edit" data-id="${c.id}">${ICON.edit}Edit</button>
          <button class="btn ghost" data-action="delete" data-id="${c.id}" style="color:var(--danger)">${ICON.trash}Delete</button>
        </div>
      </div>
      <div class="cols">
        <div class="card">
          <h2>Contact details</h2>
          <dl class="facts">
            ${row('Email', c.email ? `<a href="mailto:${esc(c.email)}">${esc(c.email)}</a>` : '')}
            ${row('Phone', c.phone ? `<a href="tel:${esc(digits(c.phone))}">${esc(c.phone)}</a>` : '')}
            ${row('Company', esc(c.company))}
            ${row('Job title', esc(c.jobTitle))}
            ${row('Address', esc(c.address))}
            ${row('Birthday', c.birthday ? fmtDate(c.birthday) : '')}
            ${row('Website', esc(c.website))}
            ${row('Added', fmtDate(c.createdAt))}
          </dl>
        </div>
        <div class="card">
          <h2>Notes</h2>
          ${notes.length ? `<ul class="notes">${notes.map((n, i) => `<li><div class="when"><span>${fmtDate(n.date)}</span><button class="linkbtn danger" data-action="delete-note" data-id="${c.id}" data-note="${n.id}" aria-label="Delete note ${i + 1}">Delete</button></div>${esc(n.text)}</li>`).join('')}</ul>` : '<p style="color:var(--muted);margin:0 0 12px">No notes yet.</p>'}
          <form data-form="note" data-id="${c.id}">
            <div class="field"><label for="note-text">New note</label><textarea id="note-text" rows="3" placeholder="Write something to remember about ${esc(c.firstName || fullName(c))}…"></textarea></div>
            <div style="margin-top:8px;text-align:right"><button class="btn" type="submit">Add note</button></div>
          </form>
        </div>
      </div>`;
  }

  function formView(id) {
    const editing = id != null;
    const c = editing ? contact(id) : null;
    if (editing && !c) return notFound();
    const d = ui.draft ||
      c || {
        firstName: '',
        lastName: '',
        company: '',
        jobTitle: '',
        email: '',
        phone: '',
        address: '',
        birthday: '',
        website: '',
        labels: [],
        favorite: false,
      };
    const f = (key, lbl, type = 'text', cls = '') =>
      `<div class="field ${cls}"><label for="f-${key}">${lbl}</label><input id="f-${key}" type="${type}" value="${esc(d[key])}" autocomplete="off">${ui.formErrors[key] ? `<span class="err">${esc(ui.formErrors[key])}</span>` : ''}</div>`;
    return `
      <a class="back" href="${editing ? `#/contact/${c.id}` : '#/contacts'}">${ICON.back}${editing ? `Back to ${esc(fullName(c))}` : 'Back to contacts'}</a>
      <div class="list-head"><h1>${editing ? 'Edit contact' : 'Create contact'}</h1></div>
      <form class="form" data-form="contact" ${editing ? `data-id="${c.id}"` : ''} novalidate>
        <div class="form-grid">
          ${f('firstName', 'First name')}
          ${f('lastName', 'Last name')}
          ${f('company', 'Company')}
          ${f('jobTitle', 'Job title')}
          ${f('email', 'Email', 'email')}
          ${f('phone', 'Phone', 'tel')}
          ${f('address', 'Address', 'text', 'wide')}
          ${f('birthday', 'Birthday', 'date')}
          ${f('website', 'Website')}
          <fieldset class="wide"><legend>Labels</legend>
            <div class="checks">
              ${state.labels.map((l) => `<label><input type="checkbox" name="labels" value="${esc(l.id)}" ${d.labels.includes(l.id) ? 'checked' : ''}>${esc(l.name)}</label>`).join('')}
              ${state.labels.length ? '' : '<span style="color:var(--muted)">No labels yet</span>'}
            </div>
          </fieldset>
          <div class="wide checks"><label><input type="checkbox" id="f-favorite" ${d.favorite ? 'checked' : ''}>Favourite</label></div>
        </div>
        <div class="form-actions">
          <a class="btn ghost" href="${editing ? `#/contact/${c.id}` : '#/contacts'}">Cancel</a>
          <button class="btn" type="submit">Save</button>
        </div>
      </form>`;
  }

  function notFound() {
    return `<div class="empty"><h2>Not found</h2><p>That contact or label doesn't exist. <a href="#/contacts">Back to contacts</a></p></div>`;
  }

  // ---------- render ----------
  function renderMain(parts) {
    parts = parts || parseHash();
    const [a, b, c] = parts;
    let html;
    if (isListRoute(parts)) html = listView(parts);
    else if (a === 'contact' && c === 'edit') html = formView(b);
    else if (a === 'contact') html = detailView(b);
    else if (a === 'new') html = formView(null);
    else html = notFound();
    $main.innerHTML = html;
  }
  function render() {
    if (!state) return;
    if (!location.hash || location.hash === '#' || location.hash === '#/') {
      history.replaceState(null, '', '#/contacts');
    }
    const parts = parseHash();
    const path = parts.join('/');
    if (path !== ui.lastPath) {
      ui.formErrors = {};
      ui.draft = null;
    }
    $overlay.innerHTML = '';
    renderSidebar(parts);
    renderMain(parts);
    const c = parts[0] === 'contact' ? contact(parts[1]) : null;
    document.title =
      (c ? fullName(c) : parts[0] === 'new' ? 'Create contact' : 'Contacts') + ' · Ledger Contacts';
    if (path !== ui.lastPath) window.scrollTo(0, 0);
    ui.lastPath = path;
  }

  // ---------- actions ----------
  function toast(text) {
    clearTimeout(ui.toastTimer);
    let el = document.getElementById('toast');
    if (!el) {
      el = document.createElement('div');
      el.id = 'toast';
      el.className = 'toast';
      el.setAttribute('role', 'status');
      document.body.appendChild(el);
    }
    el.textContent = text;
    el.style.display = 'block';
    ui.toastTimer = setTimeout(() => {
      el.style.display = 'none';
    }, 3500);
  }
  function saveContact(form) {
    const val = (k) => form.querySelector('#f-' + k).value.trim();
    const d = {
      firstName: val('firstName'),
      lastName: val('lastName'),
      company: val('company'),
      jobTitle: val('jobTitle'),
      email: val('email'),
      phone: val('phone'),
      address: val('address'),
      birthday: val('birthday'),
      website: val('website'),
      labels: [...form.querySelectorAll('input[name=labels]:checked')].map((i) => i.value),
      favorite: form.querySelector('#f-favorite').checked,
    };
    const errors = {};
    if (!d.firstName && !d.lastName) errors.firstName = 'Enter a first or last name.';
    if (d.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(d.email)) errors.email = 'Enter a valid email address.';
    if (d.phone && digits(d.phone).length < 7) errors.phone = 'Enter a valid phone number.';
    if (Object.keys(errors).length) {
      ui.formErrors = errors;
      ui.draft = d;
      renderMain();
      return;
    }
    let c;
    if (form.dataset.id) {
      c = contact(form.dataset.id);
      Object.assign(c, d);
    } else {
      c = { id: state.nextContactId, ...d, notes: [], createdAt: today() };
      state.nextContactId += 1;
      state.contacts.push(c);
    }
    persist();
    toast(form.dataset.id ? 'Changes saved' : `${fullName(c)} was added to your contacts`);
    location.hash = '#/contact/' + c.id;
  }
  function createLabel(form) {
    const name = form.querySelector('#label-name').value.trim().replace(/\s+/g, ' ');
    if (!name) {
      ui.labelError = 'Enter a label name.';
      renderSidebar(parseHash());
      return;
    }
    if (state.labels.some((l) => l.name.toLowerCase() === name.toLowerCase())) {
      ui.labelError = 'That label already exists.';
      renderSidebar(parseHash());
      return;
    }
    let base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'label';
    let id = base;
    for (let i = 2; label(id); i++) id = `${base}-${i}`;
    state.labels.push({ id, name, color: LABEL_COLORS[state.labels.length % LABEL_COLORS.length] });
    persist();
    ui.labelForm = false;
    ui.labelError = '';
    render();
    toast(`Label “${name}” created`);
  }
  function openDelete(c) {
    $overlay.innerHTML = `<div class="modal-back"><div class="modal" role="dialog" aria-modal="true" aria-labelledby="m-title">
      <h2 id="m-title">Delete ${esc(fullName(c))}?</h2>
      <p>This contact and its notes will be permanently removed from Ledger Contacts.</p>
      <div class="actions"><button class="btn ghost" data-action="close-modal">Cancel</button>
      <button class="btn danger" data-action="confirm-delete" data-id="${c.id}">Delete contact</button></div></div></div>`;
  }

  document.addEventListener('click', (e) => {
    if (e.target.closest('a[data-nav]')) {
      ui.query = '';
      $search.value = '';
    }
    const t = e.target.closest('[data-action]');
    if (!t) return;
    const id = t.dataset.id;
    switch (t.dataset.action) {
      case 'new':
        location.hash = '#/new';
        break;
      case 'edit':
        location.hash = `#/contact/${id}/edit`;
        break;
      case 'delete':
        openDelete(contact(id));
        break;
      case 'close-modal':
        $overlay.innerHTML = '';
        break;
      case 'confirm-delete': {
        const c = contact(id);
        state.contacts = state.contacts.filter((x) => x.id !== Number(id));
        ui.selected.delete(Number(id));
        persist();
        $overlay.innerHTML = '';
        location.hash = '#/contacts';
        toast(`${fullName(c)} was deleted`);
        break;
      }
      case 'star': {
        const c = contact(id);
        c.favorite = !c.favorite;
        persist();
        render();
        toast(c.favorite ? `${fullName(c)} added to favourites` : `${fullName(c)} removed from favourites`);
        break;
      }
      case 'new-label':
        ui.labelForm = true;
        ui.labelError = '';
        renderSidebar(parseHash());
        document.getElementById('label-name').focus();
        break;
      case 'cancel-label':
        ui.labelForm = false;
        ui.labelError = '';
        renderSidebar(parseHash());
        break;
      case 'delete-note': {
        const c = contact(id);
        c.notes = c.notes.filter((n) => n.id !== Number(t.dataset.note));
        persist();
        renderMain();
        break;
      }
      case 'clear-search':
        ui.query = '';
        $search.value = '';
        renderMain();
        break;
      case 'clear-selection':
        ui.selected.clear();
        renderMain();
        break;
      default:
        break;
    }
  });
  document.addEventListener('change', (e) => {
    const el = e.target;
    if (el.dataset.action === 'select') {
      const n = Number(el.dataset.id);
      if (el.checked) ui.selected.add(n);
      else ui.selected.delete(n);
      renderMain();
    } else if (el.dataset.action === 'select-all') {
      const rows = [...$main.querySelectorAll('input[data-action=select]')].map((i) => Number(i.dataset.id));
      rows.forEach((n) => (el.checked ? ui.selected.add(n) : ui.selected.delete(n)));
      renderMain();
    } else if (el.id === 'bulk-label' && el.value) {
      const l = label(el.value);
      const ids = [...ui.selected];
      ids.forEach((cid) => {
        const c = contact(cid);
        if (c && !c.labels.includes(l.id)) c.labels.push(l.id);
      });
      persist();
      ui.selected.clear();
      render();
      toast(`Added ${ids.length} ${ids.length === 1 ? 'contact' : 'contacts'} to ${l.name}`);
    }
  });
  document.addEventListener('submit', (e) => {
    const f = e.target.closest('form[data-form]');
    if (!f) return;
    e.preventDefault();
    if (f.dataset.form === 'contact') saveContact(f);
    else if (f.dataset.form === 'label') createLabel(f);
    else if (f.dataset.form === 'note') {
      const ta = f.querySelector('textarea');
      const text = ta.value.trim();
      if (!text) return;
      const c = contact(f.dataset.id);
      c.notes.push({ id: state.nextNoteId, text, date: today() });
      state.nextNoteId += 1;
      persist();
      renderMain();
      toast('Note added');
    }
  });
  $search.addEventListener('input', () => {
    ui.query = $search.value;
    if (!isListRoute(parseHash())) location.hash = '#/contacts';
    else renderMain();
  });
  $search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      $search.value = '';
      ui.query = '';
      renderMain();
    }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && $overlay.innerHTML) $overlay.innerHTML = '';
  });
  window.addEventListener('hashchange', render);

  window.StateAPI.load()
    .then((s) => {
      state = s;
      const first = state.owner.name.split(' ');
      $me.innerHTML = `<span>${esc(state.owner.email)}</span><span class="avatar" style="background:#3558a8">${esc(first[0][0] + (first[1] || ' ')[0])}</span>`;
      render();
    })
    .catch((err) => {
      console.error(err);
      $main.innerHTML = '<div class="empty">Could not load your contacts. Please try again later.</div>';
    });
})();
