/**
 * Encryption at rest for provider API keys (`llm_setting.api_key_ciphertext`).
 *
 * AES-256-GCM (node:crypto) with a key derived by HKDF-SHA256 from the server secret — the same
 * secret Better Auth signs sessions with: `BETTER_AUTH_SECRET`, or the one generated once into
 * `<data dir>/auth-secret` (`resolveAuthSecret` in `server/auth/auth.ts`). Changing that secret makes
 * stored keys unreadable (they must be entered again); it never yields a wrong key, because GCM
 * authenticates the ciphertext.
 *
 * Format (versioned, ASCII): `v1:<iv>:<tag>:<data>`, each part base64 (12-byte IV, 16-byte tag).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { resolveAuthSecret } from '@/server/auth/auth';
import { readEnv } from '@/server/env';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = 'core-curator/secret-box';
const HKDF_INFO = 'llm-api-key/v1';

/** A ciphertext that cannot be opened: wrong server secret, tampering, or not our format. */
export class SecretBoxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}

/** The server secret used for key derivation (same source as the auth secret). */
export function getServerSecret(dataDir: string): string {
  return resolveAuthSecret(dataDir, readEnv().authSecret);
}

function deriveKey(secret: string): Buffer {
  if (secret.length === 0) throw new SecretBoxError('The server secret is empty.');
  return Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, 32));
}

/** Encrypts `plaintext` (UTF-8) under `secret`. A fresh random IV each time. */
export function sealSecret(secret: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(secret), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64'), tag.toString('base64'), data.toString('base64')].join(':');
}

/**
 * Decrypts a {@link sealSecret} result.
 * @throws SecretBoxError on an unknown format/version, a wrong secret or any tampering (never garbage).
 */
export function openSecret(secret: string, sealed: string): string {
  const parts = sealed.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretBoxError(`Unknown ciphertext format (expected ${VERSION}:iv:tag:data).`);
  }
  const [, ivB64, tagB64, dataB64] = parts as [string, string, string, string];
  const iv = Buffer.from(ivB64, 'base64');
  const tag = Buffer.from(tagB64, 'base64');
  const data = Buffer.from(dataB64, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretBoxError('Malformed ciphertext (bad IV or tag length).');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(secret), iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SecretBoxError('Cannot decrypt: the server secret changed or the ciphertext was altered.', {
      cause: error,
    });
  }
}
