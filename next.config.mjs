/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native modules stay outside the bundle; they are loaded from node_modules at run time.
  serverExternalPackages: ['better-sqlite3', 'sharp', 'yauzl'],
  poweredByHeader: false,
  typedRoutes: false,
  // `npm test` runs `tsc --noEmit` itself; checking again inside `next build` only costs time.
  typescript: { ignoreBuildErrors: true },
  experimental: {
    // Folder and zip uploads on the Import page go through a route handler, not server actions.
    serverActions: { bodySizeLimit: '2mb' },
  },
};

export default nextConfig;
