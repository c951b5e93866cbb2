// The connector's poll loop with a mocked SQS client and a scripted AMI client: no sockets.

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type CallRequested,
  type CallStatus,
  CallStatusSchema,
  type ExtensionPresence,
  ExtensionPresenceSchema,
} from '../../contracts/messages.ts';
import { AmiConnectionClosedError, AmiNotReadyError } from '../../edge-connector/src/ami/errors.ts';
import type {
  AmiAction,
  AmiActionOptions,
  AmiClient,
  AmiConnectionStatus,
  AmiEvent,
  AmiResponse,
} from '../../edge-connector/src/ami/types.ts';
import {
  type Connector,
  type ConnectorOptions,
  type ConnectorRunConfig,
  startConnector,
} from '../../edge-connector/src/connector.ts';
import { createJsonLogger } from '../../edge-connector/src/log.ts';
import { counterValue } from '../../edge-connector/src/metrics.ts';
import { createInMemoryJournal, type RequestJournal } from '../../edge-connector/src/request-journal.ts';
import { callRequested as sampleCallRequested } from '../support/fixtures.ts';

const CONFIG: ConnectorRunConfig = {
  callRequestsQueueUrl: 'http://127.0.0.1:9/123456789012/callnow-call-requests-hq',
  callEventsQueueUrl: 'http://127.0.0.1:9/123456789012/callnow-call-events',
  siteId: 'hq',
  extensionChannelTemplate: 'PJSIP/{extension}',
  visitorDialTemplate: 'PJSIP/{number}@trunk',
  callnowContext: 'callnow',
};

type SendBehaviour = (action: AmiAction, actionId: string) => Promise<AmiResponse>;

/** An AmiClient whose status, responses and events the test drives. */
class ScriptedAmi implements AmiClient {
  status: AmiConnectionStatus = 'ready';
  readonly sent: Array<{ action: AmiAction; actionId: string }> = [];
  lastError: Error | undefined;
  behaviour: SendBehaviour = async (_action, actionId) => ({ response: 'Success', actionId, fields: {} });
  readonly #events = new Set<(event: AmiEvent) => void>();
  readonly #statuses = new Set<(status: AmiConnectionStatus) => void>();

  async connect(): Promise<void> {}
  async close(): Promise<void> {}

  send(action: AmiAction, options: AmiActionOptions = {}): Promise<AmiResponse> {
    const actionId = options.actionId ?? `generated-${this.sent.length}`;
    this.sent.push({ action, actionId });
    return this.behaviour(action, actionId);
  }

  onEvent(listener: (event: AmiEvent) => void): () => void {
    this.#events.add(listener);
    return () => this.#events.delete(listener);
  }

  onStatus(listener: (status: AmiConnectionStatus) => void): () => void {
    this.#statuses.add(listener);
    return () => this.#statuses.delete(listener);
  }

  emit(name: string, fields: Record<string, string>): void {
    for (const listener of this.#events) listener({ name, fields });
  }

  /** The Originates sent (presence and the "on the phone" check send ExtensionState too). */
  originates(): Array<{ action: AmiAction; actionId: string }> {
    return this.sent.filter((sent) => sent.action.Action === 'Originate');
  }

  setStatus(status: AmiConnectionStatus): void {
    this.status = status;
    for (const listener of this.#statuses) listener(status);
  }
}

function callRequested(overrides: Partial<CallRequested> = {}): CallRequested {
  return sampleCallRequested({ visitor: { phone: '+12025550100' }, confirm: false, ...overrides });
}

async function eventually(assertion: () => void, timeoutMs = 2000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (error) {
      if (Date.now() > giveUpAt) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

const sqs = new SQSClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const sqsMock = mockClient(sqs);
let inbox: Message[];
let receiveCalls: number;
let ami: ScriptedAmi;
let logLines: string[];
let connector: Connector | undefined;

function enqueue(body: string, receiveCount = 1): string {
  const receiptHandle = `receipt-${inbox.length}-${Math.random()}`;
  inbox.push({
    MessageId: receiptHandle,
    ReceiptHandle: receiptHandle,
    Body: body,
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  });
  return receiptHandle;
}

function sentBodies(): Array<Record<string, unknown>> {
  return sqsMock
    .commandCalls(SendMessageCommand)
    .map((call) => JSON.parse(call.args[0].input.MessageBody ?? ''));
}

function statusesSent(): CallStatus[] {
  return sentBodies()
    .filter((body) => body.type === 'call.status')
    .map((body) => CallStatusSchema.parse(body));
}

function presenceSent(): ExtensionPresence[] {
  return sentBodies()
    .filter((body) => body.type === 'extension.presence')
    .map((body) => ExtensionPresenceSchema.parse(body));
}

function visibilityChanges(): Array<{ receipt: string | undefined; seconds: number | undefined }> {
  return sqsMock.commandCalls(ChangeMessageVisibilityCommand).map((call) => ({
    receipt: call.args[0].input.ReceiptHandle,
    seconds: call.args[0].input.VisibilityTimeout,
  }));
}

function deletedReceipts(): Array<string | undefined> {
  return sqsMock.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle);
}

function start(
  options: ConnectorOptions = {},
  journal: RequestJournal = createInMemoryJournal(),
  config: Partial<ConnectorRunConfig> = {},
): Connector {
  connector = startConnector(
    { ...CONFIG, ...config },
    { sqs, ami, journal, logger: createJsonLogger({ level: 'debug', write: (line) => logLines.push(line) }) },
    { concurrentPolls: 2, waitTimeSeconds: 1, stopGraceMs: 50, statusRetryBaseMs: 1, ...options },
  );
  return connector;
}

function respondTo(
  action: string,
  fields: Record<string, string>,
  response: 'Success' | 'Error' = 'Success',
): void {
  const previous = ami.behaviour;
  ami.behaviour = async (sent, actionId) =>
    sent.Action === action
      ? { response, actionId, fields, ...(fields.message ? { message: fields.message } : {}) }
      : previous(sent, actionId);
}

beforeEach(() => {
  inbox = [];
  receiveCalls = 0;
  ami = new ScriptedAmi();
  logLines = [];
  sqsMock.reset();
  sqsMock.on(ReceiveMessageCommand).callsFake(async (input: { MaxNumberOfMessages?: number }) => {
    receiveCalls++;
    await new Promise((resolve) => setTimeout(resolve, 2));
    const messages = inbox.splice(0, input.MaxNumberOfMessages ?? 1);
    return messages.length > 0 ? { Messages: messages } : {};
  });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
  sqsMock.on(DeleteMessageCommand).resolves({});
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
});

afterEach(async () => {
  await connector?.stop();
  connector = undefined;
});

describe('connector loop', () => {
  it('originates a request, reports dialing_extension once Asterisk accepts, and deletes the message', async () => {
    const request = callRequested();
    const receipt = enqueue(JSON.stringify(request), 2);

    start();

    await eventually(() => expect(deletedReceipts()).toEqual([receipt]));
    await eventually(() => expect(statusesSent().map((s) => s.status)).toEqual(['dialing_extension']));
    expect(ami.originates()).toHaveLength(1);
    expect(ami.originates()[0]?.actionId).toBe(`callnow-${request.requestId}-2`);
    expect(ami.originates()[0]?.action.Channel).toBe('PJSIP/101');
    expect(ami.originates()[0]?.action.Application).toBeUndefined();
    expect(statusesSent()[0]).toMatchObject({
      requestId: request.requestId,
      siteId: 'hq',
      type: 'call.status',
      v: 1,
    });
  });

  it('asks SQS for one message per long poll, with the receive count', async () => {
    start();

    await eventually(() => expect(receiveCalls).toBeGreaterThan(0));
    const input = sqsMock.commandCalls(ReceiveMessageCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 1,
      AttributeNames: ['ApproximateReceiveCount'],
    });
  });

  it('follows the call from AMI events to its end', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start();
    await eventually(() => expect(statusesSent()).toHaveLength(1));

    ami.emit('UserEvent', { userevent: 'CallNow', requestid: request.requestId, stage: 'dialing-visitor' });
    ami.emit('UserEvent', {
      userevent: 'CallNow',
      requestid: request.requestId,
      stage: 'dial-end',
      dialstatus: 'BUSY',
    });

    await eventually(() =>
      expect(statusesSent().map((s) => [s.status, s.reason])).toEqual([
        ['dialing_extension', undefined],
        ['dialing_visitor', undefined],
        ['failed', 'visitor_busy'],
      ]),
    );
  });

  it('leaves a poison message on the queue (for the DLQ) and goes on with the next one', async () => {
    enqueue('{not json');
    enqueue(JSON.stringify({ ...callRequested(), v: 2 }));
    enqueue(JSON.stringify({ ...callRequested(), visitor: { phone: '0100' } }));
    const good = enqueue(JSON.stringify(callRequested()));

    start();

    await eventually(() => expect(deletedReceipts()).toEqual([good]));
    expect(ami.originates()).toHaveLength(1);
    expect(logLines.filter((line) => line.includes('invalid call request'))).toHaveLength(3);
  });

  it('reports an expired request as failed/expired, deletes it, and never dials it', async () => {
    const request = callRequested({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const receipt = enqueue(JSON.stringify(request));

    start();

    await eventually(() => expect(deletedReceipts()).toEqual([receipt]));
    expect(statusesSent().map((s) => [s.requestId, s.status, s.reason])).toEqual([
      [request.requestId, 'failed', 'expired'],
    ]);
    expect(ami.originates()).toEqual([]);
  });

  it('keeps an expired request on the queue when its status cannot be sent', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS is down'));
    enqueue(JSON.stringify(callRequested({ expiresAt: new Date(Date.now() - 1000).toISOString() })));

    start();

    await eventually(() => expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(deletedReceipts()).toEqual([]);
  });

  it('does not receive while AMI is not ready, and starts once it is', async () => {
    ami.status = 'connecting';
    enqueue(JSON.stringify(callRequested()));

    start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const receivesWhileDown = receiveCalls;
    ami.setStatus('ready');

    expect(receivesWhileDown).toBe(0);
    await eventually(() => expect(ami.originates()).toHaveLength(1));
  });

  it('puts a request back on the queue when the Originate never reached Asterisk', async () => {
    ami.behaviour = async (action) => {
      throw new AmiNotReadyError(action.Action, 'reconnecting');
    };
    const journal = createInMemoryJournal();
    const request = callRequested();
    const receipt = enqueue(JSON.stringify(request));

    start({}, journal);

    await eventually(() => expect(visibilityChanges()).toEqual([{ receipt, seconds: 10 }]));
    expect(deletedReceipts()).toEqual([]);
    expect(statusesSent()).toEqual([]);
    // Released in the journal: the redelivery may dial it.
    expect(journal.state(request.requestId)).toBeUndefined();
  });

  it('reports failed/pbx_unavailable and deletes when Asterisk refuses the Originate', async () => {
    ami.behaviour = async (_action, actionId) => ({
      response: 'Error',
      actionId,
      message: 'Permission denied',
      fields: {},
    });
    const receipt = enqueue(JSON.stringify(callRequested()));

    start();

    await eventually(() => expect(deletedReceipts()).toEqual([receipt]));
    await eventually(() => expect(statusesSent().map((s) => s.reason)).toEqual(['pbx_unavailable']));
  });

  it('never dials twice when the Originate may have reached Asterisk, and follows it in case it was queued', async () => {
    ami.behaviour = async () => {
      throw new AmiConnectionClosedError('the AMI connection closed');
    };
    const request = callRequested();
    const body = JSON.stringify(request);
    const first = enqueue(body, 1);

    start();
    await eventually(() => expect(deletedReceipts()).toEqual([first]));
    const second = enqueue(body, 2);
    await eventually(() => expect(deletedReceipts()).toEqual([first, second]));
    ami.emit('OriginateResponse', {
      actionid: `callnow-${request.requestId}-1`,
      response: 'Failure',
      reason: '3',
      channel: 'PJSIP/101',
    });

    await eventually(() =>
      expect(statusesSent().map((s) => [s.status, s.reason])).toEqual([
        ['dialing_extension', undefined],
        ['failed', 'extension_no_answer'],
      ]),
    );
    expect(ami.originates()).toHaveLength(1);
  });

  it('ends a call by its safety timer: OriginateResponse Reason 0 with no busy evidence is pbx_unavailable', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start({ timing: { busyEvidenceGraceMs: 20 } });
    await eventually(() => expect(statusesSent()).toHaveLength(1));

    ami.emit('OriginateResponse', {
      actionid: `callnow-${request.requestId}-1`,
      response: 'Failure',
      reason: '0',
      channel: 'PJSIP/101',
    });

    await eventually(
      () => expect(statusesSent().map((s) => s.reason)).toEqual([undefined, 'pbx_unavailable']),
      500,
    );
  });

  it('ends every call in flight as failed/pbx_unavailable when Asterisk announces Shutdown (f1, f2)', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start();
    await eventually(() => expect(statusesSent()).toHaveLength(1));

    ami.emit('Shutdown', { shutdown: 'Cleanly', restart: 'True' });
    ami.setStatus('reconnecting');

    await eventually(() =>
      expect(statusesSent().map((s) => [s.status, s.reason])).toEqual([
        ['dialing_extension', undefined],
        ['failed', 'pbx_unavailable'],
      ]),
    );
  });

  it('ends a connected call as pbx_unavailable on the shutdown hang-up, before its hangup handler says ANSWER (f2)', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start();
    await eventually(() => expect(statusesSent()).toHaveLength(1));
    ami.emit('UserEvent', { userevent: 'CallNow', requestid: request.requestId, stage: 'dialing-visitor' });
    ami.emit('UserEvent', { userevent: 'CallNow', requestid: request.requestId, stage: 'visitor-answered' });

    ami.emit('SoftHangupRequest', { channel: 'PJSIP/101-00000001', cause: '4' });
    ami.emit('UserEvent', {
      userevent: 'CallNow',
      requestid: request.requestId,
      stage: 'hangup',
      dialstatus: 'ANSWER',
    });

    await eventually(() =>
      expect(statusesSent().map((s) => (s.reason ? `${s.status}/${s.reason}` : s.status))).toEqual([
        'dialing_extension',
        'dialing_visitor',
        'connected',
        'failed/pbx_unavailable',
      ]),
    );
  });

  it('waits for AMI to come back when the socket drops without Shutdown, then gives up after the grace time', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start({ amiLossGraceMs: 80 });
    await eventually(() => expect(statusesSent()).toHaveLength(1));

    ami.setStatus('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const duringGrace = statusesSent().map((s) => s.status);

    expect(duringGrace).toEqual(['dialing_extension']);
    await eventually(() =>
      expect(statusesSent().map((s) => s.reason)).toEqual([undefined, 'pbx_unavailable']),
    );
    expect(connector?.health()).toMatchObject({ ok: false, ami: { status: 'reconnecting' } });
  });

  it('ends calls that began before Asterisk restarted (FullyBooted Uptime) once AMI is back', async () => {
    let clockOffsetMs = 0;
    const request = callRequested();
    enqueue(JSON.stringify(request));
    connector = startConnector(
      CONFIG,
      { sqs, ami, now: () => Date.now() + clockOffsetMs, logger: createJsonLogger({ write: () => {} }) },
      { concurrentPolls: 1, waitTimeSeconds: 1, stopGraceMs: 50 },
    );
    await eventually(() => expect(statusesSent()).toHaveLength(1));

    ami.setStatus('reconnecting');
    clockOffsetMs = 10_000;
    ami.emit('FullyBooted', { uptime: '1', status: 'Fully Booted' });
    ami.setStatus('ready');

    await eventually(() =>
      expect(statusesSent().map((s) => s.reason)).toEqual([undefined, 'pbx_unavailable']),
    );
    expect(await counterValue(connector.metrics.amiReconnects)).toBe(1);
  });

  it('asks Asterisk whether each call survived a dropped socket: gone and connected is completed, alive goes on', async () => {
    const gone = callRequested({ extension: { number: '101' } });
    const alive = callRequested({ extension: { number: '102' } });
    enqueue(JSON.stringify(gone));
    enqueue(JSON.stringify(alive));
    start();
    await eventually(() => expect(statusesSent()).toHaveLength(2));
    for (const [request, channel] of [
      [gone, 'PJSIP/101-00000001'],
      [alive, 'PJSIP/102-00000002'],
    ] as const) {
      ami.emit('UserEvent', {
        userevent: 'CallNow',
        requestid: request.requestId,
        stage: 'dialing-visitor',
        channel,
      });
      ami.emit('UserEvent', {
        userevent: 'CallNow',
        requestid: request.requestId,
        stage: 'visitor-answered',
      });
    }
    ami.behaviour = async (action, actionId) =>
      action.Action === 'Getvar' && action.Channel === 'PJSIP/102-00000002'
        ? {
            response: 'Success',
            actionId,
            fields: { variable: 'CALLNOW_REQUEST_ID', value: alive.requestId },
          }
        : { response: 'Error', actionId, message: 'No such channel', fields: {} };

    ami.setStatus('reconnecting');
    ami.emit('FullyBooted', { uptime: '86400', status: 'Fully Booted' });
    ami.setStatus('ready');

    await eventually(() =>
      expect(
        statusesSent()
          .filter((s) => s.requestId === gone.requestId)
          .at(-1)?.status,
      ).toBe('completed'),
    );
    expect(ami.sent.filter((sent) => sent.action.Action === 'Getvar').map((sent) => sent.action)).toEqual([
      { Action: 'Getvar', Channel: 'PJSIP/101-00000001', Variable: 'CALLNOW_REQUEST_ID' },
      { Action: 'Getvar', Channel: 'PJSIP/102-00000002', Variable: 'CALLNOW_REQUEST_ID' },
    ]);
    ami.emit('UserEvent', {
      userevent: 'CallNow',
      requestid: alive.requestId,
      stage: 'hangup',
      dialstatus: 'ANSWER',
      channel: 'PJSIP/102-00000002',
    });
    await eventually(() =>
      expect(
        statusesSent()
          .filter((s) => s.requestId === alive.requestId)
          .map((s) => s.status),
      ).toEqual(['dialing_extension', 'dialing_visitor', 'connected', 'completed']),
    );
  });

  it("never writes a visitor's full number to the log", async () => {
    enqueue(JSON.stringify(callRequested({ visitor: { phone: '+12025550177' } })));

    start();

    await eventually(() => expect(ami.originates()).toHaveLength(1));
    const joined = logLines.join('\n');
    expect(joined).toContain('+1********77');
    expect(joined).not.toContain('2025550177');
  });

  it('stops: no receive after stop() resolves', async () => {
    start();
    await eventually(() => expect(receiveCalls).toBeGreaterThan(0));

    await connector?.stop();
    const receivesAtStop = receiveCalls;
    await new Promise((resolve) => setTimeout(resolve, 30));

    expect(receiveCalls).toBe(receivesAtStop);
  });
});

describe('not while on the phone', () => {
  it('reports failed/extension_busy without ringing when the extension is in use, and never dials it later', async () => {
    respondTo('ExtensionState', { status: '1', statustext: 'InUse' });
    const request = callRequested({ notWhileOnPhone: true });
    const receipt = enqueue(JSON.stringify(request));

    start();

    await eventually(() => expect(deletedReceipts()).toEqual([receipt]));
    expect(statusesSent().map((s) => [s.status, s.reason])).toEqual([['failed', 'extension_busy']]);
    expect(ami.originates()).toEqual([]);
    expect(ami.sent.find((sent) => sent.action.Action === 'ExtensionState')?.action).toEqual({
      Action: 'ExtensionState',
      Exten: '101',
      Context: 'ext-local',
    });
    // The phone is free now, but the request was answered: a redelivery is not dialled.
    respondTo('ExtensionState', { status: '0', statustext: 'Idle' });
    const again = enqueue(JSON.stringify(request), 2);
    await eventually(() => expect(deletedReceipts()).toEqual([receipt, again]));
    expect(ami.originates()).toEqual([]);
  });

  it.each([
    ['0', 'idle'],
    ['8', 'ringing with another call'],
    ['4', 'unavailable (the Originate tells)'],
    ['-1', 'without a hint'],
  ])('originates when ExtensionState says %s (%s)', async (status) => {
    respondTo('ExtensionState', { status });
    enqueue(JSON.stringify(callRequested({ notWhileOnPhone: true })));

    start();

    await eventually(() => expect(ami.originates()).toHaveLength(1));
  });

  it('asks in the configured hint context and does not ask when the request does not want it', async () => {
    respondTo('ExtensionState', { status: '0' });
    enqueue(JSON.stringify(callRequested({ notWhileOnPhone: true })));
    enqueue(JSON.stringify(callRequested({ notWhileOnPhone: false, extension: { number: '102' } })));

    start({}, createInMemoryJournal(), { extensionHintContext: 'from-internal' });

    await eventually(() => expect(ami.originates()).toHaveLength(2));
    const checks = ami.sent.filter((sent) => sent.action.Action === 'ExtensionState').map((s) => s.action);
    expect(checks).toContainEqual({ Action: 'ExtensionState', Exten: '101', Context: 'from-internal' });
  });

  it('dials anyway, and says why in the log, when the AMI user may not ask ExtensionState', async () => {
    respondTo('ExtensionState', { message: 'Permission denied' }, 'Error');
    enqueue(JSON.stringify(callRequested({ notWhileOnPhone: true })));

    start();

    await eventually(() => expect(ami.originates()).toHaveLength(1));
    expect(logLines.some((line) => line.includes('write = originate,reporting'))).toBe(true);
  });

  it('sends a busy decision again on redelivery when its status could not be sent the first time', async () => {
    respondTo('ExtensionState', { status: '2' });
    sqsMock.on(SendMessageCommand).rejects(new Error('SQS is down'));
    const request = callRequested({ notWhileOnPhone: true });
    enqueue(JSON.stringify(request));
    start();
    await eventually(() =>
      expect(
        logLines.some((line) => line.includes('"level":"error"') && line.includes('sending a call status')),
      ).toBe(true),
    );
    expect(deletedReceipts()).toEqual([]);

    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
    respondTo('ExtensionState', { status: '0' });
    const again = enqueue(JSON.stringify(request), 2);

    await eventually(() => expect(deletedReceipts()).toEqual([again]));
    // Every attempt (the failed ones included) carried the one decision.
    expect(new Set(statusesSent().map((s) => `${s.status}/${s.reason}`))).toEqual(
      new Set(['failed/extension_busy']),
    );
    expect(ami.originates()).toEqual([]);
  });
});

describe('while a call is set up', () => {
  it('keeps the message invisible with heartbeats while the Originate is slow, then deletes it', async () => {
    ami.behaviour = async (action, actionId) => {
      if (action.Action === 'Originate') await new Promise((resolve) => setTimeout(resolve, 200));
      return { response: 'Success', actionId, fields: {} };
    };
    const receipt = enqueue(JSON.stringify(callRequested()));

    start({ visibilityTimeoutSeconds: 0.09 });

    await eventually(() => expect(deletedReceipts()).toEqual([receipt]));
    const heartbeats = visibilityChanges();
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(heartbeats.every((change) => change.receipt === receipt && change.seconds === 0.09)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(visibilityChanges()).toHaveLength(heartbeats.length);
  });

  it('never holds more calls than maxConcurrentCalls, counting the open long polls', async () => {
    for (let index = 0; index < 5; index++) enqueue(JSON.stringify(callRequested()));

    start({ maxConcurrentCalls: 2, concurrentPolls: 4 });

    await eventually(() => expect(ami.originates()).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ami.originates()).toHaveLength(2);
    expect(connector?.health().calls).toMatchObject({ inProgress: 2, max: 2 });
  });

  it('takes a backlog up to ten messages per receive, never holding more than maxConcurrentCalls', async () => {
    const maxConcurrentCalls = 12;
    const requests = Array.from({ length: 30 }, () => callRequested());
    for (const request of requests) enqueue(JSON.stringify(request));
    const handedOut = new Map<string, number>();
    const batches: number[] = [];
    let openAsks = 0;
    let overBound = 0;
    // Held by the connector: calls it follows, messages not deleted yet, and what the open receives asked for.
    const held = () =>
      (connector?.health().calls.inProgress ?? 0) +
      [...handedOut.values()].reduce((sum, count) => sum + count, 0) -
      deletedReceipts().length +
      openAsks;
    sqsMock.on(ReceiveMessageCommand).callsFake(async (input: { MaxNumberOfMessages?: number }) => {
      const asked = input.MaxNumberOfMessages ?? 1;
      openAsks += asked;
      if (held() > maxConcurrentCalls) overBound++;
      await new Promise((resolve) => setTimeout(resolve, 2));
      openAsks -= asked;
      const messages = inbox.splice(0, asked);
      for (const message of messages) handedOut.set(message.ReceiptHandle ?? '', 1);
      if (messages.length > 0) batches.push(messages.length);
      return messages.length > 0 ? { Messages: messages } : {};
    });

    start({ maxConcurrentCalls, concurrentPolls: 2 });

    // Nothing ends the calls yet: the connector stops at the bound and asks for no more.
    await eventually(() => expect(ami.originates()).toHaveLength(maxConcurrentCalls));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ami.originates()).toHaveLength(maxConcurrentCalls);
    // Then each wave of calls ends and frees its slots for the next.
    let ended = 0;
    while (ended < requests.length) {
      const waiting = ended;
      await eventually(() => expect(ami.originates().length).toBeGreaterThan(waiting));
      await eventually(() => expect(deletedReceipts()).toHaveLength(ami.originates().length));
      for (const { actionId } of ami.originates().slice(ended)) {
        ami.emit('OriginateResponse', { actionid: actionId, response: 'Failure', reason: '3' });
      }
      ended = ami.originates().length;
    }

    const asked = sqsMock
      .commandCalls(ReceiveMessageCommand)
      .map((call) => call.args[0].input.MaxNumberOfMessages ?? 1);
    expect(Math.max(...asked)).toBe(10);
    expect(Math.max(...batches)).toBe(10);
    // 30 requests came in far fewer receives than one each.
    expect(batches.length).toBeLessThan(15);
    expect(overBound).toBe(0);
    expect(new Set(ami.originates().map((sent) => sent.actionId)).size).toBe(requests.length);
    expect(new Set(deletedReceipts()).size).toBe(requests.length);
  });
});

describe('extension presence', () => {
  it('reports the presence of watched extensions, coalesced: the last state of a burst wins', async () => {
    respondTo('ExtensionState', { status: '0' });

    start({ presenceIntervalMs: 100 }, createInMemoryJournal(), { presenceExtensions: ['101'] });
    await eventually(() => expect(presenceSent().map((p) => p.state)).toEqual(['idle']));
    ami.emit('ExtensionStatus', { exten: '101', context: 'ext-local', status: '8' });
    ami.emit('ExtensionStatus', { exten: '101', context: 'ext-local', status: '1' });
    ami.emit('ExtensionStatus', { exten: '102', context: 'ext-local', status: '1' });
    ami.emit('ExtensionStatus', { exten: '101', context: 'other-tenant', status: '0' });

    await eventually(() => expect(presenceSent().map((p) => p.state)).toEqual(['idle', 'in_use']));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(presenceSent()).toHaveLength(2);
    expect(presenceSent()[1]).toMatchObject({
      v: 1,
      type: 'extension.presence',
      siteId: 'hq',
      extension: '101',
    });
  });

  it('sends the presence of each watched extension again every PRESENCE_REFRESH_SECONDS, and none for others', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const startedAt = Date.now();
    try {
      // Long polls that wait as SQS's do, so that the fake clock does not spin the pollers.
      sqsMock
        .on(ReceiveMessageCommand)
        .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({}), 20_000)));
      respondTo('ExtensionState', { status: '1' });
      start({ waitTimeSeconds: 20 }, createInMemoryJournal(), {
        presenceExtensions: ['101'],
        presenceRefreshSeconds: 120,
      });
      await vi.advanceTimersByTimeAsync(0);
      ami.emit('ExtensionStatus', { exten: '102', context: 'ext-local', status: '1' });

      // An owner on the phone for nine and a half minutes: Asterisk says nothing more after the first state.
      await vi.advanceTimersByTimeAsync(9.5 * 60_000);

      const sent = presenceSent();
      expect(sent.map((p) => [p.extension, p.state])).toEqual(
        Array.from({ length: 5 }, () => ['101', 'in_use']),
      );
      const ages = [...sent.slice(1).map((p) => Date.parse(p.at)), Date.now()].map(
        (atMs, index) => atMs - Date.parse(sent[index]?.at ?? ''),
      );
      expect(Date.parse(sent[0]?.at ?? '')).toBe(startedAt);
      expect(Math.max(...ages)).toBeLessThanOrEqual(120_000);
    } finally {
      const stopped = connector?.stop();
      connector = undefined;
      await vi.advanceTimersByTimeAsync(30_000);
      await stopped;
      vi.useRealTimers();
    }
  });

  it('starts watching an extension when a request names it', async () => {
    respondTo('ExtensionState', { status: '1' });
    enqueue(JSON.stringify(callRequested({ extension: { number: '104' } })));

    start({ presenceIntervalMs: 10 });

    await eventually(() =>
      expect(presenceSent().map((p) => [p.extension, p.state])).toEqual([['104', 'in_use']]),
    );
  });
});

describe('after a restart (the journal)', () => {
  it('sends final statuses decided before it, and follows again the calls it had in flight', async () => {
    const journal = createInMemoryJournal();
    const claimed = {
      actionId: 'callnow-x-1',
      extensionNumber: '101',
      extensionChannel: 'PJSIP/101',
      confirm: false,
      ringSeconds: 30,
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      claimedAt: Date.now() - 5000,
    };
    await journal.claim({ ...claimed, requestId: 'req-connected', actionId: 'callnow-req-connected-1' });
    journal.progress('req-connected', { reported: 'connected', channel: 'PJSIP/101-0000000a' });
    await journal.claim({ ...claimed, requestId: 'req-ringing', actionId: 'callnow-req-ringing-1' });
    journal.progress('req-ringing', { reported: 'dialing_extension' });
    await journal.decide('req-decided', claimed.expiresAt, { status: 'failed', reason: 'visitor_busy' });
    respondTo('Getvar', { message: 'No such channel' }, 'Error');

    start({}, journal);

    await eventually(() =>
      expect(statusesSent().map((s) => [s.requestId, s.status, s.reason])).toEqual([
        ['req-decided', 'failed', 'visitor_busy'],
        ['req-connected', 'completed', undefined],
      ]),
    );
    expect(connector?.health().calls.inProgress).toBe(1);
    ami.emit('OriginateResponse', { actionid: 'callnow-req-ringing-1', response: 'Failure', reason: '3' });
    await eventually(() => expect(statusesSent().at(-1)).toMatchObject({ reason: 'extension_no_answer' }));
    await eventually(() => expect(journal.unreported()).toEqual([]));
    expect(journal.unfinished()).toEqual([]);
  });

  it('deletes a redelivered request that it dialled before the restart, without dialling it', async () => {
    const journal = createInMemoryJournal();
    const request = callRequested();
    await journal.decide(request.requestId, request.expiresAt, { status: 'completed' });
    journal.markReported(request.requestId);
    const receipt = enqueue(JSON.stringify(request), 3);

    start({}, journal);

    await eventually(() => expect(deletedReceipts()).toEqual([receipt]));
    expect(ami.originates()).toEqual([]);
    expect(statusesSent()).toEqual([]);
    if (!connector) throw new Error('the connector did not start');
    expect(await counterValue(connector.metrics.redeliveriesIgnored)).toBe(1);
  });
});

describe('stop', () => {
  it('makes a message that a long poll brings during stop visible again at once, and does not dial it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let handedOut = false;
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      await gate;
      if (handedOut) return {};
      handedOut = true;
      return {
        Messages: [{ MessageId: 'late', ReceiptHandle: 'late', Body: JSON.stringify(callRequested()) }],
      };
    });
    start();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const stopped = connector?.stop();
    release();
    await stopped;

    expect(visibilityChanges()).toEqual([{ receipt: 'late', seconds: 0 }]);
    expect(ami.originates()).toEqual([]);
    expect(deletedReceipts()).toEqual([]);
  });
});

describe('call.cancelled', () => {
  function cancellation(requestId: string): string {
    return JSON.stringify({
      v: 1,
      type: 'call.cancelled',
      requestId,
      siteId: 'hq',
      at: new Date().toISOString(),
    });
  }

  it('rejects a request not dialled yet and never dials it when its call.requested comes after', async () => {
    const request = callRequested();
    const cancel = enqueue(cancellation(request.requestId));
    const requested = enqueue(JSON.stringify(request));

    start({ concurrentPolls: 1 });

    await eventually(() => expect(deletedReceipts()).toEqual([cancel, requested]));
    expect(statusesSent().map((s) => [s.requestId, s.status, s.reason])).toEqual([
      [request.requestId, 'failed', 'rejected'],
    ]);
    expect(ami.originates()).toEqual([]);
  });

  it('changes nothing for a request already dialled', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start({ concurrentPolls: 1 });
    await eventually(() => expect(ami.originates()).toHaveLength(1));

    const cancel = enqueue(cancellation(request.requestId));

    await eventually(() => expect(deletedReceipts()).toContain(cancel));
    expect(statusesSent().map((s) => s.status)).toEqual(['dialing_extension']);
  });

  it('does not dial a request cancelled while it was being set up (the "on the phone" check)', async () => {
    const heldChecks: Array<() => void> = [];
    ami.behaviour = async (action, actionId) => {
      if (action.Action === 'ExtensionState') await new Promise<void>((resolve) => heldChecks.push(resolve));
      return { response: 'Success', actionId, fields: { status: '0' } };
    };
    const request = callRequested({ notWhileOnPhone: true });
    enqueue(JSON.stringify(request));
    start({ concurrentPolls: 2 });
    await eventually(() =>
      expect(ami.sent.filter((sent) => sent.action.Action === 'ExtensionState').length).toBeGreaterThan(0),
    );

    enqueue(cancellation(request.requestId));
    await eventually(() => expect(statusesSent().map((s) => s.reason)).toEqual(['rejected']));
    for (const answer of heldChecks) answer();

    await eventually(() => expect(deletedReceipts()).toHaveLength(2));
    expect(ami.originates()).toEqual([]);
  });
});
