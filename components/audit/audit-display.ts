/**
 * Pure helpers of the audit log page: the URL state, labels for action strings, the page an audited
 * object lives on, and a readable line diff of an entry's `before` and `after` JSON values.
 * Kept apart from the component so the server page can parse the URL and vitest can test them.
 */
import { diffLines } from 'diff';

// ---------------------------------------------------------------------------------------------
// URL state: ?action=&type=&actor=&object=&from=YYYY-MM-DD&to=YYYY-MM-DD
// ---------------------------------------------------------------------------------------------

export interface AuditQuery {
  action?: string;
  objectType?: string;
  actor?: string;
  objectId?: string;
  /** First day shown (local calendar day, `YYYY-MM-DD`). */
  from?: string;
  /** Last day shown, inclusive (local calendar day, `YYYY-MM-DD`). */
  to?: string;
}

/** URL parameter name of each filter. */
export const AUDIT_QUERY_PARAMS = {
  action: 'action',
  objectType: 'type',
  actor: 'actor',
  objectId: 'object',
  from: 'from',
  to: 'to',
} as const satisfies Record<keyof AuditQuery, string>;

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` string naming a real calendar day, else undefined. */
function parseDay(value: string | null): string | undefined {
  const m = value ? DAY_RE.exec(value) : null;
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? value! : undefined;
}

/** Reads the filters from the URL; malformed dates are ignored. */
export function parseAuditQuery(params: URLSearchParams): AuditQuery {
  const text = (key: string) => params.get(key)?.trim() || undefined;
  return {
    action: text(AUDIT_QUERY_PARAMS.action),
    objectType: text(AUDIT_QUERY_PARAMS.objectType),
    actor: text(AUDIT_QUERY_PARAMS.actor),
    objectId: text(AUDIT_QUERY_PARAMS.objectId),
    from: parseDay(params.get(AUDIT_QUERY_PARAMS.from)),
    to: parseDay(params.get(AUDIT_QUERY_PARAMS.to)),
  };
}

function startOfLocalDay(day: string, addDays = 0): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + addDays);
}

/**
 * The `audit.list` filter for a URL state: `from` is the start of its local day, `to` the start of
 * the day after (the service's upper bound is exclusive). A range whose end lies before its start
 * is swapped rather than refused.
 */
export function auditQueryToFilter(query: AuditQuery): {
  action?: string;
  objectType?: string;
  actor?: string;
  objectId?: string;
  from?: Date;
  to?: Date;
} {
  let { from, to } = query;
  if (from && to && from > to) [from, to] = [to, from];
  return {
    action: query.action,
    objectType: query.objectType,
    actor: query.actor,
    objectId: query.objectId,
    from: from ? startOfLocalDay(from) : undefined,
    to: to ? startOfLocalDay(to, 1) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Labels and links
// ---------------------------------------------------------------------------------------------

/** Readable names of the action strings written to the audit log (others are humanised). */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'user.create': 'Account created',
  'user.set_role': 'Role changed',
  'invitation.create': 'Invitation sent',
  'invitation.revoke': 'Invitation revoked',
  'graph.init': 'Strategy graph initialised',
  'graph.merge': 'Path merged into graph',
  'label_function.save': 'Label function saved',
  import: 'Data imported',
  'llm_settings.update': 'Model settings changed',
  'comment.add': 'Step comment added',
  'comment.resolve': 'Step comment resolved',
  'review.decide': 'Review decision',
  'review.adjudicate': 'Disagreement adjudicated',
  'review.settings': 'Review queue settings changed',
  'task.create': 'Task created',
  'trajectory.promote': 'Trajectory promoted to expert demo',
};

/** Readable names of object types (others are humanised). */
export const AUDIT_OBJECT_TYPE_LABELS: Record<string, string> = {
  task: 'Task',
  strategy_graph: 'Strategy graph',
  pool_node: 'Label function',
  trajectory: 'Trajectory',
  user: 'User',
  invitation: 'Invitation',
  review_item: 'Review item',
  review_queue: 'Review queue',
  llm_setting: 'Model setting',
  pipeline_run: 'Pipeline run',
  import: 'Import',
};

/** `review.decide_item` → `Review decide item`. */
function humanise(value: string): string {
  const words = value.replace(/[._-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : value;
}

export function formatAuditAction(action: string): string {
  return AUDIT_ACTION_LABELS[action] ?? humanise(action);
}

export function formatAuditObjectType(objectType: string): string {
  return AUDIT_OBJECT_TYPE_LABELS[objectType] ?? humanise(objectType);
}

const enc = encodeURIComponent;

/** Route of each object type's page, from the entry's object id. */
const OBJECT_ROUTES: Record<string, (id: string) => string> = {
  task: (id) => `/tasks/${enc(id)}`,
  // The object id of a graph change is its task's id.
  strategy_graph: (id) => `/tasks/${enc(id)}`,
  pool_node: (id) => `/label-functions/${enc(id)}`,
  trajectory: (id) => `/trajectories/${enc(id)}`,
  user: () => '/admin/users',
  invitation: () => '/admin/users',
  review_item: (id) => `/review/item/${enc(id)}`,
  // Queue settings are edited on the adjudication page.
  review_queue: () => '/review/adjudication',
  llm_setting: () => '/settings/models',
  pipeline_run: (id) => `/pipeline/runs/${enc(id)}`,
  // Imports are listed (with their summaries) on the Import page.
  import: () => '/import',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The page an audited object lives on, or null for unknown types (shown as plain text).
 * Comment entries (object type `trajectory` with `commentId` and `stepIndex` in `after`) link to
 * the comment itself: `/trajectories/<id>?step=<n+1>#comment-<commentId>`.
 */
export function auditObjectHref(entry: {
  objectType: string;
  objectId: string | null;
  after?: unknown;
}): string | null {
  const route = OBJECT_ROUTES[entry.objectType];
  if (!route) return null;
  const id = entry.objectId;
  const needsId = !['user', 'invitation', 'llm_setting', 'import', 'review_queue'].includes(entry.objectType);
  if (needsId && !id) return null;
  const base = route(id ?? '');
  const after = entry.after;
  if (
    entry.objectType === 'trajectory' &&
    isRecord(after) &&
    typeof after.stepIndex === 'number' &&
    Number.isInteger(after.stepIndex) &&
    typeof after.commentId === 'string'
  ) {
    return stepCommentPath(id!, after.stepIndex, after.commentId);
  }
  return base;
}

/** Deep link of a step comment (the `?step=` parameter is 1-based, as on screen). */
export function stepCommentPath(trajectoryId: string, stepIndex: number, commentId: string): string {
  return `/trajectories/${enc(trajectoryId)}?step=${stepIndex + 1}#comment-${enc(commentId)}`;
}

// ---------------------------------------------------------------------------------------------
// Before / after diff
// ---------------------------------------------------------------------------------------------

/**
 * Pretty-prints a JSON value one line per scalar, like `JSON.stringify(v, null, 2)`, except that a
 * string with line breaks (label-function code, a prompt, a comment) is written as an indented
 * block after `|`, so code stays readable and diffs line by line. `undefined` reads as `null`.
 */
export function formatReadableJson(value: unknown): string {
  return renderValue(value, '').join('\n');
}

function renderValue(value: unknown, indent: string, prefix = '', suffix = ''): string[] {
  if (value === undefined || value === null) return [`${indent}${prefix}null${suffix}`];
  if (typeof value === 'string') {
    if (!value.includes('\n')) return [`${indent}${prefix}${JSON.stringify(value)}${suffix}`];
    const inner = `${indent}  `;
    const lines = value.replace(/\r\n?/g, '\n').split('\n');
    // No trailing comma after a block: the text below it is the value, verbatim (blank lines stay blank).
    return [`${indent}${prefix}|`, ...lines.map((l) => (l === '' ? '' : `${inner}${l}`))];
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return [`${indent}${prefix}${String(value)}${suffix}`];
  // Not JSON (a function or symbol): shown as JSON.stringify would drop it, as null.
  if (typeof value !== 'object') return [`${indent}${prefix}null${suffix}`];
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}${prefix}[]${suffix}`];
    return [
      `${indent}${prefix}[`,
      ...value.flatMap((v, i) => renderValue(v, inner, '', i < value.length - 1 ? ',' : '')),
      `${indent}]${suffix}`,
    ];
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return [`${indent}${prefix}{}${suffix}`];
  return [
    `${indent}${prefix}{`,
    ...entries.flatMap(([k, v], i) =>
      renderValue(v, inner, `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : ''),
    ),
    `${indent}}${suffix}`,
  ];
}

export type DiffLineKind = 'added' | 'removed' | 'unchanged';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** 1-based line number in `before` (null for added lines). */
  oldLine: number | null;
  /** 1-based line number in `after` (null for removed lines). */
  newLine: number | null;
}

/**
 * A line diff of two audited JSON values, each first written by {@link formatReadableJson}.
 * A missing side (null/undefined — a creation or a deletion) diffs as empty, so every line of the
 * other side shows as added or removed. @returns [] when both sides are missing.
 */
export function diffAuditValues(before: unknown, after: unknown): DiffLine[] {
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  if (!hasBefore && !hasAfter) return [];
  const oldText = hasBefore ? `${formatReadableJson(before)}\n` : '';
  const newText = hasAfter ? `${formatReadableJson(after)}\n` : '';
  const lines: DiffLine[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const part of diffLines(oldText, newText)) {
    const texts = part.value.replace(/\n$/, '').split('\n');
    for (const text of texts) {
      if (part.added) lines.push({ kind: 'added', text, oldLine: null, newLine: newLine++ });
      else if (part.removed) lines.push({ kind: 'removed', text, oldLine: oldLine++, newLine: null });
      else lines.push({ kind: 'unchanged', text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return lines;
}

/** A run of diff lines shown, or a run of unchanged lines folded away. */
export type DiffHunk = { kind: 'lines'; lines: DiffLine[] } | { kind: 'folded'; lines: DiffLine[] };

/**
 * Folds runs of unchanged lines longer than `2 × context + 1`, keeping `context` lines around each
 * change (the whole diff stays visible when nothing changed or it is short).
 */
export function foldUnchanged(lines: DiffLine[], context = 3): DiffHunk[] {
  const hasChange = lines.some((l) => l.kind !== 'unchanged');
  if (!hasChange) return lines.length ? [{ kind: 'lines', lines }] : [];
  const hunks: DiffHunk[] = [];
  let shown: DiffLine[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.kind !== 'unchanged') {
      shown.push(lines[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.kind === 'unchanged') j++;
    const run = lines.slice(i, j);
    const keepHead = i === 0 ? 0 : context;
    const keepTail = j === lines.length ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      shown.push(...run.slice(0, keepHead));
      if (shown.length) hunks.push({ kind: 'lines', lines: shown });
      hunks.push({ kind: 'folded', lines: run.slice(keepHead, run.length - keepTail) });
      shown = run.slice(run.length - keepTail);
    } else {
      shown.push(...run);
    }
    i = j;
  }
  if (shown.length) hunks.push({ kind: 'lines', lines: shown });
  return hunks;
}

// ---------------------------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------------------------

/** Entries per "Load more". */
export const AUDIT_PAGE_SIZE = 50;

/** `getNextPageParam` of the `audit.list` infinite query (the server page and the client share it). */
export function getAuditNextCursor(page: { nextCursor: string | null }): string | null {
  return page.nextCursor;
}
