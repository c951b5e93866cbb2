// Logging in to the management API: an unknown username costs as much as a wrong password, so timing does not
// tell which usernames exist.
import { describe, expect, it } from 'vitest';
import { authenticate } from '../../functions/domain/authentication.ts';
import { DEFAULT_SERVER_SETTINGS } from '../../functions/domain/defaults.ts';
import type { ManagementStore } from '../../functions/domain/management-ports.ts';
import { hashPassword, verifyPassword } from '../../functions/lib/passwords.ts';

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

async function login(username: string, password: string) {
  const adminPasswordHash = await hashPassword('the right password');
  const verified: string[] = [];
  const store = {
    getServerSettings: async () => ({ ...DEFAULT_SERVER_SETTINGS, adminPasswordHash }),
    countHits: async () => ({ allowed: true }),
    hit: async () => ({ allowed: true }),
  } as unknown as ManagementStore;
  const passwords = {
    hash: hashPassword,
    verify: async (given: string, hash: string) => {
      verified.push(hash);
      return verifyPassword(given, hash);
    },
  };
  const result = await authenticate(basic(username, password), '198.51.100.1', {
    store,
    passwords,
    nowMs: 0,
  });
  return { result, verified, adminPasswordHash };
}

describe('the admin login', () => {
  it('runs the same scrypt for an unknown username as for a wrong password, and lets neither in', async () => {
    const unknown = await login('root', 'a wrong password');
    const wrong = await login('admin', 'a wrong password');
    expect(unknown.result).toEqual({ ok: false, reason: 'invalid' });
    expect(wrong.result).toEqual({ ok: false, reason: 'invalid' });
    expect(unknown.verified).toEqual([unknown.adminPasswordHash]);
    expect(wrong.verified).toEqual([wrong.adminPasswordHash]);
  });

  it('does not let the right password in under another username', async () => {
    const other = await login('root', 'the right password');
    expect(other.result).toEqual({ ok: false, reason: 'invalid' });
    expect((await login('admin', 'the right password')).result).toMatchObject({ ok: true });
  });
});
