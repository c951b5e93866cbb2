// The custom metrics behind the dashboard: the EMF lines functions/lib/metrics.ts writes, and when the public
// routes and the call-events consumer write them. (stack.test.ts checks the dashboard graphs these very metrics.)

import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallRequested } from '../../contracts/messages.ts';
import { createCallEventsHandler } from '../../functions/call-events/consumer.ts';
import { METRICS_NAMESPACE, metricDocument, metrics } from '../../functions/lib/metrics.ts';
import { createPublicHandler } from '../../functions/public/routes.ts';
import { apiEvent, lambdaContext } from '../support/api-events.ts';
import { callableTarget } from '../support/fixtures.ts';
import { MemoryStore } from '../support/memory-store.ts';

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [member: string]: unknown;
}

let written: string[];

/** Runs as in Lambda, where the writer is on, and keeps what it writes to stdout. */
beforeEach(() => {
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'callnow-test');
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  // The handlers' own log lines are not under test here.
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Each metric line as `Name dim=value ...: value`, the way CloudWatch will read it. */
function metricLines(): string[] {
  return written
    .filter((chunk) => chunk.startsWith('{"_aws"'))
    .map((chunk) => {
      const line = JSON.parse(chunk) as EmfLine;
      const [directive] = line._aws.CloudWatchMetrics;
      const name = directive?.Metrics[0]?.Name ?? '';
      const dimensions = (directive?.Dimensions[0] ?? []).map((key) => `${key}=${String(line[key])}`);
      return `${[name, ...dimensions].join(' ')}: ${String(line[name])}`;
    });
}

describe('the EMF writer', () => {
  it('writes one document per data point, in the CallNow namespace, with its dimensions as members', () => {
    expect(
      metricDocument(
        'CallFinished',
        'Count',
        1,
        { status: 'failed', reason: 'visitor_busy' },
        1_700_000_000_000,
      ),
    ).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [['status', 'reason']],
            Metrics: [{ Name: 'CallFinished', Unit: 'Count' }],
          },
        ],
      },
      status: 'failed',
      reason: 'visitor_busy',
      CallFinished: 1,
    });
    expect(METRICS_NAMESPACE).toBe('CallNow');
  });

  it('writes a metric with no dimension under an empty dimension set, which EMF allows', () => {
    expect(metricDocument('CallRequested', 'Count', 1, {}, 0)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [[]] }] },
      CallRequested: 1,
    });
  });

  it('writes each metric as one line of pure JSON straight to stdout, which CloudWatch Logs reads as EMF', () => {
    metrics.timeToRing(1500);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\{"_aws":.*\}\n$/);
    expect(written[0]?.trimEnd()).not.toContain('\n');
    expect(metricLines()).toEqual(['TimeToRingMs: 1500']);
    expect(JSON.parse(written[0] ?? '')._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'TimeToRingMs', Unit: 'Milliseconds' },
    ]);
  });

  it('records a time to ring that clock skew made negative as 0', () => {
    metrics.timeToRing(-40);
    expect(metricLines()).toEqual(['TimeToRingMs: 0']);
  });

  it('writes nothing outside Lambda (the local stack, tests), where no one reads it', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
    metrics.callRequested();
    expect(written).toEqual([]);
  });
});

describe('the public routes', () => {
  const POST = 'POST /callnow/{callNowId}/requests';

  function prepare(send: (message: CallRequested) => Promise<void> = async () => {}) {
    const store = new MemoryStore();
    store.targets.set('demo', callableTarget());
    const handler = createPublicHandler({
      store,
      queue: { send },
      clock: { now: () => new Date('2026-11-26T10:00:00.000Z') },
      newRequestId: () => 'req-1',
    });
    const post = (body: unknown, callNowId = 'demo') =>
      handler(
        apiEvent(POST, {
          pathParameters: { callNowId },
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
        lambdaContext,
      );
    return { post };
  }

  it('count an accepted call request, once', async () => {
    const { post } = prepare();
    await post({ phoneNumber: '+1 202 555 0100' });
    expect(metricLines()).toEqual(['CallRequested: 1']);
  });

  it('count a refused request by the reason it was refused', async () => {
    const { post } = prepare();
    await post({ phoneNumber: '+1 202 555 0100' }, 'nobody');
    await post({ phoneNumber: 'not a number' });
    const failing = prepare(async () => {
      throw new Error('SQS is down');
    });
    await failing.post({ phoneNumber: '+1 202 555 0100' });
    expect(metricLines()).toEqual([
      'CallRequestRejected reason=not_available: 1',
      'CallRequestRejected reason=invalid_input: 1',
      'CallRequestRejected reason=pbx_unreachable: 1',
    ]);
  });
});

describe('the call-events consumer', () => {
  const createdAt = '2026-11-26T10:00:00.000Z';

  function record(messageId: string, body: Record<string, unknown>): SQSRecord {
    return {
      messageId,
      receiptHandle: messageId,
      body: JSON.stringify({ v: 1, type: 'call.status', requestId: 'req-1', siteId: 'hq', ...body }),
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
        createdAt,
        expiresAt: '2026-11-26T10:02:00.000Z',
        statusTimes: { queued: createdAt },
      },
      30,
    );
    const handler = createCallEventsHandler(store);
    const run = (records: SQSRecord[]) => handler({ Records: records } satisfies SQSEvent, lambdaContext);
    return { store, run };
  }

  it('measures the time from the request to the extension ringing, and counts how the call ended', async () => {
    const { run } = await prepare();
    await run([
      record('m1', { status: 'dialing_extension', at: '2026-11-26T10:00:01.250Z' }),
      record('m2', { status: 'dialing_visitor', at: '2026-11-26T10:00:09.000Z' }),
      record('m3', { status: 'connected', at: '2026-11-26T10:00:15.000Z' }),
      record('m4', { status: 'completed', at: '2026-11-26T10:01:15.000Z' }),
    ]);
    expect(metricLines()).toEqual(['TimeToRingMs: 1250', 'CallFinished status=completed: 1']);
  });

  it('counts a failed call by its reason', async () => {
    const { run } = await prepare();
    await run([record('m1', { status: 'failed', reason: 'extension_busy', at: '2026-11-26T10:00:02.000Z' })]);
    expect(metricLines()).toEqual(['CallFinished status=failed reason=extension_busy: 1']);
  });

  it('counts nothing twice: a duplicate or late status, which changes nothing, is not measured again', async () => {
    const { run } = await prepare();
    const ringing = record('m1', { status: 'dialing_extension', at: '2026-11-26T10:00:01.000Z' });
    const failed = record('m2', { status: 'failed', reason: 'visitor_busy', at: '2026-11-26T10:00:20.000Z' });
    await run([ringing, failed]);
    await run([ringing, failed, record('m3', { status: 'completed', at: '2026-11-26T10:00:21.000Z' })]);
    expect(metricLines()).toEqual([
      'TimeToRingMs: 1000',
      'CallFinished status=failed reason=visitor_busy: 1',
    ]);
  });

  it('measures the time to ring from what its update answered, reading the request no more', async () => {
    const { store, run } = await prepare();
    const read = vi.spyOn(store, 'getCallRequest');
    const result = await run([record('m1', { status: 'dialing_extension', at: '2026-11-26T10:00:01.000Z' })]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(read).not.toHaveBeenCalled();
    expect(metricLines()).toEqual(['TimeToRingMs: 1000']);
  });
});
