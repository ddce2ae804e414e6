/**
 * The rollout network policy (issue 14): which URLs a rollout may open and which requests its
 * browser context may make. Pure and framework-free: the runner's enforcement (Playwright routes,
 * the per-context egress proxy) and the import / ingestion checks all call these functions.
 *
 * Everything is parsed with the WHATWG `URL` parser, the one Chromium follows, so the forms a
 * browser canonicalises (`http://127.1`, `http://0x7f.0.0.1`, `HTTP://LOCALHOST`, `%2e` in hosts,
 * userinfo `http://allowed@evil/`) are compared by what they really name. Decisions:
 *
 * - **Start URLs** must be absolute `http:` or `https:` URLs ({@link checkStartUrl}). Task files may
 *   hold WebArena site placeholders (`__SHOPPING__/path`) and WebArena's ` |AND| ` lists; each part
 *   must then still be http(s) once a placeholder is replaced by an http(s) site URL
 *   ({@link findTaskStartUrlProblem}).
 * - **Requests** are allowed when their origin — scheme, canonical host and port — is on the
 *   allow-list ({@link createUrlPolicy}). Another port on an allowed host is another origin.
 *   `ws:` / `wss:` count as `http:` / `https:` of the same host and port (a page's WebSocket to its
 *   own server). Host names are compared as written after canonicalisation: `localhost.` (trailing
 *   dot), `[::ffff:127.0.0.1]` or `127.0.0.2` do not match `127.0.0.1` or `localhost` — an
 *   unlisted spelling is refused (fail closed), it is never resolved to decide.
 * - `data:` and `blob:` **subresources** are allowed: they carry bytes the page already holds and
 *   reach no network. **Navigating** to them is refused, as is navigating to `about:` pages other
 *   than `about:blank` / `about:srcdoc`.
 * - Every other scheme is refused: `file:`, `chrome:`, `chrome-extension:`, `view-source:`,
 *   `javascript:`, `filesystem:`, `ftp:`, `devtools:`, ….
 * - Allow-list entries are origins (`https://shop.example`, `http://10.0.0.5:7770`); an entry may
 *   start with `*.` to take every subdomain of a domain (`https://*.example.com`, not the apex and
 *   not IP addresses) ({@link parseAllowedOrigin}).
 */
import { z } from 'zod';

/** Schemes a start URL may have. */
export const START_URL_PROTOCOLS = ['http:', 'https:'] as const;

/** WebArena joins several start URLs (one tab each) with this separator. */
export const START_URL_LIST_SEPARATOR = ' |AND| ';

/** A WebArena site placeholder as written in task files, e.g. `__SHOPPING_ADMIN__`. */
const SITE_PLACEHOLDER = /__[A-Z][A-Z0-9_]*?__/g;

/** Longest URL kept in a blocked-request record (data: URLs can be megabytes). */
export const MAX_RECORDED_URL_CHARS = 2_000;

/** Why a request or navigation was refused. */
export const BLOCK_REASONS = [
  /** Not http(s)/ws(s), or a navigation to data:/blob:/about: other than blank. */
  'scheme',
  /** http(s)/ws(s) to an origin that is not on the allow-list. */
  'origin',
  /** Not a URL the WHATWG parser accepts. */
  'unparsable',
  /** A download (the rollout browser accepts none). */
  'download',
  /** Chromium itself refused a page's `file:` subresource ("Not allowed to load local resource"). */
  'local-file',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/** What enforced the refusal. */
export const BLOCK_LAYERS = ['route', 'websocket', 'proxy', 'download', 'chromium', 'runner'] as const;
export type BlockLayer = (typeof BLOCK_LAYERS)[number];

/**
 * One refused request or navigation, as stored on a trajectory step (`step.blocked_requests`).
 * `resourceType` is Playwright's (`document`, `image`, `fetch`, `websocket`, …), or `unknown` when
 * only the egress proxy saw it (redirects, shared workers, prefetches).
 */
export interface BlockedRequest {
  url: string;
  method: string;
  resourceType: string;
  reason: BlockReason;
  layer: BlockLayer;
  /** ms since the epoch. */
  at: number;
}

/** Blocked requests stored per step; the step's count goes on past it. */
export const MAX_BLOCKED_REQUESTS_PER_STEP = 50;

/** Refusals handed to a step: the first ones and how many there were in all. */
export interface BlockedRequestBatch {
  requests: BlockedRequest[];
  count: number;
}

export type UrlVerdict = { allowed: true } | { allowed: false; reason: BlockReason; message: string };

/** An allow-list entry: an origin, or every subdomain of a domain on one scheme and port. */
export interface AllowedOrigin {
  protocol: 'http:' | 'https:';
  /** Canonical host (`127.0.0.1`, `[::1]`, `shop.example`); for a wildcard, the parent domain. */
  host: string;
  /** Effective port (80 / 443 when the URL gives none). */
  port: number;
  /** `*.host`: any subdomain of `host`, not `host` itself. */
  wildcard: boolean;
}

export interface UrlPolicy {
  /** The allow-list, canonical (`http://127.0.0.1:41234`, `https://*.example.com`). */
  readonly origins: readonly string[];
  /** Whether a request (or, with `navigation`, a frame navigation) to `url` may go out. */
  check(url: string, options?: { navigation?: boolean }): UrlVerdict;
  /** Whether a tunnel (`CONNECT host:port`) may be opened: some allowed origin has this host and port. */
  allowsHostPort(host: string, port: number): boolean;
}

function defaultPort(protocol: string): number {
  return protocol === 'https:' || protocol === 'wss:' ? 443 : 80;
}

/** `url.port` as a number, the scheme's default when empty. */
export function effectivePort(url: URL): number {
  return url.port === '' ? defaultPort(url.protocol) : Number(url.port);
}

function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Shortens a URL for records and messages. */
export function truncateUrl(url: string): string {
  return url.length > MAX_RECORDED_URL_CHARS ? `${url.slice(0, MAX_RECORDED_URL_CHARS)}…` : url;
}

/**
 * Checks a start URL the runner is about to open.
 * @returns null when it is an absolute http(s) URL, else the reason (e.g. "'file:' is not http(s)").
 */
export function checkStartUrl(text: string): string | null {
  const url = parseUrl(text.trim());
  if (!url) return 'not an absolute URL';
  if (!(START_URL_PROTOCOLS as readonly string[]).includes(url.protocol))
    return `'${url.protocol}' URLs cannot be opened; a start URL must be http(s)`;
  return null;
}

/**
 * Checks a start URL as a task file or an ingestion call writes it: WebArena placeholders are
 * allowed (replaced by an http(s) site URL here, so `__SHOPPING__/x` passes and
 * `file:///__SHOPPING__` does not) and a ` |AND| ` list is checked part by part.
 * @returns null when every part is an http(s) URL, else the reason.
 */
export function findTaskStartUrlProblem(text: string): string | null {
  const parts = text.split(START_URL_LIST_SEPARATOR);
  for (const [index, part] of parts.entries()) {
    const problem = checkStartUrl(part.replace(SITE_PLACEHOLDER, 'http://site.invalid'));
    if (problem) return parts.length > 1 ? `part ${index + 1} (${part.trim()}): ${problem}` : problem;
  }
  return null;
}

/**
 * A task's start URL as task files and the ingestion API write it ({@link findTaskStartUrlProblem}):
 * a non-empty string whose parts are http(s) URLs, placeholders allowed.
 */
export const ZTaskStartUrlSchema = z.string().superRefine((text, ctx) => {
  const problem = findTaskStartUrlProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Parses an allow-list entry: `http(s)://host[:port]` with nothing after the host but an optional
 * `/`, or `http(s)://*.domain[:port]`.
 * @returns the entry, or `{ error }` saying what is wrong with it.
 */
export function parseAllowedOrigin(text: string): AllowedOrigin | { error: string } {
  const trimmed = text.trim();
  const wildcard = /^https?:\/\/\*\./i.test(trimmed);
  const url = parseUrl(wildcard ? trimmed.replace('*.', '') : trimmed);
  if (!url || !/^https?:\/\//i.test(trimmed))
    return { error: 'give an http(s) origin, e.g. https://shop.example or http://10.0.0.5:7770' };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: 'only http and https' };
  if (url.username !== '' || url.password !== '') return { error: 'no user name or password' };
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return { error: 'an origin only: no path, query or fragment' };
  if (wildcard) {
    const isIp = /^\[.*\]$/.test(url.hostname) || /^[\d.]+$/.test(url.hostname);
    if (isIp || !url.hostname.includes('.'))
      return { error: '*. takes a domain with at least two labels, e.g. https://*.example.com' };
  }
  return { protocol: url.protocol, host: url.hostname, port: effectivePort(url), wildcard };
}

/** An allow-list entry written back as text (`https://*.example.com`, `http://127.0.0.1:7770`). */
export function formatAllowedOrigin(origin: AllowedOrigin): string {
  const port = origin.port === defaultPort(origin.protocol) ? '' : `:${origin.port}`;
  return `${origin.protocol}//${origin.wildcard ? '*.' : ''}${origin.host}${port}`;
}

function hostMatches(entry: AllowedOrigin, host: string): boolean {
  return entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;
}

/**
 * Builds the policy of one rollout. `origins` are site URLs or allow-list entries; a URL with a
 * path (a WebArena site URL such as `http://host:7770/shop`) contributes its origin.
 * @throws Error naming an entry that is not an http(s) origin (callers validate entries first).
 */
export function createUrlPolicy(origins: Iterable<string>): UrlPolicy {
  const entries: AllowedOrigin[] = [];
  for (const text of origins) {
    const trimmed = text.trim();
    const url = /^https?:\/\/\*\./i.test(trimmed) ? null : parseUrl(trimmed);
    const parsed = parseAllowedOrigin(url ? url.origin : trimmed);
    if ('error' in parsed) throw new Error(`Allowed origin ${JSON.stringify(text)}: ${parsed.error}`);
    if (!entries.some((e) => formatAllowedOrigin(e) === formatAllowedOrigin(parsed))) entries.push(parsed);
  }
  const allowsOrigin = (protocol: string, host: string, port: number) =>
    entries.some((e) => e.protocol === protocol && e.port === port && hostMatches(e, host));

  return {
    origins: entries.map(formatAllowedOrigin),
    check(text, options = {}) {
      const url = parseUrl(text);
      if (!url) return { allowed: false, reason: 'unparsable', message: 'not a URL' };
      const navigation = options.navigation ?? false;
      switch (url.protocol) {
        case 'http:':
        case 'https:':
        case 'ws:':
        case 'wss:': {
          const protocol =
            url.protocol === 'ws:' ? 'http:' : url.protocol === 'wss:' ? 'https:' : url.protocol;
          const port = effectivePort(url);
          if (allowsOrigin(protocol, url.hostname, port)) return { allowed: true };
          return {
            allowed: false,
            reason: 'origin',
            message: `${protocol}//${url.host} is not an allowed origin`,
          };
        }
        case 'data:':
        case 'blob:':
          return navigation
            ? { allowed: false, reason: 'scheme', message: `navigation to ${url.protocol} URLs is refused` }
            : { allowed: true };
        case 'about:':
          return url.href === 'about:blank' || url.href === 'about:srcdoc'
            ? { allowed: true }
            : { allowed: false, reason: 'scheme', message: `${url.href} is refused` };
        default:
          return { allowed: false, reason: 'scheme', message: `'${url.protocol}' URLs are refused` };
      }
    },
    allowsHostPort(host, port) {
      const url = parseUrl(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}/`);
      if (!url) return false;
      return entries.some((e) => e.port === port && hostMatches(e, url.hostname));
    },
  };
}
