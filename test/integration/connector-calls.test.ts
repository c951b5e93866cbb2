// The edge connector end to end on loopback: local-aws-sqs for both queues, the AMI simulator as the PBX, the real
// AMI client in between. Each test sends call.requested messages and reads what arrives on the call-events queue.

import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallRequested } from '../../contracts/messages.ts';
import { CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS } from '../../contracts/queue-timing.ts';
import { type AmiSimulator, startAmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { createAmiClient } from '../../edge-connector/src/ami/client.ts';
import { AmiStreamParser } from '../../edge-connector/src/ami/protocol.ts';
import type { AmiClient, AmiEvent } from '../../edge-connector/src/ami/types.ts';
import { type Connector, startConnector } from '../../edge-connector/src/connector.ts';
import { createJsonLogger } from '../../edge-connector/src/log.ts';
import { counterValue } from '../../edge-connector/src/metrics.ts';
import {
  CALL_EVENTS_QUEUE_NAME,
  callRequestsDeadLetterQueueName,
  callRequestsQueueName,
  MAX_RECEIVE_COUNT,
} from '../../infra/resources.ts';
import {
  ACCOUNT_ID,
  CallEventsCollector,
  type LocalQueues,
  originatesOf,
  startLocalQueues,
} from '../support/connector-peers.ts';
import { callRequested as sampleCallRequested } from '../support/fixtures.ts';

const SITE_ID = 'hq';

let queues: LocalQueues;
let sqs: SQSClient;
let requestsQueueUrl: string;
let eventsQueueUrl: string;
let simulator: AmiSimulator;
let ami: AmiClient;
let connector: Connector;
const logLines: string[] = [];
const amiEvents: AmiEvent[] = [];
/** What the connector wrote to the PBX, byte for byte, by AMI session. */
const wireText = new Map<number, string>();
const SITE_CALLER_ID = '+12025550199';

let events: CallEventsCollector;

function callRequested(
  extension: string,
  visitorPhone: string,
  overrides: Partial<CallRequested> = {},
): CallRequested {
  return sampleCallRequested({
    siteId: SITE_ID,
    extension: { number: extension },
    visitor: { phone: visitorPhone, name: 'Alice' },
    ringSeconds: 5,
    ...overrides,
  });
}

async function sendRequest(body: CallRequested | string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: requestsQueueUrl,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

/** Waits for the request's final status and returns its whole sequence as `status` or `failed/<reason>`. */
async function statusSequence(requestId: string, timeoutMs = 8000): Promise<string[]> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const ended = events.statusesOf(requestId).some((status) => /^(completed|failed)/.test(status));
    if (ended || Date.now() > giveUpAt) {
      // A little longer, so that a wrong status sent after the end would be seen too.
      if (ended) await new Promise((resolve) => setTimeout(resolve, 100));
      return events.statusesOf(requestId);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function originateHeaders(requestId: string): Array<readonly [string, string]> {
  return [...(originatesOf(simulator, requestId)[0]?.headers ?? [])];
}

function originatesFor(requestId: string): number {
  return originatesOf(simulator, requestId).length;
}

/** Messages received but neither deleted nor visible again yet: what the connector took and kept. */
async function messagesInFlight(): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: requestsQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

/** A simulated phone stays busy until its call has hung up, which may be a moment after the final status. */
async function simulatorIdle(timeoutMs = 3000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (simulator.activeCallCount > 0 && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  const requestsDlq = callRequestsDeadLetterQueueName(SITE_ID);
  queues = await startLocalQueues([
    { QueueName: requestsDlq },
    {
      QueueName: callRequestsQueueName(SITE_ID),
      Attributes: {
        VisibilityTimeout: CALL_REQUESTS_VISIBILITY_TIMEOUT_SECONDS,
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT_ID}:${requestsDlq}`,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      },
    },
    { QueueName: CALL_EVENTS_QUEUE_NAME },
  ]);
  ({ sqs } = queues);
  requestsQueueUrl = queues.url(callRequestsQueueName(SITE_ID));
  eventsQueueUrl = queues.url(CALL_EVENTS_QUEUE_NAME);

  simulator = await startAmiSimulator({ timeScale: 0.02 });
  simulator.onRawData((sessionId, text) => wireText.set(sessionId, (wireText.get(sessionId) ?? '') + text));
  ami = createAmiClient({
    host: simulator.host,
    port: simulator.port,
    username: simulator.username,
    secret: simulator.secret,
  });
  await ami.connect();
  ami.onEvent((event) => amiEvents.push(event));

  connector = startConnector(
    {
      callRequestsQueueUrl: requestsQueueUrl,
      callEventsQueueUrl: eventsQueueUrl,
      siteId: SITE_ID,
      extensionChannelTemplate: 'PJSIP/{extension}',
      visitorDialTemplate: 'PJSIP/{number}@trunk',
      callnowContext: 'callnow',
      outboundCallerId: SITE_CALLER_ID,
    },
    { sqs, ami, logger: createJsonLogger({ write: (line) => logLines.push(line) }) },
    { timing: { busyEvidenceGraceMs: 200 }, presenceIntervalMs: 50 },
  );
  events = new CallEventsCollector(sqs, eventsQueueUrl);
});

afterAll(async () => {
  await connector?.stop({ abortReceives: true });
  await events?.stop();
  await ami?.close();
  await simulator?.close();
  await queues?.close();
});

describe('edge connector with local SQS and the AMI simulator', () => {
  beforeEach(() => simulatorIdle());

  it('walks a confirmed call to a visitor who answers through every status (101, visitor 0100)', async () => {
    const request = callRequested('101', '+12025550100');

    await sendRequest(request);

    expect(await statusSequence(request.requestId)).toEqual([
      'dialing_extension',
      'awaiting_confirmation',
      'dialing_visitor',
      'connected',
      'completed',
    ]);
    expect(originatesFor(request.requestId)).toBe(1);
  });

  it.each([
    ['102', 'never answers', ['dialing_extension', 'failed/extension_no_answer']],
    ['103', 'is busy', ['dialing_extension', 'failed/extension_busy']],
    [
      '104',
      'presses 5 instead of 0',
      ['dialing_extension', 'awaiting_confirmation', 'failed/extension_declined'],
    ],
  ])('reports extension %s that %s', async (extension, _what, expected) => {
    const request = callRequested(extension, '+12025550100');

    await sendRequest(request);

    expect(await statusSequence(request.requestId)).toEqual(expected);
  });

  it('reports a busy visitor (0102) as failed/visitor_busy', async () => {
    const request = callRequested('101', '+12025550102');

    await sendRequest(request);

    expect(await statusSequence(request.requestId)).toEqual([
      'dialing_extension',
      'awaiting_confirmation',
      'dialing_visitor',
      'failed/visitor_busy',
    ]);
  });

  it('dials without the confirmation step when the request does not ask for it', async () => {
    const request = callRequested('101', '+12025550100', { confirm: false });

    await sendRequest(request);

    expect(await statusSequence(request.requestId)).toEqual([
      'dialing_extension',
      'dialing_visitor',
      'connected',
      'completed',
    ]);
  });

  it('reports an expired request as failed/expired and never originates it', async () => {
    const request = callRequested('101', '+12025550100', {
      createdAt: new Date(Date.now() - 180_000).toISOString(),
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });

    await sendRequest(request);

    expect(await statusSequence(request.requestId)).toEqual(['failed/expired']);
    expect(originatesFor(request.requestId)).toBe(0);
  });

  it('leaves a poison message on the queue and still handles the next good one', async () => {
    const inFlightBefore = await messagesInFlight();
    const good = callRequested('101', '+12025550100', { confirm: false });

    await sendRequest('{"v":1,"type":"call.requested","requestId":"half a message');
    await sendRequest(JSON.stringify({ ...callRequested('101', '+12025550100'), v: 99 }));
    await sendRequest(good);

    expect(await statusSequence(good.requestId)).toEqual([
      'dialing_extension',
      'dialing_visitor',
      'connected',
      'completed',
    ]);
    expect(
      logLines.filter((line) => line.includes('invalid call request left for the dead-letter queue')),
    ).toHaveLength(2);
    expect(await messagesInFlight()).toBe(inFlightBefore + 2);
  });

  it('handles several requests at once, each to its own end', async () => {
    // One call per extension: a simulated phone already in a call is busy, as a real one would be.
    const requests = [
      callRequested('101', '+12025550100', { confirm: false }),
      callRequested('102', '+12025550100'),
      callRequested('103', '+12025550100'),
      callRequested('104', '+12025550104', { confirm: false }),
      callRequested('105', '+12025550103', { confirm: false }),
    ];

    await Promise.all(requests.map((request) => sendRequest(request)));
    const endings = await Promise.all(requests.map(async (r) => (await statusSequence(r.requestId)).at(-1)));

    expect(endings).toEqual([
      'completed',
      'failed/extension_no_answer',
      'failed/extension_busy',
      'failed/visitor_unreachable',
      'failed/visitor_no_answer',
    ]);
  });

  it.each([
    ['101', '+12025550100', true, 'completed', 'visitor answers (DIALSTATUS ANSWER)'],
    ['101', '+12025550102', false, 'failed/visitor_busy', 'DIALSTATUS BUSY'],
    ['101', '+12025550103', false, 'failed/visitor_no_answer', 'DIALSTATUS NOANSWER'],
    ['101', '+12025550104', false, 'failed/visitor_unreachable', 'DIALSTATUS CONGESTION'],
    ['101', '+12025550105', false, 'failed/visitor_unreachable', 'DIALSTATUS CHANUNAVAIL (cause 1)'],
    ['101', '+12025550177', false, 'failed/visitor_unreachable', 'DIALSTATUS CHANUNAVAIL (no such number)'],
    ['102', '+12025550100', true, 'failed/extension_no_answer', 'OriginateResponse Reason 3'],
    ['103', '+12025550100', true, 'failed/extension_busy', 'OriginateResponse Reason 5 (Local channels)'],
    [
      '106',
      '+12025550100',
      true,
      'failed/extension_busy',
      'Reason 0 with DialEnd BUSY and Hangup 17 (chan_pjsip)',
    ],
    ['999', '+12025550100', true, 'failed/pbx_unavailable', 'Reason 0 for an extension that does not exist'],
    ['104', '+12025550100', true, 'failed/extension_declined', 'confirmation refused'],
    ['105', '+12025550100', true, 'failed/extension_declined', 'confirmation timed out'],
  ])('ends extension %s calling %s (confirm %s) as %s: %s', async (extension, phone, confirm, expected) => {
    const request = callRequested(extension, phone, { confirm });

    await sendRequest(request);

    expect((await statusSequence(request.requestId)).at(-1)).toBe(expected);
    expect(originatesFor(request.requestId)).toBe(1);
  });

  it('ends calls whose confirmation prompt Asterisk cannot play as pbx_misconfigured, and logs the fix once', async () => {
    const fixLines = () => logLines.filter((line) => line.includes('cannot play the confirmation prompt'));
    simulator.setPromptSounds(false);
    try {
      const first = callRequested('101', '+12025550100', { confirm: true });
      const second = callRequested('101', '+12025550100', { confirm: true });
      await sendRequest(first);
      const firstStatuses = await statusSequence(first.requestId);
      await simulatorIdle();
      await sendRequest(second);
      await statusSequence(second.requestId);

      expect(firstStatuses).toEqual([
        'dialing_extension',
        'awaiting_confirmation',
        'failed/pbx_misconfigured',
      ]);
      expect((await statusSequence(second.requestId)).at(-1)).toBe('failed/pbx_misconfigured');
      expect(fixLines()).toHaveLength(1);
      expect(fixLines()[0]).toContain('CALLNOW_CONFIRM_PROMPT');
    } finally {
      simulator.setPromptSounds(true);
    }
    await simulatorIdle();
  });

  it("shows the visitor the site's number, never their own (OUTBOUND_CALLER_ID), or the request's", async () => {
    const siteDefault = callRequested('101', '+12025550100', { confirm: false });
    const ownNumber = callRequested('101', '+12025550100', {
      confirm: false,
      visitorCallerId: '+442071234567',
    });

    await sendRequest(siteDefault);
    await statusSequence(siteDefault.requestId);
    await simulatorIdle();
    await sendRequest(ownNumber);
    await statusSequence(ownNumber.requestId);

    expect(originateHeaders(siteDefault.requestId)).toContainEqual([
      'Variable',
      `CALLNOW_VISITOR_CALLERID=${SITE_CALLER_ID}`,
    ]);
    expect(originateHeaders(ownNumber.requestId)).toContainEqual([
      'Variable',
      'CALLNOW_VISITOR_CALLERID=+442071234567',
    ]);
    // The visitor's leg (the Dial() to the trunk) presents the chosen number, never the visitor's own.
    const visitorLegs = amiEvents.filter(
      (event) => event.name === 'DialBegin' && (event.fields.destchannel ?? '').startsWith('PJSIP/trunk-'),
    );
    const presented = visitorLegs.slice(-2).map((event) => event.fields.destconnectedlinenum);
    expect(presented).toEqual([SITE_CALLER_ID, '+442071234567']);
    expect(presented).not.toContain('+12025550100');
  });

  it('never puts a byte of a hostile name outside one header value on the AMI wire', async () => {
    const before = new Map(wireText);
    const hostile = [
      'Eve\r\nAction: Originate\r\nChannel: PJSIP/666',
      'Eve\n\nAction: Command\ncommand: core stop now',
      `"Eve" <+19005550100>`,
      'E'.repeat(5000),
    ];
    // Straight onto the queue, as if the cloud's own checks had been bypassed: the schema refuses every one.
    for (const name of hostile) {
      await sendRequest({ ...callRequested('101', '+12025550100'), callerIdName: name });
      await sendRequest({
        ...callRequested('101', '+12025550100'),
        visitor: { phone: '+12025550100', name },
      });
    }
    // What the schema lets through is still made safe for a CallerID: quotes, commas, semicolons, pipes, backslashes.
    const tricky = callRequested('101', '+12025550100', {
      confirm: false,
      callerIdName: "CallNow: O'Brien, Jr; a|b\\c ok",
      visitor: { phone: '+12025550100', name: "O'Brien, Jr; a|b\\c" },
    });
    await sendRequest(tricky);
    await statusSequence(tricky.requestId);

    const written = [...wireText]
      .map(([session, text]) => text.slice(before.get(session)?.length ?? 0))
      .join('');
    const lines = written.split('\r\n');
    const actions: string[][] = [];
    let current: string[] = [];
    for (const line of lines) {
      if (line === '') {
        if (current.length > 0) actions.push(current);
        current = [];
        continue;
      }
      current.push(line);
    }
    // Every line is one `Name: value` header with no stray CR or LF; the only Originate is the tricky request's.
    for (const line of lines) expect(line).toMatch(/^(|[A-Za-z][A-Za-z0-9_-]*: [^\r\n]*)$/);
    expect(written).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
    const originates = actions.filter((action) => action.some((line) => /^action: originate$/i.test(line)));
    expect(originates).toHaveLength(1);
    expect(originates[0]).toContain('Callerid: "CallNow: OBrien Jr abc ok" <+12025550100>');
    expect(written).not.toMatch(/PJSIP\/666|core stop now|9005550100|E{41}/);
    expect(new AmiStreamParser().push(written).filter((frame) => frame.kind === 'message').length).toBe(
      actions.length,
    );
  });

  it('rejects a request cancelled before it was dialled (call.cancelled first, SQS does not keep order)', async () => {
    const request = callRequested('101', '+12025550100');

    await sendRequest(
      JSON.stringify({
        v: 1,
        type: 'call.cancelled',
        requestId: request.requestId,
        siteId: SITE_ID,
        at: new Date().toISOString(),
      }),
    );
    expect(await statusSequence(request.requestId)).toEqual(['failed/rejected']);
    const ignoredBefore = await counterValue(connector.metrics.redeliveriesIgnored);
    await sendRequest(request);
    while ((await counterValue(connector.metrics.redeliveriesIgnored)) === ignoredBefore) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    expect(await statusSequence(request.requestId, 0)).toEqual(['failed/rejected']);
    expect(originatesFor(request.requestId)).toBe(0);
  });

  it("never logs a visitor's full number", () => {
    const all = logLines.join('\n');

    expect(all).toContain('+1********00');
    expect(all).not.toMatch(/2025550100/);
  });

  it('stops promptly although its long polls are waiting (20 s), when told to abort them', async () => {
    const startedAt = Date.now();

    await connector.stop({ abortReceives: true });

    expect(Date.now() - startedAt).toBeLessThan(2000);
  });
});
