// Lambda entry for the console: its own function, so neither the public page's nor the API's cold start grows.
import { randomBytes } from 'node:crypto';
import { randomId } from '../domain/credentials.ts';
import { loadEdgeOptions, loadQueueUrls, loadTableName } from '../lib/config.ts';
import { createDocumentClient } from '../lib/document-client.ts';
import { hashPassword, verifyPassword } from '../lib/passwords.ts';
import { DynamoManagementStore } from '../store/dynamo-management-store.ts';
import { DynamoSessionStore } from '../store/dynamo-session-store.ts';
import { DynamoWebhookStore } from '../store/dynamo-webhook-store.ts';
import { deliverAtOnce } from '../webhooks/deliveries.ts';
import { resolveHost } from '../webhooks/resolve-host.ts';
import { createConsoleHandler } from './routes.ts';

const documents = createDocumentClient();
const tableName = loadTableName(process.env);
const clock = { now: () => new Date() };
const webhooks = new DynamoWebhookStore(documents, tableName);

export const handler = createConsoleHandler({
  // The sites are those with a call-requests queue: the stack's `sites` context.
  management: new DynamoManagementStore(documents, tableName, {
    siteIds: Object.keys(loadQueueUrls(process.env)),
  }),
  sessions: new DynamoSessionStore(documents, tableName),
  passwords: { hash: hashPassword, verify: verifyPassword },
  ids: { newId: randomId, newCallNowId: randomId, now: clock.now },
  clock,
  newSecret: () => randomBytes(32).toString('base64url'),
  edge: loadEdgeOptions(process.env),
  // The test button delivers at once, without a queue: the console loads no SQS client.
  webhooks: {
    store: webhooks,
    deliveries: deliverAtOnce({ webhooks, clock }),
    allowHttp: false,
    resolveHost,
  },
});
