import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { createCallEventsHandler } from '../../functions/call-events/consumer.ts';
import { lambdaContext } from '../support/api-events.ts';
import { MemoryStore } from '../support/memory-store.ts';

const at = '2026-11-26T10:00:01.000Z';

function record(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:callnow-call-events',
    awsRegion: 'us-east-1',
  };
}

const status = (requestId: string, extra: Record<string, unknown>) => ({
  v: 1,
  type: 'call.status',
  requestId,
  siteId: 'hq',
  at,
  ...extra,
});

async function prepare() {
  const store = new MemoryStore();
  await store.createCallRequest(
    {
      requestId: 'req-1',
      callNowId: 'demo',
      extensionId: 'e101',
      siteId: 'hq',
      status: 'queued',
      visitorPhone: '+12025550100',
      createdAt: at,
      expiresAt: at,
      statusTimes: { queued: at },
    },
    30,
  );
  const handler = createCallEventsHandler(store);
  const run = (records: SQSRecord[]) => handler({ Records: records } satisfies SQSEvent, lambdaContext);
  return { store, run };
}

describe('call-events consumer', () => {
  it('applies statuses and presence, and reports no failures', async () => {
    const { store, run } = await prepare();
    const result = await run([
      record('m1', status('req-1', { status: 'dialing_extension' })),
      record('m2', {
        v: 1,
        type: 'extension.presence',
        siteId: 'hq',
        extension: '101',
        state: 'ringing',
        at,
      }),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.requests.get('req-1')?.status).toBe('dialing_extension');
    expect(store.presence.get('hq#101')?.state).toBe('ringing');
  });

  it("lets go of the number's hold when the call ends, and only its own hold", async () => {
    const { store, run } = await prepare();
    const hold = { phone: '+12025550100', requestId: 'req-1', callNowId: 'demo', heldAt: at };
    store.holds.set(hold.phone, hold);
    await run([record('m1', status('req-1', { status: 'connected' }))]);
    expect(store.holds.get(hold.phone)).toEqual(hold);
    await run([record('m2', status('req-1', { status: 'completed' }))]);
    expect(store.holds.size).toBe(0);

    // req-3 ends after req-2 took the number over from it: req-2 keeps it.
    const earlier = store.requests.get('req-1');
    if (earlier) store.requests.set('req-3', { ...earlier, requestId: 'req-3', status: 'queued' });
    const newer = { ...hold, requestId: 'req-2' };
    store.holds.set(hold.phone, newer);
    await run([record('m3', status('req-3', { status: 'failed', reason: 'rejected' }))]);
    expect(store.requests.get('req-3')?.status).toBe('failed');
    expect(store.holds.get(hold.phone)).toEqual(newer);
  });

  it('treats a duplicate or late status as done, not as a failure to retry', async () => {
    const { store, run } = await prepare();
    await run([record('m1', status('req-1', { status: 'connected' }))]);
    const result = await run([
      record('m2', status('req-1', { status: 'dialing_visitor' })),
      record('m3', status('req-1', { status: 'connected' })),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(store.requests.get('req-1')?.status).toBe('connected');
  });

  it('reports only the invalid messages of a batch, which the redrive policy then moves to the DLQ', async () => {
    const { store, run } = await prepare();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const result = await run([
      record('bad-json', '{"v":1'),
      record('bad-version', status('req-1', { v: 2, status: 'connected' })),
      record('no-reason', status('req-1', { status: 'failed' })),
      record('good', status('req-1', { status: 'connected' })),
    ]);
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      'bad-json',
      'bad-version',
      'no-reason',
    ]);
    expect(store.requests.get('req-1')?.status).toBe('connected');
  });

  it('reports a message for retry when the store fails, and goes on with the rest', async () => {
    const { store, run } = await prepare();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(store, 'putExtensionPresence').mockRejectedValueOnce(new Error('throttled'));
    const result = await run([
      record('presence', {
        v: 1,
        type: 'extension.presence',
        siteId: 'hq',
        extension: '101',
        state: 'idle',
        at,
      }),
      record('status', status('req-1', { status: 'failed', reason: 'visitor_busy' })),
    ]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'presence' }] });
    expect(store.requests.get('req-1')).toMatchObject({ status: 'failed', reason: 'visitor_busy' });
  });
});
