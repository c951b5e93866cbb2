// The public page's limits through the whole local stack: concurrent visitors cannot push past a limit, and a
// refused request leaves nothing behind but its counters.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { LOOSE_PUBLIC_LIMITS } from '../../infra/local/seed.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    simulatorTimeScale: 0.05,
    connectorLogger: silentLogger,
    publicLimits: { ...LOOSE_PUBLIC_LIMITS, perVisitorAddress: { requests: 5, windowSeconds: 3600 } },
  });
});
afterAll(async () => stack?.stop());

async function requestItems(): Promise<number> {
  const { Items = [] } = await stack.documents.send(
    new ScanCommand({
      TableName: stack.tableName,
      FilterExpression: 'begins_with(pk, :request)',
      ExpressionAttributeValues: { ':request': 'REQUEST#' },
    }),
  );
  return Items.length;
}

it('lets exactly 5 of 50 concurrent requests from one address through a limit of 5, and dials only those', async () => {
  const statuses = await Promise.all(
    Array.from({ length: 50 }, async (_, index) => {
      const response = await fetch(`${stack.demoUrl}/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phoneNumber: `+1 202 555 ${String(1000 + index)}`, callerName: 'Grace' }),
      });
      expect(response.status === 429 ? response.headers.get('retry-after') : 'n/a').toMatch(/^(\d+|n\/a)$/);
      return response.status;
    }),
  );
  expect(statuses.filter((status) => status === 202)).toHaveLength(5);
  expect(statuses.filter((status) => status === 429)).toHaveLength(45);
  expect(await requestItems()).toBe(5);

  for (const startedAt = Date.now(); Date.now() - startedAt < 10_000; ) {
    if ((stack.simulator?.placedCalls.length ?? 0) >= 5) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Give a stray sixth Originate time to show up before counting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(stack.simulator?.placedCalls).toHaveLength(5);
});
