// Fixed-window counters on DynamoDB: one item per subject and window, counted with one conditional update.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type LimitCheck, type LimitOutcome, windowStart } from '../domain/rate-limits.ts';
import { keys, TABLE_KEYS } from './records.ts';

function refusal(start: number, windowSeconds: number, nowMs: number): LimitOutcome {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(start + windowSeconds - nowMs / 1000)) };
}

/** Counts one hit, refusing it (and counting nothing) at the limit; concurrent hits cannot overshoot. */
export async function hitCounter(
  documents: DynamoDBDocumentClient,
  tableName: string,
  { subject, limit, windowSeconds }: LimitCheck,
  nowMs: number,
): Promise<LimitOutcome> {
  const start = windowStart(nowMs, windowSeconds);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.counter(subject, start),
        UpdateExpression: 'ADD hits :one SET #ttl = if_not_exists(#ttl, :expires)',
        ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
        ExpressionAttributeNames: { '#ttl': TABLE_KEYS.timeToLiveAttribute },
        ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expires': start + windowSeconds + 60 },
      }),
    );
    return { allowed: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return refusal(start, windowSeconds, nowMs);
  }
}

/** Says whether the subject's current window is under its limit, counting nothing. */
export async function readCounter(
  documents: DynamoDBDocumentClient,
  tableName: string,
  { subject, limit, windowSeconds }: LimitCheck,
  nowMs: number,
): Promise<LimitOutcome> {
  const start = windowStart(nowMs, windowSeconds);
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: keys.counter(subject, start) }),
  );
  const hits = typeof Item?.hits === 'number' ? Item.hits : 0;
  return hits < limit ? { allowed: true } : refusal(start, windowSeconds, nowMs);
}
