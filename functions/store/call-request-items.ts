// Call requests on the table: written pending with the wave that decides them, revealed or discarded by its outcome,
// then moved forward only, one conditional write each.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { STATE_RANK } from '../../contracts/call-states.ts';
import { type CallRequest, CallRequestSchema } from '../domain/model.ts';
import { type CallRequestAdvance, type CallRequestChange, RequestExistsError } from '../domain/ports.ts';
import { keys, ownerKeys } from './records.ts';

/** Present on a request the wave has not let through yet: no reader sees such an item. */
const PENDING = 'pending';

/** A request the wave of limit writes has not let through yet: nobody reads it. */
export const isPendingCallRequest = (item: Record<string, unknown>) => item[PENDING] === true;

export class CallRequestItems {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(request: CallRequest, retentionDays: number): Promise<void> {
    const ttl = Math.floor(Date.parse(request.expiresAt) / 1000) + retentionDays * 86_400;
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.callRequest(request.requestId),
            ...ownerKeys.callRequest(request.extensionId, request.createdAt, request.requestId),
            ...request,
            statusRank: STATE_RANK[request.status],
            [PENDING]: true,
            ttl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new RequestExistsError(request.requestId);
      throw error;
    }
  }

  /** Idempotent: a request a status already revealed (or moved on) stays as it is. */
  async reveal(requestId: string, failure?: CallRequestChange): Promise<void> {
    if (failure === undefined) {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.callRequest(requestId),
          UpdateExpression: `REMOVE ${PENDING}`,
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return;
    }
    await this.advance(failure);
  }

  async discard(requestId: string): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.callRequest(requestId),
          ConditionExpression: `attribute_exists(${PENDING})`,
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async get(requestId: string): Promise<CallRequest | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: keys.callRequest(requestId) }),
    );
    if (Item?.[PENDING] !== undefined) return undefined;
    return CallRequestSchema.safeParse(Item).data;
  }

  /**
   * The update answers the request it leaves (ALL_NEW); a refused one answers the item as it is, where DynamoDB
   * supports it (the emulators do not: one read tells a stale status from an unknown request there).
   */
  async advance({ requestId, status, reason, at }: CallRequestChange): Promise<CallRequestAdvance> {
    const names: Record<string, string> = { '#status': 'status', '#state': status };
    const values: Record<string, unknown> = { ':status': status, ':rank': STATE_RANK[status], ':at': at };
    let update = 'SET #status = :status, statusRank = :rank, statusTimes.#state = :at';
    if (reason !== undefined) {
      update += ', #reason = :reason';
      names['#reason'] = 'reason';
      values[':reason'] = reason;
    }
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.callRequest(requestId),
          UpdateExpression: `${update} REMOVE ${PENDING}`,
          ConditionExpression: 'attribute_exists(pk) AND statusRank < :rank',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'applied', request: CallRequestSchema.safeParse(Attributes).data };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = error.Item
        ? error
        : await this.documents.send(
            new GetCommand({ TableName: this.tableName, Key: keys.callRequest(requestId) }),
          );
      return Item
        ? { outcome: 'stale', request: CallRequestSchema.safeParse(Item).data }
        : { outcome: 'unknown' };
    }
  }
}
