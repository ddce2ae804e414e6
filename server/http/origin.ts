/**
 * Cross-site request forgery defence for state-changing requests: the request must come from a
 * page of the dashboard itself.
 *
 * A browser names the page that made a request in `Origin` (every cross-origin request and every
 * POST; Fetch standard § "origin header") and says how that page relates to the target in
 * `Sec-Fetch-Site` (W3C Fetch Metadata; Chromium since 2019, Firefox since 2021, Safari since
 * 2023). Rule, in order:
 * 1. `Sec-Fetch-Site: cross-site` or `same-site` → refused (`same-site` covers another port or a
 *    sibling host of the same site, e.g. a bundled environment app on another port).
 * 2. `Origin` present → it must be one of the allowed origins (`null`, sent by sandboxed frames
 *    and `data:` pages, is refused).
 * 3. No `Origin` → allowed only with `Sec-Fetch-Site: same-origin`; a request with neither header
 *    is refused. Browsers always send one of them on a POST, so this refuses only non-browser
 *    clients, which can add `Origin` themselves.
 *
 * The allowed origins are `BETTER_AUTH_URL`'s origin, and, when that is a loopback address, the
 * other loopback names on the same port (`localhost`, `127.0.0.1`, `[::1]`) — see
 * {@link trustedOriginsFor}; Better Auth is given the same list.
 *
 * Where it applies: tRPC mutations over HTTP (`server/trpc/init.ts`), `/api/import` and every other
 * state-changing route handler. Not to `/api/ingest/*` (API keys in a header, which a browser never
 * adds on its own), not to `/api/auth/*` (Better Auth checks `Origin` itself, including on the
 * first sign-in without cookies), not to server-side callers (`createCaller`, the CLI).
 */
import { readEnv } from '@/server/env';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The origins a dashboard page can have, given the public base URL. */
export function trustedOriginsFor(baseUrl: string): string[] {
  const base = new URL(baseUrl);
  if (!LOOPBACK_HOSTS.includes(base.hostname)) return [base.origin];
  const port = base.port ? `:${base.port}` : '';
  return [
    base.origin,
    ...LOOPBACK_HOSTS.map((host) => `${base.protocol}//${host}${port}`).filter((o) => o !== base.origin),
  ];
}

export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

/** Applies the rule of this module to a request's headers. */
export function checkRequestOrigin(headers: Headers, allowedOrigins: readonly string[]): OriginVerdict {
  const site = headers.get('sec-fetch-site')?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site')
    return { allowed: false, reason: `a ${site} request (Sec-Fetch-Site) may not change anything` };
  const origin = headers.get('origin')?.trim();
  if (origin) {
    if (origin === 'null')
      return { allowed: false, reason: 'the request comes from an opaque origin (null)' };
    let normalized: string;
    try {
      normalized = new URL(origin).origin;
    } catch {
      return { allowed: false, reason: 'the Origin header is not a URL origin' };
    }
    if (normalized !== origin.toLowerCase() && normalized !== origin)
      return { allowed: false, reason: 'the Origin header is not a bare origin' };
    return allowedOrigins.includes(normalized)
      ? { allowed: true }
      : { allowed: false, reason: `origin ${normalized} is not the dashboard's` };
  }
  if (site === 'same-origin') return { allowed: true };
  return { allowed: false, reason: 'the request names no Origin' };
}

/** The message of every refusal (a reason is appended). */
export const CROSS_ORIGIN_MESSAGE = 'Refused: state-changing requests must come from the dashboard itself';

/**
 * For route handlers: `null` when `req` may proceed, else the 403 response to return. Call it
 * first in every POST/PUT/PATCH/DELETE handler (before reading the body or the session).
 */
export function refuseCrossOrigin(req: Request): Response | null {
  const verdict = checkRequestOrigin(req.headers, trustedOriginsFor(readEnv().baseUrl));
  if (verdict.allowed) return null;
  return Response.json({ error: `${CROSS_ORIGIN_MESSAGE} (${verdict.reason}).` }, { status: 403 });
}
