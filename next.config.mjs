// Security headers: the values are those of server/http/security-headers.ts (the pages' CSP, which
// carries a per-request nonce, is set by proxy.ts); server/http/security-headers.test.ts checks
// that the two agree.
const STATIC_SECURITY_HEADERS = [
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
const API_CONTENT_SECURITY_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native modules stay outside the bundle; they are loaded from node_modules at run time.
  serverExternalPackages: ['better-sqlite3', 'sharp', 'yauzl'],
  poweredByHeader: false,
  typedRoutes: false,
  // `npm test` runs `tsc --noEmit` itself; checking again inside `next build` only costs time.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [
      { source: '/:path*', headers: STATIC_SECURITY_HEADERS },
      {
        source: '/api/:path*',
        headers: [{ key: 'Content-Security-Policy', value: API_CONTENT_SECURITY_POLICY }],
      },
    ];
  },
};

export default nextConfig;
