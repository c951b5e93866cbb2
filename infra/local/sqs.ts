// The local SQS: local-aws-sqs on 127.0.0.1 with the queues (and redrive policies) the CDK stack defines.

import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';
import { CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS } from '../../contracts/queue-timing.ts';
import {
  CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
  CALL_EVENTS_QUEUE_NAME,
  CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
  callRequestsDeadLetterQueueName,
  callRequestsQueueName,
  MAX_RECEIVE_COUNT,
  WEBHOOK_DELIVERIES_QUEUE_NAME,
  WEBHOOK_DELIVERIES_RETENTION_SECONDS,
  WEBHOOK_DELIVERY_ATTEMPTS,
  WEBHOOK_EVENTS_QUEUE_NAME,
  WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS,
} from '../resources.ts';

const ACCOUNT_ID = '000000000000';

export interface LocalSqs {
  readonly endpoint: string;
  readonly callRequestsQueueUrls: Readonly<Record<string, string>>;
  readonly callEventsQueueUrl: string;
  readonly webhookEventsQueueUrl: string;
  readonly webhookDeliveriesQueueUrl: string;
  close(): Promise<void>;
}

function queuePair(
  name: string,
  deadLetterName: string,
  visibilityTimeoutSeconds: number,
  {
    maxReceiveCount = MAX_RECEIVE_COUNT,
    retentionSeconds,
  }: { maxReceiveCount?: number; retentionSeconds?: number } = {},
) {
  return [
    { QueueName: deadLetterName, Attributes: { MessageRetentionPeriod: 14 * 24 * 3600 } },
    {
      QueueName: name,
      Attributes: {
        VisibilityTimeout: visibilityTimeoutSeconds,
        ...(retentionSeconds === undefined ? {} : { MessageRetentionPeriod: retentionSeconds }),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT_ID}:${deadLetterName}`,
          maxReceiveCount,
        }),
      },
    },
  ];
}

export async function startLocalSqs(siteIds: readonly string[], port = 0): Promise<LocalSqs> {
  const queues = [
    ...siteIds.flatMap((siteId) =>
      queuePair(
        callRequestsQueueName(siteId),
        callRequestsDeadLetterQueueName(siteId),
        CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS,
      ),
    ),
    ...queuePair(
      CALL_EVENTS_QUEUE_NAME,
      CALL_EVENTS_DEAD_LETTER_QUEUE_NAME,
      CALL_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
    ),
    ...queuePair(
      WEBHOOK_EVENTS_QUEUE_NAME,
      `${WEBHOOK_EVENTS_QUEUE_NAME}-dlq`,
      WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS,
    ),
    ...queuePair(
      WEBHOOK_DELIVERIES_QUEUE_NAME,
      `${WEBHOOK_DELIVERIES_QUEUE_NAME}-dlq`,
      WEBHOOK_QUEUES_VISIBILITY_TIMEOUT_SECONDS,
      { maxReceiveCount: WEBHOOK_DELIVERY_ATTEMPTS, retentionSeconds: WEBHOOK_DELIVERIES_RETENTION_SECONDS },
    ),
  ];
  const server = await createSqsServer({ port, hostname: '127.0.0.1', accountId: ACCOUNT_ID, queues });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const queueUrl = (name: string) => `${endpoint}/${ACCOUNT_ID}/${name}`;
  return {
    endpoint,
    callRequestsQueueUrls: Object.fromEntries(
      siteIds.map((siteId) => [siteId, queueUrl(callRequestsQueueName(siteId))]),
    ),
    callEventsQueueUrl: queueUrl(CALL_EVENTS_QUEUE_NAME),
    webhookEventsQueueUrl: queueUrl(WEBHOOK_EVENTS_QUEUE_NAME),
    webhookDeliveriesQueueUrl: queueUrl(WEBHOOK_DELIVERIES_QUEUE_NAME),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
