// Call events and webhooks on the local stack, as `npm start` runs them: a call's every state reaches the
// client's receiver, in order and signed; another client's receiver hears nothing of it; a receiver that fails
// gets the same event again; the bus stand-in holds what EventBridge would.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { CallStatusChangedSchema } from '../../functions/domain/call-notifications.ts';
import { LOOSE_PUBLIC_LIMITS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on loopback that answers with the statuses it is given, then 200. */
class Receiver {
  readonly received: Received[] = [];
  readonly #server: Server;
  #answers: number[] = [];

  constructor() {
    this.#server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        this.received.push({ headers: request.headers, body });
        response.writeHead(this.#answers.shift() ?? 200).end('ok');
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  answerNext(...statuses: number[]): void {
    this.#answers = statuses;
  }

  events(): Array<{ state: string; requestId: string; eventId: string }> {
    return this.received.map((item) => JSON.parse(item.body));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

/** What the README tells a receiver to do: recompute the HMAC over `<t>.<body>` and compare in constant time. */
function verified(secret: string, { headers, body }: Received): boolean {
  const [t, v1] = String(headers['callnow-signature'])
    .split(',')
    .map((part) => part.split('=')[1] ?? '');
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return (
    Buffer.byteLength(v1 ?? '') === expected.length &&
    timingSafeEqual(Buffer.from(v1 ?? ''), Buffer.from(expected))
  );
}

let stack: LocalStack;
const demoReceiver = new Receiver();
const otherReceiver = new Receiver();
let demoSecret: string;
let demoWebhookId: string;
let otherClientId: string;

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  const { username, password } = stack.admin;
  return fetch(`${stack.url}/api/v1/${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const startedAt = Date.now(); !condition(); ) {
    if (Date.now() - startedAt > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  stack = await startLocalStack({
    simulatorTimeScale: 0.05,
    connectorLogger: silentLogger,
    publicLimits: LOOSE_PUBLIC_LIMITS,
    webhookRetryDelay: () => 0,
  });
  const made = await api('POST', 'clients/demo-client/webhooks', { url: await demoReceiver.start() });
  expect(made.status).toBe(201);
  const answer = (await made.json()) as { webhook: { webhookId: string }; secret: string };
  demoSecret = answer.secret;
  demoWebhookId = answer.webhook.webhookId;
  const other = (await (
    await api('POST', 'clients', { resellerId: 'demo-reseller', name: 'Other' })
  ).json()) as {
    clientId: string;
  };
  otherClientId = other.clientId;
  expect(
    (await api('POST', `clients/${other.clientId}/webhooks`, { url: await otherReceiver.start() })).status,
  ).toBe(201);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([demoReceiver.close(), otherReceiver.close()]);
});

describe('call events and webhooks', () => {
  it("deliver every state of a call to its client's webhook, in order, signed, and to no other client's", async () => {
    const response = await fetch(`${stack.demoUrl}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumber: '+1 202 555 0100', callerName: 'Grace' }),
    });
    const { requestId } = (await response.json()) as { requestId: string };
    const ofThisCall = () => demoReceiver.events().filter((event) => event.requestId === requestId);
    await until(() => ofThisCall().some((event) => event.state === 'completed'));

    expect(ofThisCall().map((event) => event.state)).toEqual([
      'queued',
      'dialing_extension',
      'awaiting_confirmation',
      'dialing_visitor',
      'connected',
      'completed',
    ]);
    for (const item of demoReceiver.received.filter((entry) => entry.body.includes(requestId))) {
      expect(verified(demoSecret, item)).toBe(true);
      expect(verified('whsec_not-the-secret', item)).toBe(false);
      const event = CallStatusChangedSchema.parse(JSON.parse(item.body));
      expect(item.headers['callnow-event-id']).toBe(event.eventId);
      expect(event.visitor).toEqual({ number: '+1********00', numberMasked: true, name: 'Grace' });
      expect(event).toMatchObject({ callNowId: 'demo', extensionNumber: '101', clientId: 'demo-client' });
    }
    expect(stack.events.events.filter((event) => event.requestId === requestId)).toHaveLength(6);
    expect(otherReceiver.received).toEqual([]);
  });

  it('send a delivery its receiver failed (500 three times) again with the same event id until it answers 200', async () => {
    demoReceiver.answerNext(500, 500, 500);
    const before = demoReceiver.received.length;
    const sent = await api('POST', `clients/demo-client/webhooks/${demoWebhookId}/test`);
    expect(sent.status).toBe(202);
    const { eventId } = (await sent.json()) as { eventId: string };
    await until(() => demoReceiver.received.length >= before + 4);
    const attempts = demoReceiver.received.slice(before);
    expect(attempts.map((item) => item.headers['callnow-event-id'])).toEqual([
      eventId,
      eventId,
      eventId,
      eventId,
    ]);
    expect(attempts.every((item) => verified(demoSecret, item))).toBe(true);
    expect(JSON.parse(attempts[0]?.body ?? '{}')).toMatchObject({ test: true, eventId });

    const log = (await (
      await api('GET', `clients/demo-client/webhooks/${demoWebhookId}/deliveries`)
    ).json()) as {
      items: Array<{ eventId: string; statusCode?: number; durationMs: number }>;
    };
    expect(log.items.slice(0, 4).map((attempt) => [attempt.eventId, attempt.statusCode])).toEqual([
      [eventId, 200],
      [eventId, 500],
      [eventId, 500],
      [eventId, 500],
    ]);
  });

  it("carry the visitor's whole number once the client opts in, for the calls made after", async () => {
    expect((await api('PATCH', 'clients/demo-client', { fullNumbersInEvents: true })).status).toBe(200);
    try {
      const response = await fetch(`${stack.demoUrl}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: '+1 202 555 0102', callerName: 'Ada' }),
      });
      const { requestId } = (await response.json()) as { requestId: string };
      const ofThisCall = () =>
        demoReceiver.received
          .map((item) => CallStatusChangedSchema.parse(JSON.parse(item.body)))
          .filter((event) => event.requestId === requestId);
      await until(() => ofThisCall().some((event) => event.state === 'failed'));
      expect(ofThisCall().at(-1)).toMatchObject({ state: 'failed', reason: 'visitor_busy' });
      for (const event of ofThisCall()) {
        expect(event.visitor).toEqual({ number: '+12025550102', numberMasked: false, name: 'Ada' });
      }
    } finally {
      await api('PATCH', 'clients/demo-client', { fullNumbersInEvents: false });
    }
  });

  it("refuse a URL that is not https or http, and show a tenant's webhooks to no other tenant", async () => {
    const bad = await api('POST', 'clients/demo-client/webhooks', { url: 'ftp://example.com/hook' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('url must be an https URL');

    const issued = await api('POST', 'api-keys', { scope: { level: 'client', id: otherClientId } });
    const { key } = (await issued.json()) as { key: string };
    const asOther = (path: string) =>
      fetch(`${stack.url}/api/v1/${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await asOther(`clients/${otherClientId}/webhooks`)).status).toBe(200);
    for (const path of [
      'clients/demo-client/webhooks',
      `clients/demo-client/webhooks/${demoWebhookId}/deliveries`,
    ]) {
      expect((await asOther(path)).status, path).toBe(404);
    }
  });
});
