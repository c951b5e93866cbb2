// The management API's records on DynamoDB: single-item conditional writes, lists through the owner index.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from '../../contracts/zod.ts';
import { TABLE_KEYS } from '../../infra/resources.ts';
import {
  type ApiKeyRecord,
  type CallNowIdPointer,
  ConcurrentChangeError,
  type ManagementStore,
  type Page,
  type PageRequest,
  RecordExistsError,
} from '../domain/management-ports.ts';
import {
  type Client,
  ClientSchema,
  type Extension,
  ExtensionSchema,
  type Reseller,
  ResellerSchema,
  type ServerSettings,
  ServerSettingsSchema,
} from '../domain/model.ts';
import type { LimitCheck, LimitOutcome } from '../domain/rate-limits.ts';
import { hitCounter, readCounter } from './counters.ts';
import { CallNowIdRecordSchema, keys, ownerKeys } from './records.ts';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

const ScopeSchema = z.discriminatedUnion('level', [
  z.object({ level: z.literal('reseller'), resellerId: z.string() }),
  z.object({ level: z.literal('client'), resellerId: z.string(), clientId: z.string() }),
  z.object({
    level: z.literal('extension'),
    resellerId: z.string(),
    clientId: z.string(),
    extensionId: z.string(),
  }),
]);
const ApiKeyRecordSchema = z.object({
  keyId: z.string(),
  secretHash: z.string(),
  scope: ScopeSchema,
  label: z.string(),
  createdAt: z.string(),
});

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

function encodeCursor(key: Item | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

function decodeCursor(cursor: string | undefined): Item | undefined {
  if (!cursor) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Item) : undefined;
  } catch {
    return undefined;
  }
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API gave out');
    this.name = 'InvalidCursorError';
  }
}

export class DynamoManagementStore implements ManagementStore {
  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getServerSettings(): Promise<ServerSettings | undefined> {
    const item = await this.get(keys.server());
    return item ? ServerSettingsSchema.parse(item) : undefined;
  }

  async putServerSettings(settings: ServerSettings, expectedPasswordHash: string | undefined): Promise<void> {
    const condition =
      expectedPasswordHash === undefined
        ? { ConditionExpression: 'attribute_not_exists(adminPasswordHash)' }
        : {
            ConditionExpression: 'adminPasswordHash = :expected',
            ExpressionAttributeValues: { ':expected': expectedPasswordHash },
          };
    await this.conditionalPut(
      { ...keys.server(), ...settings },
      condition,
      () => new ConcurrentChangeError('the admin password'),
    );
  }

  async getReseller(resellerId: string) {
    return this.parsed(ResellerSchema, keys.reseller(resellerId));
  }

  async getClient(clientId: string) {
    return this.parsed(ClientSchema, keys.client(clientId));
  }

  async getExtension(extensionId: string) {
    return this.parsed(ExtensionSchema, keys.extension(extensionId));
  }

  async createReseller(reseller: Reseller) {
    await this.createItem(this.resellerItem(reseller), `reseller ${reseller.resellerId}`);
  }

  async createClient(client: Client) {
    await this.createItem(this.clientItem(client), `client ${client.clientId}`);
  }

  async createExtension(extension: Extension) {
    await this.createItem(this.extensionItem(extension), `extension ${extension.extensionId}`);
  }

  async putReseller(reseller: Reseller) {
    await this.replaceItem(this.resellerItem(reseller), `reseller ${reseller.resellerId}`);
  }

  async putClient(client: Client) {
    await this.replaceItem(this.clientItem(client), `client ${client.clientId}`);
  }

  async putExtension(extension: Extension, expectedCallNowId: string) {
    await this.conditionalPut(
      this.extensionItem(extension),
      {
        ConditionExpression: 'attribute_exists(pk) AND callNow.callNowId = :expected',
        ExpressionAttributeValues: { ':expected': expectedCallNowId },
      },
      () => new ConcurrentChangeError(`extension ${extension.extensionId}`),
    );
  }

  async deleteReseller(resellerId: string) {
    await this.delete(keys.reseller(resellerId));
  }

  async deleteClient(clientId: string) {
    await this.delete(keys.client(clientId));
  }

  async deleteExtension(extensionId: string) {
    await this.delete(keys.extension(extensionId));
  }

  listResellers(page: PageRequest) {
    return this.queryOwnerIndex(ResellerSchema, 'RESELLERS', undefined, page);
  }

  listClients(resellerId: string, page: PageRequest) {
    return this.queryOwnerIndex(ClientSchema, ownerKeys.client(resellerId, '').ownerPk, undefined, page);
  }

  listExtensions(resellerId: string, clientId: string | undefined, page: PageRequest) {
    const { ownerPk } = ownerKeys.extension(resellerId, '', '');
    return this.queryOwnerIndex(
      ExtensionSchema,
      ownerPk,
      clientId === undefined ? undefined : `${clientId}#`,
      page,
    );
  }

  async getCallNowIdPointer(callNowId: string): Promise<CallNowIdPointer | undefined> {
    const parsed = CallNowIdRecordSchema.safeParse(await this.get(keys.callNowId(callNowId)));
    return parsed.success ? parsed.data : undefined;
  }

  async claimCallNowId(pointer: CallNowIdPointer, reclaimableFrom?: string): Promise<'claimed' | 'taken'> {
    const values: Item = { ':extension': pointer.extensionId };
    let condition = 'attribute_not_exists(pk) OR extensionId = :extension';
    if (reclaimableFrom !== undefined) {
      condition += ' OR extensionId = :orphan';
      values[':orphan'] = reclaimableFrom;
    }
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.callNowId(pointer.callNowId), ...pointer },
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return 'claimed';
    } catch (error) {
      if (isConditionFailure(error)) return 'taken';
      throw error;
    }
  }

  async releaseCallNowId(callNowId: string, extensionId: string): Promise<void> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.callNowId(callNowId),
          ConditionExpression: 'extensionId = :extension',
          ExpressionAttributeValues: { ':extension': extensionId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async getApiKey(keyId: string) {
    return this.parsed(ApiKeyRecordSchema, keys.apiKey(keyId));
  }

  async createApiKey(key: ApiKeyRecord) {
    await this.createItem(
      { ...keys.apiKey(key.keyId), ...ownerKeys.apiKey(key.keyId), ...key },
      `API key ${key.keyId}`,
    );
  }

  async deleteApiKey(keyId: string): Promise<boolean> {
    try {
      await this.documents.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.apiKey(keyId),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  listApiKeys(page: PageRequest) {
    return this.queryOwnerIndex(ApiKeyRecordSchema, 'APIKEYS', undefined, page);
  }

  hit(check: LimitCheck, nowMs: number): Promise<LimitOutcome> {
    return hitCounter(this.documents, this.tableName, check, nowMs);
  }

  countHits(check: LimitCheck, nowMs: number): Promise<LimitOutcome> {
    return readCounter(this.documents, this.tableName, check, nowMs);
  }

  private resellerItem(reseller: Reseller): Item {
    return { ...keys.reseller(reseller.resellerId), ...ownerKeys.reseller(reseller.resellerId), ...reseller };
  }

  private clientItem(client: Client): Item {
    return {
      ...keys.client(client.clientId),
      ...ownerKeys.client(client.resellerId, client.clientId),
      ...client,
    };
  }

  private extensionItem(extension: Extension): Item {
    const { resellerId, clientId, extensionId } = extension;
    return {
      ...keys.extension(extensionId),
      ...ownerKeys.extension(resellerId, clientId, extensionId),
      ...extension,
    };
  }

  private async get(key: Key): Promise<Item | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: key }));
    return Item;
  }

  private async parsed<T>(schema: z.ZodMiniType<T>, key: Key): Promise<T | undefined> {
    const item = await this.get(key);
    return item ? schema.parse(item) : undefined;
  }

  private async conditionalPut(
    item: Item,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Item },
    failure: () => Error,
  ): Promise<void> {
    try {
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item, ...condition }));
    } catch (error) {
      if (isConditionFailure(error)) throw failure();
      throw error;
    }
  }

  private createItem(item: Item, what: string) {
    return this.conditionalPut(
      item,
      { ConditionExpression: 'attribute_not_exists(pk)' },
      () => new RecordExistsError(what),
    );
  }

  private replaceItem(item: Item, what: string) {
    return this.conditionalPut(
      item,
      { ConditionExpression: 'attribute_exists(pk)' },
      () => new ConcurrentChangeError(what),
    );
  }

  private async delete(key: Key): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: key }));
  }

  private async queryOwnerIndex<T>(
    schema: z.ZodMiniType<T>,
    ownerPk: string,
    ownerSkPrefix: string | undefined,
    { limit, cursor }: PageRequest,
  ): Promise<Page<T>> {
    const startKey = decodeCursor(cursor);
    if (cursor && !startKey) throw new InvalidCursorError();
    const { ownerIndex } = TABLE_KEYS;
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: ownerIndex.name,
        KeyConditionExpression:
          ownerSkPrefix === undefined ? '#opk = :opk' : '#opk = :opk AND begins_with(#osk, :prefix)',
        ExpressionAttributeNames:
          ownerSkPrefix === undefined
            ? { '#opk': ownerIndex.partitionKey }
            : { '#opk': ownerIndex.partitionKey, '#osk': ownerIndex.sortKey },
        ExpressionAttributeValues:
          ownerSkPrefix === undefined ? { ':opk': ownerPk } : { ':opk': ownerPk, ':prefix': ownerSkPrefix },
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const items = (result.Items ?? []).map((item) => schema.parse(item));
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }
}
