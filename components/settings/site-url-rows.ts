/**
 * Pure helpers of the WebArena site-URL editor (no React): the editable rows of the `siteUrls`
 * setting (placeholder → base URL) and their validation before `rollouts.updateSiteUrls`. The rules
 * mirror `ZSiteUrlsSchema` (server/services/rollout-settings-service.ts), which has the last word.
 */

export interface SiteUrlRow {
  /** React key: stable while the row is edited. */
  id: string;
  /** As typed: `SHOPPING`, or `__SHOPPING__` as it appears in a task's start URL. */
  placeholder: string;
  url: string;
}

export interface SiteUrlRowError {
  rowId: string;
  message: string;
}

export type SiteUrlsValidation =
  { ok: true; siteUrls: Record<string, string> } | { ok: false; errors: SiteUrlRowError[] };

const PLACEHOLDER_RE = /^[A-Z][A-Z0-9_]*$/;

/** An example row for an empty editor (WebArena's shopping site on its usual port). */
export const EXAMPLE_SITE_URL = { placeholder: 'SHOPPING', url: 'http://localhost:7770' } as const;

/** The stored setting as rows, sorted by placeholder. */
export function siteUrlRowsFrom(siteUrls: Record<string, string>): SiteUrlRow[] {
  return Object.entries(siteUrls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([placeholder, url]) => ({ id: `saved-${placeholder}`, placeholder, url }));
}

/** `__shopping__ ` → `SHOPPING`: trimmed, surrounding double underscores dropped, upper-cased. */
export function normalizePlaceholder(text: string): string {
  return text
    .trim()
    .replace(/^__(.*)__$/, '$1')
    .toUpperCase();
}

/** Whether `text` is an absolute http(s) URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Rows → the `siteUrls` record, or every row's problem. Blank rows are ignored; a placeholder may
 * appear once.
 */
export function validateSiteUrlRows(rows: readonly SiteUrlRow[]): SiteUrlsValidation {
  const siteUrls: Record<string, string> = {};
  const errors: SiteUrlRowError[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const placeholder = normalizePlaceholder(row.placeholder);
    const url = row.url.trim();
    if (placeholder === '' && url === '') continue;
    const isRepeat = seen.has(placeholder);
    seen.add(placeholder);
    if (placeholder === '') {
      errors.push({ rowId: row.id, message: 'Name the placeholder, e.g. SHOPPING.' });
    } else if (!PLACEHOLDER_RE.test(placeholder)) {
      errors.push({
        rowId: row.id,
        message: `“${row.placeholder.trim()}”: placeholders are upper-case letters, digits and _, starting with a letter (e.g. SHOPPING).`,
      });
    } else if (isRepeat) {
      errors.push({ rowId: row.id, message: `${placeholder} is listed twice.` });
    } else if (url === '') {
      errors.push({ rowId: row.id, message: `Enter the URL of ${placeholder}, e.g. http://localhost:7770.` });
    } else if (!isHttpUrl(url)) {
      errors.push({ rowId: row.id, message: `“${url}” is not an http(s) URL.` });
    } else {
      siteUrls[placeholder] = url;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, siteUrls };
}
