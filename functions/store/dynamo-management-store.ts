// The management API's records on DynamoDB: single-item conditional writes, lists through the owner index.

import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../../contracts/zod.ts';
import type { Scope } from '../domain/access.ts';
import {
  type ApiKeyRecord,
  type CallNowIdPointer,
  ConcurrentChangeError,
  type ExtensionNumberClaim,
  type LoginRecord,
  type ManagementStore,
  type Page,
  type PageRequest,
  RecordExistsError,
} from '../domain/management-ports.ts';
import {
  CallRequestSchema,
  type Client,
  ClientSchema,
  type Extension,
  ExtensionSchema,
  type Reseller,
  ResellerSchema,
  type ServerSettings,
  ServerSettingsSchema,
  type Site,
  SiteSchema,
} from '../domain/model.ts';
import type { LimitCheck, LimitOutcome } from '../domain/rate-limits.ts';
import { isPendingCallRequest } from './call-request-items.ts';
import { hitCounter, readCounter } from './counters.ts';
import { OwnerIndex } from './owner-index.ts';
import {
  CallNowIdRecordSchema,
  ExtensionNumberRecordSchema,
  extensionNumberSortKey,
  keys,
  LoginRecordSchema,
  ownerKeys,
  ScopeSchema,
} from './records.ts';
import { type Condition, type Item, type Key, TableItems } from './table-items.ts';

const ApiKeyRecordSchema = z.onFirstUse(() =>
  z.object({
    keyId: z.string(),
    secretHash: z.string(),
    scope: ScopeSchema,
    label: z.string(),
    createdAt: z.string(),
  }),
);

const MUST_EXIST: Condition = { ConditionExpression: 'attribute_exists(pk)' };
const MUST_NOT_EXIST: Condition = { ConditionExpression: 'attribute_not_exists(pk)' };

export interface DynamoManagementStoreOptions {
  /**
   * The PBX sites this deployment serves (the stack's `sites` context, each with its call-requests queue). A site
   * exists while it is listed; its item, made at its first allocation, records who holds which of its numbers.
   * @default none
   */
  readonly siteIds?: readonly string[];
  /** The clock list cursors are dated by. @default Date.now */
  readonly nowMs?: () => number;
}

export class DynamoManagementStore implements ManagementStore {
  readonly #items: TableItems;
  readonly #siteIds: readonly string[];
  readonly #owners: OwnerIndex;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
    { siteIds = [], nowMs = Date.now }: DynamoManagementStoreOptions = {},
  ) {
    this.#items = new TableItems(documents, tableName);
    this.#siteIds = siteIds;
    this.#owners = new OwnerIndex(documents, tableName, nowMs);
  }

  async getServerSettings(): Promise<ServerSettings | undefined> {
    return this.parsed(ServerSettingsSchema, keys.server());
  }

  async putServerSettings(settings: ServerSettings, expectedPasswordHash: string | undefined): Promise<void> {
    const condition =
      expectedPasswordHash === undefined
        ? { ConditionExpression: 'attribute_not_exists(adminPasswordHash)' }
        : {
            ConditionExpression: 'adminPasswordHash = :expected',
            ExpressionAttributeValues: { ':expected': expectedPasswordHash },
          };
    await this.write(
      { ...keys.server(), ...settings },
      condition,
      () => new ConcurrentChangeError('the admin password'),
    );
  }

  getReseller(resellerId: string) {
    return this.parsed(ResellerSchema, keys.reseller(resellerId));
  }

  getClient(clientId: string) {
    return this.parsed(ClientSchema, keys.client(clientId));
  }

  getExtension(extensionId: string) {
    return this.parsed(ExtensionSchema, keys.extension(extensionId));
  }

  async createReseller(reseller: Reseller) {
    await this.create(resellerItem(reseller), `reseller ${reseller.resellerId}`);
  }

  async createClient(client: Client) {
    await this.create(clientItem(client), `client ${client.clientId}`);
  }

  async createExtension(extension: Extension) {
    await this.create(extensionItem(extension), `extension ${extension.extensionId}`);
  }

  async putReseller(reseller: Reseller) {
    await this.replace(resellerItem(reseller), `reseller ${reseller.resellerId}`);
  }

  async putClient(client: Client) {
    await this.replace(clientItem(client), `client ${client.clientId}`);
  }

  async putExtension(extension: Extension, expected: Extension) {
    await this.write(
      extensionItem(extension),
      {
        ConditionExpression:
          'attribute_exists(pk) AND callNow.callNowId = :callNowId AND siteId = :siteId AND #number = :number',
        ExpressionAttributeNames: { '#number': 'number' },
        ExpressionAttributeValues: {
          ':callNowId': expected.callNow.callNowId,
          ':siteId': expected.siteId,
          ':number': expected.number,
        },
      },
      () => new ConcurrentChangeError(`extension ${extension.extensionId}`),
    );
  }

  async deleteReseller(resellerId: string) {
    await this.#items.deleteIf(keys.reseller(resellerId));
  }

  async deleteClient(clientId: string) {
    await this.#items.deleteIf(keys.client(clientId));
  }

  async deleteExtension(extensionId: string) {
    await this.#items.deleteIf(keys.extension(extensionId));
  }

  listResellers(page: PageRequest) {
    return this.queryOwnerIndex(ResellerSchema, ownerKeys.reseller('').ownerPk, undefined, page);
  }

  listClients(resellerId: string, page: PageRequest) {
    return this.queryOwnerIndex(ClientSchema, ownerKeys.client(resellerId, '').ownerPk, undefined, page);
  }

  listExtensions(resellerId: string, clientId: string | undefined, page: PageRequest) {
    const { ownerPk } = ownerKeys.extension(resellerId, '', '');
    const prefix = clientId === undefined ? undefined : `${clientId}#`;
    return this.queryOwnerIndex(ExtensionSchema, ownerPk, prefix, page);
  }

  async getSite(siteId: string): Promise<Site | undefined> {
    if (!this.#siteIds.includes(siteId)) return undefined;
    return (await this.parsed(SiteSchema, keys.site(siteId))) ?? SiteSchema.parse({ siteId });
  }

  async listSites(): Promise<Site[]> {
    return Promise.all(
      this.#siteIds.map(async (siteId) => (await this.getSite(siteId)) ?? SiteSchema.parse({ siteId })),
    );
  }

  async putSiteAllocations(site: Site): Promise<void> {
    const condition: Condition =
      site.revision === 0
        ? { ConditionExpression: 'attribute_not_exists(revision)' }
        : {
            ConditionExpression: 'revision = :expected',
            ExpressionAttributeValues: { ':expected': site.revision },
          };
    await this.write(
      {
        ...keys.site(site.siteId),
        siteId: site.siteId,
        allocations: site.allocations,
        revision: site.revision + 1,
      },
      condition,
      () => new ConcurrentChangeError(`site ${site.siteId}`),
    );
  }

  async getExtensionNumber(siteId: string, number: string): Promise<ExtensionNumberClaim | undefined> {
    const parsed = ExtensionNumberRecordSchema.safeParse(
      await this.#items.get(keys.extensionNumber(siteId, number)),
    );
    return parsed.success ? parsed.data : undefined;
  }

  claimExtensionNumber(claim: ExtensionNumberClaim, reclaimableFrom?: string) {
    return this.#items.claimFor(
      keys.extensionNumber(claim.siteId, claim.number),
      { ...claim },
      reclaimableFrom,
    );
  }

  releaseExtensionNumber(siteId: string, number: string, extensionId: string) {
    return this.#items.releaseFor(keys.extensionNumber(siteId, number), extensionId);
  }

  async listExtensionNumbers(siteId: string, { first, last }: { first: string; last: string }) {
    const claims: ExtensionNumberClaim[] = [];
    let startKey: Item | undefined;
    do {
      const result = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :last',
          ExpressionAttributeValues: {
            ':pk': keys.extensionNumber(siteId, first).pk,
            ':first': extensionNumberSortKey(first),
            ':last': extensionNumberSortKey(last),
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      claims.push(...(result.Items ?? []).map((item) => ExtensionNumberRecordSchema.parse(item)));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return claims;
  }

  async getCallNowIdPointer(callNowId: string): Promise<CallNowIdPointer | undefined> {
    const parsed = CallNowIdRecordSchema.safeParse(await this.#items.get(keys.callNowId(callNowId)));
    return parsed.success ? parsed.data : undefined;
  }

  claimCallNowId(pointer: CallNowIdPointer, reclaimableFrom?: string) {
    return this.#items.claimFor(keys.callNowId(pointer.callNowId), { ...pointer }, reclaimableFrom);
  }

  releaseCallNowId(callNowId: string, extensionId: string) {
    return this.#items.releaseFor(keys.callNowId(callNowId), extensionId);
  }

  getApiKey(keyId: string) {
    return this.parsed(ApiKeyRecordSchema, keys.apiKey(keyId));
  }

  async createApiKey(key: ApiKeyRecord) {
    await this.create(
      { ...keys.apiKey(key.keyId), ...ownerKeys.apiKey(key.keyId), ...key },
      `API key ${key.keyId}`,
    );
  }

  deleteApiKey(keyId: string): Promise<boolean> {
    return this.#items.deleteIf(keys.apiKey(keyId), MUST_EXIST);
  }

  listApiKeys(page: PageRequest) {
    return this.queryOwnerIndex(ApiKeyRecordSchema, ownerKeys.apiKey('').ownerPk, undefined, page);
  }

  listCallRequests(extensionId: string, page: PageRequest) {
    const { ownerPk } = ownerKeys.callRequest(extensionId, '', '');
    return this.#owners.page(CallRequestSchema, ownerPk, undefined, page, {
      newestFirst: true,
      shown: (item) => !isPendingCallRequest(item),
    });
  }

  getLogin(username: string) {
    return this.parsed(LoginRecordSchema, keys.login(username));
  }

  async createLogin(login: LoginRecord) {
    await this.create(loginItem(login), `the username ${login.username}`);
  }

  async putLogin(login: LoginRecord, expectedPasswordHash: string) {
    await this.write(
      loginItem(login),
      {
        ConditionExpression: 'passwordHash = :expected',
        ExpressionAttributeValues: { ':expected': expectedPasswordHash },
      },
      () => new ConcurrentChangeError(`login ${login.username}`),
    );
  }

  async deleteLogin(username: string) {
    await this.#items.deleteIf(keys.login(username));
  }

  listLogins(scope: Scope, page: PageRequest) {
    const { ownerPk } = ownerKeys.login(scope.level, scopeId(scope), '');
    return this.queryOwnerIndex(LoginRecordSchema, ownerPk, undefined, page);
  }

  hit(check: LimitCheck, nowMs: number): Promise<LimitOutcome> {
    return hitCounter(this.documents, this.tableName, check, nowMs);
  }

  countHits(check: LimitCheck, nowMs: number): Promise<LimitOutcome> {
    return readCounter(this.documents, this.tableName, check, nowMs);
  }

  private async parsed<T>(schema: z.ZodMiniType<T>, key: Key): Promise<T | undefined> {
    const item = await this.#items.get(key);
    return item ? schema.parse(item) : undefined;
  }

  private async write(item: Item, condition: Condition, failure: () => Error): Promise<void> {
    if (!(await this.#items.putIf(item, condition))) throw failure();
  }

  private create(item: Item, what: string) {
    return this.write(item, MUST_NOT_EXIST, () => new RecordExistsError(what));
  }

  private replace(item: Item, what: string) {
    return this.write(item, MUST_EXIST, () => new ConcurrentChangeError(what));
  }

  private queryOwnerIndex<T>(
    schema: z.ZodMiniType<T>,
    ownerPk: string,
    prefix: string | undefined,
    page: PageRequest,
  ): Promise<Page<T>> {
    return this.#owners.page(schema, ownerPk, prefix, page);
  }
}

const scopeId = (scope: Scope) =>
  scope.level === 'reseller'
    ? scope.resellerId
    : scope.level === 'client'
      ? scope.clientId
      : scope.extensionId;

const loginItem = (login: LoginRecord): Item => ({
  ...keys.login(login.username),
  ...ownerKeys.login(login.scope.level, scopeId(login.scope), login.username),
  ...login,
});

const resellerItem = (reseller: Reseller): Item => ({
  ...keys.reseller(reseller.resellerId),
  ...ownerKeys.reseller(reseller.resellerId),
  ...reseller,
});

const clientItem = (client: Client): Item => ({
  ...keys.client(client.clientId),
  ...ownerKeys.client(client.resellerId, client.clientId),
  ...client,
});

const extensionItem = (extension: Extension): Item => ({
  ...keys.extension(extension.extensionId),
  ...ownerKeys.extension(extension.resellerId, extension.clientId, extension.extensionId),
  ...extension,
});
