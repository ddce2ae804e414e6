/**
 * User and role management for PIs: list, change roles, invite, create accounts directly.
 * Every change is written to the audit log. A PI cannot remove the last PI.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import type { Role } from '@/lib/core/roles';
import { hashInviteToken, type Auth } from '@/server/auth/auth';
import type { Db } from '@/server/db/client';
import { auditLog, invitation, session, user } from '@/server/db/schema';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/** Who acts: a signed-in user, or `{ id: null, email: 'cli' }` for the command line. */
export interface Actor {
  id: string | null;
  email: string;
}

export function countUsers(db: Db): number {
  return db.select({ n: count() }).from(user).get()?.n ?? 0;
}

export function listUsers(db: Db) {
  return db
    .select({ id: user.id, name: user.name, email: user.email, role: user.role, createdAt: user.createdAt })
    .from(user)
    .orderBy(asc(user.createdAt))
    .all();
}

/** @throws DomainError NOT_FOUND, or CONFLICT when it would leave no PI. */
export function setUserRole(db: Db, actor: Actor, userId: string, role: Role) {
  return db.transaction((tx) => {
    const target = tx
      .select({ id: user.id, role: user.role, email: user.email })
      .from(user)
      .where(eq(user.id, userId))
      .get();
    if (!target) throw new DomainError('NOT_FOUND', `User ${userId} not found`);
    if (target.role === role) return { id: target.id, role };
    if (target.role === 'pi') {
      const pis = tx.select({ n: count() }).from(user).where(eq(user.role, 'pi')).get()?.n ?? 0;
      if (pis <= 1)
        throw new DomainError(
          'CONFLICT',
          'The last PI cannot be given another role; make someone else PI first.',
        );
    }
    tx.update(user).set({ role, updatedAt: new Date() }).where(eq(user.id, userId)).run();
    tx.insert(auditLog)
      .values({
        userId: actor.id,
        actor: actor.email,
        action: 'user.set_role',
        objectType: 'user',
        objectId: userId,
        before: { role: target.role },
        after: { role },
      })
      .run();
    return { id: target.id, role };
  });
}

/**
 * Creates an invitation. @returns the one-time token (only its hash is stored; show it once).
 * @throws DomainError CONFLICT when an account with that email exists.
 */
export function createInvitation(
  db: Db,
  actor: Actor,
  email: string,
  role: Role,
): { id: string; token: string; expiresAt: Date } {
  const normalized = email.trim().toLowerCase();
  const existing = db.select({ id: user.id }).from(user).where(eq(user.email, normalized)).get();
  if (existing) throw new DomainError('CONFLICT', `An account for ${normalized} already exists`);
  const token = randomBytes(24).toString('base64url');
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
  db.transaction((tx) => {
    tx.insert(invitation)
      .values({
        id,
        email: normalized,
        role,
        tokenHash: hashInviteToken(token),
        invitedBy: actor.id,
        expiresAt,
      })
      .run();
    tx.insert(auditLog)
      .values({
        userId: actor.id,
        actor: actor.email,
        action: 'invitation.create',
        objectType: 'invitation',
        objectId: id,
        after: { email: normalized, role },
      })
      .run();
  });
  return { id, token, expiresAt };
}

export function listInvitations(db: Db) {
  return db
    .select({
      id: invitation.id,
      email: invitation.email,
      role: invitation.role,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      acceptedAt: invitation.acceptedAt,
      revokedAt: invitation.revokedAt,
    })
    .from(invitation)
    .orderBy(desc(invitation.createdAt))
    .all();
}

export function revokeInvitation(db: Db, actor: Actor, id: string) {
  db.transaction((tx) => {
    const result = tx
      .update(invitation)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitation.id, id), isNull(invitation.acceptedAt), isNull(invitation.revokedAt)))
      .run();
    if (result.changes === 0) throw new DomainError('NOT_FOUND', 'No pending invitation with that id');
    tx.insert(auditLog)
      .values({
        userId: actor.id,
        actor: actor.email,
        action: 'invitation.revoke',
        objectType: 'invitation',
        objectId: id,
      })
      .run();
  });
}

/**
 * Creates an account with a password the PI hands over, through the same invitation path as
 * sign-up (so the role rules live in one place).
 * @throws DomainError CONFLICT for an existing email, BAD_INPUT for a short password.
 */
export async function createUserAccount(
  db: Db,
  auth: Auth,
  actor: Actor,
  params: { email: string; name: string; password: string; role: Role },
) {
  const hasUsers = countUsers(db) > 0;
  const invite = hasUsers ? createInvitation(db, actor, params.email, params.role) : null;
  try {
    const result = await auth.api.signUpEmail({
      body: {
        email: params.email.trim().toLowerCase(),
        name: params.name,
        password: params.password,
        ...(invite ? { inviteToken: invite.token } : {}),
      },
    });
    const created = db
      .select({ id: user.id, email: user.email, role: user.role })
      .from(user)
      .where(eq(user.id, result.user.id))
      .get();
    if (!created) throw new DomainError('INTERNAL', 'Account was not created');
    // Sign-up signs the new user in; nobody holds that session, so drop it.
    db.delete(session).where(eq(session.userId, created.id)).run();
    db.insert(auditLog)
      .values({
        userId: actor.id,
        actor: actor.email,
        action: 'user.create',
        objectType: 'user',
        objectId: created.id,
        after: { email: created.email, role: created.role },
      })
      .run();
    return created;
  } catch (error) {
    if (invite)
      db.update(invitation).set({ revokedAt: new Date() }).where(eq(invitation.id, invite.id)).run();
    if (error instanceof DomainError) throw error;
    const message =
      (error as { body?: { message?: string }; message?: string }).body?.message ?? (error as Error).message;
    throw new DomainError('BAD_INPUT', `Could not create the account: ${message}`);
  }
}
