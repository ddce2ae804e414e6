/**
 * Runs before every page: gives the response its Content-Security-Policy with a fresh nonce
 * (`server/http/security-headers.ts`). The same policy goes on the request, where Next reads the
 * nonce to put on its own scripts (Next docs, guides/content-security-policy). Route handlers
 * (`/api/*`) and static files are not matched: they get their headers from `next.config.mjs`.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { buildPageContentSecurityPolicy, createCspNonce } from '@/server/http/security-headers';

export function proxy(request: NextRequest) {
  const policy = buildPageContentSecurityPolicy(createCspNonce(), {
    isDev: process.env.NODE_ENV === 'development',
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('content-security-policy', policy);
  return response;
}

export const config = {
  // Everything but route handlers, Next's static files and image optimiser, and the favicon.
  matcher: ['/((?!api|_next/static|_next/image|favicon.ico).*)'],
};
