import { describe, expect, it, vi } from 'vitest';
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import { CallRequestedSchema } from '../../contracts/messages.ts';
import {
  callRequestStatus,
  EXPIRY_GRACE_SECONDS,
  REQUEST_LIFETIME_SECONDS,
  type RequestCallPorts,
  requestCall,
} from '../../functions/domain/call-requests.ts';
import { callableTarget } from '../support/fixtures.ts';
import { MemoryStore } from '../support/memory-store.ts';

const NOW = new Date('2026-11-26T10:00:00.000Z');

function prepare(change: (target: ReturnType<typeof callableTarget>) => void = () => {}) {
  const store = new MemoryStore();
  const target = callableTarget();
  change(target);
  store.targets.set('demo', target);
  const sent: SiteQueueMessage[] = [];
  const clock = { now: vi.fn(() => NOW) };
  const ports: RequestCallPorts = {
    store,
    queue: { send: async (message) => void sent.push(message) },
    clock,
    newRequestId: () => 'req-1',
  };
  return { store, sent, ports, clock };
}

describe('requestCall', () => {
  it('stores the request as queued and sends a valid call.requested to the site queue', async () => {
    const { store, sent, ports } = prepare();

    const result = await requestCall(
      'demo',
      { phoneNumber: '(202) 555-0100', callerName: '  Grace  ', sourceIp: '203.0.113.7' },
      ports,
    );

    expect(result.kind).toBe('accepted');
    expect(store.requests.get('req-1')).toMatchObject({
      status: 'queued',
      visitorPhone: '+12025550100',
      visitorName: 'Grace',
    });
    expect(sent).toHaveLength(1);
    expect(CallRequestedSchema.parse(sent[0])).toEqual({
      v: 1,
      type: 'call.requested',
      requestId: 'req-1',
      siteId: 'hq',
      extension: { number: '101' },
      visitor: { phone: '+12025550100', name: 'Grace' },
      confirm: true,
      notWhileOnPhone: false,
      ringSeconds: 30,
      callerIdName: 'CallNow: Grace',
      createdAt: NOW.toISOString(),
      expiresAt: new Date(NOW.getTime() + REQUEST_LIFETIME_SECONDS * 1000).toISOString(),
    });
  });

  it('writes the request with the wave, and shows it to nobody until the wave let it through and it was sent', async () => {
    const { store, ports } = prepare();
    const seenWhenSent: unknown[] = [];
    const queue = {
      send: async () => {
        seenWhenSent.push(await callRequestStatus('demo', 'req-1', { store, clock: ports.clock }));
        seenWhenSent.push(store.holds.get('+12025550100')?.requestId);
      },
    };
    const result = await requestCall(
      'demo',
      { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' },
      { ...ports, queue },
    );
    expect(result.kind).toBe('accepted');
    expect(seenWhenSent).toEqual([undefined, 'req-1']);
    expect(await callRequestStatus('demo', 'req-1', { store, clock: ports.clock })).toMatchObject({
      status: 'queued',
    });
  });

  it('leaves nothing behind for a request the wave refused, and gives the number back its count', async () => {
    const { store, sent, ports } = prepare((target) => {
      target.server.publicLimits.perVisitorAddress = { requests: 1, windowSeconds: 600 };
    });
    const ask = (requestId: string, phoneNumber: string) =>
      requestCall(
        'demo',
        { phoneNumber, sourceIp: '203.0.113.7' },
        { ...ports, newRequestId: () => requestId },
      );
    expect((await ask('req-1', '+12025550100')).kind).toBe('accepted');
    expect((await ask('req-2', '+12025550101')).kind).toBe('limited');
    expect(store.requests.has('req-2')).toBe(false);
    expect(store.holds.has('+12025550101')).toBe(false);
    expect(
      [...store.counters].filter(([subject, hits]) => subject.startsWith('number#+12025550101') && hits > 0),
    ).toEqual([]);
    expect(sent).toHaveLength(1);
  });

  it("tells the connector the caller ID the visitor should see: the extension's, never the visitor's own", async () => {
    const { sent, ports } = prepare((target) => {
      Object.assign(target.extension, { visitorCallerId: '+12025550199' });
      target.reseller.callerIds = ['+12025550199'];
      target.client.callerIds = ['+12025550199'];
    });
    await requestCall('demo', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports);
    expect(sent[0]).toMatchObject({ visitorCallerId: '+12025550199', visitor: { phone: '+12025550100' } });
  });

  it.each([
    ['the client', 'reseller' as const],
    ['the reseller', 'client' as const],
  ])("falls back to the site's caller ID when %s no longer has the extension's", async (_, stillHas) => {
    const { sent, ports } = prepare((target) => {
      Object.assign(target.extension, { visitorCallerId: '+12025550199' });
      target[stillHas].callerIds = ['+12025550199'];
    });
    await requestCall('demo', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports);
    expect(sent[0]).toBeDefined();
    expect(sent[0]).not.toHaveProperty('visitorCallerId');
  });

  it('reads numbers without a country code with the server default country', async () => {
    const { store, ports } = prepare((target) => {
      Object.assign(target.server, { defaultCountry: 'RO' });
    });
    await requestCall('demo', { phoneNumber: '021 123 4567', sourceIp: '203.0.113.7' }, ports);
    expect(store.requests.get('req-1')?.visitorPhone).toBe('+40211234567');
  });

  it('answers not_available for an unknown CallNow ID and for a disabled one alike', async () => {
    const { ports } = prepare((target) => {
      Object.assign(target.extension.callNow, { allowCalls: false });
    });
    expect(
      await requestCall('nobody', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports),
    ).toEqual({
      kind: 'not_available',
    });
    expect(
      await requestCall('demo', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports),
    ).toEqual({
      kind: 'not_available',
    });
  });

  it.each([
    ['an invalid phone number', { phoneNumber: '12345' }, 'phoneNumber'],
    ['letters for a number', { phoneNumber: 'call me' }, 'phoneNumber'],
    [
      'a name with a line break',
      { phoneNumber: '+12025550100', callerName: 'Eve\r\nAction: Originate' },
      'callerName',
    ],
    ['a name with a NUL', { phoneNumber: '+12025550100', callerName: 'Eve\u0000' }, 'callerName'],
    ['a name that is too long', { phoneNumber: '+12025550100', callerName: 'x'.repeat(41) }, 'callerName'],
  ])('refuses %s, naming the field, and writes nothing', async (_, input, field) => {
    const { store, sent, ports } = prepare();
    const result = await requestCall('demo', { ...input, sourceIp: '203.0.113.7' }, ports);
    expect(result).toMatchObject({ kind: 'invalid_input', problem: { field } });
    expect(store.requests.size).toBe(0);
    expect(sent).toHaveLength(0);
  });

  it('requires the caller name when the owner asks for it', async () => {
    const { ports } = prepare((target) => {
      Object.assign(target.extension.callNow, { askCallerName: true });
    });
    const result = await requestCall(
      'demo',
      { phoneNumber: '+12025550100', callerName: '   ', sourceIp: '203.0.113.7' },
      ports,
    );
    expect(result).toMatchObject({
      kind: 'invalid_input',
      problem: { field: 'callerName', message: 'callerName is required' },
    });
  });

  it('marks the request failed when the queue refuses it, so it never says queued without being sent', async () => {
    const { store, ports } = prepare();
    const failing = { ...ports, queue: { send: async () => Promise.reject(new Error('SQS down')) } };

    const result = await requestCall(
      'demo',
      { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' },
      failing,
    );

    expect(result).toMatchObject({ kind: 'pbx_unreachable', requestId: 'req-1' });
    expect(store.requests.get('req-1')).toMatchObject({ status: 'failed', reason: 'pbx_unavailable' });
  });
});

describe('callRequestStatus', () => {
  it('hides a request behind another CallNow ID', async () => {
    const { ports } = prepare();
    await requestCall('demo', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports);
    expect(await callRequestStatus('other', 'req-1', ports)).toBeUndefined();
  });

  it('ends a request nobody picked up as failed/expired once it is well past expiresAt', async () => {
    const { store, ports, clock } = prepare();
    await requestCall('demo', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports);

    clock.now.mockReturnValue(
      new Date(NOW.getTime() + (REQUEST_LIFETIME_SECONDS + EXPIRY_GRACE_SECONDS - 1) * 1000),
    );
    expect(await callRequestStatus('demo', 'req-1', ports)).toMatchObject({ status: 'queued' });

    clock.now.mockReturnValue(
      new Date(NOW.getTime() + (REQUEST_LIFETIME_SECONDS + EXPIRY_GRACE_SECONDS + 1) * 1000),
    );
    expect(await callRequestStatus('demo', 'req-1', ports)).toMatchObject({
      status: 'failed',
      reason: 'expired',
    });
    expect(store.requests.get('req-1')).toMatchObject({ status: 'failed', reason: 'expired' });
  });

  it('leaves a request the connector picked up alone, however late', async () => {
    const { store, ports, clock } = prepare();
    await requestCall('demo', { phoneNumber: '+12025550100', sourceIp: '203.0.113.7' }, ports);
    await store.advanceCallRequest({ requestId: 'req-1', status: 'connected', at: NOW.toISOString() });
    clock.now.mockReturnValue(new Date(NOW.getTime() + 3600_000));
    expect(await callRequestStatus('demo', 'req-1', ports)).toMatchObject({ status: 'connected' });
  });
});
