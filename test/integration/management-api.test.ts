// The management and Call API against both DynamoDB emulators: every rule of the Call API tab, the permission
// chain, scoped keys and CallNow IDs. Each group gets a table of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCallNowPreferences } from '../../functions/domain/defaults.ts';
import type { ManagementStore } from '../../functions/domain/management-ports.ts';
import { DYNAMODB_EMULATORS, startEmulator, type TestEmulator } from '../support/dynamodb.ts';
import { ADMIN_PASSWORD, basic, bearer, managementApi, tree } from '../support/management.ts';

type Api = ReturnType<typeof managementApi>;

const { callNowId: _, ...defaults } = defaultCallNowPreferences('unused');
const PREFERENCES = { ...defaults, allowCalls: true, message: 'Call me', ringSeconds: 20 };

async function enableServer(api: Api) {
  const settings = (await api.call('GET', 'server/call-api')).body;
  const { adminPasswordSet: _, ...rest } = settings;
  expect((await api.call('PUT', 'server/call-api', { body: { ...rest, callApiEnabled: true } })).status).toBe(
    200,
  );
}

describe.each(DYNAMODB_EMULATORS)('management API on %s', (emulator) => {
  let running: TestEmulator;
  const fresh = async (clock?: { now: () => Date }) => managementApi(await running.newTable(), clock);

  beforeAll(async () => {
    running = await startEmulator(emulator);
  });
  afterAll(async () => running?.close());

  describe('the admin account', () => {
    it('cannot be used at all while no password is set, and says how to set one', async () => {
      const api = await fresh();
      const answer = await api.call('GET', 'server/call-api');
      expect(answer.status).toBe(401);
      expect(answer.body.error.message).toContain('npm run admin -- set-password');
    });

    it('logs in with its password, and refuses a wrong one or none', async () => {
      const api = await fresh();
      await api.setPassword();
      expect((await api.call('GET', 'server/call-api')).status).toBe(200);
      expect((await api.call('GET', 'server/call-api', { auth: basic('admin', 'wrong') })).status).toBe(401);
      expect((await api.call('GET', 'server/call-api', { auth: basic('root', ADMIN_PASSWORD) })).status).toBe(
        401,
      );
      const none = await api.call('GET', 'server/call-api', { auth: '' });
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toContain('Basic');
    });

    it('locks out an address after repeated failed logins, and only that address', async () => {
      const api = await fresh();
      await api.setPassword();
      for (let attempt = 0; attempt < 10; attempt++) {
        await api.call('GET', 'resellers', {
          auth: basic('admin', `guess-${attempt}`),
          sourceIp: '203.0.113.66',
        });
      }
      const locked = await api.call('GET', 'resellers', { sourceIp: '203.0.113.66' });
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect((await api.call('GET', 'resellers', { sourceIp: '203.0.113.67' })).status).toBe(200);
    });

    it('never shows the password hash, and changing the password needs the current one', async () => {
      const api = await fresh();
      await api.setPassword();
      const settings = await api.call('GET', 'server/call-api');
      expect(settings.body).toMatchObject({ adminUsername: 'admin', adminPasswordSet: true });
      expect(JSON.stringify(settings.body)).not.toContain('scrypt');
      const { adminPasswordSet: _, ...base } = settings.body;

      const missing = await api.call('PUT', 'server/call-api', {
        body: { ...base, password: { new: 'a new long password' } },
      });
      expect(missing.status).toBe(400);
      expect(missing.body.error.fields).toHaveProperty(['password.current']);
      const wrong = await api.call('PUT', 'server/call-api', {
        body: { ...base, password: { current: 'nope', new: 'a new long password' } },
      });
      expect(wrong.status).toBe(400);
      const changed = await api.call('PUT', 'server/call-api', {
        body: { ...base, password: { current: ADMIN_PASSWORD, new: 'a new long password' } },
      });
      expect(changed.status).toBe(200);
      expect(
        (await api.call('GET', 'resellers', { auth: basic('admin', 'a new long password') })).status,
      ).toBe(200);
      expect((await api.call('GET', 'resellers')).status).toBe(401);
    });

    it('stores every setting of the Call API tab and checks the subnet rules', async () => {
      const api = await fresh();
      await api.setPassword();
      const settings = {
        callApiEnabled: true,
        adminUsername: 'admin',
        requestLimit: { requests: 50, windowSeconds: 10 },
        preferredAgent: 'isymphony-2.0',
        subnetLimits: [
          { cidr: '203.0.113.0/24', requestsPerMinute: 5 },
          { cidr: '2001:db8::/32', requestsPerMinute: 7 },
        ],
        defaultCountry: 'RO',
        publicLimits: {
          perVisitorAddress: { requests: 4, windowSeconds: 300 },
          perDestinationNumber: { requests: 2, windowSeconds: 3600 },
          perCallNowId: { requests: 20, windowSeconds: 60 },
        },
        destinationPolicy: {
          allowedCountries: ['MD', 'RO'],
          blockedPrefixes: ['+40900'],
          allowedPrefixes: [],
          refusedNumberTypes: ['PREMIUM_RATE', 'SHARED_COST'],
        },
        callRequestRetentionDays: 7,
      };
      expect((await api.call('PUT', 'server/call-api', { body: settings })).status).toBe(200);
      expect((await api.call('GET', 'server/call-api')).body).toEqual({
        ...settings,
        adminPasswordSet: true,
      });

      const bad = await api.call('PUT', 'server/call-api', {
        body: { ...settings, subnetLimits: [{ cidr: '300.1.2.0/24', requestsPerMinute: 5 }] },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.fields).toHaveProperty(['subnetLimits.0.cidr']);
      const unknown = await api.call('PUT', 'server/call-api', {
        body: { ...settings, adminPasswordHash: 'x' },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toContain('adminPasswordHash');
    });
  });

  describe('limits', () => {
    it('answers 429 with Retry-After past the per-user limit', async () => {
      const api = await fresh();
      await api.setPassword();
      const { adminPasswordSet: _, ...base } = (await api.call('GET', 'server/call-api')).body;
      await api.call('PUT', 'server/call-api', {
        body: { ...base, requestLimit: { requests: 3, windowSeconds: 60 } },
      });
      const statuses = [];
      for (let request = 0; request < 4; request++)
        statuses.push((await api.call('GET', 'resellers')).status);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
      const over = await api.call('GET', 'resellers');
      expect(over.status).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('applies the most specific subnet rule to each source address', async () => {
      const api = await fresh();
      await api.setPassword();
      const { adminPasswordSet: _, ...base } = (await api.call('GET', 'server/call-api')).body;
      const put = await api.call('PUT', 'server/call-api', {
        body: {
          ...base,
          requestLimit: { requests: 1000, windowSeconds: 60 },
          subnetLimits: [
            { cidr: '192.0.2.0/24', requestsPerMinute: 100 },
            { cidr: '192.0.2.128/25', requestsPerMinute: 2 },
          ],
        },
      });
      expect(put.body).toMatchObject({ subnetLimits: [{}, {}] });
      const from = async (sourceIp: string) => (await api.call('GET', 'resellers', { sourceIp })).status;
      expect([await from('192.0.2.200'), await from('192.0.2.200'), await from('192.0.2.200')]).toEqual([
        200, 200, 429,
      ]);
      expect([await from('192.0.2.10'), await from('192.0.2.10'), await from('192.0.2.10')]).toEqual([
        200, 200, 200,
      ]);
    });
  });

  describe('the permission chain', () => {
    let api: Api;
    beforeAll(async () => {
      api = await fresh();
      await api.setPassword();
      await enableServer(api);
    });

    it.each([
      ['the reseller', { reseller: false }, 'Call API Management is off for reseller Reseller'],
      ['the client', { client: false }, 'Call API Management is off for client Client'],
      ['the extension', { extension: false }, 'Call API Management is off for extension 1'],
      ['a queue', { type: 'queue' }, 'only phone terminal'],
    ])(
      'refuses to enable CallNow when %s is not allowed, with a 409 naming the link',
      async (_, options, link) => {
        const { extensionId } = await tree(api, options);
        const answer = await api.call('PUT', `extensions/${extensionId}/callnow`, { body: PREFERENCES });
        expect(answer.status).toBe(409);
        expect(answer.body.error.message).toContain(link);
      },
    );

    it('enables CallNow on a fully allowed phone terminal and gives its URL and button', async () => {
      const { extensionId } = await tree(api);
      const answer = await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'chain-ok' },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.publicUrl).toBe('https://callnow.example.com/callnow/chain-ok');
      expect(answer.body.buttonSnippet).toContain('href="https://callnow.example.com/callnow/chain-ok"');
      expect(answer.body.widgetSnippet).toContain('https://callnow.example.com/callnow/chain-ok/widget.js');
      expect(await api.publicPage('chain-ok')).toBe(200);
    });

    it('makes the public page obey a permission change at once', async () => {
      const { resellerId, extensionId } = await tree(api);
      await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'obeys' },
      });
      expect(await api.publicPage('obeys')).toBe(200);
      await api.call('PATCH', `resellers/${resellerId}`, { body: { callApiManagement: false } });
      expect(await api.publicPage('obeys')).toBe(404);
      await api.call('PATCH', `resellers/${resellerId}`, { body: { callApiManagement: true } });
      await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, allowCalls: false },
      });
      expect(await api.publicPage('obeys')).toBe(404);
    });
  });

  describe('scoped API keys', () => {
    let api: Api;
    let own: Awaited<ReturnType<typeof tree>>;
    let other: Awaited<ReturnType<typeof tree>>;
    let resellerKey: string;

    beforeAll(async () => {
      api = await fresh();
      await api.setPassword();
      await enableServer(api);
      own = await tree(api);
      other = await tree(api);
      const issued = await api.call('POST', 'api-keys', {
        body: { scope: { level: 'reseller', id: own.resellerId }, label: 'A' },
      });
      expect(issued.status).toBe(201);
      expect(issued.body.key).toMatch(/^cnk_/);
      expect(issued.body).not.toHaveProperty('secretHash');
      resellerKey = bearer(issued.body.key);
    });

    it('shows a key once: the list never has the secret', async () => {
      const list = await api.call('GET', 'api-keys');
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toContain('cnk_');
      expect(JSON.stringify(list.body)).not.toContain('secretHash');
    });

    it("lets a reseller key act on its own tree but never see another reseller's: 404, not 403", async () => {
      expect((await api.call('GET', `clients/${own.clientId}`, { auth: resellerKey })).status).toBe(200);
      expect((await api.call('GET', `resellers/${other.resellerId}`, { auth: resellerKey })).status).toBe(
        404,
      );
      expect((await api.call('GET', `clients/${other.clientId}`, { auth: resellerKey })).status).toBe(404);
      expect((await api.call('GET', `extensions/${other.extensionId}`, { auth: resellerKey })).status).toBe(
        404,
      );
      expect(
        (
          await api.call('PATCH', `clients/${other.clientId}`, {
            auth: resellerKey,
            body: { name: 'mine now' },
          })
        ).status,
      ).toBe(404);
      const listed = await api.call('GET', `clients?resellerId=${other.resellerId}`, { auth: resellerKey });
      expect(listed.body.items).toEqual([]);
      const ownList = await api.call('GET', 'clients', { auth: resellerKey });
      expect(ownList.body.items.map((client: { clientId: string }) => client.clientId)).toEqual([
        own.clientId,
      ]);
    });

    it('lets a key grant permissions below its level only', async () => {
      const below = await api.call('PATCH', `clients/${own.clientId}`, {
        auth: resellerKey,
        body: { callApiManagement: true },
      });
      expect(below.status).toBe(200);
      const itself = await api.call('PATCH', `resellers/${own.resellerId}`, {
        auth: resellerKey,
        body: { callApiManagement: true },
      });
      expect(itself.status).toBe(403);
      expect((await api.call('GET', 'server/call-api', { auth: resellerKey })).status).toBe(403);
    });

    it('places calls through the Call API only for extensions in scope, with no name needed', async () => {
      await api.call('PUT', `extensions/${own.extensionId}/callnow`, {
        body: { ...PREFERENCES, askCallerName: true },
      });
      const placed = await api.call('POST', 'calls', {
        auth: resellerKey,
        body: { extensionId: own.extensionId, phoneNumber: '+1 202 555 0100' },
      });
      expect(placed.status).toBe(202);
      expect(api.sent.at(-1)).toMatchObject({
        requestId: placed.body.requestId,
        visitor: { phone: '+12025550100' },
      });
      const status = await api.call('GET', `calls/${placed.body.requestId}`, { auth: resellerKey });
      expect(status.body).toMatchObject({ requestId: placed.body.requestId, status: 'queued' });

      const foreign = await api.call('POST', 'calls', {
        auth: resellerKey,
        body: { extensionId: other.extensionId, phoneNumber: '+1 202 555 0100' },
      });
      expect(foreign.status).toBe(404);
      const otherKey = await api.call('POST', 'api-keys', {
        body: { scope: { level: 'client', id: other.clientId } },
      });
      expect(
        (await api.call('GET', `calls/${placed.body.requestId}`, { auth: bearer(otherKey.body.key) })).status,
      ).toBe(404);
    });

    it('lets only the admin set a destination policy, and applies the most specific one to the Call API', async () => {
      const ukOnly = {
        allowedCountries: ['GB'],
        blockedPrefixes: [],
        allowedPrefixes: [],
        refusedNumberTypes: ['PREMIUM_RATE'],
      };
      const byKey = await api.call('PATCH', `clients/${own.clientId}`, {
        auth: resellerKey,
        body: { destinationPolicy: ukOnly },
      });
      expect(byKey.status).toBe(403);
      expect(byKey.body.error.message).toBe('only the admin account changes a destination policy');

      await api.call('PUT', `extensions/${own.extensionId}/callnow`, { body: PREFERENCES });
      const call = (phoneNumber: string) =>
        api.call('POST', 'calls', { auth: resellerKey, body: { extensionId: own.extensionId, phoneNumber } });
      const premium = await call('+1 900 234 5678');
      expect(premium.status).toBe(422);
      expect(premium.body.error.code).toBe('number_not_allowed');

      const patched = await api.call('PATCH', `clients/${own.clientId}`, {
        body: { destinationPolicy: ukOnly },
      });
      expect(patched.body.destinationPolicy).toEqual(ukOnly);
      expect((await call('+1 202 555 0142')).status).toBe(422);
      expect((await call('+44 20 7946 0958')).status).toBe(202);

      await api.call('PATCH', `extensions/${own.extensionId}`, {
        body: { destinationPolicy: { ...ukOnly, allowedCountries: ['US'] } },
      });
      expect((await call('+1 202 555 0143')).status).toBe(202);
      await api.call('PATCH', `extensions/${own.extensionId}`, { body: { destinationPolicy: null } });
      await api.call('PATCH', `clients/${own.clientId}`, { body: { destinationPolicy: null } });
      expect((await call('+1 202 555 0144')).status).toBe(202);
    });

    it('stops working once revoked', async () => {
      const issued = await api.call('POST', 'api-keys', {
        body: { scope: { level: 'extension', id: own.extensionId } },
      });
      const key = bearer(issued.body.key);
      expect((await api.call('GET', `extensions/${own.extensionId}`, { auth: key })).status).toBe(200);
      expect((await api.call('DELETE', `api-keys/${issued.body.keyId}`)).status).toBe(204);
      expect((await api.call('GET', `extensions/${own.extensionId}`, { auth: key })).status).toBe(401);
    });
  });

  describe('CallNow IDs', () => {
    let api: Api;
    let now = Date.parse('2026-11-26T10:00:00Z');
    beforeAll(async () => {
      api = await fresh({ now: () => new Date(now) });
      await api.setPassword();
      await enableServer(api);
    });

    it('generates a random URL-safe ID of at least 12 characters for a new extension', async () => {
      const { extensionId } = await tree(api);
      const preferences = await api.call('GET', `extensions/${extensionId}/callnow`);
      expect(preferences.body.callNowId).toMatch(/^[A-Za-z0-9_-]{12,}$/);
    });

    it('gives a clash, even between two claims at the same moment, to exactly one extension', async () => {
      const first = await tree(api);
      const second = await tree(api);
      const answers = await Promise.all(
        [first, second].map(({ extensionId }) =>
          api.call('PUT', `extensions/${extensionId}/callnow`, {
            body: { ...PREFERENCES, callNowId: 'contested' },
          }),
        ),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(await api.publicPage('contested')).toBe(200);
    });

    it('frees the old ID at once when it changes', async () => {
      const { extensionId } = await tree(api);
      await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'before' },
      });
      await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'after' },
      });
      expect(await api.publicPage('before')).toBe(404);
      expect(await api.publicPage('after')).toBe(200);
      const other = await tree(api);
      const reuse = await api.call('PUT', `extensions/${other.extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'before' },
      });
      expect(reuse.status).toBe(200);
    });

    it('leaves no pointer behind when the change fails half-way', async () => {
      const { extensionId } = await tree(api);
      await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'steady' },
      });
      const store = api.management as ManagementStore;
      const original = store.putExtension.bind(store);
      store.putExtension = async () => {
        throw new Error('connection reset');
      };
      const failed = await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'half-way' },
      });
      store.putExtension = original;
      expect(failed.status).toBe(500);
      expect(await store.getCallNowIdPointer('half-way')).toBeUndefined();
      expect(await api.publicPage('steady')).toBe(200);
    });

    it('never follows, and later reclaims, a pointer left by a crash', async () => {
      const crashed = await tree(api);
      const store = api.management as ManagementStore;
      // As if the process died after claiming, before the extension changed: nothing released the pointer.
      const { callNowId: _, ...owner } = { ...crashed, callNowId: '' };
      await store.claimCallNowId({ callNowId: 'orphaned', ...owner, claimedAt: new Date(now).toISOString() });
      expect(await api.publicPage('orphaned')).toBe(404);

      const claimant = await tree(api);
      const tooSoon = await api.call('PUT', `extensions/${claimant.extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'orphaned' },
      });
      expect(tooSoon.status).toBe(409);
      now += 61_000;
      const later = await api.call('PUT', `extensions/${claimant.extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'orphaned' },
      });
      expect(later.status).toBe(200);
      expect(await store.getCallNowIdPointer('orphaned')).toMatchObject({
        extensionId: claimant.extensionId,
      });
    });

    it('refuses an ID of the wrong shape, naming the field', async () => {
      const { extensionId } = await tree(api);
      const answer = await api.call('PUT', `extensions/${extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'a b' },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.fields).toHaveProperty('callNowId');
    });
  });

  describe('requests and pages', () => {
    let api: Api;
    beforeAll(async () => {
      api = await fresh();
      await api.setPassword();
      await enableServer(api);
    });

    it('pages through lists with a cursor', async () => {
      for (const name of ['One', 'Two', 'Three']) await api.call('POST', 'resellers', { body: { name } });
      const first = await api.call('GET', 'resellers?limit=2');
      expect(first.body.items).toHaveLength(2);
      const second = await api.call('GET', `resellers?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.nextCursor).toBeUndefined();
      expect((await api.call('GET', 'resellers?cursor=bm90LWEta2V5')).status).toBe(400);
    });

    it.each([
      ['an unknown field', 'POST', 'resellers', { name: 'x', owner: 'me' }, 400, 'owner'],
      ['a missing name', 'POST', 'resellers', {}, 400, 'name'],
      [
        'a bad extension type',
        'POST',
        'extensions',
        { clientId: 'c', number: '1', siteId: 'hq', type: 'fax', ownerName: 'o' },
        400,
        'type',
      ],
      [
        'a bad time zone',
        'PUT',
        'extensions/nope/callnow',
        {
          ...PREFERENCES,
          availability: { days: ['mon'], from: '09:00', to: '17:00', timeZone: 'Mars/Olympus' },
        },
        404,
        'extension',
      ],
      [
        'a bell in the message',
        'PUT',
        'extensions/any/callnow',
        { ...PREFERENCES, message: 'Hi\u0007' },
        400,
        'message',
      ],
    ])('refuses %s with a 4xx that names it', async (_, method, path, body, status, named) => {
      const answer = await api.call(method, path, { body });
      expect(answer.status).toBe(status);
      expect(answer.body.error.message).toContain(named);
    });

    it('refuses a body that is not JSON, another content type, an unknown route and a wrong method', async () => {
      expect((await api.call('POST', 'resellers', { body: '{"name":' })).status).toBe(400);
      expect(
        (await api.call('POST', 'resellers', { body: 'name=x', contentType: 'text/plain' })).status,
      ).toBe(415);
      expect((await api.call('GET', 'nothing')).status).toBe(404);
      const wrong = await api.call('PUT', 'resellers');
      expect(wrong.status).toBe(405);
      expect(wrong.headers.allow).toBe('GET, POST');
    });

    it('refuses to delete a reseller that still has clients', async () => {
      const { resellerId, clientId, extensionId } = await tree(api);
      expect((await api.call('DELETE', `resellers/${resellerId}`)).status).toBe(409);
      expect((await api.call('DELETE', `clients/${clientId}`)).status).toBe(409);
      expect((await api.call('DELETE', `extensions/${extensionId}`)).status).toBe(204);
      expect((await api.call('DELETE', `clients/${clientId}`)).status).toBe(204);
      expect((await api.call('DELETE', `resellers/${resellerId}`)).status).toBe(204);
      expect((await api.call('GET', `resellers/${resellerId}`)).status).toBe(404);
    });
  });
});
