/** Page guards for server components: redirect to sign-in, or render a 403 for a wrong role. */
import 'server-only';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { hasScope, type Scope } from '@/lib/core/roles';
import { toSafeNextPath } from '@/lib/core/safe-redirect';
import { getSessionUser } from '@/server/trpc/context';
import type { SessionUser } from '@/server/trpc/init';

/** The signed-in user, or a redirect to `/sign-in?next=<path>` (`path` reduced by toSafeNextPath). */
export async function requireUser(nextPath: string): Promise<SessionUser> {
  const user = await getSessionUser(await headers());
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(toSafeNextPath(nextPath))}`);
  return user;
}

/** The user and whether they hold `scope` (pages render <Forbidden> when not). */
export async function requireScope(
  nextPath: string,
  scope: Scope,
): Promise<{ user: SessionUser; allowed: boolean }> {
  const user = await requireUser(nextPath);
  return { user, allowed: hasScope(user.role, scope) };
}

export async function getOptionalUser(): Promise<SessionUser | null> {
  return getSessionUser(await headers());
}
