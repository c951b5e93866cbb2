// Plays the part of Lambda's SQS event source: long-polls the call-events queue and hands batches to the consumer.
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface EventsPumpOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsHandler;
  /** Concurrent long polls of one message each: local-aws-sqs holds a poll for more than one message until that many arrive. */
  readonly pollers?: number;
  readonly waitTimeSeconds?: number;
}

function toRecord(message: Message, queueUrl: string): SQSRecord {
  const queueName = queueUrl.split('/').pop() ?? '';
  return {
    messageId: message.MessageId ?? randomUUID(),
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
    awsRegion: 'us-east-1',
  };
}

const context = { functionName: 'local-call-events', awsRequestId: 'local' } as Context;

export function startEventsPump({
  sqs,
  queueUrl,
  handler,
  pollers = 2,
  waitTimeSeconds = 20,
}: EventsPumpOptions) {
  const stopping = new AbortController();

  async function poll(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 1,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
          { abortSignal: stopping.signal },
        );
        if (Messages.length === 0) continue;
        const records = Messages.map((message) => toRecord(message, queueUrl));
        const { batchItemFailures } = await handler({ Records: records }, context);
        const failed = new Set(batchItemFailures.map((failure) => failure.itemIdentifier));
        const done = records.filter((record) => !failed.has(record.messageId));
        if (done.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((record, index) => ({
                Id: String(index),
                ReceiptHandle: record.receiptHandle,
              })),
            }),
          );
        }
      } catch (error) {
        if (stopping.signal.aborted) return;
        console.error(
          JSON.stringify({ level: 'error', msg: 'events pump: poll failed', error: String(error) }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  const running = Array.from({ length: pollers }, () => poll());
  return {
    async stop(): Promise<void> {
      stopping.abort();
      await Promise.allSettled(running);
    },
  };
}
