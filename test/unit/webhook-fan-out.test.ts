// The webhooks function's fan-out: an event from the bus becomes one delivery for each webhook that wants it, those
// of the event's own client (for all its extensions, or this call's one) and never another tenant's; an event that
// does not fit the published schema goes nowhere. A batch's deliveries go out together, not one after another.
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { CallStatusChanged } from '../../functions/domain/call-notifications.ts';
import type {
  DeliveryAttempt,
  Webhook,
  WebhookDelivery,
  WebhookStore,
} from '../../functions/domain/webhooks.ts';
import { createWebhooksHandler } from '../../functions/webhooks/deliveries.ts';
import { lambdaContext } from '../support/api-events.ts';

const webhook = (webhookId: string, clientId: string, extensionId?: string): Webhook => ({
  webhookId,
  clientId,
  resellerId: 'r1',
  ...(extensionId === undefined ? {} : { extensionId }),
  url: `https://${webhookId}.example.com/`,
  secret: `whsec_${webhookId}`,
  createdAt: '2026-12-05T10:00:00.000Z',
});

const WEBHOOKS = [
  webhook('acme-all', 'acme'),
  webhook('acme-e1', 'acme', 'e1'),
  webhook('acme-e2', 'acme', 'e2'),
  webhook('globex-all', 'globex'),
  webhook('globex-e1', 'globex', 'e1'),
];

class FakeWebhookStore implements WebhookStore {
  async putWebhook(): Promise<void> {}
  async getWebhook(clientId: string, webhookId: string): Promise<Webhook | undefined> {
    return WEBHOOKS.find((item) => item.clientId === clientId && item.webhookId === webhookId);
  }
  async deleteWebhook(): Promise<void> {}
  async listWebhooks(clientId: string): Promise<Webhook[]> {
    return WEBHOOKS.filter((item) => item.clientId === clientId);
  }
  async recordAttempt(_webhookId: string, _attempt: DeliveryAttempt): Promise<void> {}
  async listAttempts(): Promise<DeliveryAttempt[]> {
    return [];
  }
}

function callEvent(clientId: string, extensionId: string): CallStatusChanged {
  return {
    version: '1',
    eventId: `r-${clientId}:connected`,
    requestId: `r-${clientId}`,
    callNowId: 'page',
    extensionId,
    siteId: 'hq',
    clientId,
    resellerId: 'r1',
    state: 'connected',
    at: '2026-12-05T10:00:05.000Z',
    createdAt: '2026-12-05T10:00:00.000Z',
    visitor: { number: '+1********00', numberMasked: true },
  };
}

/** The rule's target gets the event in EventBridge's envelope. */
function fromTheBus(messageId: string, detail: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify({
      version: '0',
      id: messageId,
      'detail-type': 'CallNow Call Status Changed',
      source: 'callnow',
      time: '2026-12-05T10:00:05Z',
      detail,
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'events.amazonaws.com',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:callnow-webhook-events',
    awsRegion: 'us-east-1',
  };
}

async function fanOut(...records: SQSRecord[]) {
  const queued: WebhookDelivery[] = [];
  const handler = createWebhooksHandler({
    webhooks: new FakeWebhookStore(),
    queues: {
      sendDeliveries: async (deliveries) => void queued.push(...deliveries),
      retryAfter: async () => {},
    },
    clock: { now: () => new Date('2026-12-05T10:00:06.000Z') },
  });
  const answer = await handler({ Records: records }, lambdaContext);
  return { queued, answer };
}

describe('the fan-out of a call event', () => {
  it("queues it for its client's webhooks of all extensions and of this call's extension, and no other's", async () => {
    const { queued, answer } = await fanOut(fromTheBus('m1', callEvent('acme', 'e1')));

    expect(answer.batchItemFailures).toEqual([]);
    expect(queued.map((delivery) => delivery.webhookId).sort()).toEqual(['acme-all', 'acme-e1']);
    for (const delivery of queued) {
      expect(delivery).toEqual({
        clientId: 'acme',
        webhookId: delivery.webhookId,
        event: callEvent('acme', 'e1'),
      });
    }
  });

  it("gives another tenant's webhooks nothing, even for an extension id they share", async () => {
    const { queued } = await fanOut(fromTheBus('m1', callEvent('globex', 'e1')));
    expect(queued.map((delivery) => delivery.webhookId).sort()).toEqual(['globex-all', 'globex-e1']);
  });

  it('sends an event of no client (a request older than the events) nowhere', async () => {
    const { clientId: _, ...ownerless } = callEvent('acme', 'e1');
    const { queued, answer } = await fanOut(fromTheBus('m1', ownerless));
    expect(queued).toEqual([]);
    expect(answer.batchItemFailures).toEqual([]);
  });

  it('drops, without retrying, an event that does not fit the published schema', async () => {
    const { queued, answer } = await fanOut(
      fromTheBus('m1', { ...callEvent('acme', 'e1'), state: 'ringing' }),
      fromTheBus('m2', { ...callEvent('acme', 'e1'), version: '2' }),
    );
    expect(queued).toEqual([]);
    expect(answer.batchItemFailures).toEqual([]);
  });
});

describe('a batch of deliveries', () => {
  it('is worked on all at once, so that slow receivers cannot add up past the timeout', async () => {
    const records = Array.from({ length: 10 }, (_, index) => ({
      ...fromTheBus(`d${index}`, {}),
      body: JSON.stringify({ clientId: 'acme', webhookId: `gone-${index}`, event: callEvent('acme', 'e1') }),
    }));
    // Each delivery's first step waits until all ten have started: one after another, none would ever finish.
    let started = 0;
    let allStarted: () => void = () => {};
    const everyoneIn = new Promise<void>((resolve) => {
      allStarted = resolve;
    });
    const store = new FakeWebhookStore();
    store.getWebhook = async () => {
      started += 1;
      if (started === records.length) allStarted();
      await everyoneIn;
      return undefined;
    };
    const handler = createWebhooksHandler({
      webhooks: store,
      queues: { sendDeliveries: async () => {}, retryAfter: async () => {} },
      clock: { now: () => new Date() },
    });

    const answer = await handler({ Records: records }, lambdaContext);

    expect(started).toBe(10);
    expect(answer.batchItemFailures).toEqual([]);
  });
});
