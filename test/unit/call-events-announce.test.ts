// The events consumer announces each state a request reaches, after the write that moved it; a message whose event
// the bus did not take comes back and announces it again, so every reached state is published at least once. The
// cloud announces the states it decides itself: queued once the request is sent, failed when it cannot be.
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createCallEventsHandler } from '../../functions/call-events/consumer.ts';
import type { CallEventsPublisher, CallStatusChanged } from '../../functions/domain/call-notifications.ts';
import { newCallRequest, sendCall } from '../../functions/domain/call-requests.ts';
import { lambdaContext } from '../support/api-events.ts';
import { callableTarget } from '../support/fixtures.ts';
import { MemoryStore } from '../support/memory-store.ts';

const createdAt = '2026-12-05T10:00:00.000Z';
const at = (second: number) => `2026-12-05T10:00:0${second}.000Z`;

function record(
  messageId: string,
  status: string,
  second: number,
  extra: Record<string, unknown> = {},
): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: JSON.stringify({
      v: 1,
      type: 'call.status',
      requestId: 'req-1',
      siteId: 'hq',
      status,
      at: at(second),
      ...extra,
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'connector',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:callnow-call-events',
    awsRegion: 'us-east-1',
  };
}

/** A bus that takes every event, but refuses the next `refusals` it is given. */
class FakeBus implements CallEventsPublisher {
  readonly taken: CallStatusChanged[] = [];
  refusals = 0;

  async publish(event: CallStatusChanged): Promise<boolean> {
    if (this.refusals > 0) {
      this.refusals -= 1;
      return false;
    }
    this.taken.push(event);
    return true;
  }
}

async function prepare() {
  const store = new MemoryStore();
  await store.createCallRequest(
    {
      requestId: 'req-1',
      callNowId: 'demo',
      extensionId: 'e101',
      siteId: 'hq',
      clientId: 'c1',
      resellerId: 'r1',
      status: 'queued',
      visitorPhone: '+12025550100',
      createdAt,
      expiresAt: createdAt,
      statusTimes: { queued: createdAt },
    },
    30,
  );
  const bus = new FakeBus();
  const handler = createCallEventsHandler(store, bus);
  const run = (...records: SQSRecord[]) => handler({ Records: records }, lambdaContext);
  return { store, bus, run };
}

describe('the events consumer, announcing', () => {
  it('puts one event on the bus for each state the request reaches, with the time it reached it', async () => {
    const { bus, run } = await prepare();
    await run(record('m1', 'dialing_extension', 1), record('m2', 'dialing_visitor', 3));
    await run(record('m3', 'failed', 5, { reason: 'visitor_busy' }));

    expect(bus.taken.map(({ eventId, state, at, reason }) => ({ eventId, state, at, reason }))).toEqual([
      { eventId: 'req-1:dialing_extension', state: 'dialing_extension', at: at(1), reason: undefined },
      { eventId: 'req-1:dialing_visitor', state: 'dialing_visitor', at: at(3), reason: undefined },
      { eventId: 'req-1:failed', state: 'failed', at: at(5), reason: 'visitor_busy' },
    ]);
    expect(bus.taken.every((event) => event.clientId === 'c1' && event.visitor.numberMasked)).toBe(true);
  });

  it('announces nothing for a state the request has already passed', async () => {
    const { bus, run } = await prepare();
    await run(record('m1', 'connected', 4));
    await run(record('m2', 'dialing_visitor', 3));
    expect(bus.taken.map((event) => event.state)).toEqual(['connected']);
  });

  it('hands back a message whose event the bus refused, and announces it when the message comes again', async () => {
    const { store, bus, run } = await prepare();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    bus.refusals = 1;

    const first = await run(record('m1', 'connected', 4));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(store.requests.get('req-1')?.status).toBe('connected');
    expect(bus.taken).toEqual([]);

    const again = await run(record('m1', 'connected', 4));
    expect(again.batchItemFailures).toEqual([]);
    expect(bus.taken.map((event) => [event.eventId, event.at])).toEqual([['req-1:connected', at(4)]]);
    expect(store.requests.get('req-1')?.statusTimes.connected).toBe(at(4));
  });

  it('announces a repeated message again, with the same event id for receivers to drop', async () => {
    const { bus, run } = await prepare();
    await run(record('m1', 'connected', 4));
    await run(record('m1-again', 'connected', 4));
    expect(bus.taken.map((event) => event.eventId)).toEqual(['req-1:connected', 'req-1:connected']);
  });
});

describe('the cloud, announcing', () => {
  async function sent(queueWorks: boolean) {
    const store = new MemoryStore();
    const bus = new FakeBus();
    const target = callableTarget();
    const request = newCallRequest(
      target,
      { phone: '+12025550100', name: 'Ada' },
      'req-9',
      new Date(createdAt),
    );
    await store.createCallRequest(request, 30);
    const queue = {
      send: async () => {
        if (!queueWorks) throw new Error('SQS is down');
      },
    };
    const clock = { now: () => new Date(at(2)) };
    const result = await sendCall(target, request, { store, queue, clock, events: bus });
    return { result, bus, store };
  }

  it('announces queued once the request is on its way to the PBX, naming the extension and its owners', async () => {
    const { result, bus } = await sent(true);
    expect(result.kind).toBe('accepted');
    expect(bus.taken).toEqual([
      expect.objectContaining({
        eventId: 'req-9:queued',
        state: 'queued',
        at: createdAt,
        extensionId: 'e101',
        extensionNumber: '101',
        clientId: 'c1',
        resellerId: 'r1',
        visitor: { number: '+1********00', numberMasked: true, name: 'Ada' },
      }),
    ]);
  });

  it('announces failed with pbx_unavailable, and never queued, when the request cannot be sent', async () => {
    const { result, bus, store } = await sent(false);
    expect(result.kind).toBe('pbx_unreachable');
    expect(bus.taken.map(({ eventId, reason, at }) => ({ eventId, reason, at }))).toEqual([
      { eventId: 'req-9:failed', reason: 'pbx_unavailable', at: at(2) },
    ]);
    expect(store.requests.get('req-9')).toMatchObject({ status: 'failed', reason: 'pbx_unavailable' });
  });
});
