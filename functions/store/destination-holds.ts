// One request in progress per number, and the number's own limit, in one item per number: the hold says which
// request has the number, and beside it how many calls the number got in the limit's current window. Taking the
// hold counts the call in the same conditional write, so only the request that gets the number is ever counted,
// and a crowd pressing at once gets exactly one call.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DestinationHold, HoldClaim } from '../domain/ports.ts';
import { type LimitCheck, windowStart } from '../domain/rate-limits.ts';
import { DestinationHoldRecordSchema, keys, TABLE_KEYS } from './records.ts';

const HOLDER = ['requestId', 'callNowId', 'requester', 'heldAt'] as const;
const FREE = 'attribute_not_exists(requestId)';
/** Holds are tidied a day after they are taken, never before their window ends. */
const TIDY_AFTER_SECONDS = 86_400;
const CLAIM_ATTEMPTS = 3;
/** The calls the number got in the window that starts at `callsWindow` (epoch seconds). */
const NAMES = { '#calls': 'calls', '#window': 'callsWindow', '#ttl': TABLE_KEYS.timeToLiveAttribute };

export class DestinationHolds {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  claim(hold: DestinationHold, limit: LimitCheck, nowMs: number): Promise<HoldClaim> {
    return this.take(hold, { ConditionExpression: FREE }, limit, nowMs);
  }

  replace(hold: DestinationHold, previousRequestId: string, limit: LimitCheck, nowMs: number) {
    return this.take(
      hold,
      {
        ConditionExpression: 'requestId = :previous',
        ExpressionAttributeValues: { ':previous': previousRequestId },
      },
      limit,
      nowMs,
    );
  }

  async release(phone: string, requestId: string, uncount?: { limit: LimitCheck; nowMs: number }) {
    const free = `REMOVE ${HOLDER.join(', ')}`;
    const holder = { ':requestId': requestId };
    if (uncount) {
      const window = windowStart(uncount.nowMs, uncount.limit.windowSeconds);
      const given = await this.update(phone, {
        UpdateExpression: `${free} SET #calls = #calls - :one`,
        ConditionExpression: 'requestId = :requestId AND #window = :window AND #calls > :zero',
        ExpressionAttributeValues: { ...holder, ':window': window, ':one': 1, ':zero': 0 },
      });
      if (given) return;
    }
    await this.update(phone, {
      UpdateExpression: free,
      ConditionExpression: 'requestId = :requestId',
      ExpressionAttributeValues: holder,
    });
  }

  /**
   * Two writes at once, of which at most one can succeed (both need the hold as `condition` says, and differ on the
   * window): the first call of a window, or one more call in it while under the limit. Without a read first, a
   * number called again within its window costs no second round trip.
   */
  private async take(
    hold: DestinationHold,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
    limit: LimitCheck,
    nowMs: number,
  ): Promise<HoldClaim> {
    const window = windowStart(nowMs, limit.windowSeconds);
    const holder = holderValues(hold);
    const set = `SET ${Object.keys(holder)
      .map((name) => `${name.slice(1)} = ${name}`)
      .join(', ')}, #ttl = :ttl`;
    const values = {
      ...condition.ExpressionAttributeValues,
      ...holder,
      ':window': window,
      ':one': 1,
      ':ttl': Math.max(
        Math.ceil(Date.parse(hold.heldAt) / 1000) + TIDY_AFTER_SECONDS,
        window + limit.windowSeconds,
      ),
    };
    for (let attempt = 1; ; attempt++) {
      const [first, again] = await Promise.all([
        this.update(hold.phone, {
          UpdateExpression: `${set}, #window = :window, #calls = :one`,
          ConditionExpression: `${condition.ConditionExpression} AND (attribute_not_exists(#window) OR #window <> :window)`,
          ExpressionAttributeValues: values,
        }),
        this.update(hold.phone, {
          UpdateExpression: `${set}, #calls = #calls + :one`,
          ConditionExpression: `${condition.ConditionExpression} AND #window = :window AND #calls < :limit`,
          ExpressionAttributeValues: { ...values, ':limit': limit.limit },
        }),
      ]);
      if (first || again) return { kind: 'claimed' };
      const { Item } = await this.documents.send(
        new GetCommand({
          TableName: this.tableName,
          Key: keys.destinationHold(hold.phone),
          ConsistentRead: true,
        }),
      );
      const holding = DestinationHoldRecordSchema.safeParse(Item);
      if (holding.success && holding.data.requestId !== condition.ExpressionAttributeValues?.[':previous']) {
        return { kind: 'held', holder: holding.data };
      }
      if (Item?.callsWindow === window && typeof Item.calls === 'number' && Item.calls >= limit.limit) {
        return {
          kind: 'limited',
          retryAfterSeconds: Math.max(1, Math.ceil(window + limit.windowSeconds - nowMs / 1000)),
        };
      }
      // Released or taken over between the writes and the read: try again, a few times.
      if (attempt >= CLAIM_ATTEMPTS) return { kind: 'contended' };
    }
  }

  private async update(
    phone: string,
    expression: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    const text = `${expression.UpdateExpression} ${expression.ConditionExpression}`;
    const names = Object.entries(NAMES).filter(([name]) => text.includes(name));
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.destinationHold(phone),
          ...expression,
          ...(names.length > 0 ? { ExpressionAttributeNames: Object.fromEntries(names) } : {}),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function holderValues(hold: DestinationHold): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const name of HOLDER) if (hold[name] !== undefined) values[`:${name}`] = hold[name];
  return { ':phone': hold.phone, ...values };
}
