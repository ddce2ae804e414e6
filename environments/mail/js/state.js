// ============================================================
// state.js — AppState: the data, its mutators, and the server sync
// ============================================================

const AppState = {
  // ---- Persisted (sent to the server) ----
  currentUser: null,
  labels: [],
  emails: [],
  settings: {},
  blockedSenders: [],
  _nextEmailId: 500,

  // ---- UI state (not persisted) ----
  route: { view: 'folder', folder: 'inbox', labelId: null, emailId: null, section: null },
  searchQuery: '',
  selectedIds: new Set(),
  filterUnread: false,
  filterAttachments: false,
  compose: null,
  toast: null,

  _listeners: [],
  _saveChain: Promise.resolve(),

  init() {
    this._loadSeedData();
  },

  _loadSeedData() {
    const seed = getSeedData();
    this.currentUser = seed.currentUser;
    this.labels = seed.labels;
    this.emails = seed.emails;
    this.settings = seed.settings;
    this.blockedSenders = seed.blockedSenders;
    this._nextEmailId = seed._nextEmailId;
  },

  getSerializableState() {
    return {
      currentUser: this.currentUser,
      labels: this.labels,
      emails: this.emails,
      settings: this.settings,
      blockedSenders: this.blockedSenders,
      _nextEmailId: this._nextEmailId,
    };
  },

  _pushStateToServer() {
    const body = JSON.stringify(this.getSerializableState());
    // Sent one after another so the server always ends with the latest state.
    this._saveChain = this._saveChain
      .then(() =>
        fetch('api/state', {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: body,
        }),
      )
      .catch((err) => console.warn('Relay Mail: could not save state', err));
  },

  resetToSeedData() {
    this._loadSeedData();
    this.searchQuery = '';
    this.selectedIds = new Set();
    this.filterUnread = false;
    this.filterAttachments = false;
    this.compose = null;
    this.toast = null;
    this._pushStateToServer();
  },

  _initSSE() {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('api/events');
    source.onmessage = (e) => {
      if (e.data === 'reset') {
        this.resetToSeedData();
        if (location.hash !== '#/inbox') location.hash = '#/inbox';
        else this._emit();
      }
    };
    this._sse = source;
  },

  subscribe(fn) {
    this._listeners.push(fn);
  },

  _emit() {
    for (const fn of this._listeners) {
      try {
        fn();
      } catch (e) {
        console.error('Listener error:', e);
      }
    }
  },

  /** After every change of persisted data: save, then re-render. */
  notify() {
    this._pushStateToServer();
    this._emit();
  },

  /** UI-only change: re-render without saving. */
  refresh() {
    this._emit();
  },

  // ---- Queries ----
  getEmail(id) {
    return this.emails.find((m) => m.id === Number(id)) || null;
  },

  getLabel(id) {
    return this.labels.find((l) => l.id === id) || null;
  },

  unreadCount(folder) {
    return this.emails.filter((m) => m.folder === folder && !m.read).length;
  },

  listEmails() {
    const r = this.route;
    let list;
    const q = this.searchQuery.trim().toLowerCase();
    if (q) {
      list = this.emails.filter((m) => m.folder !== 'trash' && this._matches(m, q));
    } else if (r.view === 'label') {
      list = this.emails.filter((m) => m.folder !== 'trash' && m.labels.includes(r.labelId));
    } else if (r.folder === 'starred') {
      list = this.emails.filter((m) => m.folder !== 'trash' && m.starred);
    } else {
      list = this.emails.filter((m) => m.folder === r.folder);
    }
    if (this.filterUnread) list = list.filter((m) => !m.read);
    if (this.filterAttachments) list = list.filter((m) => m.attachments.length > 0);
    return list.slice().sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  },

  _matches(m, q) {
    const hay = [m.from.name, m.from.email, m.subject, m.body]
      .concat(m.to.map((t) => t.name + ' ' + t.email))
      .join(' ')
      .toLowerCase();
    return hay.includes(q);
  },

  // ---- Mutators (each ends with notify()) ----
  toggleStar(id) {
    const m = this.getEmail(id);
    if (!m) return;
    m.starred = !m.starred;
    this.notify();
  },

  setRead(ids, read) {
    for (const id of ids) {
      const m = this.getEmail(id);
      if (m) m.read = read;
    }
    this.notify();
  },

  setStarred(ids, starred) {
    for (const id of ids) {
      const m = this.getEmail(id);
      if (m) m.starred = starred;
    }
    this.notify();
  },

  moveTo(ids, folder) {
    for (const id of ids) {
      const m = this.getEmail(id);
      if (m) m.folder = folder;
      this.selectedIds.delete(Number(id));
    }
    this.notify();
  },

  addLabel(ids, labelId) {
    for (const id of ids) {
      const m = this.getEmail(id);
      if (m && !m.labels.includes(labelId)) m.labels.push(labelId);
    }
    this.notify();
  },

  removeLabel(id, labelId) {
    const m = this.getEmail(id);
    if (!m) return;
    m.labels = m.labels.filter((l) => l !== labelId);
    this.notify();
  },

  markOpened(id) {
    const m = this.getEmail(id);
    if (m && !m.read) {
      m.read = true;
      this.notify();
    }
  },

  blockSender(email) {
    const e = String(email || '')
      .trim()
      .toLowerCase();
    if (!e || this.blockedSenders.includes(e)) return false;
    this.blockedSenders.push(e);
    this.notify();
    return true;
  },

  unblockSender(email) {
    this.blockedSenders = this.blockedSenders.filter((b) => b !== email);
    this.notify();
  },

  updateSetting(key, value) {
    this.settings[key] = value;
    this.notify();
  },

  /** Text fields: save without re-rendering (the field keeps focus and caret). */
  updateSettingQuietly(key, value) {
    this.settings[key] = value;
    this._pushStateToServer();
  },

  updateVacationQuietly(key, value) {
    this.settings.vacation[key] = value;
    this._pushStateToServer();
  },

  sendEmail(draft) {
    const known = {};
    for (const m of this.emails) {
      known[m.from.email.toLowerCase()] = m.from.name;
      for (const t of m.to) known[t.email.toLowerCase()] = t.name;
    }
    let body = draft.body;
    if (this.settings.signature && this.settings.signature.trim()) {
      body = body.replace(/\s+$/, '') + '\n\n-- \n' + this.settings.signature;
    }
    const email = {
      id: this._nextEmailId++,
      folder: 'sent',
      from: { name: this.currentUser.name, email: this.currentUser.email },
      to: draft.to.map((addr) => ({ name: known[addr.toLowerCase()] || '', email: addr })),
      cc: [],
      subject: draft.subject.trim() || '(no subject)',
      body: body,
      date: new Date().toISOString().slice(0, 19),
      read: true,
      starred: false,
      labels: [],
      attachments: [],
    };
    if (draft.inReplyTo) email.inReplyTo = draft.inReplyTo;
    this.emails.push(email);
    this.notify();
    return email;
  },

  deleteEmailForever(id) {
    this.emails = this.emails.filter((m) => m.id !== Number(id));
    this.notify();
  },
};
