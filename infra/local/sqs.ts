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
} from '../resources.ts';

const ACCOUNT_ID = '000000000000';

export interface LocalSqs {
  readonly endpoint: string;
  readonly callRequestsQueueUrls: Readonly<Record<string, string>>;
  readonly callEventsQueueUrl: string;
  close(): Promise<void>;
}

function queuePair(name: string, deadLetterName: string, visibilityTimeoutSeconds: number) {
  return [
    { QueueName: deadLetterName, Attributes: { MessageRetentionPeriod: 14 * 24 * 3600 } },
    {
      QueueName: name,
      Attributes: {
        VisibilityTimeout: visibilityTimeoutSeconds,
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT_ID}:${deadLetterName}`,
          maxReceiveCount: MAX_RECEIVE_COUNT,
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
