import type { NextConfig } from 'next';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- next.config.mjs is plain JavaScript (allowJs is off); typed just below.
import nextConfigModule from '@/next.config.mjs';
import { config as proxyConfig } from '@/proxy';
import {
  API_CONTENT_SECURITY_POLICY,
  buildPageContentSecurityPolicy,
  createCspNonce,
  STATIC_SECURITY_HEADERS,
} from '@/server/http/security-headers';

const nextConfig = nextConfigModule as NextConfig;

/** The directives of a policy, as `name → sources`. */
function directives(policy: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const directive of policy.split(';')) {
    const [name = '', ...sources] = directive.trim().split(/\s+/);
    out[name] = sources.join(' ');
  }
  return out;
}

describe('security headers', () => {
  it('next.config.mjs sends the static headers on every path and the API policy on /api', async () => {
    const rules = (await nextConfig.headers!()) as {
      source: string;
      headers: { key: string; value: string }[];
    }[];
    expect(rules).toEqual([
      { source: '/:path*', headers: STATIC_SECURITY_HEADERS },
      {
        source: '/api/:path*',
        headers: [{ key: 'Content-Security-Policy', value: API_CONTENT_SECURITY_POLICY }],
      },
    ]);
  });

  it('the proxy (page CSP) runs on pages but not on route handlers or static files', () => {
    const [matcher] = proxyConfig.matcher;
    const pattern = new RegExp(`^${matcher}$`);
    for (const page of ['/', '/tasks', '/tasks/abc', '/sign-in', '/label-functions/1', '/review/item/x'])
      expect(pattern.test(page), page).toBe(true);
    for (const other of [
      '/api/trpc/tasks.list',
      '/api/import',
      '/api/media/ab',
      '/_next/static/chunks/a.js',
      '/favicon.ico',
    ])
      expect(pattern.test(other), other).toBe(false);
  });

  it('the page policy allows only nonce-tagged scripts and blocks plugins, framing and foreign forms', () => {
    const nonce = createCspNonce();
    const policy = directives(buildPageContentSecurityPolicy(nonce, { isDev: false }));
    expect(policy['script-src']).toBe(`'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(policy['script-src']).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(policy['object-src']).toBe("'none'");
    expect(policy['frame-ancestors']).toBe("'none'");
    expect(policy['base-uri']).toBe("'self'");
    expect(policy['form-action']).toBe("'self'");
    expect(policy['default-src']).toBe("'self'");
    expect(policy['connect-src']).toBe("'self'");
    expect(directives(buildPageContentSecurityPolicy(nonce, { isDev: true }))['script-src']).toContain(
      "'unsafe-eval'",
    );
  });

  it('nonces are fresh, 128-bit, base64', () => {
    const nonces = new Set(Array.from({ length: 100 }, createCspNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
