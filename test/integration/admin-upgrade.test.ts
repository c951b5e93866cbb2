// `npm run admin -- upgrade` on a table an earlier release wrote: extensions without number claims, CallNow ID
// pointers keyed as the owner spelled them, and the records it cannot fix by itself.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallNowTarget } from '../../functions/domain/model.ts';
import { DynamoManagementStore } from '../../functions/store/dynamo-management-store.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { keys, ownerKeys } from '../../functions/store/records.ts';
import { upgradeRecords } from '../../infra/admin/upgrade.ts';
import { writeTarget } from '../../infra/local/seed.ts';
import { startTestTable, type TestTable } from '../support/dynamodb.ts';
import { callableTarget } from '../support/fixtures.ts';

let table: TestTable;

/** An extension as the previous release left it: no claim on its number, its pointer under the ID as spelled. */
async function writeLegacy(extensionId: string, number: string, callNowId: string): Promise<CallNowTarget> {
  const base = callableTarget();
  const extension = {
    ...base.extension,
    extensionId,
    number,
    callNow: { ...base.extension.callNow, callNowId },
  };
  const target = { ...base, extension };
  await writeTarget(table.documents, table.tableName, target);
  const { documents, tableName } = table;
  await documents.send(new DeleteCommand({ TableName: tableName, Key: keys.extensionNumber('hq', number) }));
  await documents.send(new DeleteCommand({ TableName: tableName, Key: keys.callNowId(callNowId) }));
  const { clientId, resellerId } = target.extension;
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: { pk: `CALLNOW#${callNowId}`, sk: 'CALLNOW', callNowId, extensionId, clientId, resellerId },
    }),
  );
  await documents.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.reseller(resellerId), ...ownerKeys.reseller(resellerId), ...target.reseller },
    }),
  );
  return target;
}

beforeAll(async () => {
  table = await startTestTable('dynalite');
});
afterAll(async () => table?.close());

describe('npm run admin -- upgrade', () => {
  it('claims every number, keys every CallNow ID in lower case, lists what it cannot fix, and can run again', async () => {
    await writeLegacy('legacy-1', '101', 'Sales-Desk');
    await writeLegacy('legacy-2', '101', 'support');
    await writeLegacy('legacy-3', '10a', 'SUPPORT');
    const store = new DynamoManagementStore(table.documents, table.tableName, { siteIds: ['hq'] });
    const pages = new DynamoCallNowStore(table.documents, table.tableName);
    expect(await pages.getCallNowTarget('sales-desk')).toBeUndefined();

    const report = await upgradeRecords(store, new Date());
    expect(report).toMatchObject({ extensions: 3, numbersClaimed: 1, pointersWritten: 2 });
    expect(report.problems, report.problems.join('\n')).toHaveLength(3);
    expect(report.problems.join('\n')).toMatch(
      /legacy-\d \(101 on site hq\): another extension has this number/,
    );
    expect(report.problems.join('\n')).toContain(
      'legacy-3 (10a on site hq): the number is not 1 to 10 digits',
    );
    expect(report.problems.join('\n')).toMatch(/CallNow ID (support|SUPPORT) differs only in case/);
    expect((await pages.getCallNowTarget('sales-desk'))?.extension.extensionId).toBe('legacy-1');
    expect((await pages.getCallNowTarget('SALES-DESK'))?.extension.extensionId).toBe('legacy-1');
    expect(await store.getExtensionNumber('hq', '101')).toBeDefined();

    const again = await upgradeRecords(store, new Date());
    expect(again).toMatchObject({ extensions: 3, numbersClaimed: 0, pointersWritten: 0 });
    expect(again.problems).toHaveLength(3);
  });
});
