import 'server-only';
import { isRole } from '@/lib/core/roles';
import { getAppServices } from '@/server/app-services';
import { readEnv } from '@/server/env';
import { trustedOriginsFor } from '@/server/http/origin';
import type { SessionUser, TrpcContext } from '@/server/trpc/init';

/** Reads the signed-in user from the request's session cookie. */
export async function getSessionUser(headers: Headers): Promise<SessionUser | null> {
  const { auth } = getAppServices();
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const role = (session.user as { role?: unknown }).role;
  return {
    id: session.user.id,
    email: session.user.email,
    name: session.user.name,
    role: isRole(role) ? role : 'annotator',
  };
}

/**
 * The context of one call. `viaHttp` marks calls that arrived at `/api/trpc` over HTTP: their
 * mutations must pass the same-origin check (server components pass their page request's headers
 * for the session only).
 */
export async function createTrpcContext(opts: { headers: Headers; viaHttp?: boolean }): Promise<TrpcContext> {
  const services = getAppServices();
  return {
    db: services.db,
    dataDir: services.dataDir,
    auth: services.auth,
    jobs: services.jobs,
    user: await getSessionUser(opts.headers),
    ...(opts.viaHttp
      ? { http: { headers: opts.headers, allowedOrigins: trustedOriginsFor(readEnv().baseUrl) } }
      : {}),
  };
}
