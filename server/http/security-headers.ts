/**
 * Security headers of every response. Two places send them:
 * - `next.config.mjs` `headers()`: {@link STATIC_SECURITY_HEADERS} on every path, and
 *   {@link API_CONTENT_SECURITY_POLICY} on `/api/*` (route handlers: JSON, screenshots,
 *   downloads). `security-headers.test.ts` checks that file against the constants here.
 * - `proxy.ts`: the pages' Content-Security-Policy ({@link buildPageContentSecurityPolicy}) with a
 *   fresh nonce per request. Next reads the nonce from the request's CSP header and puts it on its
 *   own scripts; every page is rendered per request anyway (the root layout reads the session), so
 *   the nonce costs no static rendering. `/api/*` and `/_next/static` skip the proxy: route
 *   handlers stream large bodies (uploads) that a proxy in front would buffer.
 *
 * The page policy, directive by directive:
 * - `script-src 'nonce-…' 'strict-dynamic'`: only scripts Next tagged with this response's nonce,
 *   and scripts those load (the chunks of `next/dynamic`, e.g. Cytoscape). No inline handlers, no
 *   `eval` (`'unsafe-eval'` is added under `next dev` only, which React needs there). `'self'`
 *   is listed for browsers without `'strict-dynamic'` (CSP 3 browsers ignore it then).
 * - `style-src 'self' 'unsafe-inline'`: CodeMirror injects `<style>` elements and React,
 *   Recharts and Cytoscape set `style` attributes; inline styles cannot run code, so this is
 *   accepted (a nonce here would make browsers ignore `'unsafe-inline'` and block the attributes).
 * - `img-src 'self' data: blob:`: screenshots from `/api/media`, data-URI icons, canvas exports.
 * - `connect-src 'self'`: tRPC over fetch and its SSE subscriptions (EventSource) to this origin.
 * - `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`, `frame-ancestors 'none'`.
 */

/** Sent on every path (pages, route handlers, static files). */
export const STATIC_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  {
    key: 'Permissions-Policy',
    value:
      'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), midi=(), display-capture=(), browsing-topics=()',
  },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
];

/**
 * Route handlers return data, never a document to run: nothing may load, and a response opened
 * directly in a tab is sandboxed (no script, opaque origin).
 */
export const API_CONTENT_SECURITY_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

/** The pages' policy for one response, with its nonce (see the module comment for each directive). */
export function buildPageContentSecurityPolicy(nonce: string, options: { isDev: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.isDev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A fresh nonce: 128 random bits, base64. */
export function createCspNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
