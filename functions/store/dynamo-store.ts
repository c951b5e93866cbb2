// The CallNow store on DynamoDB: one table, single-item conditional writes, no transactions.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { STATE_RANK } from '../../contracts/call-states.ts';
import { type CaptchaChallenge, CaptchaChallengeSchema } from '../domain/captcha.ts';
import {
  type CallNowTarget,
  type CallRequest,
  CallRequestSchema,
  ClientSchema,
  callNowKey,
  type ExtensionPresenceRecord,
  ExtensionPresenceRecordSchema,
  ExtensionSchema,
  ResellerSchema,
  type ServerSettings,
  ServerSettingsSchema,
} from '../domain/model.ts';
import {
  type CallNowStore,
  type CallRequestAdvance,
  type CallRequestChange,
  type DestinationHold,
  RequestExistsError,
} from '../domain/ports.ts';
import type { LimitCheck, LimitOutcome } from '../domain/rate-limits.ts';
import { hitCounter } from './counters.ts';
import {
  CallNowIdRecordSchema,
  DestinationHoldRecordSchema,
  keys,
  ownerKeys,
  ShieldRecordSchema,
  TABLE_KEYS,
} from './records.ts';
import { readSigningKey } from './signing-key.ts';

type Key = { pk: string; sk: string };

/** What the public function and the local stack use: a server setting applies within 5 s. */
export const SERVER_SETTINGS_MAX_AGE_MS = 5_000;

export interface DynamoCallNowStoreOptions {
  /**
   * How long a container may reuse the server settings it read. Every page view and request needs them, and one
   * item read by all of them caps the deployment at what one DynamoDB partition serves (about 6,000 reads/s);
   * a few seconds of reuse lifts that cap, at the price of a server setting taking that long to apply. @default 0
   */
  readonly serverSettingsMaxAgeMs?: number;
}

export class DynamoCallNowStore implements CallNowStore {
  readonly #serverSettingsMaxAgeMs: number;
  #server: { readonly settings: ServerSettings; readonly readAtMs: number } | undefined;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    { serverSettingsMaxAgeMs = 0 }: DynamoCallNowStoreOptions = {},
  ) {
    this.#serverSettingsMaxAgeMs = serverSettingsMaxAgeMs;
  }

  /**
   * Two round trips: the CallNow ID's pointer, then the records of the chain and the shield in one batch (with the
   * server settings unless this container read them lately).
   */
  async getCallNowTarget(callNowId: string): Promise<CallNowTarget | undefined> {
    const pointer = CallNowIdRecordSchema.safeParse(await this.get(keys.callNowId(callNowId)));
    if (!pointer.success) return undefined;
    const { extensionId, clientId, resellerId } = pointer.data;
    const nowMs = Date.now();
    const known =
      this.#server && nowMs - this.#server.readAtMs < this.#serverSettingsMaxAgeMs ? this.#server : undefined;
    const wanted = [
      ...(known ? [] : [keys.server()]),
      keys.reseller(resellerId),
      keys.client(clientId),
      keys.extension(extensionId),
      keys.shield(callNowId),
    ];
    const items = await this.batchGet(wanted);
    const find = (key: Key) => items.find((item) => item.pk === key.pk && item.sk === key.sk);
    const server = known?.settings ?? ServerSettingsSchema.safeParse(find(keys.server())).data;
    if (!known && server) this.#server = { settings: server, readAtMs: nowMs };
    const reseller = ResellerSchema.safeParse(find(keys.reseller(resellerId)));
    const client = ClientSchema.safeParse(find(keys.client(clientId)));
    const extension = ExtensionSchema.safeParse(find(keys.extension(extensionId)));
    if (!server || !reseller.success || !client.success || !extension.success) return undefined;
    // A pointer left behind by a CallNow ID change must not lead to the extension.
    if (callNowKey(extension.data.callNow.callNowId) !== callNowKey(callNowId)) return undefined;
    const target = {
      server,
      reseller: reseller.data,
      client: client.data,
      extension: extension.data,
    };
    const shield = ShieldRecordSchema.safeParse(find(keys.shield(callNowId)));
    return shield.success ? { ...target, shieldedUntil: shield.data.until } : target;
  }

  async createCallRequest(request: CallRequest, retentionDays: number): Promise<void> {
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

  async getCallRequest(requestId: string): Promise<CallRequest | undefined> {
    const parsed = CallRequestSchema.safeParse(await this.get(keys.callRequest(requestId)));
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * The update answers the request it leaves (ALL_NEW); a refused one answers the item as it is, where DynamoDB
   * supports it (the emulators do not: one read tells a stale status from an unknown request there).
   */
  async advanceCallRequest({
    requestId,
    status,
    reason,
    at,
  }: CallRequestChange): Promise<CallRequestAdvance> {
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
          UpdateExpression: update,
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
      const exists = error.Item !== undefined || (await this.get(keys.callRequest(requestId))) !== undefined;
      return { outcome: exists ? 'stale' : 'unknown' };
    }
  }

  async putExtensionPresence(presence: ExtensionPresenceRecord): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.presence(presence.siteId, presence.extension), ...presence },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': presence.at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async getExtensionPresence(
    siteId: string,
    extension: string,
  ): Promise<ExtensionPresenceRecord | undefined> {
    const parsed = ExtensionPresenceRecordSchema.safeParse(await this.get(keys.presence(siteId, extension)));
    return parsed.success ? parsed.data : undefined;
  }

  async putCaptchaChallenge(challenge: CaptchaChallenge): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.captcha(challenge.challengeId),
          ...challenge,
          [TABLE_KEYS.timeToLiveAttribute]: Math.ceil(Date.parse(challenge.expiresAt) / 1000),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async takeCaptchaChallenge(challengeId: string): Promise<CaptchaChallenge | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.captcha(challengeId),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      const parsed = CaptchaChallengeSchema.safeParse(Attributes);
      return parsed.success ? parsed.data : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  hit(check: LimitCheck, nowMs: number): Promise<LimitOutcome> {
    return hitCounter(this.documents, this.tableName, check, nowMs);
  }

  async raiseShield(callNowId: string, until: string): Promise<void> {
    await this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.shield(callNowId),
          callNowId,
          until,
          [TABLE_KEYS.timeToLiveAttribute]: Math.ceil(Date.parse(until) / 1000) + 3600,
        },
      }),
    );
  }

  async claimDestination(hold: DestinationHold): Promise<'claimed' | DestinationHold> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.putHold(hold, 'attribute_not_exists(pk)');
        return 'claimed';
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const holder = DestinationHoldRecordSchema.safeParse(await this.get(keys.destinationHold(hold.phone)));
      if (holder.success) return holder.data;
      // Released between the two calls: try again, a few times.
      if (attempt >= 3) throw new Error(`the hold on ${hold.requestId}'s number keeps changing`);
    }
  }

  async replaceDestinationHold(hold: DestinationHold, previousRequestId: string): Promise<boolean> {
    try {
      await this.putHold(hold, 'requestId = :previous', { ':previous': previousRequestId });
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseDestination(phone: string, requestId: string): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.destinationHold(phone),
          ConditionExpression: 'requestId = :requestId',
          ExpressionAttributeValues: { ':requestId': requestId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  formSigningKey(): Promise<Uint8Array> {
    return readSigningKey(this.documents, this.tableName);
  }

  private putHold(hold: DestinationHold, condition: string, values?: Record<string, unknown>) {
    return this.documents.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...keys.destinationHold(hold.phone),
          ...hold,
          // Only tidies the table: whether a hold still counts is decided from its request, never from TTL.
          [TABLE_KEYS.timeToLiveAttribute]: Math.ceil(Date.parse(hold.heldAt) / 1000) + 86_400,
        },
        ConditionExpression: condition,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  }

  private async get(key: Key): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return Item;
  }

  private async batchGet(wanted: Key[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let pending: Key[] = wanted;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 10));
      if (attempt > 5) throw new Error('BatchGetItem left keys unprocessed after retries');
      const result = await this.documents.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
      );
      found.push(...(result.Responses?.[this.tableName] ?? []));
      pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
    }
    return found;
  }
}
