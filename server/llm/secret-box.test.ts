import { describe, expect, it } from 'vitest';
import { openSecret, SecretBoxError, sealSecret } from '@/server/llm/secret-box';

const SECRET = 'server-secret-server-secret-0123456789';

function tamper(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[part]!, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString('base64');
  return parts.join(':');
}

describe('secret box', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the ciphertext', () => {
    const key = 'sk-live-ÄÖÜ-😀-0123456789abcdef';
    const a = sealSecret(SECRET, key);
    const b = sealSecret(SECRET, key);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('sk-live');
    expect(openSecret(SECRET, a)).toBe(key);
    expect(openSecret(SECRET, b)).toBe(key);
  });

  it('refuses a wrong secret with a clear error, never garbage', () => {
    const sealed = sealSecret(SECRET, 'sk-abc');
    expect(() => openSecret('another-secret-another-secret-0123', sealed)).toThrow(SecretBoxError);
    expect(() => openSecret('another-secret-another-secret-0123', sealed)).toThrow(/server secret changed/);
  });

  it.each([1, 2, 3] as const)('rejects tampering with part %i (iv, tag, data)', (part) => {
    const sealed = sealSecret(SECRET, 'sk-abc-def');
    expect(() => openSecret(SECRET, tamper(sealed, part))).toThrow(SecretBoxError);
  });

  it('rejects other formats and versions', () => {
    const sealed = sealSecret(SECRET, 'sk-abc');
    expect(() => openSecret(SECRET, sealed.replace(/^v1/, 'v2'))).toThrow(/Unknown ciphertext format/);
    expect(() => openSecret(SECRET, 'sk-abc')).toThrow(SecretBoxError);
    expect(() => openSecret(SECRET, 'v1:AAAA:BBBB:CCCC')).toThrow(/Malformed/);
  });
});
