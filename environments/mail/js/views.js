// ============================================================
// views.js — HTML for the sidebar, the folder list, a message, the settings page and compose
// ============================================================

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const FOLDERS = [
  { id: 'inbox', name: 'Inbox', icon: 'inbox' },
  { id: 'starred', name: 'Starred', icon: 'starred' },
  { id: 'sent', name: 'Sent', icon: 'sent' },
  { id: 'archive', name: 'Archive', icon: 'archive' },
  { id: 'trash', name: 'Trash', icon: 'trash' },
];

const Views = {
  esc(s) {
    return String(s == null ? '' : s).replace(
      /[&<>"']/g,
      (c) =>
        ({
          '&': '&amp;',
          '<': '&lt;',
          '>': '&gt;',
          '"': '&quot;',
          "'": '&#39;',
        })[c],
    );
  },

  shortDate(iso) {
    const d = new Date(iso);
    return MONTHS[d.getMonth()] + ' ' + d.getDate();
  },

  longDate(iso) {
    const d = new Date(iso);
    const hh = String(d.getHours()).padStart(2, '0');
    const mm = String(d.getMinutes()).padStart(2, '0');
    return (
      WEEKDAYS[d.getDay()] +
      ', ' +
      MONTHS[d.getMonth()] +
      ' ' +
      d.getDate() +
      ', ' +
      d.getFullYear() +
      ', ' +
      hh +
      ':' +
      mm
    );
  },

  snippet(body) {
    const text = body.replace(/\s+/g, ' ').trim();
    return text.length > 90 ? text.slice(0, 90) + '…' : text;
  },

  labelPills(m) {
    return m.labels
      .map((id) => {
        const l = AppState.getLabel(id);
        return l ? `<span class="label-pill" style="--c:${l.color}">${this.esc(l.name)}</span>` : '';
      })
      .join('');
  },

  // ---------- sidebar ----------
  renderSidebar() {
    const r = AppState.route;
    const q = AppState.searchQuery.trim();
    let html = '<div class="compose-btn">Compose</div>';
    html += '<div class="nav">';
    for (const f of FOLDERS) {
      const active = !q && r.view === 'folder' && r.folder === f.id ? ' active' : '';
      const count = f.id === 'inbox' ? AppState.unreadCount('inbox') : 0;
      html += `<a class="nav-item${active}" data-route="#/${f.id}"><i class="icon icon-${f.icon}"></i><span class="nav-text">${f.name}</span>${count ? `<span class="count">${count}</span>` : ''}</a>`;
    }
    html += '</div>';
    html += '<div class="nav-heading">Labels</div><div class="nav labels">';
    for (const l of AppState.labels) {
      const active = !q && r.view === 'label' && r.labelId === l.id ? ' active' : '';
      html += `<div class="nav-item${active}" data-route="#/label/${l.id}"><span class="swatch" style="--c:${l.color}"></span><span class="nav-text">${this.esc(l.name)}</span></div>`;
    }
    html += '</div>';
    html += '<div class="storage">3.2 GB of 15 GB used</div>';
    return html;
  },

  // ---------- folder / label / search list ----------
  listTitle() {
    const r = AppState.route;
    if (AppState.searchQuery.trim()) return 'Search results';
    if (r.view === 'label') {
      const l = AppState.getLabel(r.labelId);
      return l ? l.name : 'Label';
    }
    const f = FOLDERS.find((x) => x.id === r.folder);
    return f ? f.name : 'Inbox';
  },

  menuLabelItems(action) {
    return AppState.labels
      .map(
        (l) =>
          `<div class="menu-item" data-action="${action}" data-label="${l.id}">Label as ${this.esc(l.name)}</div>`,
      )
      .join('');
  },

  renderList() {
    const list = AppState.listEmails();
    const sel = AppState.selectedIds;
    const allChecked = list.length > 0 && list.every((m) => sel.has(m.id));
    const r = AppState.route;
    let html = '<div class="list-view">';
    html += `<div class="list-head"><h1>${this.esc(this.listTitle())}</h1><span class="range">${list.length ? '1–' + list.length + ' of ' + list.length : 'No conversations'}</span></div>`;
    html += '<div class="list-toolbar">';
    html += `<input type="checkbox" class="select-all" title="Select all"${allChecked ? ' checked' : ''}>`;
    html += '<i class="icon icon-refresh" data-action="refresh" title="Refresh"></i>';
    html += '<span class="tb-sep"></span>';
    html += '<i class="icon icon-archive" data-action="archive-selected" title="Archive"></i>';
    html += '<i class="icon icon-trash" data-action="delete-selected" title="Delete"></i>';
    html +=
      '<div class="menu"><div class="menu-trigger">More</div><div class="menu-items">' +
      '<div class="menu-item" data-action="read-selected">Mark as read</div>' +
      '<div class="menu-item" data-action="unread-selected">Mark as unread</div>' +
      '<div class="menu-item" data-action="star-selected">Add star</div>' +
      '<div class="menu-item" data-action="unstar-selected">Remove star</div>' +
      '<div class="menu-sep"></div>' +
      this.menuLabelItems('label-selected') +
      '</div></div>';
    html += '<span class="tb-spacer"></span>';
    html += `<div class="toggle pill" data-action="toggle-filter-unread" aria-pressed="${AppState.filterUnread}">Unread</div>`;
    html += `<div class="toggle pill" data-action="toggle-filter-attachments" aria-pressed="${AppState.filterAttachments}">Has attachment</div>`;
    html += '</div>';

    const density = AppState.settings.density === 'compact' ? ' compact' : '';
    html += `<div class="list-panel${density}">`;
    if (!list.length) html += '<div class="empty">Nothing here. Enjoy your day!</div>';
    for (const m of list) {
      const who =
        m.folder === 'sent'
          ? 'To: ' + m.to.map((t) => t.name || t.email).join(', ')
          : m.from.name || m.from.email;
      const cls = 'row' + (m.read ? '' : ' unread') + (sel.has(m.id) ? ' selected' : '');
      let icons = '';
      if (m.folder === 'trash') {
        icons += '<i class="icon icon-restore" data-action="restore" title="Move to Inbox"></i>';
      } else if (m.folder === 'archive') {
        icons += '<i class="icon icon-inbox" data-action="unarchive" title="Move to Inbox"></i>';
        icons += '<i class="icon icon-trash" data-action="delete" title="Delete"></i>';
      } else {
        if (m.folder === 'inbox')
          icons += '<i class="icon icon-archive" data-action="archive" title="Archive"></i>';
        icons += '<i class="icon icon-trash" data-action="delete" title="Delete"></i>';
      }
      icons += m.read
        ? '<i class="icon icon-unread" data-action="toggle-read" title="Mark as unread"></i>'
        : '<i class="icon icon-read" data-action="toggle-read" title="Mark as read"></i>';
      html +=
        `<div class="${cls}" data-action="open" data-id="${m.id}">` +
        `<input type="checkbox" class="row-check" data-id="${m.id}"${sel.has(m.id) ? ' checked' : ''}>` +
        `<span class="star${m.starred ? ' on' : ''}" data-action="star">${m.starred ? '★' : '☆'}</span>` +
        `<div class="sender">${this.esc(who)}</div>` +
        `<div class="summary"><span class="subject">${this.esc(m.subject)}</span>` +
        (AppState.settings.showSnippets
          ? `<span class="snippet"> — ${this.esc(this.snippet(m.body))}</span>`
          : '') +
        '</div>' +
        `<div class="row-labels">${r.view === 'label' ? '' : this.labelPills(m)}</div>` +
        (m.attachments.length ? '<span class="clip"></span>' : '') +
        `<div class="date">${this.shortDate(m.date)}</div>` +
        `<div class="row-icons">${icons}</div>` +
        '</div>';
    }
    html += '</div></div>';
    return html;
  },

  // ---------- one message ----------
  renderMessage(m) {
    const back = AppState.route.back || '#/inbox';
    const backName = back.startsWith('#/label/')
      ? (AppState.getLabel(back.slice(8)) || { name: 'label' }).name
      : (FOLDERS.find((f) => '#/' + f.id === back) || { name: 'Inbox' }).name;
    let html = `<div class="message-view" data-id="${m.id}">`;
    html += '<div class="msg-toolbar">';
    html += `<i class="icon icon-back" data-route="${back}" title="Back to ${this.esc(backName)}"></i>`;
    if (m.folder === 'inbox')
      html += '<i class="icon icon-archive" data-action="archive-open" title="Archive"></i>';
    if (m.folder === 'archive' || m.folder === 'trash')
      html += '<i class="icon icon-inbox" data-action="inbox-open" title="Move to Inbox"></i>';
    if (m.folder !== 'trash')
      html += '<i class="icon icon-trash" data-action="delete-open" title="Delete"></i>';
    html += '<i class="icon icon-unread" data-action="unread-open" title="Mark as unread"></i>';
    html +=
      '<div class="menu"><div class="menu-trigger">More</div><div class="menu-items">' +
      '<div class="menu-item" data-action="unread-open">Mark as unread</div>' +
      `<div class="menu-item" data-action="star-open">${m.starred ? 'Remove star' : 'Add star'}</div>` +
      '<div class="menu-sep"></div>' +
      this.menuLabelItems('label-open') +
      '<div class="menu-sep"></div>' +
      `<div class="menu-item danger" data-action="block-open">Block ${this.esc(m.from.name || m.from.email)}</div>` +
      '</div></div>';
    html += '</div>';
    html += '<div class="msg-scroll">';
    html += `<div class="msg-subject"><h1>${this.esc(m.subject)}</h1>`;
    html += '<div class="msg-labels">';
    for (const id of m.labels) {
      const l = AppState.getLabel(id);
      if (l)
        html += `<span class="label-chip" tabindex="0" data-label="${l.id}" style="--c:${l.color}">${this.esc(l.name)}</span>`;
    }
    html += '</div>';
    html += `<span class="star${m.starred ? ' on' : ''}" data-action="star">${m.starred ? '★' : '☆'}</span></div>`;
    html += '<div class="msg-meta">';
    html += `<div class="avatar">${this.esc((m.from.name || m.from.email).slice(0, 1))}</div>`;
    html += `<div class="who"><div><b>${this.esc(m.from.name)}</b> <span class="addr">&lt;${this.esc(m.from.email)}&gt;</span></div>`;
    html += `<div class="to">to ${this.esc(m.to.map((t) => t.name || t.email).join(', '))}</div></div>`;
    html += `<div class="when">${this.longDate(m.date)}</div>`;
    html += '</div>';
    html +=
      '<div class="msg-body">' +
      this.esc(m.body)
        .split('\n')
        .map((l) => l || '&nbsp;')
        .map((l) => `<div>${l}</div>`)
        .join('') +
      '</div>';
    if (m.attachments.length) {
      html += '<div class="attachments">';
      for (const a of m.attachments)
        html += `<div class="attachment"><span class="att-name">${this.esc(a.name)}</span><span class="att-size">${this.esc(a.size)}</span></div>`;
      html += '</div>';
    }
    html +=
      '<div class="msg-actions"><div class="reply-btn">Reply</div><div class="forward-btn">Forward</div></div>';
    html += '</div></div>';
    return html;
  },

  // ---------- settings ----------
  select(id, key, options, labelHtml) {
    const v = String(AppState.settings[key]);
    return (
      labelHtml +
      `<select id="${id}" data-setting="${key}">` +
      options
        .map(
          ([val, text]) =>
            `<option value="${val}"${String(val) === v ? ' selected' : ''}>${this.esc(text)}</option>`,
        )
        .join('') +
      '</select>'
    );
  },

  switchRow(key, title, help) {
    const on = AppState.settings[key] ? ' checked' : '';
    const titleId = 'st-' + key;
    return (
      '<div class="setting">' +
      `<div class="setting-text"><div class="setting-title" id="${titleId}">${title}</div><div class="setting-help">${help}</div></div>` +
      `<label class="switch"><input type="checkbox" class="visually-hidden" data-setting="${key}"${on}><span class="slider"></span></label>` +
      '</div>'
    );
  },

  renderSettings() {
    const s = AppState.settings;
    const sec = AppState.route.section || 'general';
    const tabs = [
      ['general', 'General'],
      ['inbox', 'Inbox'],
      ['notifications', 'Notifications'],
      ['signature', 'Signature'],
      ['vacation', 'Vacation responder'],
      ['blocked', 'Blocked senders'],
    ];
    let html = '<div class="settings">';
    html += '<div class="settings-head"><h1>Settings</h1></div>';
    html +=
      '<div class="settings-tabs">' +
      tabs
        .map(
          ([id, name]) =>
            `<div class="tab${sec === id ? ' active' : ''}" data-route="#/settings/${id}">${name}</div>`,
        )
        .join('') +
      '</div>';
    html += '<div class="settings-scroll">';

    // General
    html += '<section id="sec-general"><h2>General</h2>';
    html +=
      '<div class="setting">' +
      this.select(
        'set-language',
        'language',
        [
          ['en-US', 'English (US)'],
          ['en-GB', 'English (UK)'],
          ['de', 'Deutsch'],
          ['es', 'Español'],
          ['fr', 'Français'],
          ['ja', '日本語'],
        ],
        '<label class="setting-title" for="set-language">Language</label>',
      ) +
      '</div>';
    html +=
      '<div class="setting">' +
      this.select(
        'set-page-size',
        'pageSize',
        [
          [25, '25 conversations'],
          [50, '50 conversations'],
          [100, '100 conversations'],
        ],
        '<label class="setting-title" for="set-page-size">Maximum page size</label>',
      ) +
      '</div>';
    html +=
      '<div class="setting">' +
      this.select(
        'set-undo-send',
        'undoSendSeconds',
        [
          [5, '5 seconds'],
          [10, '10 seconds'],
          [20, '20 seconds'],
          [30, '30 seconds'],
        ],
        '<label class="setting-title" for="set-undo-send">Undo send</label>',
      ) +
      '</div>';
    html +=
      '<div class="setting"><div class="setting-title">Default reply behaviour</div><div class="radios">' +
      `<label><input type="radio" name="replyBehaviour" value="reply"${s.replyBehaviour === 'reply' ? ' checked' : ''}> Reply</label>` +
      `<label><input type="radio" name="replyBehaviour" value="replyAll"${s.replyBehaviour === 'replyAll' ? ' checked' : ''}> Reply all</label>` +
      '</div></div>';
    html += this.switchRow(
      'conversationView',
      'Conversation view',
      'Group emails on the same topic together.',
    );
    html +=
      '<div class="setting"><div class="setting-text"><div class="setting-title">Keyboard shortcuts</div><div class="setting-help">Press c to compose, e to archive, s to star, / to search.</div></div>' +
      `<div class="toggle" data-action="toggle-keyboard-shortcuts" aria-pressed="${!!s.keyboardShortcuts}"></div></div>`;
    html += '</section>';

    // Inbox & reading
    html += '<section id="sec-inbox"><h2>Inbox</h2>';
    html += this.switchRow(
      'showSnippets',
      'Show snippets',
      'Show a preview of the message text in the list.',
    );
    html +=
      '<div class="setting"><div class="setting-title" id="lbl-auto-advance">After archiving or deleting a message, go to</div>' +
      `<select aria-labelledby="lbl-auto-advance" data-setting="autoAdvance">` +
      [
        ['newer', 'the newer conversation'],
        ['older', 'the older conversation'],
        ['list', 'the conversation list'],
      ]
        .map(([v, t]) => `<option value="${v}"${s.autoAdvance === v ? ' selected' : ''}>${t}</option>`)
        .join('') +
      '</select></div>';
    html +=
      '<div class="setting">' +
      this.select(
        'set-density',
        'density',
        [
          ['default', 'Default'],
          ['comfortable', 'Comfortable'],
          ['compact', 'Compact'],
        ],
        '<label class="setting-title" for="set-density">Display density</label>',
      ) +
      '</div>';
    html +=
      '<div class="setting">' +
      this.select(
        'set-reading-pane',
        'readingPane',
        [
          ['none', 'No split'],
          ['right', 'Right of inbox'],
          ['below', 'Below inbox'],
        ],
        '<label class="setting-title" for="set-reading-pane">Reading pane</label>',
      ) +
      '</div>';
    html += '</section>';

    // Notifications
    html += '<section id="sec-notifications"><h2>Notifications</h2>';
    html += this.switchRow(
      'desktopNotifications',
      'Desktop notifications',
      'Show a notification when new mail arrives.',
    );
    html += this.switchRow('notificationSound', 'Notification sound', 'Play a sound with each notification.');
    html +=
      '<div class="setting">' +
      this.select(
        'set-notify-about',
        'notifyAbout',
        [
          ['all', 'All new mail'],
          ['important', 'Important mail only'],
          ['none', 'Nothing'],
        ],
        '<label class="setting-title" for="set-notify-about">Notify me about</label>',
      ) +
      '</div>';
    html += this.switchRow(
      'weeklyDigest',
      'Weekly digest',
      "A Monday email summarising last week's unread mail.",
    );
    html += '</section>';

    // Signature
    html += '<section id="sec-signature"><h2>Signature</h2>';
    html +=
      '<div class="setting column"><div class="setting-title">Signature</div><div class="setting-help">Appended at the end of every message you send.</div>' +
      `<div class="sig-editor" contenteditable="true" spellcheck="false">${this.esc(s.signature)
        .split('\n')
        .map((l) => `<div>${l || '<br>'}</div>`)
        .join('')}</div>` +
      `<label class="check"><input type="checkbox" data-setting="signatureBeforeQuote"${s.signatureBeforeQuote ? ' checked' : ''}> Insert this signature before quoted text in replies</label>` +
      '</div>';
    html += '</section>';

    // Vacation responder
    html += '<section id="sec-vacation"><h2>Vacation responder</h2>';
    html +=
      '<div class="setting"><div class="setting-text"><div class="setting-title">Vacation responder</div><div class="setting-help">Reply automatically to everyone who writes to you.</div></div>' +
      `<label class="switch"><input type="checkbox" class="visually-hidden" data-setting="vacation.enabled"${s.vacation.enabled ? ' checked' : ''}><span class="slider"></span></label></div>`;
    html +=
      '<div class="setting column">' +
      `<input type="text" class="vac-subject" data-vacation="subject" placeholder="Subject" value="${this.esc(s.vacation.subject)}">` +
      `<textarea class="vac-message" data-vacation="message" placeholder="Message" rows="4">${this.esc(s.vacation.message)}</textarea>` +
      '</div>';
    html += '</section>';

    // Blocked senders
    html += '<section id="sec-blocked"><h2>Blocked senders</h2>';
    html +=
      '<div class="setting column"><div class="setting-help">Mail from these addresses goes straight to Trash. Click an address (or focus it and press Enter) to unblock it.</div><div class="chips blocked">';
    if (!AppState.blockedSenders.length) html += '<span class="muted">You have not blocked anyone.</span>';
    for (const b of AppState.blockedSenders)
      html += `<span class="chip" tabindex="0" data-email="${this.esc(b)}">${this.esc(b)}</span>`;
    html +=
      '</div><div class="block-add"><input type="text" class="block-input" placeholder="Block an address"><div class="block-btn">Block</div></div></div>';
    html += '</section>';

    html += '<div class="settings-end">Changes are saved automatically.</div>';
    html += '</div></div>';
    return html;
  },

  // ---------- compose (modal) ----------
  renderCompose() {
    const c = AppState.compose;
    if (!c) return '';
    let html =
      '<div class="modal-backdrop"><div class="modal compose" role="dialog" aria-label="New message">';
    html += `<div class="modal-head"><span>${this.esc(c.title)}</span><i class="icon icon-close" data-action="close-compose" title="Close"></i></div>`;
    html += '<div class="field to-field"><span class="field-label">To</span><div class="chips">';
    for (const addr of c.to)
      html += `<span class="chip" tabindex="0" data-email="${this.esc(addr)}">${this.esc(addr)}</span>`;
    html += `<input type="text" class="to-input" placeholder="Recipients" value="${this.esc(c.toText)}" autocomplete="off"></div></div>`;
    html += `<div class="field"><input type="text" class="subject-input" placeholder="Subject" value="${this.esc(c.subject)}" autocomplete="off"></div>`;
    html += `<textarea class="body-input" placeholder="Write your message…">${this.esc(c.body)}</textarea>`;
    if (c.error) html += `<div class="compose-error">${this.esc(c.error)}</div>`;
    html +=
      '<div class="modal-foot"><div class="send-btn">Send</div><span class="sig-note">Your signature is added when you send.</span>' +
      '<i class="icon icon-trash" data-action="discard" title="Discard draft"></i></div>';
    html += '</div></div>';
    return html;
  },

  renderToast() {
    const t = AppState.toast;
    if (!t) return '';
    return `<div class="toast"><span>${this.esc(t.text)}</span>${t.undo ? '<a class="toast-action" data-action="undo">Undo</a>' : ''}</div>`;
  },
};
