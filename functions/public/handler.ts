// Lambda entry for the public CallNow routes.
import { randomUUID } from 'node:crypto';
import { createDocumentClient, createSqsClient } from '../lib/clients.ts';
import { loadEdgeOptions, loadQueueUrls, loadTableName } from '../lib/config.ts';
import { withCallEvents } from '../lib/event-bus.ts';
import { DynamoCallNowStore, SERVER_SETTINGS_MAX_AGE_MS } from '../store/dynamo-store.ts';
import { SqsCallRequestQueue } from '../store/sqs-queue.ts';
import { createPublicHandler } from './routes.ts';

export const handler = createPublicHandler({
  store: new DynamoCallNowStore(createDocumentClient(), loadTableName(process.env), {
    serverSettingsMaxAgeMs: SERVER_SETTINGS_MAX_AGE_MS,
  }),
  queue: new SqsCallRequestQueue(createSqsClient(), loadQueueUrls(process.env)),
  clock: { now: () => new Date() },
  newRequestId: randomUUID,
  edge: loadEdgeOptions(process.env),
  ...withCallEvents(process.env),
});
