// The webhooks function's queues on SQS: deliveries sent ten to a batch, a failed one hidden until its retry.
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { WebhookDelivery, WebhookDeliveryQueue } from '../domain/webhooks.ts';
import type { WebhookQueues } from './deliveries.ts';

export class SqsWebhookQueues implements WebhookQueues, WebhookDeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly deliveriesQueueUrl: string,
  ) {}

  async sendDeliveries(deliveries: readonly WebhookDelivery[]): Promise<void> {
    for (let start = 0; start < deliveries.length; start += 10) {
      const batch = deliveries.slice(start, start + 10);
      const result = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.deliveriesQueueUrl,
          Entries: batch.map((delivery, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(delivery),
          })),
        }),
      );
      if (result.Failed?.length) throw new Error(`${result.Failed.length} webhook deliveries not queued`);
    }
  }

  enqueue(delivery: WebhookDelivery): Promise<void> {
    return this.sendDeliveries([delivery]);
  }

  async retryAfter(record: SQSRecord, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.deliveriesQueueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }
}
