// An SQS queue with its dead-letter queue, both encrypted and TLS-only: the shape of every queue in CallNow.

import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MAX_RECEIVE_COUNT } from '../resources.ts';

export interface QueueWithDeadLetterQueueProps {
  /** Physical name of the queue. */
  readonly queueName: string;
  /** Physical name of its dead-letter queue. */
  readonly deadLetterQueueName: string;
  /** How long a received message stays invisible to other consumers. */
  readonly visibilityTimeout: Duration;
  /**
   * Receives without a delete before SQS moves a message to the dead-letter queue.
   * @default MAX_RECEIVE_COUNT from infra/resources.ts
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unreceived message stays on the queue.
   * @default Duration.days(4) (the SQS default)
   */
  readonly retentionPeriod?: Duration;
}

export class QueueWithDeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: QueueWithDeadLetterQueueProps) {
    super(scope, id);
    // SQS-managed keys: encrypted at rest without a KMS key, so the connector's policy stays SQS-only.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A standard queue keeps a message's first enqueue time when it is dead-lettered, so the dead-letter
      // queue keeps messages for the longest time SQS allows: operators get two weeks to look.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      ...(props.retentionPeriod === undefined ? {} : { retentionPeriod: props.retentionPeriod }),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: props.maxReceiveCount ?? MAX_RECEIVE_COUNT,
      },
    });
  }
}
