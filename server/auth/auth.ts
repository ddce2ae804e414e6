/**
 * Authentication with Better Auth (email + password, database sessions) over the drizzle adapter.
 *
 * Accounts: the first account ever created becomes a `pi`. After that, sign-up needs an invitation
 * token a PI created (`invitation` table, only its sha256 stored); the invitee gets the invited
 * role. A PI can also create accounts directly (same path: an invitation consumed at once).
 * Roles live in `user.role` and cannot be set through sign-up input (`input: false`).
 *
 * Passwords: every endpoint that sets one (see `newPasswordIn`) first passes it through
 * `checkPasswordStrength` (zxcvbn score ≥ 3 with the person's email and name as guessable words);
 * a weak one is refused with 400 `PASSWORD_TOO_WEAK` and the library's advice. This covers the
 * sign-up form, invitations, accounts a PI or the CLI creates, and password change and reset.
 *
 * Sign-in limit: per client address as resolved by `server/http/client-address.ts` (the socket
 * peer; `X-Forwarded-For` only from a trusted proxy); origins: `trustedOriginsFor(baseUrl)`.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware, getSessionFromCtx } from 'better-auth/api';
import { and, count, eq, gt, isNull } from 'drizzle-orm';
import { isRole, MIN_PASSWORD_LENGTH, type Role } from '@/lib/core/roles';
import { checkPasswordStrength } from '@/server/auth/password-strength';
import type { Db } from '@/server/db/client';
import { clientAddressHeader } from '@/server/http/client-address';
import { ensurePrivateDir, tightenMode } from '@/server/private-files';
import { trustedOriginsFor } from '@/server/http/origin';
import { account, invitation, session, user, verification } from '@/server/db/schema';

export { MIN_PASSWORD_LENGTH };

export function hashInviteToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Reads `BETTER_AUTH_SECRET`, or a secret generated once under the data directory (mode 0600). */
export function resolveAuthSecret(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir, 'auth-secret');
  if (fs.existsSync(file)) {
    tightenMode(file);
    return fs.readFileSync(file, 'utf8').trim();
  }
  ensurePrivateDir(dataDir);
  const secret = randomBytes(32).toString('hex');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, secret, { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secret;
}

/** The pending (not accepted, revoked or expired) invitation for `token`, if any. */
export function findUsableInvitation(db: Db, token: string) {
  return db
    .select()
    .from(invitation)
    .where(
      and(
        eq(invitation.tokenHash, hashInviteToken(token)),
        isNull(invitation.acceptedAt),
        isNull(invitation.revokedAt),
        gt(invitation.expiresAt, new Date()),
      ),
    )
    .get();
}

function readInviteToken(body: unknown): string | null {
  if (body && typeof body === 'object' && 'inviteToken' in body) {
    const token = (body as { inviteToken?: unknown }).inviteToken;
    return typeof token === 'string' && token.length > 0 ? token : null;
  }
  return null;
}

/**
 * The new password a Better Auth request carries, if any. In Better Auth 1.7.7 every endpoint that
 * sets a password names it `newPassword` (change-password, reset-password, the server-only
 * set-password) except sign-up, which names it `password`; `password-strength.test.ts` fails if an
 * endpoint appears that breaks this. Keyed on the body, not the path: server-only endpoints run
 * their hooks with the path `/`.
 */
function newPasswordIn(path: string, body: Record<string, unknown>): string | undefined {
  if (typeof body.newPassword === 'string') return body.newPassword;
  if (path === '/sign-up/email' && typeof body.password === 'string') return body.password;
  return undefined;
}

/** Refuses a weak new password before the endpoint that would set it runs. */
const passwordStrengthHook = createAuthMiddleware(async (ctx) => {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const password = newPasswordIn(ctx.path, body);
  // A missing or non-string password is left to the endpoint's own validation.
  if (password === undefined) return;
  const inputs = [body.email, body.name].filter((v): v is string => typeof v === 'string');
  if (typeof body.newPassword === 'string') {
    const current = await getSessionFromCtx(ctx).catch(() => null);
    if (current) inputs.push(current.user.email, current.user.name);
  }
  const verdict = checkPasswordStrength(password, inputs);
  if (!verdict.ok) throw new APIError('BAD_REQUEST', { message: verdict.message, code: 'PASSWORD_TOO_WEAK' });
});

export function createAuth(
  db: Db,
  options: { secret: string; baseUrl: string; signInLimitPerMinute?: number },
) {
  return betterAuth({
    appName: 'core-curator',
    secret: options.secret,
    baseURL: options.baseUrl,
    trustedOrigins: trustedOriginsFor(options.baseUrl),
    database: drizzleAdapter(db, { provider: 'sqlite', schema: { user, session, account, verification } }),
    emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH, autoSignIn: true },
    session: { expiresIn: 60 * 60 * 24 * 14, updateAge: 60 * 60 * 24 },
    // Brute-force protection per client address, in memory (one server process). The address is
    // the one server/http/client-address.ts resolved into its per-process header; a request
    // without it falls into one shared bucket (never a client-chosen key).
    advanced: {
      ipAddress: { ipAddressHeaders: [clientAddressHeader()] },
      // Better Auth skips its Origin/CSRF checks when NODE_ENV is `test`; keep them on always.
      disableOriginCheck: false,
      disableCSRFCheck: false,
    },
    hooks: { before: passwordStrengthHook },
    rateLimit: {
      enabled: true,
      window: 60,
      max: 600,
      customRules: {
        '/sign-in/email': { window: 60, max: options.signInLimitPerMinute ?? 10 },
        '/sign-up/email': { window: 60, max: 10 },
        // Needs no session and runs the strength check (tens of ms of CPU) before the token is
        // looked at; Better Auth's default would allow 600 a minute.
        '/reset-password': { window: 60, max: 10 },
      },
    },
    user: {
      additionalFields: {
        role: { type: 'string', required: false, defaultValue: 'annotator', input: false },
      },
    },
    telemetry: { enabled: false },
    databaseHooks: {
      user: {
        create: {
          before: (newUser, ctx) => {
            const existing = db.select({ n: count() }).from(user).get()?.n ?? 0;
            if (existing === 0) return Promise.resolve({ data: { ...newUser, role: 'pi' satisfies Role } });
            const token = readInviteToken(ctx?.body);
            const invite = token ? findUsableInvitation(db, token) : undefined;
            if (!invite) {
              throw new APIError('FORBIDDEN', { message: 'Sign-up needs a valid invitation from a PI.' });
            }
            if (invite.email.toLowerCase() !== newUser.email.toLowerCase()) {
              throw new APIError('FORBIDDEN', { message: 'This invitation is for another email address.' });
            }
            return Promise.resolve({
              data: { ...newUser, role: isRole(invite.role) ? invite.role : 'annotator' },
            });
          },
          after: (_created, ctx) => {
            const token = readInviteToken(ctx?.body);
            if (token)
              db.update(invitation)
                .set({ acceptedAt: new Date() })
                .where(eq(invitation.tokenHash, hashInviteToken(token)))
                .run();
            return Promise.resolve();
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
