import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCallableTarget } from '../../functions/domain/call-requests.ts';
import { ConcurrentChangeError } from '../../functions/domain/management-errors.ts';
import type { CallRequest, Site } from '../../functions/domain/model.ts';
import { type CallRequestChange, RequestExistsError } from '../../functions/domain/ports.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { keys } from '../../functions/store/records.ts';
import { writeTarget } from '../../infra/local/seed.ts';
import { DYNAMODB_EMULATORS, startTestTable, type TestTable } from '../support/dynamodb.ts';
import { callableTarget } from '../support/fixtures.ts';

const CREATED_AT = '2026-11-26T10:00:00.000Z';

function newRequest(requestId: string): CallRequest {
  return {
    requestId,
    callNowId: 'demo',
    extensionId: 'e101',
    siteId: 'hq',
    status: 'queued',
    visitorPhone: '+12025550100',
    createdAt: CREATED_AT,
    expiresAt: '2026-11-26T10:02:00.000Z',
    statusTimes: { queued: CREATED_AT },
  };
}

describe.each(DYNAMODB_EMULATORS)('DynamoCallNowStore on %s', (emulator) => {
  let table: TestTable;
  let store: DynamoCallNowStore;

  beforeAll(async () => {
    table = await startTestTable(emulator);
    store = new DynamoCallNowStore(table.documents, table.tableName);
    await writeTarget(table.documents, table.tableName, callableTarget());
  });
  afterAll(async () => table?.close());

  it('loads a CallNow ID with its whole owner chain and the server settings', async () => {
    expect(await store.getCallNowTarget('demo')).toEqual(callableTarget());
    expect(await store.getCallNowTarget('nobody')).toBeUndefined();
  });

  it('does not follow a pointer left behind when the extension changed its CallNow ID', async () => {
    const stale = callableTarget();
    const moved = {
      ...stale,
      extension: {
        ...stale.extension,
        extensionId: 'e102',
        callNow: { ...stale.extension.callNow, callNowId: 'old' },
      },
    };
    await writeTarget(table.documents, table.tableName, moved);
    await table.documents.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.extension('e102'),
        UpdateExpression: 'SET callNow.callNowId = :new',
        ExpressionAttributeValues: { ':new': 'new' },
      }),
    );
    expect(await store.getCallNowTarget('old')).toBeUndefined();
  });

  it('reads a page it has seen in one round trip, and obeys each permission change at the next view', async () => {
    const target = callableTarget();
    await writeTarget(table.documents, table.tableName, {
      ...target,
      extension: {
        ...target.extension,
        extensionId: 'e110',
        callNow: { ...target.extension.callNow, callNowId: 'perm' },
      },
    });
    const viewer = new DynamoCallNowStore(table.documents, table.tableName);
    const calls: string[] = [];
    table.documents.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'countPageReads' },
    );
    const set = (key: { pk: string; sk: string }, update: string, value: unknown) =>
      table.documents.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: key,
          UpdateExpression: `SET ${update} = :value`,
          ExpressionAttributeValues: { ':value': value },
        }),
      );
    const callable = async () => (await findCallableTarget(viewer, 'perm')) !== undefined;
    try {
      expect(await callable()).toBe(true);
      calls.length = 0;
      expect(await callable()).toBe(true);
      expect(calls).toEqual(['BatchGetItemCommand']);

      for (const [key, field] of [
        [keys.server(), 'callApiEnabled'],
        [keys.reseller(target.reseller.resellerId), 'callApiManagement'],
        [keys.client(target.client.clientId), 'callApiManagement'],
        [keys.extension('e110'), 'callApiManagement'],
        [keys.extension('e110'), 'callApiAccess'],
        [keys.extension('e110'), 'callNow.allowCalls'],
      ] as const) {
        await set(key, field, false);
        expect(await callable(), `${key.pk} ${field} off`).toBe(false);
        await set(key, field, true);
        expect(await callable(), `${key.pk} ${field} on again`).toBe(true);
      }
    } finally {
      table.documents.middlewareStack.remove('countPageReads');
    }
  });

  it('follows a CallNow ID to the extension that took it since the container last read its pointer', async () => {
    const target = callableTarget();
    const first = {
      ...target.extension,
      extensionId: 'e120',
      callNow: { ...target.extension.callNow, callNowId: 'moving' },
    };
    await writeTarget(table.documents, table.tableName, { ...target, extension: first });
    const viewer = new DynamoCallNowStore(table.documents, table.tableName);
    expect((await viewer.getCallNowTarget('moving'))?.extension.extensionId).toBe('e120');

    await table.documents.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.extension('e120'),
        UpdateExpression: 'SET callNow.callNowId = :other',
        ExpressionAttributeValues: { ':other': 'elsewhere' },
      }),
    );
    expect(await viewer.getCallNowTarget('moving')).toBeUndefined();
    await writeTarget(table.documents, table.tableName, {
      ...target,
      extension: { ...first, extensionId: 'e121' },
    });
    expect((await viewer.getCallNowTarget('moving'))?.extension.extensionId).toBe('e121');
    await table.documents.send(
      new DeleteCommand({ TableName: table.tableName, Key: keys.extension('e121') }),
    );
    expect(await viewer.getCallNowTarget('moving')).toBeUndefined();
  });

  it('writes a request once: a second write with the same id fails and changes nothing', async () => {
    await store.createCallRequest(newRequest('once'), 30);
    await expect(
      store.createCallRequest({ ...newRequest('once'), visitorPhone: '+12025550199' }, 30),
    ).rejects.toBeInstanceOf(RequestExistsError);
    await store.revealCallRequest('once');
    expect(await store.getCallRequest('once')).toEqual(newRequest('once'));
  });

  it('shows no pending request until it is revealed, and a discarded one leaves nothing behind', async () => {
    await store.createCallRequest(newRequest('pending'), 30);
    expect(await store.getCallRequest('pending')).toBeUndefined();
    await store.revealCallRequest('pending');
    expect(await store.getCallRequest('pending')).toEqual(newRequest('pending'));
    await store.discardCallRequest('pending');
    expect(await store.getCallRequest('pending')).toEqual(newRequest('pending'));

    await store.createCallRequest(newRequest('refused'), 30);
    await store.discardCallRequest('refused');
    const { Item } = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key: keys.callRequest('refused'), ConsistentRead: true }),
    );
    expect(Item).toBeUndefined();
  });

  it('reveals a request as failed in one write, or by the first status the PBX reports', async () => {
    await store.createCallRequest(newRequest('unsent'), 30);
    const failed = {
      requestId: 'unsent',
      status: 'failed',
      reason: 'pbx_unavailable',
      at: CREATED_AT,
    } as const;
    await store.revealCallRequest('unsent', failed);
    expect(await store.getCallRequest('unsent')).toMatchObject({
      status: 'failed',
      reason: 'pbx_unavailable',
    });

    await store.createCallRequest(newRequest('raced'), 30);
    await store.advanceCallRequest({ requestId: 'raced', status: 'dialing_extension', at: CREATED_AT });
    await store.revealCallRequest('raced');
    expect(await store.getCallRequest('raced')).toMatchObject({ status: 'dialing_extension' });
  });

  const outcomeOf = async (change: CallRequestChange) => (await store.advanceCallRequest(change)).outcome;

  it('answers the request as its update left it, so that nobody reads it again', async () => {
    await store.createCallRequest(newRequest('answered'), 30);
    const at = '2026-11-26T10:00:03.000Z';
    expect(
      await store.advanceCallRequest({ requestId: 'answered', status: 'dialing_extension', at }),
    ).toEqual({
      outcome: 'applied',
      request: {
        ...newRequest('answered'),
        status: 'dialing_extension',
        statusTimes: { queued: CREATED_AT, dialing_extension: at },
      },
    });
  });

  it('moves a request only forward, whatever order the statuses arrive in', async () => {
    await store.createCallRequest(newRequest('forward'), 30);
    const at = (second: number) => `2026-11-26T10:00:${String(second).padStart(2, '0')}.000Z`;

    expect(await outcomeOf({ requestId: 'forward', status: 'dialing_extension', at: at(1) })).toBe('applied');
    expect(await outcomeOf({ requestId: 'forward', status: 'connected', at: at(5) })).toBe('applied');
    expect(await outcomeOf({ requestId: 'forward', status: 'dialing_visitor', at: at(4) })).toBe('stale');
    expect(await outcomeOf({ requestId: 'forward', status: 'connected', at: at(6) })).toBe('stale');
    expect(await outcomeOf({ requestId: 'forward', status: 'completed', at: at(9) })).toBe('applied');
    expect(
      await outcomeOf({
        requestId: 'forward',
        status: 'failed',
        reason: 'pbx_unavailable',
        at: at(10),
      }),
    ).toBe('stale');

    expect(await store.getCallRequest('forward')).toEqual({
      ...newRequest('forward'),
      status: 'completed',
      statusTimes: { queued: CREATED_AT, dialing_extension: at(1), connected: at(5), completed: at(9) },
    });
  });

  it('records the failure reason with a failed status', async () => {
    await store.createCallRequest(newRequest('failing'), 30);
    await store.advanceCallRequest({
      requestId: 'failing',
      status: 'failed',
      reason: 'visitor_busy',
      at: CREATED_AT,
    });
    expect(await store.getCallRequest('failing')).toMatchObject({ status: 'failed', reason: 'visitor_busy' });
  });

  it('answers unknown for a status about a request it never stored', async () => {
    expect(await outcomeOf({ requestId: 'ghost', status: 'connected', at: CREATED_AT })).toBe('unknown');
  });

  it('keeps the newest presence report of an extension', async () => {
    const presence = {
      siteId: 'hq',
      extension: '101',
      state: 'in_use' as const,
      at: '2026-11-26T10:00:05.000Z',
    };
    await store.putExtensionPresence(presence);
    await store.putExtensionPresence({ ...presence, state: 'idle', at: '2026-11-26T10:00:01.000Z' });
    const { Item } = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key: keys.presence('hq', '101') }),
    );
    expect(Item).toMatchObject({ state: 'in_use' });
  });

  it('lets exactly 5 of 50 concurrent requests through a limit of 5', async () => {
    const check = { subject: `race#${emulator}`, limit: 5, windowSeconds: 60 };
    const nowMs = Date.parse(CREATED_AT);
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => store.hit(check, nowMs)));
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(5);
    expect(outcomes.filter((outcome) => !outcome.allowed)).toHaveLength(45);
    expect(outcomes.find((outcome) => !outcome.allowed)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  const numberLimit = (limit: number) => ({ subject: 'number#', limit, windowSeconds: 3600 });
  const nowMs = Date.parse(CREATED_AT);

  it('gives a number to one of 20 concurrent requests, and to a new one only through the old holder', async () => {
    const hold = (requestId: string) => ({
      phone: '+12025550177',
      requestId,
      callNowId: 'demo',
      heldAt: CREATED_AT,
    });
    const limit = numberLimit(100);
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.claimDestination(hold(`r${index}`), limit, nowMs)),
    );
    const claimed = claims.findIndex((claim) => claim.kind === 'claimed');
    expect(claims.filter((claim) => claim.kind === 'claimed')).toHaveLength(1);
    const winner = `r${claimed}`;
    for (const claim of claims.filter((claim) => claim.kind !== 'claimed')) {
      expect(claim).toEqual({ kind: 'held', holder: hold(winner) });
    }

    expect(await store.replaceDestinationHold(hold('late'), 'not-the-holder', limit, nowMs)).toEqual({
      kind: 'held',
      holder: hold(winner),
    });
    const takeovers = await Promise.all(
      ['a', 'b', 'c'].map((requestId) => store.replaceDestinationHold(hold(requestId), winner, limit, nowMs)),
    );
    expect(takeovers.filter((claim) => claim.kind === 'claimed')).toHaveLength(1);
    await store.releaseDestination('+12025550177', winner);
    expect((await store.claimDestination(hold('next'), limit, nowMs)).kind).toBe('held');
  });

  it("counts a number's calls with its hold: only holders count, a call given back does not, a new window starts again", async () => {
    const phone = '+12025550176';
    const hold = (requestId: string) => ({ phone, requestId, callNowId: 'demo', heldAt: CREATED_AT });
    const limit = numberLimit(2);
    const take = (requestId: string, atMs = nowMs) => store.claimDestination(hold(requestId), limit, atMs);
    expect(await take('first')).toEqual({ kind: 'claimed' });
    expect((await take('crowd')).kind).toBe('held');
    await store.releaseDestination(phone, 'first');
    expect(await take('second')).toEqual({ kind: 'claimed' });
    await store.releaseDestination(phone, 'second', { limit, nowMs });
    expect(await take('third')).toEqual({ kind: 'claimed' });
    await store.releaseDestination(phone, 'third');
    // 10:00 is the start of the hour: the limit lasts until 11:00.
    expect(await take('fourth')).toEqual({ kind: 'limited', retryAfterSeconds: 3600 });
    expect(await take('next hour', nowMs + 3600_000)).toEqual({ kind: 'claimed' });
  });

  it('keeps who asked with the hold, and a hold written before that was kept reads without it', async () => {
    const hold = {
      phone: '+12025550178',
      requestId: 'asked',
      callNowId: 'demo',
      requester: 'key#k1',
      heldAt: CREATED_AT,
    };
    const limit = numberLimit(100);
    expect(await store.claimDestination(hold, limit, nowMs)).toEqual({ kind: 'claimed' });
    expect(
      await store.claimDestination(
        { ...hold, requestId: 'other', requester: 'visitor#198.51.100.1' },
        limit,
        nowMs,
      ),
    ).toEqual({ kind: 'held', holder: hold });
    const { requester: _, ...older } = { ...hold, phone: '+12025550179' };
    expect(await store.claimDestination(older, limit, nowMs)).toEqual({ kind: 'claimed' });
    expect(await store.claimDestination({ ...older, requestId: 'next' }, limit, nowMs)).toEqual({
      kind: 'held',
      holder: older,
    });
  });

  it('finds a CallNow ID whatever the case it is asked in', async () => {
    expect((await store.getCallNowTarget('DEMO'))?.extension.extensionId).toBe('e101');
    expect((await store.getCallNowTarget('Demo'))?.extension.extensionId).toBe('e101');
  });

  it('reads a shield with the chain, in the same batch', async () => {
    await store.raiseShield('demo', '2026-11-26T11:00:00.000Z');
    expect((await store.getCallNowTarget('demo'))?.shieldedUntil).toBe('2026-11-26T11:00:00.000Z');
  });

  it('makes one form signing key for the deployment, whoever asks first', async () => {
    const keys = await Promise.all([store.formSigningKey(), store.formSigningKey(), store.formSigningKey()]);
    expect(keys[0]).toHaveLength(32);
    expect(new Set(keys.map((key) => Buffer.from(key).toString('hex'))).size).toBe(1);
    const later = new DynamoCallNowStore(table.documents, table.tableName);
    expect(Buffer.from(await later.formSigningKey())).toEqual(Buffer.from(keys[0] ?? []));
  });

  it('sets the time to live of a request from the retention in days', async () => {
    await store.createCallRequest(newRequest('retained'), 7);
    const { Item } = await table.documents.send(
      new GetCommand({ TableName: table.tableName, Key: keys.callRequest('retained') }),
    );
    expect(Item?.ttl).toBe(Date.parse('2026-11-26T10:02:00.000Z') / 1000 + 7 * 86_400);
  });

  it('reuses the server settings it read for the time it is told, then reads them again', async () => {
    const reusing = new DynamoCallNowStore(table.documents, table.tableName, {
      serverSettingsMaxAgeMs: 60_000,
    });
    const fresh = new DynamoCallNowStore(table.documents, table.tableName);
    expect((await reusing.getCallNowTarget('demo'))?.server.defaultCountry).toBe('US');
    await table.documents.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.server(),
        UpdateExpression: 'SET defaultCountry = :country',
        ExpressionAttributeValues: { ':country': 'RO' },
      }),
    );
    expect((await reusing.getCallNowTarget('demo'))?.server.defaultCountry).toBe('US');
    expect((await fresh.getCallNowTarget('demo'))?.server.defaultCountry).toBe('RO');
  });
});

describe.each(DYNAMODB_EMULATORS)('DynamoManagementStore on %s', (emulator) => {
  let table: TestTable;
  let store: DynamoManagementStore;
  const claim = (extensionId: string, number = '305') => ({
    siteId: 'hq',
    number,
    extensionId,
    clientId: 'c1',
    resellerId: 'r1',
    claimedAt: CREATED_AT,
  });

  beforeAll(async () => {
    table = await startTestTable(emulator);
    store = new DynamoManagementStore(table.documents, table.tableName, { siteIds: ['hq'] });
  });
  afterAll(async () => table?.close());

  it('gives one (site, number) to exactly one of 20 concurrent claims, and lets only its holder release it', async () => {
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.claimExtensionNumber(claim(`e${index}`))),
    );
    expect(claims.filter((outcome) => outcome === 'claimed')).toHaveLength(1);
    const holder = (await store.getExtensionNumber('hq', '305'))?.extensionId ?? '';
    expect(await store.claimExtensionNumber(claim(holder))).toBe('claimed');
    await store.releaseExtensionNumber('hq', '305', 'not-the-holder');
    expect(await store.getExtensionNumber('hq', '305')).toMatchObject({ extensionId: holder });
    expect(await store.claimExtensionNumber(claim('orphan-taker'), 'someone-else')).toBe('taken');
    expect(await store.claimExtensionNumber(claim('orphan-taker'), holder)).toBe('claimed');
    await store.releaseExtensionNumber('hq', '305', 'orphan-taker');
    expect(await store.getExtensionNumber('hq', '305')).toBeUndefined();
  });

  it('lists the numbers of a range, and only numbers of its length', async () => {
    for (const number of ['399', '400', '3000', '39', '350'])
      await store.claimExtensionNumber(claim(`n${number}`, number));
    const inRange = await store.listExtensionNumbers('hq', { first: '300', last: '399' });
    expect(inRange.map((found) => found.number)).toEqual(['350', '399']);
  });

  it("writes a site's allocations only over the revision it read: one of two concurrent writes wins", async () => {
    const site: Site = { siteId: 'hq', allocations: [], revision: 0 };
    expect(await store.getSite('hq')).toEqual(site);
    const mine = (resellerId: string) => ({
      ...site,
      allocations: [{ first: '100', last: '199', resellerId }],
    });
    const writes = await Promise.allSettled([
      store.putSiteAllocations(mine('r1')),
      store.putSiteAllocations(mine('r2')),
    ]);
    expect(writes.filter((write) => write.status === 'fulfilled')).toHaveLength(1);
    expect(writes.find((write) => write.status === 'rejected')).toMatchObject({
      reason: expect.any(ConcurrentChangeError),
    });
    const after: Site = { ...site, revision: 1 };
    expect(await store.getSite('hq')).toMatchObject({ siteId: 'hq', revision: 1 });
    await expect(store.putSiteAllocations(after)).resolves.toBeUndefined();
    await expect(store.putSiteAllocations(after)).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(await store.getSite('elsewhere')).toBeUndefined();
    expect((await store.listSites()).map((known) => known.siteId)).toEqual(['hq']);
  });
});
