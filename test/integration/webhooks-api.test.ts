// Webhooks as the management API makes and delivers them in AWS (https only, nothing inside the network), against
// dynalite: a URL that points inside is refused as it is made, naming the problem, whether it names the address or
// a host that resolves to it; a host that resolved outside when the webhook was made but points inside at the
// delivery (DNS rebinding) is never connected to; a webhook for one extension takes only the client's own.
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallStatusChanged } from '../../functions/domain/call-notifications.ts';
import type { ResolveHost } from '../../functions/domain/webhook-addresses.ts';
import { DynamoWebhookStore } from '../../functions/store/dynamo-webhook-store.ts';
import { attemptDelivery } from '../../functions/webhooks/deliveries.ts';
import { jsonWith, loadCorpus } from '../support/bad-input.ts';
import { startTestTable, type TestTable } from '../support/dynamodb.ts';
import { managementApi, tree } from '../support/management.ts';

/** A hostile DNS zone: each name resolves to the addresses given here, whatever they are. */
const ZONE: Readonly<Record<string, readonly string[]>> = {
  'crm.example.com': ['93.184.216.34'],
  'metadata.example.net': ['169.254.169.254'],
  'intranet.example.net': ['93.184.216.34', '10.0.0.1'],
  'loopback.example.net': ['127.0.0.1'],
  'ipv6-loopback.example.net': ['::1'],
};

const resolveHost: ResolveHost = async (hostname) => {
  const addresses = ZONE[hostname];
  if (addresses) return addresses;
  if (hostname === 'dns-down.example.com') throw Object.assign(new Error('SERVFAIL'), { code: 'ESERVFAIL' });
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

let table: TestTable;
let api: ReturnType<typeof managementApi>;
let clientId: string;
let extensionId: string;
const queued: unknown[] = [];

beforeAll(async () => {
  table = await startTestTable('dynalite');
  api = managementApi(table, undefined, undefined, {
    webhooks: {
      store: new DynamoWebhookStore(table.documents, table.tableName),
      deliveries: { enqueue: async (delivery) => void queued.push(delivery) },
      allowHttp: false,
      resolveHost,
    },
  });
  await api.setPassword();
  // The corpus below sends hundreds of requests as the admin: the per-user limit must not answer them first.
  const { adminPasswordSet: _, ...settings } = (await api.call('GET', 'server/call-api')).body;
  const raised = { ...settings, requestLimit: { requests: 5000, windowSeconds: 60 } };
  expect((await api.call('PUT', 'server/call-api', { body: raised })).status).toBe(200);
  ({ clientId, extensionId } = await tree(api));
});
afterAll(async () => table?.close());

describe('a webhook URL, as it is made in AWS', () => {
  it.each([
    ['https://127.0.0.1/hook', 'points at 127.0.0.1, a private or reserved address'],
    ['https://10.0.0.1/hook', 'points at 10.0.0.1, a private or reserved address'],
    ['https://169.254.169.254/latest/meta-data/', 'points at 169.254.169.254, a private or reserved address'],
    ['https://[::1]:8443/hook', 'points at ::1, a private or reserved address'],
    ['https://[::ffff:a9fe:a9fe]/', 'points at ::ffff:a9fe:a9fe, a private or reserved address'],
    ['https://2130706433/hook', 'points at 127.0.0.1, a private or reserved address'],
    ['https://metadata.example.net/', 'resolves to 169.254.169.254, a private or reserved address'],
    ['https://intranet.example.net/hook', 'resolves to 10.0.0.1, a private or reserved address'],
    ['https://loopback.example.net/hook', 'resolves to 127.0.0.1, a private or reserved address'],
    ['https://ipv6-loopback.example.net/hook', 'resolves to ::1, a private or reserved address'],
    ['https://nowhere.example.com/hook', 'names nowhere.example.com, which has no address'],
    ['http://crm.example.com/hook', 'url must be an https URL'],
  ])('refuses %s with a 400 that says why', async (url, why) => {
    const answer = await api.call('POST', `clients/${clientId}/webhooks`, { body: { url } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_request');
    expect(answer.body.error.fields.url[0]).toContain(why);
  });

  it('takes a public host, and one whose DNS cannot answer just now (each delivery checks again)', async () => {
    for (const url of ['https://crm.example.com/callnow', 'https://dns-down.example.com/callnow']) {
      const answer = await api.call('POST', `clients/${clientId}/webhooks`, { body: { url } });
      expect(answer.status, url).toBe(201);
    }
    const listed = await api.call('GET', `clients/${clientId}/webhooks`);
    expect(listed.body.items.map((webhook: { url: string }) => webhook.url)).toEqual(
      expect.arrayContaining(['https://crm.example.com/callnow', 'https://dns-down.example.com/callnow']),
    );
  });
});

describe('the bad-input corpus in a new webhook', () => {
  const { values } = loadCorpus(new URL('../fixtures/bad-input-corpus.json', import.meta.url));

  it.each(['url', 'extensionId'])(
    'answers every hostile %s with a 4xx naming it, and makes no webhook',
    async (field) => {
      const before = (await api.call('GET', `clients/${clientId}/webhooks`)).body.items.length;
      const template = { url: 'https://crm.example.com/corpus', extensionId };
      const wrong: string[] = [];
      for (const value of values) {
        const body = jsonWith(template, [field], value).toString('utf8');
        const answer = await api.call('POST', `clients/${clientId}/webhooks`, { body });
        // A body that is not JSON at all (bytes that are not UTF-8) cannot name a field of it.
        const named =
          answer.status !== 400 ||
          answer.body.error.code === 'invalid_json' ||
          JSON.stringify(answer.body.error).includes(field);
        if (answer.status < 400 || answer.status >= 500 || answer.status === 429 || !named) {
          wrong.push(`${value.label}: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
      expect(wrong).toEqual([]);
      expect((await api.call('GET', `clients/${clientId}/webhooks`)).body.items).toHaveLength(before);
    },
  );
});

describe('a webhook for one extension', () => {
  it("takes an extension of the client, and names the problem with another client's or an unknown one", async () => {
    const other = await tree(api);
    for (const foreign of [other.extensionId, 'no-such-extension']) {
      const answer = await api.call('POST', `clients/${clientId}/webhooks`, {
        body: { url: 'https://crm.example.com/one', extensionId: foreign },
      });
      expect(answer.status, foreign).toBe(400);
      expect(answer.body.error.fields.extensionId[0]).toContain('is not an extension of');
    }
    const made = await api.call('POST', `clients/${clientId}/webhooks`, {
      body: { url: 'https://crm.example.com/one', extensionId },
    });
    expect(made.status).toBe(201);
    expect(made.body.webhook).toMatchObject({ clientId, extensionId, url: 'https://crm.example.com/one' });
    expect(made.body.webhook.secret).toBeUndefined();
  });
});

describe('a delivery in AWS', () => {
  let listener: Server;
  let connections = 0;

  beforeAll(async () => {
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

  it('never connects to a host that now resolves inside, and logs why', async () => {
    const { port } = listener.address() as AddressInfo;
    const made = await api.call('POST', `clients/${clientId}/webhooks`, {
      body: { url: `https://crm.example.com:${port}/callnow` },
    });
    expect(made.status).toBe(201);
    const webhookId: string = made.body.webhook.webhookId;
    const webhooks = new DynamoWebhookStore(table.documents, table.tableName);
    const rebound = ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof import('node:dns').lookup;

    const outcome = await attemptDelivery(
      { webhooks, clock: { now: () => new Date() }, post: { lookup: rebound } },
      { clientId, webhookId, event: testEvent(clientId) },
    );

    expect(outcome).toBe('dropped');
    expect(connections).toBe(0);
    const log = await api.call('GET', `clients/${clientId}/webhooks/${webhookId}/deliveries`);
    expect(log.body.items).toEqual([
      expect.objectContaining({
        eventId: 'r-1:queued',
        error: 'crm.example.com resolves to 127.0.0.1, a private or reserved address',
      }),
    ]);
  });
});

function testEvent(clientId: string): CallStatusChanged {
  return {
    version: '1',
    eventId: 'r-1:queued',
    requestId: 'r-1',
    callNowId: 'demo',
    extensionId: 'e1',
    siteId: 'hq',
    clientId,
    state: 'queued',
    at: '2026-12-05T10:00:00.000Z',
    createdAt: '2026-12-05T10:00:00.000Z',
    visitor: { number: '+1********00', numberMasked: true },
  };
}
