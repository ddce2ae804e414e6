/**
 * Per-user API keys for the ingestion API (`app/api/ingest/v1`): researchers create and revoke
 * their own, a PI lists and revokes anyone's. A key is `cck_` + 32 random bytes in base64url,
 * shown once at creation; only its sha256 and a display prefix (`cck_` + 6 characters) are
 * stored. Creation and revocation are audited (never the key itself).
 *
 * A request authenticated by a key acts as the key's user, and only while that user still holds a
 * role with `imports:write`: a demoted researcher's keys stop working without being revoked.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { aliasedTable, and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import { DomainError } from '@/lib/core/errors';
import { hasScope, isRole, type Role } from '@/lib/core/roles';
import { inTransaction, type Db } from '@/server/db/client';
import { apiKey, user } from '@/server/db/schema';
import { recordAudit } from '@/server/services/audit-service';

export const API_KEY_PREFIX = 'cck_';
/** Random bytes per key (256 bits). */
export const API_KEY_RANDOM_BYTES = 32;
/** Characters of the random part kept, after `cck_`, as the key's display prefix. */
export const API_KEY_DISPLAY_CHARS = 6;
export const API_KEY_NAME_MAX_CHARS = 100;
/** `lastUsedAt` is written at most this often per key, so busy harnesses do not write per request. */
export const API_KEY_LAST_USED_RESOLUTION_MS = 60_000;

/** `cck_` + base64url of 32 bytes (43 characters, no padding). */
const API_KEY_RE = /^cck_[A-Za-z0-9_-]{43}$/;

/** Who acts on keys: a signed-in user. */
export interface ApiKeyActor {
  id: string;
  email: string;
  role: Role;
}

/** The user a valid key acts as. */
export interface ApiKeyUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A fresh key and its display prefix (`cck_` + the first 6 characters of the random part). */
export function generateApiKey(): { key: string; prefix: string } {
  const secret = randomBytes(API_KEY_RANDOM_BYTES).toString('base64url');
  return {
    key: `${API_KEY_PREFIX}${secret}`,
    prefix: `${API_KEY_PREFIX}${secret.slice(0, API_KEY_DISPLAY_CHARS)}`,
  };
}

export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  /** The plaintext key: returned once, never stored. */
  key: string;
}

/**
 * Creates a key owned by `actor` and audits it (`api_key.create`, name and prefix only).
 * @throws DomainError('BAD_INPUT') for an empty or overlong name.
 */
export function createApiKey(db: Db, actor: ApiKeyActor, name: string): CreatedApiKey {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > API_KEY_NAME_MAX_CHARS)
    throw new DomainError('BAD_INPUT', `name: must be 1 to ${API_KEY_NAME_MAX_CHARS} characters`);
  const { key, prefix } = generateApiKey();
  const id = randomUUID();
  const row = inTransaction(db, (tx) => {
    const created = tx
      .insert(apiKey)
      .values({ id, userId: actor.id, name: trimmed, prefix, keyHash: hashApiKey(key) })
      .returning({ createdAt: apiKey.createdAt })
      .get();
    recordAudit(tx, {
      userId: actor.id,
      actor: actor.email,
      action: 'api_key.create',
      objectType: 'api_key',
      objectId: id,
      after: { name: trimmed, prefix, userId: actor.id },
    });
    return created;
  });
  return { id, name: trimmed, prefix, createdAt: row.createdAt, key };
}

export interface ApiKeyListItem {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  owner: { id: string; email: string; name: string };
  /** Email of whoever revoked it (null when not revoked or that user is gone). */
  revokedBy: string | null;
}

/** The viewer's own keys, or every key for a PI (`api-keys:revoke-any`); newest first. */
export function listApiKeys(db: Db, viewer: ApiKeyActor): ApiKeyListItem[] {
  const revoker = aliasedTable(user, 'revoker');
  const seesAll = hasScope(viewer.role, 'api-keys:revoke-any');
  return db
    .select({
      id: apiKey.id,
      name: apiKey.name,
      prefix: apiKey.prefix,
      createdAt: apiKey.createdAt,
      lastUsedAt: apiKey.lastUsedAt,
      revokedAt: apiKey.revokedAt,
      owner: { id: user.id, email: user.email, name: user.name },
      revokedBy: revoker.email,
    })
    .from(apiKey)
    .innerJoin(user, eq(user.id, apiKey.userId))
    .leftJoin(revoker, eq(revoker.id, apiKey.revokedBy))
    .where(seesAll ? undefined : eq(apiKey.userId, viewer.id))
    .orderBy(desc(apiKey.createdAt), desc(apiKey.id))
    .all();
}

/**
 * Revokes a key: the owner's own, or anyone's for a PI. Revoking a revoked key changes nothing
 * (and is not audited again). @returns the key's id, prefix and revocation time.
 * @throws DomainError('NOT_FOUND') for an unknown key or someone else's (for a non-PI).
 */
export function revokeApiKey(
  db: Db,
  actor: ApiKeyActor,
  keyId: string,
): { id: string; prefix: string; revokedAt: Date } {
  return inTransaction(db, (tx) => {
    const row = tx
      .select({
        id: apiKey.id,
        userId: apiKey.userId,
        name: apiKey.name,
        prefix: apiKey.prefix,
        revokedAt: apiKey.revokedAt,
      })
      .from(apiKey)
      .where(eq(apiKey.id, keyId))
      .get();
    const mayRevoke = row && (row.userId === actor.id || hasScope(actor.role, 'api-keys:revoke-any'));
    if (!row || !mayRevoke) throw new DomainError('NOT_FOUND', `API key ${keyId} not found`);
    if (row.revokedAt) return { id: row.id, prefix: row.prefix, revokedAt: row.revokedAt };
    const revokedAt = new Date();
    tx.update(apiKey).set({ revokedAt, revokedBy: actor.id }).where(eq(apiKey.id, keyId)).run();
    recordAudit(tx, {
      userId: actor.id,
      actor: actor.email,
      action: 'api_key.revoke',
      objectType: 'api_key',
      objectId: row.id,
      before: { name: row.name, prefix: row.prefix, userId: row.userId, revokedAt: null },
      after: { revokedAt: revokedAt.toISOString() },
    });
    return { id: row.id, prefix: row.prefix, revokedAt };
  });
}

/** Why a request's key was refused; `role` is a valid key whose user may no longer ingest. */
export type ApiKeyAuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'role';

const FAILURE_MESSAGES: Record<ApiKeyAuthFailure, string> = {
  missing: 'Missing API key: send "Authorization: Bearer cck_…" (create a key under Settings › API keys)',
  malformed: 'Malformed API key: expected "Authorization: Bearer cck_" followed by 43 characters',
  unknown: 'Unknown API key',
  revoked: 'API key revoked',
  role: "The API key's user no longer has a role that may ingest trajectories (researcher or PI)",
};

/**
 * A refused API key. `code` is UNAUTHORIZED (HTTP 401) for every `reason` but `role`, which is
 * FORBIDDEN (HTTP 403).
 */
export class ApiKeyAuthError extends DomainError {
  readonly reason: ApiKeyAuthFailure;

  constructor(reason: ApiKeyAuthFailure) {
    super(reason === 'role' ? 'FORBIDDEN' : 'UNAUTHORIZED', FAILURE_MESSAGES[reason]);
    this.name = 'ApiKeyAuthError';
    this.reason = reason;
  }
}

/**
 * Authenticates an `Authorization` header value (`Bearer cck_…`) and records the key's use
 * (at most once per {@link API_KEY_LAST_USED_RESOLUTION_MS}).
 * @returns the key's user and the key id.
 * @throws ApiKeyAuthError naming why the key was refused.
 */
export function authenticateApiKey(
  db: Db,
  authorization: string | null | undefined,
  now: Date = new Date(),
): { user: ApiKeyUser; keyId: string } {
  if (!authorization || authorization.trim() === '') throw new ApiKeyAuthError('missing');
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization.trim());
  const key = match?.[1];
  if (!key || !API_KEY_RE.test(key)) throw new ApiKeyAuthError('malformed');
  const row = db
    .select({
      keyId: apiKey.id,
      revokedAt: apiKey.revokedAt,
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
    })
    .from(apiKey)
    .innerJoin(user, eq(user.id, apiKey.userId))
    .where(eq(apiKey.keyHash, hashApiKey(key)))
    .get();
  if (!row) throw new ApiKeyAuthError('unknown');
  if (row.revokedAt) throw new ApiKeyAuthError('revoked');
  if (!isRole(row.role) || !hasScope(row.role, 'imports:write')) throw new ApiKeyAuthError('role');
  const staleBefore = new Date(now.getTime() - API_KEY_LAST_USED_RESOLUTION_MS);
  db.update(apiKey)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKey.id, row.keyId), or(isNull(apiKey.lastUsedAt), lt(apiKey.lastUsedAt, staleBefore))))
    .run();
  return { user: { id: row.id, email: row.email, name: row.name, role: row.role }, keyId: row.keyId };
}
