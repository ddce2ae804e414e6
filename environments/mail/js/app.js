// ============================================================
// app.js — routing, event delegation, and initialization
// ============================================================

const App = {
  _scroll: { list: 0, settings: 0 },
  _lastRouteKey: null,
  _toastTimer: null,

  // ---------- routing (hash) ----------
  parseRoute() {
    const parts = (location.hash || '#/inbox').replace(/^#\/?/, '').split('/');
    const prev = AppState.route;
    let route;
    if (parts[0] === 'mail' && parts[1]) {
      route = {
        view: 'message',
        emailId: Number(parts[1]),
        back: prev.view === 'message' ? prev.back : this._listHash(prev),
      };
    } else if (parts[0] === 'settings') {
      route = { view: 'settings', section: parts[1] || 'general' };
    } else if (parts[0] === 'label' && parts[1]) {
      route = { view: 'label', labelId: parts[1] };
    } else if (FOLDERS.some((f) => f.id === parts[0])) {
      route = { view: 'folder', folder: parts[0] };
    } else {
      route = { view: 'folder', folder: 'inbox' };
    }
    const key = JSON.stringify([route.view, route.folder, route.labelId, route.emailId, route.section]);
    const changed = key !== this._lastRouteKey;
    if (changed && route.view !== 'message') {
      AppState.selectedIds = new Set();
      if (route.view !== 'folder' || prev.view !== 'message') this._scroll.list = 0;
    }
    if (changed && (prev.view === 'folder' || prev.view === 'label') && route.view !== 'message') {
      AppState.searchQuery = '';
      document.getElementById('search').value = '';
    }
    AppState.route = route;
    this._lastRouteKey = key;
    return changed;
  },

  _listHash(r) {
    if (r.view === 'label') return '#/label/' + r.labelId;
    if (r.view === 'folder') return '#/' + r.folder;
    return '#/inbox';
  },

  navigate(hash) {
    if (location.hash === hash) {
      this.parseRoute();
      this.render();
    } else {
      location.hash = hash;
    }
  },

  // ---------- render ----------
  render(routeChanged) {
    const list = document.querySelector('.list-panel');
    if (list) this._scroll.list = list.scrollTop;
    const settings = document.querySelector('.settings-scroll');
    if (settings && !routeChanged) this._scroll.settings = settings.scrollTop;

    document.getElementById('sidebar').innerHTML = Views.renderSidebar();
    const main = document.getElementById('main');
    const r = AppState.route;
    if (r.view === 'message') {
      const m = AppState.getEmail(r.emailId);
      main.innerHTML = m ? Views.renderMessage(m) : '<div class="empty">This message no longer exists.</div>';
    } else if (r.view === 'settings') {
      main.innerHTML = Views.renderSettings();
    } else {
      main.innerHTML = Views.renderList();
    }
    document.getElementById('modal-root').innerHTML = Views.renderCompose();
    document.getElementById('toast-root').innerHTML = Views.renderToast();

    const newList = document.querySelector('.list-panel');
    if (newList) {
      newList.scrollTop = this._scroll.list;
      newList.addEventListener('click', (e) => this.handleListClick(e));
    }
    const newSettings = document.querySelector('.settings-scroll');
    if (newSettings) {
      if (routeChanged) {
        const sec = document.getElementById('sec-' + r.section);
        newSettings.scrollTop = sec && r.section !== 'general' ? sec.offsetTop - newSettings.offsetTop : 0;
      } else {
        newSettings.scrollTop = this._scroll.settings;
      }
    }
    this.bindDirectListeners();
  },

  /** Buttons made of plain divs with their own click listeners (no role, no tabindex). */
  bindDirectListeners() {
    const on = (sel, fn) => document.querySelectorAll(sel).forEach((el) => el.addEventListener('click', fn));
    on('.compose-btn', () => this.openCompose({ title: 'New message' }));
    on('.send-btn', () => this.send());
    on('.reply-btn', () => this.replyOrForward(false));
    on('.forward-btn', () => this.replyOrForward(true));
    on('.block-btn', () => {
      const input = document.querySelector('.block-input');
      const addr = input.value.trim().toLowerCase();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(addr)) {
        this.showToast('Enter a valid email address to block.');
        return;
      }
      if (AppState.blockSender(addr)) this.showToast('Blocked ' + addr + '.');
    });
  },

  // ---------- toasts ----------
  showToast(text, undo, seconds) {
    AppState.toast = { text: text, undo: undo || null };
    clearTimeout(this._toastTimer);
    this._toastTimer = setTimeout(
      () => {
        AppState.toast = null;
        document.getElementById('toast-root').innerHTML = '';
      },
      (seconds || 4) * 1000,
    );
    document.getElementById('toast-root').innerHTML = Views.renderToast();
  },

  // ---------- compose ----------
  openCompose(opts) {
    AppState.compose = {
      title: opts.title || 'New message',
      to: opts.to || [],
      toText: '',
      subject: opts.subject || '',
      body: opts.body || '',
      inReplyTo: opts.inReplyTo || null,
      error: '',
    };
    AppState.refresh();
    const focus = document.querySelector(AppState.compose.to.length ? '.body-input' : '.to-input');
    if (focus) focus.focus();
  },

  replyOrForward(forward) {
    const m = AppState.getEmail(AppState.route.emailId);
    if (!m) return;
    const quoted =
      '\n\nOn ' +
      Views.longDate(m.date) +
      ', ' +
      (m.from.name || m.from.email) +
      ' wrote:\n' +
      m.body
        .split('\n')
        .map((l) => '> ' + l)
        .join('\n');
    this.openCompose(
      forward
        ? { title: 'Forward', subject: 'Fwd: ' + m.subject, body: quoted }
        : {
            title: 'Reply',
            to: [m.from.email],
            subject: /^re:/i.test(m.subject) ? m.subject : 'Re: ' + m.subject,
            body: quoted,
            inReplyTo: m.id,
          },
    );
  },

  _addressesIn(text) {
    return text
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
  },

  commitToText() {
    const c = AppState.compose;
    const addrs = this._addressesIn(c.toText);
    if (!addrs.length) return;
    for (const a of addrs) if (!c.to.includes(a)) c.to.push(a);
    c.toText = '';
    AppState.refresh();
    const input = document.querySelector('.to-input');
    if (input) input.focus();
  },

  send() {
    const c = AppState.compose;
    if (!c) return;
    const to = c.to.concat(this._addressesIn(c.toText));
    const bad = to.filter((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a));
    if (!to.length || bad.length) {
      c.error = !to.length ? 'Please specify at least one recipient.' : 'Invalid address: ' + bad.join(', ');
      AppState.refresh();
      return;
    }
    const email = AppState.sendEmail({ to: to, subject: c.subject, body: c.body, inReplyTo: c.inReplyTo });
    AppState.compose = null;
    this._lastSent = email.id;
    AppState.refresh();
    this.showToast('Message sent.', 'send', AppState.settings.undoSendSeconds);
  },

  removeChip(chip) {
    const addr = chip.getAttribute('data-email');
    if (chip.closest('.compose')) {
      const c = AppState.compose;
      c.to = c.to.filter((a) => a !== addr);
      AppState.refresh();
      const input = document.querySelector('.to-input');
      if (input) input.focus();
    } else if (chip.closest('.blocked')) {
      AppState.unblockSender(addr);
      this.showToast('Unblocked ' + addr + '.');
    } else if (chip.classList.contains('label-chip')) {
      const l = AppState.getLabel(chip.getAttribute('data-label'));
      AppState.removeLabel(AppState.route.emailId, chip.getAttribute('data-label'));
      if (l) this.showToast('Removed the label "' + l.name + '".');
    }
  },

  // ---------- actions ----------
  selectedOrWarn() {
    const ids = Array.from(AppState.selectedIds);
    if (!ids.length) this.showToast('Select at least one conversation first.');
    return ids;
  },

  afterOpenRemoved() {
    this.navigate(AppState.route.back || '#/inbox');
  },

  handleAction(action, el) {
    const r = AppState.route;
    const openId = r.emailId;
    switch (action) {
      case 'refresh':
        AppState.refresh();
        this.showToast('You are up to date.');
        break;
      case 'archive-selected': {
        const ids = this.selectedOrWarn();
        if (ids.length) {
          AppState.moveTo(ids, 'archive');
          this.showToast(ids.length + (ids.length === 1 ? ' conversation' : ' conversations') + ' archived.');
        }
        break;
      }
      case 'delete-selected': {
        const ids = this.selectedOrWarn();
        if (ids.length) {
          AppState.moveTo(ids, 'trash');
          this.showToast(
            ids.length + (ids.length === 1 ? ' conversation' : ' conversations') + ' moved to Trash.',
          );
        }
        break;
      }
      case 'read-selected':
      case 'unread-selected': {
        const ids = this.selectedOrWarn();
        if (ids.length) AppState.setRead(ids, action === 'read-selected');
        break;
      }
      case 'star-selected':
      case 'unstar-selected': {
        const ids = this.selectedOrWarn();
        if (ids.length) AppState.setStarred(ids, action === 'star-selected');
        break;
      }
      case 'label-selected': {
        const ids = this.selectedOrWarn();
        const l = AppState.getLabel(el.getAttribute('data-label'));
        if (ids.length && l) {
          AppState.addLabel(ids, l.id);
          this.showToast(
            'Labelled ' +
              ids.length +
              (ids.length === 1 ? ' conversation' : ' conversations') +
              ' as "' +
              l.name +
              '".',
          );
        }
        break;
      }
      case 'toggle-filter-unread':
        AppState.filterUnread = !AppState.filterUnread;
        AppState.refresh();
        break;
      case 'toggle-filter-attachments':
        AppState.filterAttachments = !AppState.filterAttachments;
        AppState.refresh();
        break;
      case 'star':
        if (r.view === 'message') AppState.toggleStar(openId);
        break;
      case 'star-open':
        AppState.toggleStar(openId);
        break;
      case 'archive-open':
        AppState.moveTo([openId], 'archive');
        this.showToast('Conversation archived.');
        this.afterOpenRemoved();
        break;
      case 'delete-open':
        AppState.moveTo([openId], 'trash');
        this.showToast('Conversation moved to Trash.');
        this.afterOpenRemoved();
        break;
      case 'inbox-open':
        AppState.moveTo([openId], 'inbox');
        this.showToast('Conversation moved to Inbox.');
        break;
      case 'unread-open':
        AppState.setRead([openId], false);
        this.afterOpenRemoved();
        break;
      case 'label-open': {
        const l = AppState.getLabel(el.getAttribute('data-label'));
        if (l) {
          AppState.addLabel([openId], l.id);
          this.showToast('Labelled as "' + l.name + '".');
        }
        break;
      }
      case 'block-open': {
        const m = AppState.getEmail(openId);
        if (m && AppState.blockSender(m.from.email)) this.showToast('Blocked ' + m.from.email + '.');
        else if (m) this.showToast(m.from.email + ' is already blocked.');
        break;
      }
      case 'toggle-keyboard-shortcuts':
        AppState.updateSetting('keyboardShortcuts', !AppState.settings.keyboardShortcuts);
        break;
      case 'close-compose':
      case 'discard':
        AppState.compose = null;
        AppState.refresh();
        if (action === 'discard') this.showToast('Draft discarded.');
        break;
      case 'undo': {
        const t = AppState.toast;
        if (t && t.undo === 'send' && this._lastSent) {
          AppState.deleteEmailForever(this._lastSent);
          this._lastSent = null;
          this.showToast('Sending undone.');
        }
        break;
      }
      case 'sign-out':
        this.showToast('Signing out is not available in this workspace.');
        break;
      default:
        break;
    }
  },

  handleListClick(e) {
    const row = e.target.closest('.row');
    if (!row) return;
    const id = Number(row.getAttribute('data-id'));
    if (e.target.matches('input.row-check')) {
      if (e.target.checked) AppState.selectedIds.add(id);
      else AppState.selectedIds.delete(id);
      AppState.refresh();
      return;
    }
    const actionEl = e.target.closest('[data-action]');
    const action = actionEl ? actionEl.getAttribute('data-action') : 'open';
    switch (action) {
      case 'star':
        AppState.toggleStar(id);
        break;
      case 'archive':
        AppState.moveTo([id], 'archive');
        this.showToast('Conversation archived.');
        break;
      case 'delete':
        AppState.moveTo([id], 'trash');
        this.showToast('Conversation moved to Trash.');
        break;
      case 'unarchive':
      case 'restore':
        AppState.moveTo([id], 'inbox');
        this.showToast('Conversation moved to Inbox.');
        break;
      case 'toggle-read': {
        const m = AppState.getEmail(id);
        AppState.setRead([id], !m.read);
        break;
      }
      default:
        this.navigate('#/mail/' + id);
        break;
    }
  },

  // One delegated listener for the whole document: routes and actions outside the list.
  handleClick(e) {
    const routeEl = e.target.closest('[data-route]');
    if (routeEl) {
      const hash = routeEl.getAttribute('data-route');
      if (!hash.startsWith('#/mail/') && AppState.searchQuery) {
        AppState.searchQuery = '';
        document.getElementById('search').value = '';
      }
      this.navigate(hash);
      return;
    }
    if (e.target.closest('.list-panel')) return; // the list handles its own clicks
    const chip = e.target.closest('.chip, .label-chip');
    if (chip) {
      this.removeChip(chip);
      return;
    }
    const actionEl = e.target.closest('[data-action]');
    if (actionEl) this.handleAction(actionEl.getAttribute('data-action'), actionEl);
  },

  handleChange(e) {
    const t = e.target;
    if (t.matches('.select-all')) {
      const ids = AppState.listEmails().map((m) => m.id);
      AppState.selectedIds = t.checked ? new Set(ids) : new Set();
      AppState.refresh();
      return;
    }
    if (t.name === 'replyBehaviour') {
      AppState.updateSetting('replyBehaviour', t.value);
      return;
    }
    const key = t.getAttribute('data-setting');
    if (!key) return;
    if (key === 'vacation.enabled') {
      AppState.settings.vacation.enabled = t.checked;
      AppState.notify();
      return;
    }
    if (t.type === 'checkbox') {
      AppState.updateSetting(key, t.checked);
    } else {
      const v = t.value;
      AppState.updateSetting(key, /^\d+$/.test(v) && key !== 'language' ? Number(v) : v);
    }
  },

  handleInput(e) {
    const t = e.target;
    if (t.id === 'search') {
      AppState.searchQuery = t.value;
      AppState.selectedIds = new Set();
      if (AppState.route.view !== 'folder' && AppState.route.view !== 'label') {
        this.navigate('#/inbox');
      } else {
        this._scroll.list = 0;
        AppState.refresh();
      }
      return;
    }
    if (t.matches('.sig-editor')) {
      AppState.updateSettingQuietly('signature', t.innerText.replace(/\n+$/, ''));
      return;
    }
    const vac = t.getAttribute('data-vacation');
    if (vac) {
      AppState.updateVacationQuietly(vac, t.value);
      return;
    }
    const c = AppState.compose;
    if (!c) return;
    if (t.matches('.to-input')) c.toText = t.value;
    else if (t.matches('.subject-input')) c.subject = t.value;
    else if (t.matches('.body-input')) c.body = t.value;
  },

  handleKeydown(e) {
    const t = e.target;
    if (
      t.matches &&
      t.matches('.chip, .label-chip') &&
      (e.key === 'Enter' || e.key === 'Delete' || e.key === 'Backspace')
    ) {
      e.preventDefault();
      this.removeChip(t);
      return;
    }
    if (t.matches && t.matches('.to-input')) {
      if (e.key === 'Enter' || e.key === ',' || e.key === ';') {
        e.preventDefault();
        AppState.compose.toText = t.value;
        this.commitToText();
      } else if (e.key === 'Backspace' && !t.value && AppState.compose.to.length) {
        AppState.compose.to.pop();
        AppState.refresh();
        document.querySelector('.to-input').focus();
      }
      return;
    }
    if (e.key === 'Escape' && AppState.compose) {
      AppState.compose = null;
      AppState.refresh();
      return;
    }
    if (!AppState.settings.keyboardShortcuts || e.ctrlKey || e.metaKey || e.altKey) return;
    if (t.closest && t.closest('input, textarea, select, [contenteditable="true"]')) return;
    const r = AppState.route;
    if (e.key === 'c') {
      e.preventDefault();
      this.openCompose({ title: 'New message' });
    } else if (e.key === '/') {
      e.preventDefault();
      document.getElementById('search').focus();
    } else if (r.view === 'message' && e.key === 'e') {
      this.handleAction('archive-open');
    } else if (r.view === 'message' && e.key === 's') {
      this.handleAction('star-open');
    }
  },

  init() {
    AppState.init();
    AppState.subscribe(() => this.render(false));

    document.addEventListener('click', (e) => this.handleClick(e));
    document.addEventListener('change', (e) => this.handleChange(e));
    document.addEventListener('input', (e) => this.handleInput(e));
    document.addEventListener('keydown', (e) => this.handleKeydown(e));
    window.addEventListener('hashchange', () => {
      const changed = this.parseRoute();
      if (AppState.route.view === 'message') AppState.markOpened(AppState.route.emailId);
      this.render(changed);
    });

    if (!location.hash) history.replaceState(null, '', '#/inbox');
    this.parseRoute();
    if (AppState.route.view === 'message') AppState.markOpened(AppState.route.emailId);
    this.render(true);
    AppState._pushStateToServer();
    AppState._initSSE();
  },
};

document.addEventListener('DOMContentLoaded', () => App.init());
