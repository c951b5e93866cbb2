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
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallRequested, type CallStatus, CallStatusSchema } from '../../contracts/messages.ts';
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

function statusesSent(): CallStatus[] {
  return sqsMock
    .commandCalls(SendMessageCommand)
    .map((call) => CallStatusSchema.parse(JSON.parse(call.args[0].input.MessageBody ?? '')));
}

function deletedReceipts(): Array<string | undefined> {
  return sqsMock.commandCalls(DeleteMessageCommand).map((call) => call.args[0].input.ReceiptHandle);
}

function start(options: ConnectorOptions = {}): Connector {
  connector = startConnector(
    CONFIG,
    { sqs, ami, logger: createJsonLogger({ level: 'debug', write: (line) => logLines.push(line) }) },
    { concurrentPolls: 2, waitTimeSeconds: 1, stopGraceMs: 50, statusRetryBaseMs: 1, ...options },
  );
  return connector;
}

beforeEach(() => {
  inbox = [];
  receiveCalls = 0;
  ami = new ScriptedAmi();
  logLines = [];
  sqsMock.reset();
  sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
    receiveCalls++;
    await new Promise((resolve) => setTimeout(resolve, 2));
    const message = inbox.shift();
    return message ? { Messages: [message] } : {};
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
    expect(ami.sent).toHaveLength(1);
    expect(ami.sent[0]?.actionId).toBe(`callnow-${request.requestId}-2`);
    expect(ami.sent[0]?.action.Channel).toBe('PJSIP/101');
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
    expect(ami.sent).toHaveLength(1);
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
    expect(ami.sent).toEqual([]);
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
    await eventually(() => expect(ami.sent).toHaveLength(1));
  });

  it('puts a request back on the queue when the Originate never reached Asterisk', async () => {
    ami.behaviour = async (action) => {
      throw new AmiNotReadyError(action.Action, 'reconnecting');
    };
    const receipt = enqueue(JSON.stringify(callRequested()));

    start();

    await eventually(() => expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(1));
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({
      ReceiptHandle: receipt,
      VisibilityTimeout: 10,
    });
    expect(deletedReceipts()).toEqual([]);
    expect(statusesSent()).toEqual([]);
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

  it('never dials twice when the Originate may have reached Asterisk (connection closed before the response)', async () => {
    ami.behaviour = async () => {
      throw new AmiConnectionClosedError('the AMI connection closed');
    };
    const body = JSON.stringify(callRequested());
    const first = enqueue(body, 1);

    start();
    await eventually(() => expect(deletedReceipts()).toEqual([first]));
    const second = enqueue(body, 2);

    await eventually(() => expect(deletedReceipts()).toEqual([first, second]));
    expect(ami.sent).toHaveLength(1);
    expect(statusesSent().map((s) => [s.status, s.reason])).toEqual([['failed', 'pbx_unavailable']]);
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

  it('ends calls in progress as failed/pbx_unavailable when the AMI connection drops', async () => {
    const request = callRequested();
    enqueue(JSON.stringify(request));
    start();
    await eventually(() => expect(statusesSent()).toHaveLength(1));

    ami.setStatus('reconnecting');

    await eventually(() =>
      expect(statusesSent().map((s) => [s.status, s.reason])).toEqual([
        ['dialing_extension', undefined],
        ['failed', 'pbx_unavailable'],
      ]),
    );
  });

  it("never writes a visitor's full number to the log", async () => {
    enqueue(JSON.stringify(callRequested({ visitor: { phone: '+12025550177' } })));

    start();

    await eventually(() => expect(ami.sent).toHaveLength(1));
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
