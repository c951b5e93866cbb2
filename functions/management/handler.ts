// Lambda entry for the management and Call API.
import { randomUUID } from 'node:crypto';
import { randomId } from '../domain/credentials.ts';
import { createDocumentClient, createSqsClient } from '../lib/clients.ts';
import { FUNCTION_ENV, loadEdgeOptions, loadQueueUrls, loadTableName, requireEnv } from '../lib/config.ts';
import { withCallEvents } from '../lib/event-bus.ts';
import { hashPassword, verifyPassword } from '../lib/passwords.ts';
import { DynamoManagementStore } from '../store/dynamo-management-store.ts';
import { DynamoCallNowStore } from '../store/dynamo-store.ts';
import { DynamoWebhookStore } from '../store/dynamo-webhook-store.ts';
import { SqsCallRequestQueue } from '../store/sqs-queue.ts';
import { resolveHost } from '../webhooks/resolve-host.ts';
import { SqsWebhookQueues } from '../webhooks/sqs-queues.ts';
import { createManagementHandler } from './routes.ts';

const documents = createDocumentClient();
const tableName = loadTableName(process.env);
const clock = { now: () => new Date() };
const queueUrls = loadQueueUrls(process.env);
const sqs = createSqsClient();

export const handler = createManagementHandler({
  // The sites are those with a call-requests queue: the stack's `sites` context.
  management: new DynamoManagementStore(documents, tableName, { siteIds: Object.keys(queueUrls) }),
  store: new DynamoCallNowStore(documents, tableName),
  queue: new SqsCallRequestQueue(sqs, queueUrls),
  clock,
  newRequestId: randomUUID,
  passwords: { hash: hashPassword, verify: verifyPassword },
  ids: { newId: randomId, newCallNowId: randomId, now: clock.now },
  edge: loadEdgeOptions(process.env),
  ...withCallEvents(process.env),
  webhooks: {
    store: new DynamoWebhookStore(documents, tableName),
    deliveries: new SqsWebhookQueues(sqs, requireEnv(process.env, FUNCTION_ENV.webhookDeliveriesQueueUrl)),
    allowHttp: false,
    resolveHost,
  },
});
