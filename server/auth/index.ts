/** The process-wide Better Auth instance for the configured data directory. */
import 'server-only';
import { getDb } from '@/server/db/client';
import { readEnv } from '@/server/env';
import { createAuth, resolveAuthSecret, type Auth } from '@/server/auth/auth';

const globalForAuth = globalThis as unknown as { coreCuratorAuth?: Auth };

export function getAuth(): Auth {
  if (!globalForAuth.coreCuratorAuth) {
    const env = readEnv();
    globalForAuth.coreCuratorAuth = createAuth(getDb(), {
      secret: resolveAuthSecret(env.dataDir, env.authSecret),
      baseUrl: env.baseUrl,
      signInLimitPerMinute: env.signInLimitPerMinute,
    });
  }
  return globalForAuth.coreCuratorAuth;
}
