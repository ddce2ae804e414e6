/**
 * Password strength at every door that sets a password: the rule itself, Better Auth's sign-up
 * (first account, invitation), accounts a PI or the CLI creates (`createUserAccount`), change and
 * reset; and a guard that no Better Auth endpoint with a password field escapes the hook.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@/lib/core/errors';
import { checkPasswordStrength, MIN_PASSWORD_SCORE } from '@/server/auth/password-strength';
import { user, verification } from '@/server/db/schema';
import { createInvitation, createUserAccount } from '@/server/services/user-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

const STRONG = 'copper lantern orbit';
const WEAK = [
  'password',
  '12345678',
  'password1',
  'P@ssw0rd1',
  'qwertyuiop',
  'aaaaaaaaaa',
  'iloveyou1',
  '11111111',
];

describe('checkPasswordStrength', () => {
  it.each(WEAK)('refuses %j with advice', (password) => {
    const verdict = checkPasswordStrength(password);
    expect(verdict.ok).toBe(false);
    expect(verdict.score).toBeLessThan(MIN_PASSWORD_SCORE);
    expect(verdict.message).toMatch(/^This password is too easy to guess \(strength \d of 4, needs 3\)\. \S/);
  });

  it.each([STRONG, 'correct-horse-battery', 'xk7-Plume-Orbit-92', 'Velvet&Granite!Tundra'])(
    'accepts %j',
    (password) => {
      expect(checkPasswordStrength(password, ['someone@example.test', 'Some One'])).toMatchObject({
        ok: true,
        message: '',
      });
    },
  );

  it("counts the person's email, its local part and name as guessable", () => {
    expect(checkPasswordStrength('marguerite.okonkwo').ok).toBe(true);
    expect(checkPasswordStrength('marguerite.okonkwo', ['marguerite.okonkwo@lab.example']).ok).toBe(false);
    expect(checkPasswordStrength('okonkwomarguerite', ['', 'Marguerite Okonkwo']).ok).toBe(false);
    expect(checkPasswordStrength('corecurator2024').ok).toBe(false);
  });
});

describe('Better Auth endpoints that set a password', () => {
  let world: TestWorld;
  beforeEach(() => {
    world = createTestWorld();
  });
  afterEach(() => world.cleanup());

  const bodyError = (e: unknown) => (e as { body?: { code?: string; message?: string } }).body;

  /** Field names of a zod body schema (objects, and the intersections and unions of them). */
  function bodyFields(schema: unknown): string[] {
    const def = (schema as { def?: Record<string, unknown> } | undefined)?.def;
    if (!def) return [];
    if (def.type === 'object') return Object.keys((schema as { shape: object }).shape);
    if (def.type === 'intersection') return [...bodyFields(def.left), ...bodyFields(def.right)];
    if (def.type === 'union') return (def.options as unknown[]).flatMap(bodyFields);
    if (def.type === 'optional') return bodyFields(def.innerType);
    return [];
  }

  it("every endpoint that takes a new password names it as the hook expects (sign-up's password, else newPassword)", () => {
    const found: Record<string, string[]> = {};
    for (const [name, endpoint] of Object.entries(world.auth.api)) {
      const { options } = endpoint as { options?: { body?: unknown } };
      const fields = bodyFields(options?.body).filter((f) => /pass(word)?|secret|pin/i.test(f));
      if (fields.length > 0) found[name] = fields.sort();
    }
    expect(found).toEqual({
      signUpEmail: ['password'], // sets it: checked by name
      changePassword: ['currentPassword', 'newPassword'],
      resetPassword: ['newPassword'],
      setPassword: ['newPassword'],
      // These take the current password to prove who you are; they set nothing.
      signInEmail: ['password'],
      verifyPassword: ['password'],
      deleteUser: ['password'],
    });
  });

  it('the first sign-up refuses a weak password (400 PASSWORD_TOO_WEAK) and creates nothing', async () => {
    for (const password of ['password', '12345678', 'first@example.test']) {
      const error = await world.auth.api
        .signUpEmail({ body: { email: 'first@example.test', name: 'First', password } })
        .catch((e: unknown) => e);
      expect(bodyError(error)).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    }
    expect(world.db.select().from(user).all()).toEqual([]);
    await world.auth.api.signUpEmail({
      body: { email: 'first@example.test', name: 'First', password: STRONG },
    });
    expect(world.db.select().from(user).all()).toHaveLength(1);
  });

  it('over HTTP, the refusal is a 400 whose message carries the advice', async () => {
    const res = await world.auth.handler(
      new Request('http://localhost:3000/api/auth/sign-up/email', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body: JSON.stringify({ email: 'first@example.test', name: 'First', password: '12345678' }),
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('PASSWORD_TOO_WEAK');
    expect(body.message).toMatch(/too easy to guess.*commonly used|too easy to guess.*heavily used/);
  });

  it('accepting an invitation refuses a weak password and leaves the invitation usable', async () => {
    await world.auth.api.signUpEmail({ body: { email: 'pi@example.test', name: 'Pi', password: STRONG } });
    const invite = createInvitation(world.db, { id: null, email: 'cli' }, 'ann@example.test', 'annotator');
    // As the sign-up form sends it: the invitation token rides along in the body.
    const signUpInvited = (password: string) =>
      world.auth.api.signUpEmail({
        body: { email: 'ann@example.test', name: 'Ann', password, inviteToken: invite.token } as {
          email: string;
          name: string;
          password: string;
        },
      });
    const error = await signUpInvited('ann@example.test').catch((e: unknown) => e);
    expect(bodyError(error)).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    const created = await signUpInvited(STRONG);
    expect(created.user).toMatchObject({ role: 'annotator' });
  });

  it('an account a PI or the CLI creates refuses a weak password (BAD_INPUT with the advice)', async () => {
    await world.auth.api.signUpEmail({ body: { email: 'pi@example.test', name: 'Pi', password: STRONG } });
    const error = await createUserAccount(
      world.db,
      world.auth,
      { id: null, email: 'cli' },
      { email: 'bo@example.test', name: 'Bo', password: 'password', role: 'researcher' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/too easy to guess/) as string,
    });
    expect(world.db.select().from(user).where(eq(user.email, 'bo@example.test')).get()).toBeUndefined();
  });

  it('changing the password refuses a weak new one (and one made of the email)', async () => {
    const { token } = await world.auth.api.signUpEmail({
      body: { email: 'pi@example.test', name: 'Pi', password: STRONG },
    });
    const headers = new Headers({ authorization: `Bearer ${token}` });
    // Better Auth reads the session from the cookie; build it the way the browser sends it.
    const cookie = await world.auth.api.signInEmail({
      body: { email: 'pi@example.test', password: STRONG },
      returnHeaders: true,
    });
    const setCookie = cookie.headers.get('set-cookie') ?? '';
    headers.set('cookie', setCookie.split(';')[0]!);
    for (const newPassword of ['12345678', 'pi@example.test']) {
      const error = await world.auth.api
        .changePassword({ headers, body: { currentPassword: STRONG, newPassword } })
        .catch((e: unknown) => e);
      expect(bodyError(error)).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    }
    await world.auth.api.changePassword({
      headers,
      body: { currentPassword: STRONG, newPassword: 'granite velvet tundra' },
    });
    await world.auth.api.signInEmail({
      body: { email: 'pi@example.test', password: 'granite velvet tundra' },
    });
  });

  it('resetting the password refuses a weak new one before the token is looked at', async () => {
    const error = await world.auth.api
      .resetPassword({ body: { newPassword: 'password', token: 'no-such-token' } })
      .catch((e: unknown) => e);
    expect(bodyError(error)).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    expect(world.db.select().from(verification).all()).toEqual([]);
  });

  it('the server-only set-password refuses a weak password too', async () => {
    await world.auth.api.signUpEmail({ body: { email: 'pi@example.test', name: 'Pi', password: STRONG } });
    const signedIn = await world.auth.api.signInEmail({
      body: { email: 'pi@example.test', password: STRONG },
      returnHeaders: true,
    });
    const headers = new Headers({ cookie: (signedIn.headers.get('set-cookie') ?? '').split(';')[0]! });
    const error = await world.auth.api
      .setPassword({ headers, body: { newPassword: 'password' } })
      .catch((e: unknown) => e);
    expect(bodyError(error)).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
  });

  it('password reset is rate-limited (it needs no session and checks strength first)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await world.auth.handler(
        new Request('http://localhost:3000/api/auth/reset-password', {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
          body: JSON.stringify({ newPassword: 'copper lantern orbit', token: `no-such-token-${i}` }),
        }),
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});
