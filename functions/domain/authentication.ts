// Who is calling the management API: the total-access admin (HTTP Basic) or a scoped API key (Bearer).
import { createHash } from 'node:crypto';
import type { Principal } from './access.ts';
import { parseApiKey, secretMatches } from './credentials.ts';
import type { ManagementStore } from './management-ports.ts';
import type { LimitCheck } from './rate-limits.ts';
import type { PasswordHasher } from './server-settings.ts';

/** Failed logins allowed per source address and window before every attempt from it is refused for a while. */
export const FAILED_LOGIN_LIMIT = { limit: 10, windowSeconds: 300 } as const;

export type AuthenticationResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'no_admin_password' }
  | { readonly ok: false; readonly reason: 'too_many_failures'; readonly retryAfterSeconds: number };

// scrypt is slow on purpose: a credential verified once is trusted for a few minutes by this container, as long
// as the stored hash has not changed.
const VERIFIED_TTL_MS = 5 * 60_000;
const MAX_VERIFIED = 100;
const verified = new Map<string, number>();

function verificationKey(username: string, password: string, hash: string): string {
  return createHash('sha256').update(`${username}\u0000${password}\u0000${hash}`).digest('base64url');
}

async function verifyAdmin(
  username: string,
  password: string,
  hash: string,
  passwords: PasswordHasher,
  nowMs: number,
) {
  const key = verificationKey(username, password, hash);
  if ((verified.get(key) ?? 0) > nowMs) return true;
  if (!(await passwords.verify(password, hash))) return false;
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(key, nowMs + VERIFIED_TTL_MS);
  return true;
}

function failedLogins(sourceIp: string): LimitCheck {
  return { subject: `failed-login#${sourceIp}`, ...FAILED_LOGIN_LIMIT };
}

export async function authenticate(
  authorization: string | undefined,
  sourceIp: string,
  { store, passwords, nowMs }: { store: ManagementStore; passwords: PasswordHasher; nowMs: number },
): Promise<AuthenticationResult> {
  if (!authorization) return { ok: false, reason: 'missing' };
  const check = failedLogins(sourceIp);
  const failures = await store.countHits(check, nowMs);
  if (!failures.allowed)
    return { ok: false, reason: 'too_many_failures', retryAfterSeconds: failures.retryAfterSeconds };

  const principal = await identify(authorization, { store, passwords, nowMs });
  if (principal === 'no_admin_password') return { ok: false, reason: principal };
  if (principal) return { ok: true, principal };
  await store.hit(check, nowMs);
  return { ok: false, reason: 'invalid' };
}

async function identify(
  authorization: string,
  { store, passwords, nowMs }: { store: ManagementStore; passwords: PasswordHasher; nowMs: number },
): Promise<Principal | 'no_admin_password' | undefined> {
  const [scheme = '', credentials = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const settings = await store.getServerSettings();
    if (!settings?.adminPasswordHash) return 'no_admin_password';
    if (username !== settings.adminUsername) {
      // As slow as a wrong password, so that timing does not tell which usernames exist; the result is ignored.
      await passwords.verify(password, settings.adminPasswordHash);
      return undefined;
    }
    const ok = await verifyAdmin(username, password, settings.adminPasswordHash, passwords, nowMs);
    return ok ? { kind: 'admin', username } : undefined;
  }
  if (scheme.toLowerCase() === 'bearer') {
    const token = parseApiKey(credentials);
    if (!token) return undefined;
    const key = await store.getApiKey(token.keyId);
    return key && secretMatches(token.secret, key.secretHash)
      ? { kind: 'key', keyId: key.keyId, scope: key.scope }
      : undefined;
  }
  return undefined;
}
