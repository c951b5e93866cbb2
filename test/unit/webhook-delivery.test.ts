// Webhook deliveries cannot reach the cloud's own network: every address a URL names or resolves to is checked, on
// the connection actually made; and what a receiver does (redirect, huge answer, silence) cannot hold a delivery.
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../functions/domain/webhook-addresses.ts';
import { retryDelaySeconds, signatureOf, webhookUrlProblem } from '../../functions/domain/webhooks.ts';
import { safePost } from '../../functions/webhooks/safe-post.ts';

/** A resolver that answers these addresses for any name, as a hostile DNS zone would. */
function resolvingTo(...addresses: string[]) {
  const lookup = ((_hostname: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    )) as unknown as typeof import('node:dns').lookup;
  return lookup;
}

let receiver: Server;
let base: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    if (request.url === '/redirect') response.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    else if (request.url === '/huge') response.writeHead(200).end('x'.repeat(5_000_000));
    else if (request.url === '/silent') return;
    else response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => {
  receiver.closeAllConnections();
  receiver.close();
});

describe('webhook addresses', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '169.254.169.254',
    '172.16.5.5',
    '192.168.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::10.0.0.1',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'])(
    'allows the public address %s',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it.each([
    'https://127.0.0.1/hook',
    'https://10.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/hook',
  ])('refuses to POST to %s in AWS, before connecting', async (url) => {
    expect(await safePost(url, '{}', {})).toMatchObject({ kind: 'refused' });
  });

  it.each([
    ['the metadata service', ['169.254.169.254']],
    ['a private address among public ones', ['93.184.216.34', '10.0.0.1']],
    ['loopback over IPv6', ['::1']],
  ])('refuses a name that resolves to %s', async (_what, addresses) => {
    const outcome = await safePost(
      'https://hooks.example.com/x',
      '{}',
      {},
      { lookup: resolvingTo(...addresses) },
    );
    expect(outcome).toMatchObject({ kind: 'refused' });
    expect(outcome.kind === 'refused' && outcome.reason).toContain('private or reserved');
  });

  it('takes only https in AWS, and http too in the local stack', () => {
    expect(webhookUrlProblem('http://crm.example.com/hook', false)).toBe('must be an https URL');
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toBeUndefined();
    expect(webhookUrlProblem('https://user:pw@crm.example.com/', false)).toContain('user name or password');
    expect(webhookUrlProblem('crm.example.com/hook', false)).toContain('absolute URL');
  });
});

describe('a webhook POST', () => {
  const local = { allowPrivateAddresses: true };

  it('answers the receiver status code and how long it took', async () => {
    expect(await safePost(`${base}/ok`, '{}', {}, local)).toMatchObject({
      kind: 'answered',
      statusCode: 204,
    });
  });

  it('does not follow a redirect', async () => {
    expect(await safePost(`${base}/redirect`, '{}', {}, local)).toMatchObject({
      kind: 'answered',
      statusCode: 302,
    });
  });

  it('reads at most a little of a huge answer', async () => {
    const startedAt = Date.now();
    expect(await safePost(`${base}/huge`, '{}', {}, local)).toMatchObject({
      kind: 'answered',
      statusCode: 200,
    });
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });

  it('gives up on a receiver that never answers', async () => {
    const outcome = await safePost(`${base}/silent`, '{}', {}, { ...local, timeoutMs: 300 });
    expect(outcome).toMatchObject({ kind: 'failed', error: 'timed out after 0.3 s' });
  });
});

describe('webhook signatures and retries', () => {
  it('sign the timestamp and the body together', () => {
    const signature = signatureOf('whsec_test', '{"a":1}', 1_800_000_000);
    expect(signature).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(signatureOf('whsec_test', '{"a":2}', 1_800_000_000)).not.toBe(signature);
    expect(signatureOf('whsec_test', '{"a":1}', 1_800_000_001)).not.toBe(signature);
  });

  it("wait 30 s doubling to an hour, about a day over the queue's 30 attempts", () => {
    expect([1, 2, 3, 8, 30].map(retryDelaySeconds)).toEqual([30, 60, 120, 3600, 3600]);
    const total = Array.from({ length: 29 }, (_, index) => retryDelaySeconds(index + 1)).reduce(
      (a, b) => a + b,
    );
    expect(total / 3600).toBeGreaterThan(20);
    expect(total / 3600).toBeLessThan(30);
  });
});
