// Plays EventBridge for the local stack: keeps the call events it is given (the newest 500) and passes each, in the
// envelope EventBridge gives a rule's target, to the webhook-events queue, as the stack's one rule does.
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  CALL_EVENT_SOURCE,
  CALL_STATUS_CHANGED,
  type CallEventsPublisher,
  type CallStatusChanged,
} from '../../functions/domain/call-notifications.ts';

const KEPT_EVENTS = 500;

export class LocalEventBus implements CallEventsPublisher {
  /** What was put on the bus, oldest first. */
  readonly events: CallStatusChanged[] = [];

  constructor(
    private readonly sqs: SQSClient,
    private readonly webhookEventsQueueUrl: string,
  ) {}

  async publish(event: CallStatusChanged): Promise<boolean> {
    this.events.push(event);
    if (this.events.length > KEPT_EVENTS) this.events.shift();
    const envelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': CALL_STATUS_CHANGED,
      source: CALL_EVENT_SOURCE,
      account: '000000000000',
      time: event.at,
      region: 'us-east-1',
      resources: [],
      detail: event,
    };
    try {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.webhookEventsQueueUrl,
          MessageBody: JSON.stringify(envelope),
        }),
      );
    } catch (error) {
      console.error(
        JSON.stringify({ level: 'error', msg: 'local event bus: rule target failed', error: String(error) }),
      );
    }
    // On the bus it is, whatever became of the rule's target (EventBridge retries a target on its own).
    return true;
  }
}
