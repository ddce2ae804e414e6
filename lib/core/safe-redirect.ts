/**
 * Where to go after signing in: the `next` query parameter, reduced to a path on this site.
 *
 * `toSafeNextPath(next)` returns a same-origin path (`/tasks?x=1#h`), or `/` for anything that a
 * browser could resolve to another origin or that is not a path at all. It is used by the sign-in
 * page (server-side redirect when already signed in) and by the sign-in form (client-side
 * navigation), so both sides decide alike.
 *
 * The rule follows the WHATWG URL parser, which is what browsers run on a `Location` header or a
 * `router.push` argument:
 * - The parser drops leading and trailing C0 controls and spaces and every tab, LF and CR anywhere
 *   (`/\t/evil` is `//evil`), and reads `\` as `/` in http(s) URLs (`/\evil` is `//evil`). The
 *   input is reduced the same way first, then must start with exactly one `/`: `//host`, `/\host`,
 *   `\/host`, `http:host`, `https://host`, `javascript:…` and relative paths are all refused. (A
 *   scheme-relative `http:evil` resolves on-site against an `http:` page but off-site against an
 *   `https:` one, so only path-absolute input is accepted, whatever the page's scheme.)
 * - It is then resolved with `new URL(next, base)`; the result must keep the base's origin, and its
 *   path may not start with `//` (`/.//evil` normalises to `//evil`, which a browser would read as
 *   another host when handed back). Percent-escapes are left as they are: `/%09/host` and
 *   `/%5Chost` stay paths on this site.
 * - The sign-in and sign-up pages are not destinations (a signed-in visitor would bounce between
 *   sign-in and itself), nor is anything over {@link MAX_NEXT_LENGTH} characters.
 *
 * Callers pass the already-decoded value (`searchParams.next`): decoding is the caller's one step,
 * and this function never decodes again.
 */

/** Longest `next` value considered (longer ones fall back to `/`). */
export const MAX_NEXT_LENGTH = 2048;

/** Where the visitor lands when `next` is missing or refused. */
export const DEFAULT_NEXT_PATH = '/';

/** Pages that never make sense as the place to return to after signing in. */
const AUTH_PAGES = new Set(['/sign-in', '/sign-up']);

const PARSE_BASE = 'http://next.invalid';

// What the URL parser removes before parsing (WHATWG URL § basic URL parser, steps 1-3).
// eslint-disable-next-line no-control-regex
const LEADING_OR_TRAILING_C0_OR_SPACE = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
const TAB_OR_NEWLINE = /[\t\n\r]/g;

/** `next` reduced to a same-origin path, or `/` (see the module comment for the rule). */
export function toSafeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_NEXT_LENGTH)
    return DEFAULT_NEXT_PATH;
  const stripped = next.replace(LEADING_OR_TRAILING_C0_OR_SPACE, '').replace(TAB_OR_NEWLINE, '');
  if (!stripped.startsWith('/') || stripped[1] === '/' || stripped[1] === '\\') return DEFAULT_NEXT_PATH;
  let url: URL;
  try {
    url = new URL(stripped, PARSE_BASE);
  } catch {
    return DEFAULT_NEXT_PATH;
  }
  if (url.origin !== PARSE_BASE || url.pathname.startsWith('//')) return DEFAULT_NEXT_PATH;
  if (AUTH_PAGES.has(url.pathname.replace(/\/+$/, ''))) return DEFAULT_NEXT_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}
