// Lambda entry for the management and Call API.
import { randomUUID } from 'node:crypto';
import { randomId } from '../domain/credentials.ts';
import { createDocumentClient, createSqsClient } from '../lib/clients.ts';
import { loadQueueUrls, loadTableName } from '../lib/config.ts';
import { hashPassword, verifyPassword } from '../lib/passwords.ts';
import { DynamoManagementStore } from '../store/dynamo-management-store.ts';
import { DynamoCallNowStore } from '../store/dynamo-store.ts';
import { SqsCallRequestQueue } from '../store/sqs-queue.ts';
import { createManagementHandler } from './routes.ts';

const documents = createDocumentClient();
const tableName = loadTableName(process.env);
const clock = { now: () => new Date() };

export const handler = createManagementHandler({
  management: new DynamoManagementStore(documents, tableName),
  store: new DynamoCallNowStore(documents, tableName),
  queue: new SqsCallRequestQueue(createSqsClient(), loadQueueUrls(process.env)),
  clock,
  newRequestId: randomUUID,
  passwords: { hash: hashPassword, verify: verifyPassword },
  ids: { newId: randomId, newCallNowId: randomId, now: clock.now },
});
