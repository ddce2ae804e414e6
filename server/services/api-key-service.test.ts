import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKey, auditLog, user } from '@/server/db/schema';
import {
  API_KEY_LAST_USED_RESOLUTION_MS,
  ApiKeyAuthError,
  authenticateApiKey,
  createApiKey,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
  type ApiKeyAuthFailure,
} from '@/server/services/api-key-service';
import { createTestWorld, type TestWorld } from '@/server/testing/harness';

let world: TestWorld;
afterEach(async () => world?.cleanup());

function refusal(fn: () => unknown): { reason: ApiKeyAuthFailure; code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiKeyAuthError);
    const e = error as ApiKeyAuthError;
    return { reason: e.reason, code: e.code, message: e.message };
  }
  throw new Error('expected the key to be refused');
}

describe('API keys', () => {
  it('creates a key shown once, storing only its sha256 and prefix, and audits it without the key', () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    const created = createApiKey(world.db, researcher, '  BrowserGym runner ');
    expect(created.key).toMatch(/^cck_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 10));
    expect(created.name).toBe('BrowserGym runner');
    const row = world.db.select().from(apiKey).where(eq(apiKey.id, created.id)).get();
    expect(row).toMatchObject({
      userId: researcher.id,
      prefix: created.prefix,
      keyHash: hashApiKey(created.key),
      lastUsedAt: null,
      revokedAt: null,
    });
    const audit = world.db.select().from(auditLog).all();
    expect(audit).toMatchObject([
      {
        action: 'api_key.create',
        objectType: 'api_key',
        objectId: created.id,
        actor: researcher.email,
        after: { name: 'BrowserGym runner', prefix: created.prefix, userId: researcher.id },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(created.key.slice(10));
    expect(() => createApiKey(world.db, researcher, '   ')).toThrow(/name: must be 1 to 100/);
  });

  it('never writes the plaintext key to the database file', () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    const { key } = createApiKey(world.db, researcher, 'laptop');
    authenticateApiKey(world.db, `Bearer ${key}`);
    world.db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const dbFiles = fs.readdirSync(world.dataDir).filter((f) => f.startsWith('core-curator.db'));
    expect(dbFiles.length).toBeGreaterThan(0);
    const secret = key.slice('cck_'.length);
    for (const file of dbFiles) {
      const bytes = fs.readFileSync(path.join(world.dataDir, file));
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from(hashApiKey(key)))).toBe(file === 'core-curator.db');
    }
  });

  it('lists own keys for a researcher and every key with its owner for a PI', () => {
    world = createTestWorld();
    const alice = world.makeUser('researcher', 'alice@example.test');
    const bob = world.makeUser('researcher', 'bob@example.test');
    const pi = world.makeUser('pi', 'pi@example.test');
    createApiKey(world.db, alice, 'alice-1');
    createApiKey(world.db, bob, 'bob-1');
    expect(listApiKeys(world.db, alice).map((k) => k.name)).toEqual(['alice-1']);
    const all = listApiKeys(world.db, pi);
    expect(all.map((k) => [k.name, k.owner.email]).sort()).toEqual([
      ['alice-1', 'alice@example.test'],
      ['bob-1', 'bob@example.test'],
    ]);
    expect(JSON.stringify(all)).not.toMatch(/keyHash|[0-9a-f]{64}/);
  });

  it('revokes own keys; anyone’s only for a PI; audited once', () => {
    world = createTestWorld();
    const alice = world.makeUser('researcher', 'alice@example.test');
    const bob = world.makeUser('researcher', 'bob@example.test');
    const pi = world.makeUser('pi', 'pi@example.test');
    const aliceKey = createApiKey(world.db, alice, 'alice-1');
    const bobKey = createApiKey(world.db, bob, 'bob-1');

    expect(() => revokeApiKey(world.db, alice, bobKey.id)).toThrow(/not found/);
    expect(() => revokeApiKey(world.db, alice, 'nope')).toThrow(/not found/);
    const own = revokeApiKey(world.db, alice, aliceKey.id);
    expect(own.revokedAt).toBeInstanceOf(Date);
    const byPi = revokeApiKey(world.db, pi, bobKey.id);
    expect(byPi.prefix).toBe(bobKey.prefix);
    // Again: no change, no second audit entry.
    expect(revokeApiKey(world.db, pi, bobKey.id).revokedAt).toEqual(byPi.revokedAt);

    const revocations = world.db
      .select({ objectId: auditLog.objectId, actor: auditLog.actor, before: auditLog.before })
      .from(auditLog)
      .where(eq(auditLog.action, 'api_key.revoke'))
      .all();
    expect(revocations).toEqual([
      {
        objectId: aliceKey.id,
        actor: 'alice@example.test',
        before: expect.objectContaining({ name: 'alice-1' }) as unknown,
      },
      {
        objectId: bobKey.id,
        actor: 'pi@example.test',
        before: expect.objectContaining({ name: 'bob-1' }) as unknown,
      },
    ]);
    expect(listApiKeys(world.db, pi).find((k) => k.id === bobKey.id)?.revokedBy).toBe('pi@example.test');
  });

  it('authenticates a bearer key as its user, and says why a key is refused', () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    const annotator = world.makeUser('annotator');
    const { key, id } = createApiKey(world.db, researcher, 'ok');
    const annotatorKey = createApiKey(world.db, annotator, 'theirs').key;

    expect(authenticateApiKey(world.db, `Bearer ${key}`)).toEqual({ user: { ...researcher }, keyId: id });
    expect(authenticateApiKey(world.db, `bearer   ${key} `).user.id).toBe(researcher.id);

    expect(refusal(() => authenticateApiKey(world.db, null))).toMatchObject({
      reason: 'missing',
      code: 'UNAUTHORIZED',
    });
    expect(refusal(() => authenticateApiKey(world.db, 'Basic abc')).reason).toBe('malformed');
    expect(refusal(() => authenticateApiKey(world.db, `Bearer ${key.slice(0, -1)}`)).reason).toBe(
      'malformed',
    );
    const unknown = refusal(() => authenticateApiKey(world.db, `Bearer cck_${'A'.repeat(43)}`));
    expect(unknown).toMatchObject({ reason: 'unknown', message: 'Unknown API key' });
    expect(refusal(() => authenticateApiKey(world.db, `Bearer ${annotatorKey}`))).toMatchObject({
      reason: 'role',
      code: 'FORBIDDEN',
    });

    // A demoted researcher's key stops working without being revoked.
    world.db.update(user).set({ role: 'annotator' }).where(eq(user.id, researcher.id)).run();
    expect(refusal(() => authenticateApiKey(world.db, `Bearer ${key}`)).reason).toBe('role');
    world.db.update(user).set({ role: 'researcher' }).where(eq(user.id, researcher.id)).run();

    revokeApiKey(world.db, researcher, id);
    expect(refusal(() => authenticateApiKey(world.db, `Bearer ${key}`))).toMatchObject({
      reason: 'revoked',
      code: 'UNAUTHORIZED',
      message: 'API key revoked',
    });
  });

  it('records the last use at most once a minute', () => {
    world = createTestWorld();
    const researcher = world.makeUser('researcher');
    const { key, id } = createApiKey(world.db, researcher, 'ok');
    const lastUsed = () =>
      world.db.select({ at: apiKey.lastUsedAt }).from(apiKey).where(eq(apiKey.id, id)).get()?.at;
    const t0 = new Date('2030-01-01T00:00:00Z');
    authenticateApiKey(world.db, `Bearer ${key}`, t0);
    expect(lastUsed()).toEqual(t0);
    authenticateApiKey(world.db, `Bearer ${key}`, new Date(t0.getTime() + 30_000));
    expect(lastUsed()).toEqual(t0);
    const later = new Date(t0.getTime() + API_KEY_LAST_USED_RESOLUTION_MS + 1);
    authenticateApiKey(world.db, `Bearer ${key}`, later);
    expect(lastUsed()).toEqual(later);
  });
});
