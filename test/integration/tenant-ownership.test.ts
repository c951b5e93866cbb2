// Tenants own their PBX resources (issue 12), against both DynamoDB emulators: sites, extension-number ranges and
// caller IDs handed down the tree, (site, number) unique, the Call API's per-number limit and hold, signed cursors,
// lists that show only what a key may read, and CallNow IDs unique whatever their case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCallNowPreferences } from '../../functions/domain/defaults.ts';
import { DYNAMODB_EMULATORS, startEmulator, type TestEmulator } from '../support/dynamodb.ts';
import { type ApiAnswer, bearer, managementApi, tree } from '../support/management.ts';

type Api = ReturnType<typeof managementApi>;

const { callNowId: _, ...defaults } = defaultCallNowPreferences('unused');
const PREFERENCES = { ...defaults, allowCalls: true, message: 'Call me', ringSeconds: 20 };
const HQ = (first: string, last: string) => ({ siteId: 'hq', first, last });
const numbers = (extensionRanges: object[], callerIds: string[] = []) => ({
  body: { extensionRanges, callerIds },
});

async function enabledServer(api: Api) {
  await api.setPassword();
  const { adminPasswordSet: _, ...settings } = (await api.call('GET', 'server/call-api')).body;
  const requestLimit = { requests: 100_000, windowSeconds: 60 };
  const answer = await api.call('PUT', 'server/call-api', {
    body: { ...settings, callApiEnabled: true, requestLimit },
  });
  expect(answer.status).toBe(200);
}

async function keyFor(api: Api, level: 'reseller' | 'client' | 'extension', id: string) {
  const issued = await api.call('POST', 'api-keys', { body: { scope: { level, id } } });
  expect(issued.status).toBe(201);
  return bearer(issued.body.key);
}

const codeOf = (answer: ApiAnswer) => answer.body?.error?.code;

describe.each(DYNAMODB_EMULATORS)('tenant ownership on %s', (emulator) => {
  let running: TestEmulator;
  let api: Api;

  beforeAll(async () => {
    running = await startEmulator(emulator);
    api = managementApi(await running.newTable(), undefined, { siteIds: ['hq', 'branch'] });
    await enabledServer(api);
  });
  afterAll(async () => running?.close());

  async function reseller(name: string, extensionRanges: object[], callerIds: string[] = []) {
    const created = await api.call('POST', 'resellers', { body: { name, callApiManagement: true } });
    const resellerId = created.body.resellerId as string;
    const given = await api.call(
      'PUT',
      `resellers/${resellerId}/phone-numbers`,
      numbers(extensionRanges, callerIds),
    );
    expect(given.status).toBe(200);
    return resellerId;
  }

  async function client(resellerId: string, name: string) {
    const created = await api.call('POST', 'clients', {
      body: { resellerId, name, callApiManagement: true },
    });
    return created.body.clientId as string;
  }

  const extension = (clientId: string, number: string, more: object = {}, auth?: string) =>
    api.call('POST', 'extensions', {
      auth,
      body: { clientId, number, siteId: 'hq', type: 'phone_terminal', ownerName: 'Owner', ...more },
    });

  describe('Permissions and Phone Numbers', () => {
    it('lets only the admin hand a reseller its numbers, and never two resellers the same ones', async () => {
      const acme = await reseller('Acme', [HQ('300', '399')]);
      const initech = await reseller('Initech', []);
      const overlap = await api.call(
        'PUT',
        `resellers/${initech}/phone-numbers`,
        numbers([HQ('350', '449')]),
      );
      expect(overlap.status).toBe(409);
      expect(overlap.body.error.message).toBe(
        '350-449 on site hq overlaps 300-399, which reseller Acme holds',
      );
      const byKey = await api.call('PUT', `resellers/${acme}/phone-numbers`, {
        ...numbers([HQ('300', '499')]),
        auth: await keyFor(api, 'reseller', acme),
      });
      expect(byKey.status).toBe(403);
      const view = await api.call('GET', `resellers/${acme}/phone-numbers`);
      expect(view.body).toEqual({ extensionRanges: [HQ('300', '399')], callerIds: [] });
    });

    it.each([
      [
        'a site that does not exist',
        [HQ('1', '9'), { siteId: 'nosuchsite', first: '1', last: '9' }],
        'extensionRanges.1.siteId',
      ],
      ['a range of mixed lengths', [HQ('99', '100')], 'extensionRanges.0'],
      ['a range read backwards', [HQ('20', '10')], 'extensionRanges.0'],
      ['two ranges that overlap', [HQ('10', '20'), HQ('15', '25')], 'extensionRanges.1'],
      ['a number that is not digits', [HQ('1a', '1b')], 'extensionRanges.0.first'],
    ])('refuses %s, naming the field', async (_, ranges, field) => {
      const resellerId = await reseller('Refused', []);
      const answer = await api.call('PUT', `resellers/${resellerId}/phone-numbers`, numbers(ranges));
      expect(answer.status).toBe(400);
      expect(answer.body.error.fields).toHaveProperty([field]);
    });

    it("lets a reseller hand its clients parts of its own ranges only, never another client's", async () => {
      const resellerId = await reseller('Globex', [HQ('500', '599')]);
      const resellerKey = await keyFor(api, 'reseller', resellerId);
      const sales = await client(resellerId, 'Sales');
      const support = await client(resellerId, 'Support');
      const put = (clientId: string, ranges: object[]) =>
        api.call('PUT', `clients/${clientId}/phone-numbers`, { ...numbers(ranges), auth: resellerKey });
      expect((await put(sales, [HQ('500', '549')])).status).toBe(200);
      const outside = await put(support, [HQ('590', '610')]);
      expect(outside.status).toBe(400);
      expect(outside.body.error.message).toBe(
        "590-610 on site hq is not within the reseller's ranges there (500-599)",
      );
      const clash = await put(support, [HQ('540', '559')]);
      expect(clash.status).toBe(409);
      expect(clash.body.error.message).toBe('540-559 on site hq overlaps 500-549, which client Sales holds');
      const selfServe = await api.call('PUT', `clients/${sales}/phone-numbers`, {
        ...numbers([HQ('500', '599')]),
        auth: await keyFor(api, 'client', sales),
      });
      expect(selfServe.status).toBe(403);
      const taken = await api.call(
        'PUT',
        `resellers/${resellerId}/phone-numbers`,
        numbers([HQ('550', '599')]),
      );
      expect(taken.status).toBe(409);
      expect(taken.body.error.message).toContain('is handed to client Sales');
    });

    it('lets a client create and renumber extensions inside its ranges only: nobody rings a phone not theirs', async () => {
      const resellerId = await reseller('Hooli', [HQ('600', '699')]);
      const clientId = await client(resellerId, 'Hooli Sales');
      expect(
        (await api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('600', '609')]))).status,
      ).toBe(200);
      const clientKey = await keyFor(api, 'client', clientId);
      const own = await extension(clientId, '601', {}, clientKey);
      expect(own.status).toBe(201);
      for (const number of ['102', '650', '6010', '1000000000']) {
        const refused = await extension(clientId, number, {}, clientKey);
        expect(refused.status, number).toBe(400);
        expect(refused.body.error.message, number).toContain("is not in the client's ranges there (600-609)");
      }
      for (const number of ['011447911123456', '19005550199', 'Local/101@from-internal', '101#', '']) {
        const refused = await extension(clientId, number, {}, clientKey);
        expect(refused.status, number).toBe(400);
        expect(refused.body.error.fields, number).toHaveProperty('number');
      }
      const renumber = (number: string) =>
        api.call('PATCH', `extensions/${own.body.extensionId}`, { auth: clientKey, body: { number } });
      expect((await renumber('102')).status).toBe(400);
      expect(
        (
          await api.call('PATCH', `extensions/${own.body.extensionId}`, {
            auth: clientKey,
            body: { siteId: 'branch' },
          })
        ).status,
      ).toBe(400);
      expect((await renumber('602')).status).toBe(200);
      expect((await extension(clientId, '601', {}, clientKey)).status).toBe(201);
    });

    it('keeps (site, number) unique on the server, and frees the old number when an extension is renumbered', async () => {
      const resellerId = await reseller('Umbrella', [HQ('700', '799')]);
      const clientId = await client(resellerId, 'Umbrella Labs');
      await api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('700', '799')]));
      const first = await extension(clientId, '701');
      expect(first.status).toBe(201);
      const twin = await extension(clientId, '701');
      expect(twin.status).toBe(409);
      expect(twin.body.error.message).toBe('extension 701 already exists on site hq');
      expect(
        (await api.call('PATCH', `extensions/${first.body.extensionId}`, { body: { number: '702' } })).status,
      ).toBe(200);
      expect((await extension(clientId, '701')).status).toBe(201);
      expect((await extension(clientId, '702')).status).toBe(409);
      expect((await api.call('DELETE', `extensions/${first.body.extensionId}`)).status).toBe(204);
      expect((await extension(clientId, '702')).status).toBe(201);
    });

    it('gives one (site, number) to exactly one of 20 creations at the same moment', async () => {
      const resellerId = await reseller('Race', [HQ('800', '809')]);
      const clientId = await client(resellerId, 'Race Client');
      await api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('800', '809')]));
      const answers = await Promise.all(Array.from({ length: 20 }, () => extension(clientId, '805')));
      expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
      expect(answers.filter((answer) => answer.status === 409)).toHaveLength(19);
      const listed = await api.call('GET', `extensions?clientId=${clientId}`);
      expect(listed.body.items).toHaveLength(1);
    });

    it('refuses, even for the admin, a site that does not exist or a number another reseller holds', async () => {
      const resellerId = await reseller('Wayne', [HQ('900', '909')]);
      const clientId = await client(resellerId, 'Wayne Ent');
      const nowhere = await extension(clientId, '901', { siteId: 'nosuchsite' });
      expect(nowhere.status).toBe(400);
      expect(nowhere.body.error.message).toBe('there is no site nosuchsite');
      const foreign = await extension(clientId, '305');
      expect(foreign.status).toBe(409);
      expect(foreign.body.error.message).toContain('which another reseller holds');
      const elsewhere = await extension(clientId, '901', { siteId: 'branch' });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.error.message).toContain("not one of the reseller's sites");
      expect((await extension(clientId, '901')).status).toBe(201);
    });

    it('will not take back numbers an extension still has', async () => {
      const resellerId = await reseller('Stark', [HQ('910', '919')]);
      const clientId = await client(resellerId, 'Stark Ind');
      await api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('910', '919')]));
      const made = await extension(clientId, '915');
      const shrink = await api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('910', '914')]));
      expect(shrink.status).toBe(409);
      expect(shrink.body.error.message).toBe(
        'extension 915 on site hq is in 910-919; renumber or delete it first',
      );
      await api.call('DELETE', `extensions/${made.body.extensionId}`);
      expect(
        (await api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('910', '914')]))).status,
      ).toBe(200);
      expect((await api.call('DELETE', `clients/${clientId}`)).status).toBe(204);
      expect((await api.call('PUT', `resellers/${resellerId}/phone-numbers`, numbers([]))).status).toBe(200);
      expect((await reseller('After Stark', [HQ('910', '919')])).length).toBeGreaterThan(0);
    });
  });

  describe('caller IDs', () => {
    it("shows visitors only a caller ID the extension's client holds, and falls back when it is taken away", async () => {
      const resellerId = await reseller('Caller', [HQ('920', '929')], ['+12025550190', '+12025550191']);
      const clientId = await client(resellerId, 'Caller Co');
      const handOut = (callerIds: string[]) =>
        api.call('PUT', `clients/${clientId}/phone-numbers`, numbers([HQ('920', '929')], callerIds));
      const notTheResellers = await handOut(['+19005551234']);
      expect(notTheResellers.status).toBe(400);
      expect(notTheResellers.body.error.fields).toHaveProperty(['callerIds.0']);
      expect((await handOut(['+12025550190'])).status).toBe(200);

      const made = await extension(clientId, '921', { callApiManagement: true, callApiAccess: true });
      const extensionId = made.body.extensionId as string;
      const spoof = await api.call('PATCH', `extensions/${extensionId}`, {
        body: { visitorCallerId: '+19005551234' },
      });
      expect(spoof.status).toBe(400);
      expect(spoof.body.error.fields).toHaveProperty('visitorCallerId');
      const other = await api.call('PATCH', `extensions/${extensionId}`, {
        body: { visitorCallerId: '+12025550191' },
      });
      expect(other.status).toBe(400);
      expect(
        (await api.call('PATCH', `extensions/${extensionId}`, { body: { visitorCallerId: '+12025550190' } }))
          .status,
      ).toBe(200);

      await api.call('PUT', `extensions/${extensionId}/callnow`, { body: PREFERENCES });
      const call = (phoneNumber: string) => api.call('POST', 'calls', { body: { extensionId, phoneNumber } });
      expect((await call('+1 202 555 0170')).status).toBe(202);
      expect(api.sent.at(-1)).toMatchObject({ visitorCallerId: '+12025550190' });

      expect(
        (
          await api.call(
            'PUT',
            `resellers/${resellerId}/phone-numbers`,
            numbers([HQ('920', '929')], ['+12025550191']),
          )
        ).status,
      ).toBe(200);
      expect((await api.call('GET', `clients/${clientId}/phone-numbers`)).body.callerIds).toEqual([]);
      expect((await api.call('GET', `extensions/${extensionId}`)).body).not.toHaveProperty('visitorCallerId');
      expect((await call('+1 202 555 0171')).status).toBe(202);
      expect(api.sent.at(-1)).not.toHaveProperty('visitorCallerId');
    });
  });

  describe('the Call API', () => {
    let extensionId: string;
    let clientKey: string;

    beforeAll(async () => {
      const made = await tree(api);
      extensionId = made.extensionId;
      clientKey = await keyFor(api, 'client', made.clientId);
      await api.call('PUT', `extensions/${extensionId}/callnow`, { body: PREFERENCES });
    });

    it('places one call per number at a time: the same key gets its request back, another key a 409 without it', async () => {
      const sentBefore = api.sent.length;
      const call = (auth?: string) =>
        api.call('POST', 'calls', { auth, body: { extensionId, phoneNumber: '+1 202 555 0180' } });
      const first = await call(clientKey);
      const again = await call(clientKey);
      const admin = await call();
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ ...first.body, duplicate: true });
      expect(admin.status).toBe(409);
      expect(codeOf(admin)).toBe('call_in_progress');
      expect(JSON.stringify(admin.body)).not.toContain(first.body.requestId);
      expect(api.sent.length - sentBefore).toBe(1);
    });

    it('sends one call for 30 at the same moment to one number, and tells nobody else its id', async () => {
      const sentBefore = api.sent.length;
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          api.call('POST', 'calls', {
            auth: index % 2 === 0 ? clientKey : undefined,
            body: { extensionId, phoneNumber: '+1 202 555 0181' },
          }),
        ),
      );
      expect(api.sent.length - sentBefore).toBe(1);
      const placed = api.sent.at(-1)?.requestId;
      const accepted = answers.flatMap((answer, index) => (answer.status === 202 ? [index] : []));
      expect(new Set(accepted.map((index) => index % 2)).size).toBe(1);
      for (const index of accepted) expect(answers[index]?.body.requestId).toBe(placed);
      for (const answer of answers.filter((_, index) => !accepted.includes(index))) {
        expect([
          [409, 'call_in_progress'],
          [429, 'too_many_requests'],
        ]).toContainEqual([answer.status, codeOf(answer)]);
        expect(JSON.stringify(answer.body)).not.toContain(placed);
      }
    });

    it("applies the number's limit", async () => {
      const { adminPasswordSet: _, ...settings } = (await api.call('GET', 'server/call-api')).body;
      const perNumber = { requests: 1, windowSeconds: 3600 };
      const limits = { ...settings.publicLimits, perDestinationNumber: perNumber };
      await api.call('PUT', 'server/call-api', { body: { ...settings, publicLimits: limits } });
      const call = () =>
        api.call('POST', 'calls', { auth: clientKey, body: { extensionId, phoneNumber: '+1 202 555 0182' } });
      const first = await call();
      expect(first.status).toBe(202);
      for (const request of [first.body.requestId]) {
        await api.store.advanceCallRequest({
          requestId: request,
          status: 'completed',
          at: new Date().toISOString(),
        });
      }
      const second = await call();
      expect(second.status).toBe(429);
      expect(second.headers['retry-after']).toMatch(/^\d+$/);
      await api.call('PUT', 'server/call-api', { body: settings });
    });
  });

  describe('lists', () => {
    it('show a key what it could read one by one, and nothing else', async () => {
      const own = await tree(api);
      const clientKey = await keyFor(api, 'client', own.clientId);
      const extensionKey = await keyFor(api, 'extension', own.extensionId);
      const ownExtensions = await api.call('GET', `extensions?clientId=${own.clientId}`, { auth: clientKey });
      expect(ownExtensions.body.items.map((item: { extensionId: string }) => item.extensionId)).toEqual([
        own.extensionId,
      ]);
      expect((await api.call('GET', 'extensions', { auth: clientKey })).body.items).toHaveLength(1);
      expect((await api.call('GET', `clients/${own.clientId}`, { auth: extensionKey })).status).toBe(404);
      expect((await api.call('GET', 'clients', { auth: extensionKey })).body.items).toEqual([]);
      expect(
        (await api.call('GET', `clients?resellerId=${own.resellerId}`, { auth: extensionKey })).body.items,
      ).toEqual([]);
      expect((await api.call('GET', 'resellers', { auth: clientKey })).body.items).toEqual([]);
    });

    it('refuse a forged, edited, foreign or stale cursor with 400 invalid_cursor', async () => {
      for (let index = 0; index < 3; index++)
        await api.call('POST', 'resellers', { body: { name: `Paged ${index}` } });
      const page = await api.call('GET', 'resellers?limit=1');
      const cursor = page.body.nextCursor as string;
      expect((await api.call('GET', `resellers?limit=1&cursor=${encodeURIComponent(cursor)}`)).status).toBe(
        200,
      );
      const forged = Buffer.from(JSON.stringify({ pk: { S: 'x' } })).toString('base64url');
      const [body = '', signature = ''] = cursor.split('.');
      const edited = `${Buffer.from(Buffer.from(body, 'base64url').toString().replace('RESELLER', 'CLIENT')).toString('base64url')}.${signature}`;
      const clients = await api.call(
        'GET',
        `clients?resellerId=${(await tree(api)).resellerId}&cursor=${encodeURIComponent(cursor)}`,
      );
      for (const answer of [
        await api.call('GET', `resellers?cursor=${forged}`),
        await api.call('GET', `resellers?cursor=${encodeURIComponent(edited)}`),
        await api.call('GET', 'extensions?resellerId=x&cursor=abc.def'),
        clients,
      ]) {
        expect(answer.status).toBe(400);
        expect(codeOf(answer)).toBe('invalid_cursor');
        expect(answer.body.error.fields).toHaveProperty('cursor');
      }
      let now = Date.now();
      const later = managementApi(
        api.table,
        { now: () => new Date(now) },
        { siteIds: ['hq'], nowMs: () => now },
      );
      const fresh = await later.call('GET', 'resellers?limit=1');
      now += 2 * 3600 * 1000;
      const stale = await later.call(
        'GET',
        `resellers?limit=1&cursor=${encodeURIComponent(fresh.body.nextCursor)}`,
      );
      expect(stale.status).toBe(400);
      expect(codeOf(stale)).toBe('invalid_cursor');
    });
  });

  describe('CallNow IDs', () => {
    it('are unique whatever their case, keep the spelling chosen, and open in any case', async () => {
      const first = await tree(api);
      const second = await tree(api);
      const chosen = await api.call('PUT', `extensions/${first.extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'Acme-Sales' },
      });
      expect(chosen.status).toBe(200);
      expect(chosen.body.callNowId).toBe('Acme-Sales');
      expect(chosen.body.publicUrl).toMatch(/\/callnow\/Acme-Sales$/);
      for (const clash of ['acme-sales', 'ACME-SALES', 'Acme-Sales']) {
        const answer = await api.call('PUT', `extensions/${second.extensionId}/callnow`, {
          body: { ...PREFERENCES, callNowId: clash },
        });
        expect(answer.status, clash).toBe(409);
      }
      expect(await api.publicPage('acme-sales')).toBe(200);
      expect(await api.publicPage('ACME-SALES')).toBe(200);
      const respelled = await api.call('PUT', `extensions/${first.extensionId}/callnow`, {
        body: { ...PREFERENCES, callNowId: 'acme-sales' },
      });
      expect(respelled.status).toBe(200);
      expect(await api.publicPage('Acme-Sales')).toBe(200);
    });
  });

  describe('destination policies', () => {
    it('read the replaced allowedCallingCodes as the countries that share them, and say so', async () => {
      const { adminPasswordSet: _, ...settings } = (await api.call('GET', 'server/call-api')).body;
      const legacy = { ...settings.destinationPolicy, allowedCallingCodes: ['44'] };
      const { allowedCountries: __, ...withoutCountries } = legacy;
      const answer = await api.call('PUT', 'server/call-api', {
        body: { ...settings, destinationPolicy: withoutCountries },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.destinationPolicy.allowedCountries).toEqual(['GB', 'GG', 'IM', 'JE']);
      expect(answer.body.destinationPolicy).not.toHaveProperty('allowedCallingCodes');
      expect(answer.body.notices).toEqual([
        expect.stringContaining('allowedCallingCodes is replaced by allowedCountries'),
      ]);
      await api.call('PUT', 'server/call-api', { body: settings });
    });
  });
});
