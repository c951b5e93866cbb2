import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRequest } from '../../functions/domain/model.ts';
import { RequestExistsError } from '../../functions/domain/ports.ts';
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

  it('writes a request once: a second write with the same id fails and changes nothing', async () => {
    await store.createCallRequest(newRequest('once'));
    await expect(
      store.createCallRequest({ ...newRequest('once'), visitorPhone: '+12025550199' }),
    ).rejects.toBeInstanceOf(RequestExistsError);
    expect(await store.getCallRequest('once')).toEqual(newRequest('once'));
  });

  it('moves a request only forward, whatever order the statuses arrive in', async () => {
    await store.createCallRequest(newRequest('forward'));
    const at = (second: number) => `2026-11-26T10:00:${String(second).padStart(2, '0')}.000Z`;

    expect(
      await store.advanceCallRequest({ requestId: 'forward', status: 'dialing_extension', at: at(1) }),
    ).toBe('applied');
    expect(await store.advanceCallRequest({ requestId: 'forward', status: 'connected', at: at(5) })).toBe(
      'applied',
    );
    expect(
      await store.advanceCallRequest({ requestId: 'forward', status: 'dialing_visitor', at: at(4) }),
    ).toBe('stale');
    expect(await store.advanceCallRequest({ requestId: 'forward', status: 'connected', at: at(6) })).toBe(
      'stale',
    );
    expect(await store.advanceCallRequest({ requestId: 'forward', status: 'completed', at: at(9) })).toBe(
      'applied',
    );
    expect(
      await store.advanceCallRequest({
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
    await store.createCallRequest(newRequest('failing'));
    await store.advanceCallRequest({
      requestId: 'failing',
      status: 'failed',
      reason: 'visitor_busy',
      at: CREATED_AT,
    });
    expect(await store.getCallRequest('failing')).toMatchObject({ status: 'failed', reason: 'visitor_busy' });
  });

  it('answers unknown for a status about a request it never stored', async () => {
    expect(await store.advanceCallRequest({ requestId: 'ghost', status: 'connected', at: CREATED_AT })).toBe(
      'unknown',
    );
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
});
