/**
 * Runs once when the Next server starts, before it handles requests: makes every file the process
 * creates private (umask 0o077, server/private-files.ts), installs the hook that resolves each
 * request's client address for the sign-in limit (server/http/client-address.ts), then opens the
 * database and applies pending migrations.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { applyPrivateUmask } = await import('@/server/private-files');
    applyPrivateUmask();
    const { readEnv } = await import('@/server/env');
    const { installClientAddressHook } = await import('@/server/http/client-address');
    installClientAddressHook(readEnv().trustedProxies);
    const { getAppServices } = await import('@/server/app-services');
    getAppServices();
  }
}
