import { describe, expect, it } from 'vitest';
import { canAdminister, canSee, type Principal } from '../../functions/domain/access.ts';
import { matchSubnetLimit, parseCidr, windowStart } from '../../functions/domain/rate-limits.ts';

const admin: Principal = { kind: 'admin', username: 'admin' };
const resellerKey: Principal = { kind: 'key', keyId: 'k1', scope: { level: 'reseller', resellerId: 'r1' } };
const clientKey: Principal = {
  kind: 'key',
  keyId: 'k2',
  scope: { level: 'client', resellerId: 'r1', clientId: 'c1' },
};
const extensionKey: Principal = {
  kind: 'key',
  keyId: 'k3',
  scope: { level: 'extension', resellerId: 'r1', clientId: 'c1', extensionId: 'e1' },
};
const reseller = { resellerId: 'r1' };
const client = { resellerId: 'r1', clientId: 'c1' };
const extension = { resellerId: 'r1', clientId: 'c1', extensionId: 'e1' };
const otherClient = { resellerId: 'r1', clientId: 'c2' };
const otherReseller = { resellerId: 'r2' };

describe('scopes', () => {
  it('lets each key see its node and below, never beside or above', () => {
    expect(
      [reseller, client, extension, otherClient, otherReseller].map((node) => canSee(resellerKey, node)),
    ).toEqual([true, true, true, true, false]);
    expect([reseller, client, extension, otherClient].map((node) => canSee(clientKey, node))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect([client, extension].map((node) => canSee(extensionKey, node))).toEqual([false, true]);
    expect(canSee(admin, otherReseller)).toBe(true);
  });

  it('lets a key administer only what is strictly below it', () => {
    expect(canAdminister(resellerKey, reseller)).toBe(false);
    expect(canAdminister(resellerKey, client)).toBe(true);
    expect(canAdminister(clientKey, client)).toBe(false);
    expect(canAdminister(clientKey, extension)).toBe(true);
    expect(canAdminister(extensionKey, extension)).toBe(false);
    expect(canAdminister(admin, reseller)).toBe(true);
  });
});

describe('subnet rules', () => {
  const rules = [
    { cidr: '10.0.0.0/8', requestsPerMinute: 100 },
    { cidr: '10.1.0.0/16', requestsPerMinute: 20 },
    { cidr: '10.1.2.3', requestsPerMinute: 1 },
    { cidr: '2001:db8::/32', requestsPerMinute: 50 },
  ];

  it('applies the most specific rule that holds the address', () => {
    expect(matchSubnetLimit(rules, '10.9.9.9')?.requestsPerMinute).toBe(100);
    expect(matchSubnetLimit(rules, '10.1.9.9')?.requestsPerMinute).toBe(20);
    expect(matchSubnetLimit(rules, '10.1.2.3')?.requestsPerMinute).toBe(1);
    expect(matchSubnetLimit(rules, '2001:db8:1::5')?.requestsPerMinute).toBe(50);
    expect(matchSubnetLimit(rules, '192.0.2.1')).toBeUndefined();
    expect(matchSubnetLimit(rules, 'not-an-ip')).toBeUndefined();
  });

  it('reads IPv4 and IPv6 networks and refuses what is not one', () => {
    expect(parseCidr('203.0.113.0/24')).toEqual({ address: '203.0.113.0', prefix: 24, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    expect(parseCidr('203.0.113.7')).toEqual({ address: '203.0.113.7', prefix: 32, family: 'ipv4' });
    for (const bad of ['203.0.113.0/33', '2001:db8::/129', '300.0.0.0/8', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });

  it('puts requests in fixed windows', () => {
    expect(windowStart(Date.parse('2026-11-26T10:00:59.999Z'), 60)).toBe(
      Date.parse('2026-11-26T10:00:00Z') / 1000,
    );
    expect(windowStart(Date.parse('2026-11-26T10:01:00.000Z'), 60)).toBe(
      Date.parse('2026-11-26T10:01:00Z') / 1000,
    );
  });
});
