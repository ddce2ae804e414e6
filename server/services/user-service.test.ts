/**
 * Accounts and roles: the first sign-up becomes PI, later sign-ups need a PI's invitation (and get
 * its role), PIs create accounts and change roles (audited), and the last PI stays a PI.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { hashInviteToken } from '@/server/auth/auth';
import { auditLog, invitation, user } from '@/server/db/schema';
import {
  countUsers,
  createInvitation,
  createUserAccount,
  listInvitations,
  listUsers,
  revokeInvitation,
  setUserRole,
  type Actor,
} from '@/server/services/user-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const PASSWORD = 'a long enough password';

describe('user-service', () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(async () => {
    await world.cleanup();
  });

  /** Signs up through Better Auth as the browser's sign-up form does. */
  function signUp(email: string, extra: Record<string, unknown> = {}) {
    return world.auth.api.signUpEmail({
      body: { email, name: email.split('@')[0]!, password: PASSWORD, ...extra },
    });
  }

  const userRow = (email: string) => world.db.select().from(user).where(eq(user.email, email)).get();
  const invitationRow = (id: string) =>
    world.db.select().from(invitation).where(eq(invitation.id, id)).get()!;

  /** The first account (a PI, made by signing up) as an actor. */
  async function firstPi(): Promise<Actor & { id: string }> {
    const result = await signUp('pi@example.test');
    return { id: result.user.id, email: result.user.email };
  }

  describe('sign-up', () => {
    it('makes the first account a PI', async () => {
      expect(countUsers(world.db)).toBe(0);
      const result = await signUp('first@example.test');
      expect(result.user).toMatchObject({ email: 'first@example.test', role: 'pi' });
      expect(userRow('first@example.test')).toMatchObject({ role: 'pi', name: 'first' });
      expect(countUsers(world.db)).toBe(1);
    });

    it('refuses a second sign-up without an invitation', async () => {
      await firstPi();
      await expect(signUp('second@example.test')).rejects.toMatchObject({
        status: 'FORBIDDEN',
        message: 'Sign-up needs a valid invitation from a PI.',
      });
      expect(userRow('second@example.test')).toBeUndefined();
      expect(countUsers(world.db)).toBe(1);
    });

    it('refuses a made-up token', async () => {
      await firstPi();
      await expect(signUp('second@example.test', { inviteToken: 'not-a-real-token' })).rejects.toMatchObject({
        message: 'Sign-up needs a valid invitation from a PI.',
      });
      expect(countUsers(world.db)).toBe(1);
    });

    it('gives an invited user the invited role and marks the invitation accepted', async () => {
      const pi = await firstPi();
      const invite = createInvitation(world.db, pi, 'Researcher@Example.test', 'researcher');
      expect(invitationRow(invite.id)).toMatchObject({
        email: 'researcher@example.test',
        role: 'researcher',
        tokenHash: hashInviteToken(invite.token),
        invitedBy: pi.id,
        acceptedAt: null,
      });

      const result = await signUp('researcher@example.test', { inviteToken: invite.token });
      expect(result.user).toMatchObject({ email: 'researcher@example.test', role: 'researcher' });
      expect(userRow('researcher@example.test')?.role).toBe('researcher');
      expect(invitationRow(invite.id).acceptedAt).toBeInstanceOf(Date);

      // A used token does not work twice.
      await expect(signUp('researcher2@example.test', { inviteToken: invite.token })).rejects.toMatchObject({
        message: 'Sign-up needs a valid invitation from a PI.',
      });
    });

    it('an invitee cannot pick their own role', async () => {
      const pi = await firstPi();
      const invite = createInvitation(world.db, pi, 'annotator@example.test', 'annotator');
      // `role` is not a sign-up input: Better Auth drops it and the invitation decides.
      const result = await signUp('annotator@example.test', { inviteToken: invite.token, role: 'pi' });
      expect(result.user).toMatchObject({ role: 'annotator' });
      expect(userRow('annotator@example.test')?.role).toBe('annotator');
      expect(world.db.select().from(user).where(eq(user.role, 'pi')).all()).toHaveLength(1);
    });

    it('refuses a token meant for another email and leaves the invitation pending', async () => {
      const pi = await firstPi();
      const invite = createInvitation(world.db, pi, 'alice@example.test', 'researcher');
      await expect(signUp('mallory@example.test', { inviteToken: invite.token })).rejects.toMatchObject({
        status: 'FORBIDDEN',
        message: 'This invitation is for another email address.',
      });
      expect(userRow('mallory@example.test')).toBeUndefined();
      expect(invitationRow(invite.id)).toMatchObject({ acceptedAt: null, revokedAt: null });
      // Alice can still use it.
      await expect(signUp('alice@example.test', { inviteToken: invite.token })).resolves.toMatchObject({
        user: { role: 'researcher' },
      });
    });

    it('refuses a revoked invitation', async () => {
      const pi = await firstPi();
      const invite = createInvitation(world.db, pi, 'bob@example.test', 'researcher');
      revokeInvitation(world.db, pi, invite.id);
      expect(invitationRow(invite.id).revokedAt).toBeInstanceOf(Date);
      await expect(signUp('bob@example.test', { inviteToken: invite.token })).rejects.toMatchObject({
        message: 'Sign-up needs a valid invitation from a PI.',
      });
      expect(userRow('bob@example.test')).toBeUndefined();
      expect(
        world.db.select({ action: auditLog.action, objectId: auditLog.objectId }).from(auditLog).all(),
      ).toEqual([
        { action: 'invitation.create', objectId: invite.id },
        { action: 'invitation.revoke', objectId: invite.id },
      ]);
      // Revoking twice finds nothing pending.
      expect(() => revokeInvitation(world.db, pi, invite.id)).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    });

    it('refuses an expired invitation', async () => {
      const pi = await firstPi();
      const invite = createInvitation(world.db, pi, 'carol@example.test', 'annotator');
      world.db
        .update(invitation)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(invitation.id, invite.id))
        .run();
      await expect(signUp('carol@example.test', { inviteToken: invite.token })).rejects.toMatchObject({
        message: 'Sign-up needs a valid invitation from a PI.',
      });
      expect(userRow('carol@example.test')).toBeUndefined();
      expect(invitationRow(invite.id).acceptedAt).toBeNull();
    });
  });

  describe('createInvitation', () => {
    it('refuses an email that already has an account (CONFLICT), in any case', async () => {
      const pi = await firstPi();
      for (const email of ['pi@example.test', ' PI@Example.TEST ']) {
        expect(() => createInvitation(world.db, pi, email, 'annotator')).toThrow(
          expect.objectContaining({
            code: 'CONFLICT',
            message: 'An account for pi@example.test already exists',
          }),
        );
      }
      expect(listInvitations(world.db)).toEqual([]);
    });

    it('stores only the token hash, expires in seven days and writes the audit log', async () => {
      const pi = await firstPi();
      const before = Date.now();
      const invite = createInvitation(world.db, pi, 'dave@example.test', 'researcher');
      const row = invitationRow(invite.id);
      expect(row.tokenHash).toBe(hashInviteToken(invite.token));
      expect(row.tokenHash).not.toContain(invite.token);
      expect(invite.expiresAt.getTime() - before).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000 - 1000);
      expect(invite.expiresAt.getTime() - before).toBeLessThanOrEqual(7 * 24 * 3600 * 1000 + 1000);
      expect(world.db.select().from(auditLog).all()).toMatchObject([
        {
          userId: pi.id,
          actor: pi.email,
          action: 'invitation.create',
          objectType: 'invitation',
          objectId: invite.id,
          after: { email: 'dave@example.test', role: 'researcher' },
        },
      ]);
      expect(listInvitations(world.db)).toMatchObject([
        { id: invite.id, email: 'dave@example.test', role: 'researcher', acceptedAt: null, revokedAt: null },
      ]);
    });
  });

  describe('createUserAccount', () => {
    it('creates an account with the given role; the new user can sign in', async () => {
      const pi = await firstPi();
      const created = await createUserAccount(world.db, world.auth, pi, {
        email: ' Erin@Example.test ',
        name: 'Erin',
        password: PASSWORD,
        role: 'researcher',
      });
      expect(created).toEqual({
        id: expect.any(String) as string,
        email: 'erin@example.test',
        role: 'researcher',
      });

      const signedIn = await world.auth.api.signInEmail({
        body: { email: 'erin@example.test', password: PASSWORD },
      });
      expect(signedIn.user).toMatchObject({ id: created.id, email: 'erin@example.test', role: 'researcher' });
      expect(signedIn.token).toEqual(expect.any(String));
      await expect(
        world.auth.api.signInEmail({ body: { email: 'erin@example.test', password: 'the wrong password' } }),
      ).rejects.toBeTruthy();

      // Through the invitation path: one invitation, accepted, and both steps audited.
      expect(listInvitations(world.db)).toMatchObject([
        { email: 'erin@example.test', role: 'researcher', revokedAt: null },
      ]);
      expect(listInvitations(world.db)[0]!.acceptedAt).toBeInstanceOf(Date);
      expect(
        world.db
          .select({ action: auditLog.action, objectId: auditLog.objectId, after: auditLog.after })
          .from(auditLog)
          .all(),
      ).toEqual([
        {
          action: 'invitation.create',
          objectId: expect.any(String) as string,
          after: { email: 'erin@example.test', role: 'researcher' },
        },
        {
          action: 'user.create',
          objectId: created.id,
          after: { email: 'erin@example.test', role: 'researcher' },
        },
      ]);
      expect(listUsers(world.db).map((u) => [u.email, u.role])).toEqual([
        ['pi@example.test', 'pi'],
        ['erin@example.test', 'researcher'],
      ]);
    });

    it('refuses an existing email (CONFLICT) and creates nothing', async () => {
      const pi = await firstPi();
      await expect(
        createUserAccount(world.db, world.auth, pi, {
          email: 'pi@example.test',
          name: 'Again',
          password: PASSWORD,
          role: 'annotator',
        }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(countUsers(world.db)).toBe(1);
      expect(listInvitations(world.db)).toEqual([]);
    });

    it('a refused password (too short) is BAD_INPUT and revokes the invitation it made', async () => {
      const pi = await firstPi();
      const error = await createUserAccount(world.db, world.auth, pi, {
        email: 'frank@example.test',
        name: 'Frank',
        password: 'short',
        role: 'annotator',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(/^Could not create the account: /) as string,
      });
      expect(userRow('frank@example.test')).toBeUndefined();
      const [invite] = listInvitations(world.db);
      expect(invite).toMatchObject({ email: 'frank@example.test', acceptedAt: null });
      expect(invite!.revokedAt).toBeInstanceOf(Date);
    });
  });

  describe('setUserRole', () => {
    it('changes the role and writes the audit log with before and after', async () => {
      const pi = await firstPi();
      const annotator = world.makeUser('annotator');
      expect(setUserRole(world.db, pi, annotator.id, 'researcher')).toEqual({
        id: annotator.id,
        role: 'researcher',
      });
      expect(world.db.select({ role: user.role }).from(user).where(eq(user.id, annotator.id)).get()).toEqual({
        role: 'researcher',
      });
      expect(world.db.select().from(auditLog).all()).toMatchObject([
        {
          userId: pi.id,
          actor: 'pi@example.test',
          action: 'user.set_role',
          objectType: 'user',
          objectId: annotator.id,
          before: { role: 'annotator' },
          after: { role: 'researcher' },
        },
      ]);
    });

    it('setting the same role is a no-op without an audit entry', async () => {
      const pi = await firstPi();
      const researcher = world.makeUser('researcher');
      expect(setUserRole(world.db, pi, researcher.id, 'researcher')).toEqual({
        id: researcher.id,
        role: 'researcher',
      });
      expect(world.db.select().from(auditLog).all()).toEqual([]);
    });

    it('refuses to demote the last PI (CONFLICT); with a second PI it works', async () => {
      const pi = await firstPi();
      expect(() => setUserRole(world.db, pi, pi.id, 'researcher')).toThrow(
        expect.objectContaining({ code: 'CONFLICT' }),
      );
      expect(userRow('pi@example.test')?.role).toBe('pi');
      expect(world.db.select().from(auditLog).all()).toEqual([]);

      const other = world.makeUser('annotator');
      setUserRole(world.db, pi, other.id, 'pi');
      expect(setUserRole(world.db, pi, pi.id, 'annotator')).toEqual({ id: pi.id, role: 'annotator' });
      expect(() => setUserRole(world.db, other, other.id, 'annotator')).toThrow(
        expect.objectContaining({ code: 'CONFLICT' }),
      );
      expect(
        world.db
          .select()
          .from(user)
          .where(eq(user.role, 'pi'))
          .all()
          .map((u) => u.id),
      ).toEqual([other.id]);
    });

    it('an unknown user is NOT_FOUND', async () => {
      const pi = await firstPi();
      expect(() => setUserRole(world.db, pi, 'nobody', 'annotator')).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND' }),
      );
    });
  });
});
