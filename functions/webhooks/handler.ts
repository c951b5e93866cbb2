// Lambda entry for the webhooks function: the call-events rule's queue and the deliveries queue.
import { createDocumentClient, createSqsClient } from '../lib/clients.ts';
import { FUNCTION_ENV, loadTableName, requireEnv } from '../lib/config.ts';
import { DynamoWebhookStore } from '../store/dynamo-webhook-store.ts';
import { createWebhooksHandler } from './deliveries.ts';
import { SqsWebhookQueues } from './sqs-queues.ts';

export const handler = createWebhooksHandler({
  webhooks: new DynamoWebhookStore(createDocumentClient(), loadTableName(process.env)),
  queues: new SqsWebhookQueues(
    createSqsClient(),
    requireEnv(process.env, FUNCTION_ENV.webhookDeliveriesQueueUrl),
  ),
  clock: { now: () => new Date() },
});
