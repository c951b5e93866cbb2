// API keys: `cnk_<keyId>_<secret>`, shown once; the table keeps only a hash of the secret.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_PATTERN = /^cnk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function newApiKey(): { keyId: string; secret: string; token: string } {
  const keyId = randomBytes(9).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, token: `cnk_${keyId}_${secret}` };
}

export function parseApiKey(token: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(token);
  return match?.[1] && match[2] ? { keyId: match[1], secret: match[2] } : undefined;
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashKeySecret(secret));
  const expected = Buffer.from(storedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A random URL-safe id: 16 characters, 96 bits. */
export function randomId(): string {
  return randomBytes(12).toString('base64url');
}
