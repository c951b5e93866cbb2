// The site's call-requests queue: receive, delete, put back, and heartbeats that keep a message being set up
// invisible. Only a receive throws; every other failure is logged and counted (SQS brings the message back).
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type ConnectorLogger, describeError } from './log.ts';
import type { SqsHealth } from './sqs-health.ts';

export interface CallRequestsQueueDeps {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly health: SqsHealth;
  readonly now: () => number;
  /** The queue's visibility timeout: a heartbeat every third of it makes the message invisible that long again. */
  readonly visibilityTimeoutSeconds: number;
}

export class CallRequestsQueue {
  constructor(private readonly deps: CallRequestsQueueDeps) {}

  /** Throws what SQS threw: the poller decides whether it counts. */
  async receive(maxMessages: number, waitTimeSeconds: number, abortSignal: AbortSignal): Promise<Message[]> {
    const { sqs, queueUrl, health, now } = this.deps;
    const response = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: maxMessages,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        // local-aws-sqs reads only the deprecated name, whose type lists queue attributes; SQS takes this one there too.
        AttributeNames: ['ApproximateReceiveCount' as QueueAttributeName],
      }),
      { abortSignal },
    );
    health.received(now());
    return response.Messages ?? [];
  }

  async delete(message: Message, requestLog: ConnectorLogger): Promise<void> {
    try {
      await this.deps.sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.deps.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    } catch (error) {
      this.deps.health.failed('delete', error);
      requestLog.error('deleting a call request failed; it will be received again', describeError(error));
    }
  }

  async changeVisibility(
    message: Message,
    visibilitySeconds: number,
    requestLog: ConnectorLogger,
  ): Promise<void> {
    try {
      await this.deps.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.deps.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: visibilitySeconds,
        }),
      );
    } catch (error) {
      this.deps.health.failed('change_visibility', error);
      requestLog.warn('could not change the visibility of a call request', {
        visibilitySeconds,
        ...describeError(error),
      });
    }
  }

  /** Keeps a message invisible while it is worked on, so SQS does not hand it to anyone else meanwhile. */
  heartbeat(message: Message, requestLog: () => ConnectorLogger): () => void {
    const visibilitySeconds = this.deps.visibilityTimeoutSeconds;
    const timer = setInterval(
      () => {
        requestLog().debug('still setting the call up: extending the request visibility', {
          visibilitySeconds,
        });
        void this.changeVisibility(message, visibilitySeconds, requestLog());
      },
      (visibilitySeconds * 1000) / 3,
    );
    timer.unref();
    return () => clearInterval(timer);
  }
}
