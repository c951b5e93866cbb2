// The webhooks function. From the call-events rule's queue it fans each event out to its client's webhooks, one
// delivery message each; from the deliveries queue it POSTs one, signed, and logs the attempt. A failed attempt
// comes back after 30 s, doubling to an hour (about a day in all); then the dead-letter queue and its alarm.
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../../contracts/zod.ts';
import { CallStatusChangedSchema } from '../domain/call-notifications.ts';
import {
  EVENT_ID_HEADER,
  retryDelaySeconds,
  SIGNATURE_HEADER,
  signatureOf,
  type WebhookDelivery,
  type WebhookDeliveryQueue,
  WebhookDeliverySchema,
  type WebhookStore,
  webhooksFor,
} from '../domain/webhooks.ts';
import { describeError, log, setLogContext } from '../lib/log.ts';
import { metrics } from '../lib/metrics.ts';
import { type SafePostOptions, safePost } from './safe-post.ts';

export interface WebhookQueues {
  /** Sends the deliveries of one event (SendMessageBatch, ten at a time). */
  sendDeliveries(deliveries: readonly WebhookDelivery[]): Promise<void>;
  /** Hides a delivery message for `seconds` before SQS gives it back. */
  retryAfter(record: SQSRecord, seconds: number): Promise<void>;
}

export interface WebhookHandlerPorts {
  readonly webhooks: WebhookStore;
  readonly queues: WebhookQueues;
  readonly clock: { now(): Date };
  readonly post?: SafePostOptions;
  /** Seconds before the n-th retry. @default retryDelaySeconds */
  readonly retryDelay?: (attempt: number) => number;
}

// The messages are ours (the rule's EventBridge envelope, our own deliveries), checked against the event's schema
// all the same: a receiver gets only what docs/call-event.schema.json promises.
const EnvelopeSchema = z.onFirstUse(() =>
  z.looseObject({ 'detail-type': z.string(), detail: CallStatusChangedSchema }),
);

export type WebhooksHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function createWebhooksHandler(ports: WebhookHandlerPorts): WebhooksHandler {
  return async (event, context) => {
    setLogContext(context.awsRequestId);
    // All at once: ten deliveries to slow receivers one after another (5 s each) would outlast the function's
    // timeout, and the whole batch, the delivered ones too, would come back.
    const retries = await Promise.all(
      event.Records.map(async (record) => {
        try {
          return await handleRecord(ports, record);
        } catch (error) {
          log.error('webhook message not handled; will retry', {
            messageId: record.messageId,
            ...describeError(error),
          });
          return true;
        }
      }),
    );
    return {
      batchItemFailures: event.Records.filter((_, index) => retries[index]).map((record) => ({
        itemIdentifier: record.messageId,
      })),
    };
  };
}

/** Whether the message must come back (a delivery to try again). */
async function handleRecord(ports: WebhookHandlerPorts, record: SQSRecord): Promise<boolean> {
  const body: unknown = JSON.parse(record.body);
  const envelope = EnvelopeSchema.safeParse(body);
  if (envelope.success) {
    const callEvent = envelope.data.detail;
    const targets = await webhooksFor(ports.webhooks, callEvent);
    await ports.queues.sendDeliveries(
      targets.map((webhook) => ({
        clientId: webhook.clientId,
        webhookId: webhook.webhookId,
        event: callEvent,
      })),
    );
    return false;
  }
  const delivery = WebhookDeliverySchema.safeParse(body);
  if (!delivery.success) {
    log.warn('webhook message not of a known shape; dropped', {
      messageId: record.messageId,
      problem: z.prettifyError(delivery.error),
    });
    return false;
  }
  return deliver(ports, record, delivery.data);
}

async function deliver(
  ports: WebhookHandlerPorts,
  record: SQSRecord,
  delivery: WebhookDelivery,
): Promise<boolean> {
  if ((await attemptDelivery(ports, delivery)) !== 'failed') return false;
  const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
  await ports.queues.retryAfter(record, (ports.retryDelay ?? retryDelaySeconds)(attempt));
  return true;
}

/** One signed POST of a delivery, logged: `failed` deliveries are worth another attempt, the others are done. */
export async function attemptDelivery(
  ports: Pick<WebhookHandlerPorts, 'webhooks' | 'clock' | 'post'>,
  delivery: WebhookDelivery,
): Promise<'delivered' | 'failed' | 'dropped'> {
  const webhook = await ports.webhooks.getWebhook(delivery.clientId, delivery.webhookId);
  // Deleted since: nobody is waiting for it.
  if (!webhook) return 'dropped';
  const body = JSON.stringify(delivery.event);
  const now = ports.clock.now();
  const outcome = await safePost(
    webhook.url,
    body,
    {
      'content-type': 'application/json',
      'user-agent': 'CallNow-Webhooks/1',
      [EVENT_ID_HEADER]: delivery.event.eventId,
      [SIGNATURE_HEADER]: signatureOf(webhook.secret, body, Math.floor(now.getTime() / 1000)),
    },
    ports.post,
  );
  const at = now.toISOString();
  const { eventId } = delivery.event;
  if (outcome.kind === 'refused') {
    await ports.webhooks.recordAttempt(webhook.webhookId, {
      at,
      eventId,
      durationMs: 0,
      error: outcome.reason,
    });
    metrics.webhookDelivery('refused');
    log.warn('webhook address refused', { webhookId: webhook.webhookId, reason: outcome.reason });
    return 'dropped';
  }
  await ports.webhooks.recordAttempt(
    webhook.webhookId,
    outcome.kind === 'answered'
      ? { at, eventId, statusCode: outcome.statusCode, durationMs: outcome.durationMs }
      : { at, eventId, durationMs: outcome.durationMs, error: outcome.error },
  );
  const delivered = outcome.kind === 'answered' && outcome.statusCode >= 200 && outcome.statusCode < 300;
  metrics.webhookDelivery(delivered ? 'delivered' : 'retry');
  return delivered ? 'delivered' : 'failed';
}

/** The console's queue: it POSTs the test event at once, so that its outcome is on the page the user sees next. */
export function deliverAtOnce(
  ports: Pick<WebhookHandlerPorts, 'webhooks' | 'clock' | 'post'>,
): WebhookDeliveryQueue {
  return {
    async enqueue(delivery) {
      await attemptDelivery(ports, delivery);
    },
  };
}
