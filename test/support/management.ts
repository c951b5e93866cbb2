// The management API's handler wired to a test table, and a small client for it.
import type { SiteQueueMessage } from '../../contracts/messages.ts';
import { randomId } from '../../functions/domain/credentials.ts';
import { setAdminPassword } from '../../functions/domain/server-settings.ts';
import { hashPassword, verifyPassword } from '../../functions/lib/passwords.ts';
import type { ManagementPorts } from '../../functions/management/ports.ts';
import { createManagementHandler } from '../../functions/management/routes.ts';
import { createPublicHandler } from '../../functions/public/routes.ts';
import {
  DynamoManagementStore,
  type DynamoManagementStoreOptions,
} from '../../functions/store/dynamo-management-store.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { apiEvent, lambdaContext, structured } from './api-events.ts';
import type { TestTable } from './dynamodb.ts';

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const passwords = { hash: hashPassword, verify: verifyPassword };

export interface ApiCall {
  readonly auth?: string | undefined;
  readonly body?: unknown;
  readonly sourceIp?: string;
  readonly contentType?: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered
  readonly body: any;
}

export const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
export const ADMIN = basic('admin', ADMIN_PASSWORD);
export const bearer = (key: string) => `Bearer ${key}`;

let nextBlock = 0;

/**
 * A reseller, a client and a phone-terminal extension through the API, all with every permission on unless told
 * otherwise. Each tree gets ten numbers of site hq of its own (the reseller's, handed to the client); its extension
 * has the first.
 */
export async function tree(
  api: Pick<ReturnType<typeof managementApi>, 'call'>,
  { reseller = true, client = true, extension = true, type = 'phone_terminal' } = {},
) {
  const first = String(1000 + 10 * nextBlock++);
  const numbers = {
    extensionRanges: [{ siteId: 'hq', first, last: String(Number(first) + 9) }],
    callerIds: [],
  };
  const r = await api.call('POST', 'resellers', { body: { name: 'Reseller', callApiManagement: reseller } });
  const rn = await api.call('PUT', `resellers/${r.body.resellerId}/phone-numbers`, { body: numbers });
  const c = await api.call('POST', 'clients', {
    body: { resellerId: r.body.resellerId, name: 'Client', callApiManagement: client },
  });
  const cn = await api.call('PUT', `clients/${c.body.clientId}/phone-numbers`, { body: numbers });
  const e = await api.call('POST', 'extensions', {
    body: {
      clientId: c.body.clientId,
      number: first,
      siteId: 'hq',
      type,
      ownerName: 'Owner',
      callApiManagement: extension,
      callApiAccess: extension,
    },
  });
  const statuses = [r.status, rn.status, c.status, cn.status, e.status];
  if (statuses.join() !== '201,200,201,200,201')
    throw new Error(`tree: ${statuses.join()} ${JSON.stringify(e.body)}`);
  return {
    resellerId: r.body.resellerId as string,
    clientId: c.body.clientId as string,
    extensionId: e.body.extensionId as string,
    number: first,
  };
}

export function managementApi(
  table: TestTable,
  clock: { now: () => Date } = { now: () => new Date() },
  storeOptions: DynamoManagementStoreOptions = { siteIds: ['hq'] },
  more: Pick<ManagementPorts, 'webhooks'> = {},
) {
  const management = new DynamoManagementStore(table.documents, table.tableName, storeOptions);
  const store = new DynamoCallNowStore(table.documents, table.tableName);
  const sent: SiteQueueMessage[] = [];
  const queue = { send: async (message: SiteQueueMessage) => void sent.push(message) };
  let next = 0;
  const ports = {
    management,
    store,
    queue,
    clock,
    newRequestId: () => `req-${Date.now().toString(36)}-${++next}`,
    passwords,
    ids: { newId: randomId, newCallNowId: randomId, now: () => clock.now() },
    ...more,
  };
  const handler = createManagementHandler(ports);
  const publicHandler = createPublicHandler(ports);

  async function call(
    method: string,
    path: string,
    { auth = ADMIN, body, sourceIp = '198.51.100.1', contentType }: ApiCall = {},
  ): Promise<ApiAnswer> {
    const [pathOnly = '', query = ''] = path.split('?');
    const event = apiEvent(`${method} /api/v1/{proxy+}`, {
      pathParameters: { proxy: pathOnly },
      headers: {
        ...(auth ? { authorization: auth } : {}),
        ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const withContext = {
      ...event,
      ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
      requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method, sourceIp } },
    };
    const result = structured(await handler(withContext, lambdaContext));
    return {
      status: result.statusCode ?? 200,
      headers: Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]),
      ),
      body: result.body ? JSON.parse(result.body) : undefined,
    };
  }

  async function publicPage(callNowId: string): Promise<number> {
    const result = structured(
      await publicHandler(
        apiEvent('GET /callnow/{callNowId}', { pathParameters: { callNowId } }),
        lambdaContext,
      ),
    );
    return result.statusCode ?? 200;
  }

  return {
    call,
    publicPage,
    sent,
    table,
    store,
    management,
    setPassword: (password = ADMIN_PASSWORD) => setAdminPassword(management, password, passwords),
  };
}
