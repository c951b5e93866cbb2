// The CallNow store on DynamoDB: one table, single-item conditional writes, no transactions.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type * as z from '../../contracts/zod.ts';
import { type CaptchaChallenge, CaptchaChallengeSchema } from '../domain/captcha.ts';
import {
  type CallNowTarget,
  type CallRequest,
  ClientSchema,
  callNowKey,
  type ExtensionPresenceRecord,
  ExtensionSchema,
  ResellerSchema,
  type ServerSettings,
  ServerSettingsSchema,
} from '../domain/model.ts';
import type {
  CallNowStore,
  CallRequestAdvance,
  CallRequestChange,
  DestinationHold,
  HoldClaim,
} from '../domain/ports.ts';
import type { LimitCheck, LimitOutcome } from '../domain/rate-limits.ts';
import { CallRequestItems } from './call-request-items.ts';
import { hitCounter } from './counters.ts';
import { DestinationHolds } from './destination-holds.ts';
import { getPresence, putPresence } from './presence-items.ts';
import { CallNowIdRecordSchema, keys, ShieldRecordSchema, TABLE_KEYS } from './records.ts';
import { readSigningKey } from './signing-key.ts';

type Key = { pk: string; sk: string };

/** What the public function and the local stack use: a server setting applies within 5 s. */
export const SERVER_SETTINGS_MAX_AGE_MS = 5_000;

/** Pointers a container remembers at most (the oldest is forgotten first): a few hundred KB. */
const MAX_REMEMBERED_POINTERS = 5000;
const MOVED = Symbol('moved');

type ChainIds = Pick<z.infer<typeof CallNowIdRecordSchema>, 'extensionId' | 'clientId' | 'resellerId'>;

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
  readonly #requests: CallRequestItems;
  readonly #holds: DestinationHolds;
  #server: { readonly settings: ServerSettings; readonly readAtMs: number } | undefined;
  /** The owners each CallNow ID's pointer named, as this container last read it. */
  readonly #owners = new Map<string, ChainIds>();

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    { serverSettingsMaxAgeMs = 0 }: DynamoCallNowStoreOptions = {},
  ) {
    this.#serverSettingsMaxAgeMs = serverSettingsMaxAgeMs;
    this.#requests = new CallRequestItems(documents, tableName);
    this.#holds = new DestinationHolds(documents, tableName);
  }

  /**
   * One round trip where this container has seen the CallNow ID: the records of its chain and its shield in one
   * batch (with the server settings unless read lately). The pointer is read first only when the container has
   * not seen it, or when the extension it named no longer has this CallNow ID. The permissions always come from
   * the records themselves, so a change applies at the next page view.
   */
  async getCallNowTarget(callNowId: string): Promise<CallNowTarget | undefined> {
    const seen = this.#owners.get(callNowKey(callNowId));
    if (seen) {
      const target = await this.readTarget(callNowId, seen);
      if (target !== MOVED) return target;
      this.#owners.delete(callNowKey(callNowId));
    }
    const pointer = CallNowIdRecordSchema.safeParse(await this.get(keys.callNowId(callNowId)));
    if (!pointer.success) return undefined;
    const target = await this.readTarget(callNowId, pointer.data);
    if (target === MOVED) return undefined;
    this.remember(callNowId, pointer.data);
    return target;
  }

  private remember(callNowId: string, owners: ChainIds): void {
    if (this.#owners.size >= MAX_REMEMBERED_POINTERS) {
      const oldest = this.#owners.keys().next();
      if (!oldest.done) this.#owners.delete(oldest.value);
    }
    this.#owners.set(callNowKey(callNowId), {
      extensionId: owners.extensionId,
      clientId: owners.clientId,
      resellerId: owners.resellerId,
    });
  }

  /** The target through these owners, or MOVED when the extension is gone or no longer has this CallNow ID. */
  private async readTarget(
    callNowId: string,
    { extensionId, clientId, resellerId }: ChainIds,
  ): Promise<CallNowTarget | undefined | typeof MOVED> {
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
    const extension = ExtensionSchema.safeParse(find(keys.extension(extensionId)));
    // A pointer left behind by a CallNow ID change, or remembered from before it, must not lead to the extension.
    if (
      !extension.success ||
      callNowKey(extension.data.callNow.callNowId) !== callNowKey(callNowId) ||
      extension.data.clientId !== clientId
    ) {
      return MOVED;
    }
    const reseller = ResellerSchema.safeParse(find(keys.reseller(resellerId)));
    const client = ClientSchema.safeParse(find(keys.client(clientId)));
    if (!server || !reseller.success || !client.success) return undefined;
    const target = {
      server,
      reseller: reseller.data,
      client: client.data,
      extension: extension.data,
    };
    const shield = ShieldRecordSchema.safeParse(find(keys.shield(callNowId)));
    return shield.success ? { ...target, shieldedUntil: shield.data.until } : target;
  }

  createCallRequest(request: CallRequest, retentionDays: number): Promise<void> {
    return this.#requests.create(request, retentionDays);
  }

  revealCallRequest(requestId: string, failure?: CallRequestChange): Promise<void> {
    return this.#requests.reveal(requestId, failure);
  }

  discardCallRequest(requestId: string): Promise<void> {
    return this.#requests.discard(requestId);
  }

  getCallRequest(requestId: string): Promise<CallRequest | undefined> {
    return this.#requests.get(requestId);
  }

  advanceCallRequest(change: CallRequestChange): Promise<CallRequestAdvance> {
    return this.#requests.advance(change);
  }

  putExtensionPresence(presence: ExtensionPresenceRecord): Promise<void> {
    return putPresence(this.documents, this.tableName, presence);
  }

  getExtensionPresence(siteId: string, extension: string): Promise<ExtensionPresenceRecord | undefined> {
    return getPresence(this.documents, this.tableName, siteId, extension);
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

  claimDestination(hold: DestinationHold, limit: LimitCheck, nowMs: number): Promise<HoldClaim> {
    return this.#holds.claim(hold, limit, nowMs);
  }

  replaceDestinationHold(
    hold: DestinationHold,
    previousRequestId: string,
    limit: LimitCheck,
    nowMs: number,
  ): Promise<HoldClaim> {
    return this.#holds.replace(hold, previousRequestId, limit, nowMs);
  }

  releaseDestination(
    phone: string,
    requestId: string,
    uncount?: { readonly limit: LimitCheck; readonly nowMs: number },
  ): Promise<void> {
    return this.#holds.release(phone, requestId, uncount);
  }

  formSigningKey(): Promise<Uint8Array> {
    return readSigningKey(this.documents, this.tableName);
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
