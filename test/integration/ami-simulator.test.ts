import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AmiSimulator, startAmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { RawAmiConnection } from '../../edge-connector/simulator/raw-ami-client.ts';
import {
  type AmiHeader,
  type AmiMessage,
  AmiStreamParser,
  headerValue,
  headerValues,
  messageFields,
} from '../../edge-connector/src/ami/protocol.ts';

const TIME_SCALE = 0.02;
const fixturesDir = join(import.meta.dirname, '../fixtures/asterisk');

let simulator: AmiSimulator;
let ami: RawAmiConnection;
let requestCounter = 0;

beforeAll(async () => {
  // Long enough down and boot windows (100 ms once scaled) to probe them from the tests.
  simulator = await startAmiSimulator({
    timeScale: TIME_SCALE,
    secret: 'sim-secret',
    restartDelayMs: 5000,
    bootDelayMs: 5000,
  });
  ami = await RawAmiConnection.open(simulator.port);
  await ami.login(simulator.username, simulator.secret);
});

afterAll(async () => {
  await ami?.close();
  await simulator?.close();
});

interface CallOptions {
  readonly confirm?: '0' | '1';
  readonly ringSeconds?: number;
  readonly timeoutMs?: number;
}

interface PlayedCall {
  readonly requestId: string;
  readonly response: AmiMessage;
  readonly originateResponse: Record<string, string>;
  /** The dialplan's UserEvents for this request: Stage plus any extra contract header. */
  readonly stages: string[];
  readonly elapsedMs: number;
}

/** An Originate into the callnow context, as the connector sends it, with the variables the test needs. */
function callNowOriginate(
  channel: string,
  variables: readonly string[],
  extra: readonly AmiHeader[] = [],
): AmiHeader[] {
  return [
    ['Action', 'Originate'],
    ['Channel', channel],
    ['Context', 'callnow'],
    ['Exten', 's'],
    ...extra,
    ...variables.map((variable): AmiHeader => ['Variable', variable]),
    ['Async', 'true'],
  ];
}

/** Originates like the connector does and waits until the call is over. */
async function playCall(
  channel: string,
  visitorNumber: string,
  options: CallOptions = {},
): Promise<PlayedCall> {
  requestCounter += 1;
  const requestId = `req-${requestCounter}`;
  const actionId = `callnow-${requestId}-1`;
  const started = performance.now();
  const response = await ami.action(
    callNowOriginate(
      channel,
      [
        `CALLNOW_REQUEST_ID=${requestId}`,
        `CALLNOW_CONFIRM=${options.confirm ?? '1'}`,
        `CALLNOW_VISITOR_DIAL=PJSIP/${visitorNumber}@trunk`,
        `CALLNOW_VISITOR_NUMBER=${visitorNumber}`,
        `CALLNOW_RING_SECONDS=${options.ringSeconds ?? 20}`,
      ],
      [
        ['ActionID', actionId],
        ['Priority', '1'],
        ['Timeout', String(options.timeoutMs ?? 30_000)],
        ['CallerID', `"CallNow: Grace" <${visitorNumber}>`],
      ],
    ),
  );
  const originateResponse = await ami.waitFor(
    (message) =>
      headerValue(message, 'Event') === 'OriginateResponse' && headerValue(message, 'ActionID') === actionId,
  );
  if (headerValue(originateResponse, 'Response') === 'Success') {
    await ami.waitFor((message) => isStage(message, requestId, 'hangup'));
  }
  const elapsedMs = performance.now() - started;
  const stages = ami
    .events('UserEvent')
    .filter((message) => headerValue(message, 'RequestId') === requestId)
    .map(describeStage);
  return { requestId, response, originateResponse: messageFields(originateResponse), stages, elapsedMs };
}

function isStage(message: AmiMessage, requestId: string, stage: string): boolean {
  return (
    headerValue(message, 'Event') === 'UserEvent' &&
    headerValue(message, 'RequestId') === requestId &&
    headerValue(message, 'Stage') === stage
  );
}

function describeStage(message: AmiMessage): string {
  const stage = headerValue(message, 'Stage') ?? '?';
  const outcome = headerValue(message, 'Outcome');
  const dialStatus = headerValue(message, 'DialStatus');
  if (outcome !== undefined) return `${stage} Outcome=${outcome}`;
  if (dialStatus !== undefined) return `${stage} DialStatus=${dialStatus}`;
  return stage;
}

function eventsOnChannel(name: string, channelPrefix: string): AmiMessage[] {
  return ami.events(name).filter((message) => {
    const channel = headerValue(message, 'Channel') ?? headerValue(message, 'DestChannel') ?? '';
    return channel.startsWith(channelPrefix);
  });
}

function headerNames(message: AmiMessage): string[] {
  return message.headers.map(([name]) => name);
}

function fixtureMessages(file: string): AmiMessage[] {
  const wire = readFileSync(join(fixturesDir, file), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');
  return new AmiStreamParser()
    .push(wire)
    .flatMap((frame) => (frame.kind === 'message' ? [frame.message] : []));
}

function firstEvent(
  messages: AmiMessage[],
  name: string,
  where: (message: AmiMessage) => boolean = () => true,
) {
  const found = messages.find((message) => headerValue(message, 'Event') === name && where(message));
  if (!found) throw new Error(`no ${name} event`);
  return found;
}

describe('the extensions, as the CallNow dialplan plays them', () => {
  it('101 rings, answers and presses 0: the visitor is dialled, answers, talks and hangs up', async () => {
    const call = await playCall('PJSIP/101', '+12025550100');

    expect(call.response.headers).toEqual([
      ['Response', 'Success'],
      ['ActionID', `callnow-${call.requestId}-1`],
      ['Message', 'Originate successfully queued'],
    ]);
    expect(call.originateResponse).toMatchObject({ response: 'Success', reason: '4' });
    expect(call.originateResponse.channel).toMatch(/^PJSIP\/101-[0-9a-f]{8}$/);
    expect(call.stages).toEqual([
      'extension-answered',
      'confirm-prompt',
      'confirm Outcome=accepted',
      'dialing-visitor',
      'visitor-answered',
      'dial-end DialStatus=ANSWER',
      'hangup DialStatus=ANSWER',
    ]);
    // Ring 1 s, key 1 s, visitor ring 1 s, talk 3 s.
    expect(call.elapsedMs).toBeGreaterThanOrEqual(6000 * TIME_SCALE * 0.9);
  });

  it('101 with CALLNOW_CONFIRM=0 dials the visitor without waiting for a key', async () => {
    const call = await playCall('PJSIP/101', '+12025550100', { confirm: '0' });

    expect(call.stages).toEqual([
      'extension-answered',
      'dialing-visitor',
      'visitor-answered',
      'dial-end DialStatus=ANSWER',
      'hangup DialStatus=ANSWER',
    ]);
  });

  it('102 never answers: OriginateResponse Failure, Reason 3, once the Originate Timeout is over', async () => {
    const call = await playCall('PJSIP/102', '+12025550100', { timeoutMs: 5000 });

    expect(call.originateResponse).toMatchObject({
      response: 'Failure',
      reason: '3',
      channel: 'PJSIP/102',
      uniqueid: '<unknown>',
    });
    expect(call.stages).toEqual([]);
    expect(call.elapsedMs).toBeGreaterThanOrEqual(5000 * TIME_SCALE * 0.9);
    expect(eventsOnChannel('DialBegin', 'PJSIP/102-')).toHaveLength(1);
    expect(eventsOnChannel('DialEnd', 'PJSIP/102-')).toHaveLength(0);
    expect(headerValue(eventsOnChannel('Hangup', 'PJSIP/102-')[0] ?? { headers: [] }, 'Cause')).toBe('19');
  });

  it('103 is busy: OriginateResponse Failure, Reason 5, DialEnd BUSY and Hangup cause 17', async () => {
    const call = await playCall('PJSIP/103', '+12025550100');

    expect(call.originateResponse).toMatchObject({ response: 'Failure', reason: '5', uniqueid: '<unknown>' });
    expect(call.stages).toEqual([]);
    expect(headerValue(eventsOnChannel('DialEnd', 'PJSIP/103-')[0] ?? { headers: [] }, 'DialStatus')).toBe(
      'BUSY',
    );
    expect(headerValue(eventsOnChannel('Hangup', 'PJSIP/103-')[0] ?? { headers: [] }, 'Cause')).toBe('17');
  });

  it('104 answers and presses 5: the confirmation is refused and the call ends', async () => {
    const call = await playCall('PJSIP/104', '+12025550100');

    expect(call.originateResponse).toMatchObject({ response: 'Success', reason: '4' });
    expect(call.stages).toEqual([
      'extension-answered',
      'confirm-prompt',
      'confirm Outcome=refused',
      'hangup DialStatus=',
    ]);
  });

  it('105 answers and presses nothing: the confirmation times out after 5 s', async () => {
    const call = await playCall('PJSIP/105', '+12025550100');

    expect(call.stages).toEqual([
      'extension-answered',
      'confirm-prompt',
      'confirm Outcome=timeout',
      'hangup DialStatus=',
    ]);
    expect(call.elapsedMs).toBeGreaterThanOrEqual((1000 + 5000) * TIME_SCALE * 0.9);
  });

  it('105 with CALLNOW_CONFIRM=0 needs no key', async () => {
    const call = await playCall('PJSIP/105', '+12025550102', { confirm: '0' });

    expect(call.stages).toEqual([
      'extension-answered',
      'dialing-visitor',
      'dial-end DialStatus=BUSY',
      'hangup DialStatus=BUSY',
    ]);
  });

  it('an extension that does not exist fails at once with Reason 0, like fixture c10', async () => {
    const call = await playCall('PJSIP/999', '+12025550100');

    expect(call.originateResponse).toMatchObject({
      response: 'Failure',
      reason: '0',
      channel: 'PJSIP/999',
      uniqueid: '<unknown>',
    });
    expect(call.stages).toEqual([]);
  });

  it('reads the extension from a Local channel too (Local/101@from-internal)', async () => {
    const call = await playCall('Local/101@from-internal', '+12025550100', { confirm: '0' });

    expect(call.originateResponse.channel).toMatch(/^Local\/101@from-internal-[0-9a-f]{8};1$/);
    expect(call.stages.at(-1)).toBe('hangup DialStatus=ANSWER');
  });
});

describe('the visitors, by the last four digits of CALLNOW_VISITOR_NUMBER', () => {
  it.each([
    ['0101 answers and stays up until it hangs up 10 s later', '+12025550101', 'ANSWER', 16, 12_000],
    ['0102 is busy', '+12025550102', 'BUSY', 17, 0],
    ['0103 never answers, until CALLNOW_RING_SECONDS', '+12025550103', 'NOANSWER', 0, 3000],
    ['0104 gives congestion', '+12025550104', 'CONGESTION', 34, 0],
    ['0105 is unallocated', '+12025550105', 'CHANUNAVAIL', 1, 0],
  ])('%s', async (_, visitorNumber, dialStatus, cause, minimumMs) => {
    const call = await playCall('PJSIP/101', visitorNumber, { confirm: '0', ringSeconds: 3 });

    const answered = dialStatus === 'ANSWER' ? ['visitor-answered'] : [];
    expect(call.stages).toEqual([
      'extension-answered',
      'dialing-visitor',
      ...answered,
      `dial-end DialStatus=${dialStatus}`,
      `hangup DialStatus=${dialStatus}`,
    ]);
    const visitorHangups = ami
      .events('Hangup')
      .filter((message) => headerValue(message, 'Linkedid') === linkedidOf(call))
      .filter((message) => headerValue(message, 'Channel')?.startsWith('PJSIP/trunk-'));
    expect(visitorHangups.map((message) => headerValue(message, 'Cause'))).toEqual([String(cause)]);
    expect(call.elapsedMs).toBeGreaterThanOrEqual(minimumMs * TIME_SCALE * 0.9);
  });

  it('any other number cannot be reached: CHANUNAVAIL and Dial never begins', async () => {
    const call = await playCall('PJSIP/101', '+12025559999', { confirm: '0' });

    expect(call.stages).toEqual([
      'extension-answered',
      'dialing-visitor',
      'dial-end DialStatus=CHANUNAVAIL',
      'hangup DialStatus=CHANUNAVAIL',
    ]);
    const visitorDials = ami
      .events('DialBegin')
      .filter((message) => headerValue(message, 'Linkedid') === linkedidOf(call));
    expect(visitorDials).toEqual([]);
  });

  function linkedidOf(call: PlayedCall): string {
    const answered = ami
      .events('UserEvent')
      .find((message) => isStage(message, call.requestId, 'extension-answered'));
    return headerValue(answered ?? { headers: [] }, 'Linkedid') ?? '';
  }
});

describe('extension states', () => {
  async function extensionState(extension: string, context = 'from-internal') {
    return messageFields(
      await ami.action([
        ['Action', 'ExtensionState'],
        ['Exten', extension],
        ['Context', context],
      ]),
    );
  }

  it('answers ExtensionState with the status numbers and texts Asterisk uses (fixture d)', async () => {
    expect(await extensionState('101')).toMatchObject({
      response: 'Success',
      message: 'Extension Status',
      exten: '101',
      context: 'from-internal',
      hint: 'PJSIP/101',
      status: '0',
      statustext: 'Idle',
    });
    expect(await extensionState('999')).toMatchObject({ hint: '', status: '-1', statustext: 'Unknown' });
  });

  it('shows an extension in a call as ringing, then in use, in ExtensionState and ExtensionStatus events', async () => {
    const before = ami.events('ExtensionStatus').length;
    const since = ami.messages.length;
    const call = playCall('PJSIP/101', '+12025550101', { confirm: '0' });
    await ami.waitFor((message) => headerValue(message, 'Event') === 'DialState', { since });
    const ringing = await extensionState('101');
    await ami.waitFor(
      (message) =>
        headerValue(message, 'Event') === 'UserEvent' && headerValue(message, 'Stage') === 'visitor-answered',
      { since },
    );
    const inCall = await extensionState('101');
    await call;
    const after = await extensionState('101');

    expect([ringing.status, ringing.statustext]).toEqual(['8', 'Ringing']);
    expect([inCall.status, inCall.statustext]).toEqual(['1', 'InUse']);
    expect([after.status, after.statustext]).toEqual(['0', 'Idle']);
    const statuses = ami
      .events('ExtensionStatus')
      .slice(before)
      .filter((message) => headerValue(message, 'Exten') === '101')
      .map((message) => headerValue(message, 'StatusText'));
    expect(statuses).toEqual(['Ringing', 'InUse', 'Idle']);
  });

  it('setExtensionInUse marks a phone in use: ExtensionState says InUse and an Originate to it is busy', async () => {
    simulator.setExtensionInUse('101', true);
    const state = await extensionState('101');
    const call = await playCall('PJSIP/101', '+12025550100');
    simulator.setExtensionInUse('101', false);

    expect([state.status, state.statustext]).toEqual(['1', 'InUse']);
    expect(call.originateResponse).toMatchObject({ response: 'Failure', reason: '5' });
    expect((await extensionState('101')).status).toBe('0');
  });

  it('setExtensionState can make an extension unavailable (status 4)', async () => {
    simulator.setExtensionState('104', 'unavailable');
    const state = await extensionState('104');
    simulator.setExtensionState('104', 'idle');

    expect([state.status, state.statustext]).toEqual(['4', 'Unavailable']);
    const event = ami.events('ExtensionStatus').find((message) => headerValue(message, 'Status') === '4');
    expect(event && messageFields(event)).toMatchObject({
      exten: '104',
      hint: 'PJSIP/104',
      statustext: 'Unavailable',
    });
  });

  it('refuses an ExtensionState without Exten', async () => {
    const response = await ami.action([
      ['Action', 'ExtensionState'],
      ['Exten', ''],
    ]);

    expect(messageFields(response)).toMatchObject({ response: 'Error', message: 'Extension not specified' });
  });
});

describe('the AMI protocol, as Asterisk 22 speaks it', () => {
  it('greets with the Asterisk 22 banner, CRLF-terminated', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port: simulator.port, host: '127.0.0.1' });
      socket.setEncoding('utf8');
      socket.once('data', (chunk: string) => {
        socket.destroy();
        resolve(chunk);
      });
      socket.once('error', reject);
    });

    expect(received).toBe('Asterisk Call Manager/11.0.0\r\n');
  });

  it('answers Permission denied to actions before login (fixture a2)', async () => {
    const peer = await RawAmiConnection.open(simulator.port);

    const ping = await peer.action([['Action', 'Ping']]);
    const originate = await peer.action([
      ['Action', 'Originate'],
      ['Channel', 'PJSIP/101'],
    ]);
    await peer.close();

    expect(messageFields(ping)).toMatchObject({ response: 'Error', message: 'Permission denied' });
    expect(messageFields(originate)).toMatchObject({ response: 'Error', message: 'Permission denied' });
    expect(simulator.activeCallCount).toBe(0);
  });

  it('answers a wrong secret with Authentication failed after about a second, then closes', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    const started = performance.now();

    const response = await peer.login(simulator.username, 'wrong-secret');
    await peer.closed;

    expect(messageFields(response)).toMatchObject({ response: 'Error', message: 'Authentication failed' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000 * TIME_SCALE * 0.9);
  });

  it('logs in with FullyBooted then SuccessfulAuth, shaped like fixture a1', async () => {
    const peer = await RawAmiConnection.open(simulator.port);

    const response = await peer.login(simulator.username, simulator.secret);
    const successfulAuth = await peer.waitFor(
      (message) => headerValue(message, 'Event') === 'SuccessfulAuth',
    );
    const fixture = fixtureMessages('a1_login_success.txt');
    const [fullyBooted] = peer.events('FullyBooted');
    await peer.close();

    expect(messageFields(response)).toMatchObject({
      response: 'Success',
      message: 'Authentication accepted',
    });
    expect(peer.messages.indexOf(fullyBooted ?? response)).toBeLessThan(
      peer.messages.indexOf(successfulAuth),
    );
    expect(headerNames(fullyBooted ?? response)).toEqual(headerNames(firstEvent(fixture, 'FullyBooted')));
    expect(headerNames(successfulAuth)).toEqual(headerNames(firstEvent(fixture, 'SuccessfulAuth')));
  });

  it('says Goodbye to Logoff and closes the connection', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);

    const goodbye = await peer.action([['Action', 'Logoff']]);
    await peer.closed;

    expect(messageFields(goodbye)).toMatchObject({
      response: 'Goodbye',
      message: 'Thanks for all the fish.',
    });
  });

  it('takes lines ending in LF alone and lower-case header names (fixture e)', async () => {
    ami.writeRaw('Action: Ping\nActionID: lf-only-1\n\naction: ping\nactionid: lowercase-1\n\n');

    const lfOnly = await ami.waitFor((message) => headerValue(message, 'ActionID') === 'lf-only-1');
    const lowerCase = await ami.waitFor((message) => headerValue(message, 'ActionID') === 'lowercase-1');

    expect(messageFields(lfOnly)).toMatchObject({ response: 'Success', ping: 'Pong' });
    expect(messageFields(lowerCase)).toMatchObject({ response: 'Success', ping: 'Pong' });
  });

  it('answers CoreSettings like Asterisk 22.10.1', async () => {
    const response = await ami.action([['Action', 'CoreSettings']]);

    expect(messageFields(response)).toMatchObject({ amiversion: '11.0.0', asteriskversion: '22.10.1' });
  });

  it.each([
    [
      'an unknown action',
      [['Action', 'FooBar']],
      'Invalid/unknown command: FooBar. Use Action: ListCommands to show available commands.',
    ],
    ['a request without Action', [['Channel', 'PJSIP/101']], 'Missing action in request'],
    [
      'an Originate without Channel',
      [
        ['Action', 'Originate'],
        ['Context', 'callnow'],
        ['Exten', 's'],
      ],
      'Channel not specified',
    ],
    [
      'an Originate to a channel without technology',
      [
        ['Action', 'Originate'],
        ['Channel', '101'],
      ],
      'Invalid channel',
    ],
    [
      'an Originate with a priority that is no number',
      [
        ['Action', 'Originate'],
        ['Channel', 'PJSIP/101'],
        ['Priority', 'nolabel'],
      ],
      'Invalid priority',
    ],
    [
      'an Originate with a timeout that is no number',
      [
        ['Action', 'Originate'],
        ['Channel', 'PJSIP/101'],
        ['Timeout', 'ten'],
      ],
      'Invalid timeout',
    ],
    [
      'an Originate to an extension the dialplan lacks',
      [
        ['Action', 'Originate'],
        ['Channel', 'PJSIP/101'],
        ['Context', 'callnow'],
        ['Exten', 'nosuch'],
      ],
      'Extension does not exist.',
    ],
  ] satisfies [string, AmiHeader[], string][])(
    'refuses %s as fixture e_malformed_actions shows',
    async (_, headers, message) => {
      const response = await ami.action(headers);

      expect(messageFields(response)).toMatchObject({ response: 'Error', message });
      expect(simulator.activeCallCount).toBe(0);
    },
  );

  it('reports an unknown action with a RequestBadFormat security event', async () => {
    await ami.action([['Action', 'NoSuchAction']]);

    const event = await ami.waitFor(
      (message) =>
        headerValue(message, 'Event') === 'RequestBadFormat' &&
        headerValue(message, 'RequestType') === 'Action: NoSuchAction',
    );
    expect(headerNames(event)).toEqual(
      headerNames(firstEvent(fixtureMessages('e_malformed_actions.txt'), 'RequestBadFormat')),
    );
  });

  it('takes several Variable headers and the comma-separated form alike', async () => {
    const requestId = 'req-variables';
    await ami.action(
      callNowOriginate(
        'PJSIP/101',
        [`CALLNOW_REQUEST_ID=${requestId},CALLNOW_CONFIRM=0`, 'CALLNOW_VISITOR_NUMBER=+12025550102'],
        [['Priority', '1']],
      ),
    );

    await ami.waitFor((message) => isStage(message, requestId, 'hangup'));
    const stages = ami
      .events('UserEvent')
      .filter((message) => headerValue(message, 'RequestId') === requestId)
      .map(describeStage);
    expect(stages).toEqual([
      'extension-answered',
      'dialing-visitor',
      'dial-end DialStatus=BUSY',
      'hangup DialStatus=BUSY',
    ]);
    const variables = ami
      .events('VarSet')
      .map((message) => `${headerValue(message, 'Variable')}=${headerValue(message, 'Value')}`);
    expect(variables).toEqual(
      expect.arrayContaining([
        `CALLNOW_REQUEST_ID=${requestId}`,
        'CALLNOW_CONFIRM=0',
        'CALLNOW_VISITOR_NUMBER=+12025550102',
      ]),
    );
  });

  it('filters events by the Events mask: off sends none, call sends call events only', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);
    const off = await peer.action([
      ['Action', 'Events'],
      ['EventMask', 'off'],
    ]);
    const countWhenOff = peer.messages.length;
    simulator.setExtensionInUse('102', true);
    await peer.action([['Action', 'Ping']]);
    const quiet = peer.messages.length - countWhenOff;
    const call = await peer.action([
      ['Action', 'Events'],
      ['EventMask', 'call'],
    ]);
    simulator.setExtensionInUse('102', false);
    const status = await peer.waitFor((message) => headerValue(message, 'Event') === 'ExtensionStatus');
    await peer.close();

    expect(headerValue(off, 'Events')).toBe('Off');
    expect(quiet).toBe(1);
    expect(headerValue(call, 'Events')).toBe('On');
    expect(messageFields(status)).toMatchObject({ exten: '102', statustext: 'Idle' });
  });

  it('logs every action with its receipt time, and tells listeners', async () => {
    const heard: string[] = [];
    const stop = simulator.onAction((action) => heard.push(action.actionId ?? ''));
    const before = performance.now();

    await ami.action([
      ['Action', 'Ping'],
      ['ActionID', 'logged-1'],
    ]);
    stop();

    const logged = simulator.actions.find((action) => action.actionId === 'logged-1');
    expect(logged).toMatchObject({
      name: 'Ping',
      headers: [
        ['Action', 'Ping'],
        ['ActionID', 'logged-1'],
      ],
    });
    expect(logged?.receivedAt).toBeGreaterThanOrEqual(before);
    expect(heard).toEqual(['logged-1']);
  });
});

describe('events shaped like the recorded transcripts', () => {
  const recorded = {
    b: fixtureMessages('b_originate_101_confirm_answer.txt'),
    c1: fixtureMessages('c1_originate_102_noanswer.txt'),
  };
  const isExtension = (message: AmiMessage) =>
    headerValue(message, 'Channel')?.startsWith('PJSIP/101-') ?? false;
  const isRecordedExtension = (message: AmiMessage) =>
    headerValue(message, 'Channel')?.endsWith(';1') ?? false;

  it.each([
    ['Newchannel', isExtension, isRecordedExtension],
    ['VarSet', isExtension, isRecordedExtension],
    ['Newstate', isExtension, isRecordedExtension],
    ['Hangup', isExtension, isRecordedExtension],
    ['DialBegin', () => true, () => true],
    ['DialState', () => true, () => true],
    ['DialEnd', () => true, () => true],
    ['DTMFEnd', () => true, () => true],
    ['BridgeEnter', () => true, () => true],
    ['ExtensionStatus', () => true, () => true],
    ['DeviceStateChange', () => true, () => true],
    ['OriginateResponse', () => true, () => true],
  ])('%s has the headers of fixture b, in the same order', (name, simulated, recordedWhere) => {
    const ours = firstEvent(ami.messages, name, (message) => simulated(message));
    const theirs = firstEvent(recorded.b, name, (message) => recordedWhere(message));

    expect(headerNames(ours)).toEqual(headerNames(theirs));
  });

  it('a failed OriginateResponse has the headers of fixture c1', () => {
    const ours = firstEvent(
      ami.messages,
      'OriginateResponse',
      (message) => headerValue(message, 'Response') === 'Failure',
    );

    expect(headerNames(ours)).toEqual(headerNames(firstEvent(recorded.c1, 'OriginateResponse')));
  });

  it('a CallNow UserEvent carries the channel block of fixture b, then UserEvent, RequestId and Stage', () => {
    const ours = firstEvent(
      ami.messages,
      'UserEvent',
      (message) => headerValue(message, 'Stage') === 'confirm',
    );
    const theirs = firstEvent(recorded.b, 'UserEvent');

    expect(headerNames(ours)).toEqual([...headerNames(theirs).slice(0, 19), 'Outcome']);
    expect(headerNames(theirs).slice(16, 19)).toEqual(['UserEvent', 'RequestId', 'Stage']);
  });
});

describe('what the connector of issue 3 relies on', () => {
  it('106 is busy as chan_pjsip reports it: Reason 0 first, then DialEnd BUSY and Hangup cause 17', async () => {
    const played = await playCall('PJSIP/106', '+12025550100');

    expect(played.originateResponse).toMatchObject({ response: 'Failure', reason: '0' });
    const afterResponse = ami.messages.slice(
      ami.messages.findIndex(
        (message) =>
          headerValue(message, 'Event') === 'OriginateResponse' &&
          headerValue(message, 'ActionID') === `callnow-${played.requestId}-1`,
      ),
    );
    const dialEnd = afterResponse.find(
      (message) =>
        headerValue(message, 'Event') === 'DialEnd' &&
        (headerValue(message, 'DestChannel') ?? '').startsWith('PJSIP/106-'),
    );
    const hangup = afterResponse.find(
      (message) =>
        headerValue(message, 'Event') === 'Hangup' &&
        (headerValue(message, 'Channel') ?? '').startsWith('PJSIP/106-'),
    );
    expect(headerValue(dialEnd ?? { headers: [] }, 'DialStatus')).toBe('BUSY');
    expect(headerValue(hangup ?? { headers: [] }, 'Cause')).toBe('17');
  });

  it.each([
    ['CALLNOW_VISITOR_CALLERID', [['Variable', 'CALLNOW_VISITOR_CALLERID=+12025550199']], '+12025550199'],
    ['the extension number', [], '101'],
  ] as const)('presents %s to the visitor, never their own number', async (_what, extra, shown) => {
    requestCounter += 1;
    const requestId = `req-${requestCounter}`;
    await ami.action(
      callNowOriginate(
        'PJSIP/101',
        [
          `CALLNOW_REQUEST_ID=${requestId}`,
          'CALLNOW_EXTENSION=101',
          'CALLNOW_CONFIRM=0',
          'CALLNOW_VISITOR_NUMBER=+12025550100',
        ],
        [['CallerID', '"CallNow: Grace" <+12025550100>']],
      ).concat(extra.map(([name, value]): AmiHeader => [name, value])),
    );
    await ami.waitFor((message) => isStage(message, requestId, 'hangup'));

    const visitorDial = ami
      .events('DialBegin')
      .filter((message) => (headerValue(message, 'DestChannel') ?? '').startsWith('PJSIP/trunk-'))
      .at(-1);
    expect(headerValue(visitorDial ?? { headers: [] }, 'DestConnectedLineNum')).toBe(shown);
  });

  it('answers Getvar on a live channel with the variable, and on a channel that is gone with No such channel', async () => {
    requestCounter += 1;
    const requestId = `req-${requestCounter}`;
    await ami.action(
      callNowOriginate('PJSIP/101', [
        `CALLNOW_REQUEST_ID=${requestId}`,
        'CALLNOW_CONFIRM=0',
        'CALLNOW_VISITOR_NUMBER=+12025550100',
      ]),
    );
    const answered = await ami.waitFor((message) => isStage(message, requestId, 'dialing-visitor'));
    const channel = headerValue(answered, 'Channel') ?? '';

    const live = await ami.action([
      ['Action', 'Getvar'],
      ['Channel', channel],
      ['Variable', 'CALLNOW_REQUEST_ID'],
    ]);
    await ami.waitFor((message) => isStage(message, requestId, 'hangup'));
    const gone = await ami.action([
      ['Action', 'Getvar'],
      ['Channel', channel],
      ['Variable', 'CALLNOW_REQUEST_ID'],
    ]);

    expect(channel).toMatch(/^PJSIP\/101-[0-9a-f]{8}$/);
    expect(messageFields(live)).toMatchObject({
      response: 'Success',
      variable: 'CALLNOW_REQUEST_ID',
      value: requestId,
    });
    expect(messageFields(gone)).toMatchObject({ response: 'Error', message: 'No such channel' });
  });

  it('drops the AMI sessions on demand while the calls go on (dropConnections)', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);
    requestCounter += 1;
    const requestId = `req-${requestCounter}`;
    await peer.action(
      callNowOriginate('PJSIP/105', [
        `CALLNOW_REQUEST_ID=${requestId}`,
        'CALLNOW_CONFIRM=0',
        'CALLNOW_VISITOR_NUMBER=+12025550101',
      ]),
    );
    await peer.waitFor((message) => isStage(message, requestId, 'visitor-answered'));
    const shared = ami;

    simulator.dropConnections();
    await peer.closed;
    await shared.closed;
    ami = await RawAmiConnection.open(simulator.port);
    await ami.login(simulator.username, simulator.secret);
    const hangup = await ami.waitFor((message) => isStage(message, requestId, 'hangup'), { timeoutMs: 3000 });

    expect(describeStage(hangup)).toBe('hangup DialStatus=ANSWER');
  });

  it('answers late when slow (setResponseDelayMs), and tells how long Asterisk has been up', async () => {
    simulator.setResponseDelayMs(150);
    const started = performance.now();
    const pong = await ami.action([['Action', 'Ping']]);
    const waitedMs = performance.now() - started;
    simulator.setResponseDelayMs(0);
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);
    const booted = await peer.waitFor((message) => headerValue(message, 'Event') === 'FullyBooted');
    await peer.close();

    expect(headerValue(pong, 'Ping')).toBe('Pong');
    expect(waitedMs).toBeGreaterThanOrEqual(145);
    // Asterisk had long been up when the connector started.
    expect(Number(headerValue(booted, 'Uptime'))).toBeGreaterThanOrEqual(3600);
  });

  it('says ExtensionStatus in the hint context FreePBX uses (ext-local)', async () => {
    const before = ami.events('ExtensionStatus').length;
    const since = ami.messages.length;

    simulator.setExtensionInUse('104', true);
    await ami.waitFor((message) => headerValue(message, 'Event') === 'ExtensionStatus', { since });
    const sinceInUse = ami.messages.length;
    simulator.setExtensionInUse('104', false);
    await ami.waitFor((message) => headerValue(message, 'Event') === 'ExtensionStatus', {
      since: sinceInUse,
    });

    const statuses = ami.events('ExtensionStatus').slice(before);
    expect(
      statuses.map((message) => [headerValue(message, 'Context'), headerValue(message, 'Status')]),
    ).toEqual([
      ['ext-local', '1'],
      ['ext-local', '0'],
    ]);
  });
});

// These stop and start the simulator: they run last.
describe('restarts and crashes', () => {
  it('shutdown: hangs calls up (hangup stage), sends Shutdown, closes, refuses, then boots with SuccessfulAuth first', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);
    const requestId = 'req-restart';
    await peer.action(
      callNowOriginate('PJSIP/101', [
        `CALLNOW_REQUEST_ID=${requestId}`,
        'CALLNOW_CONFIRM=0',
        'CALLNOW_VISITOR_NUMBER=+12025550101',
      ]),
    );
    await peer.waitFor((message) => isStage(message, requestId, 'visitor-answered'));

    const restarted = simulator.shutdown();
    await peer.closed;
    const refused = await RawAmiConnection.open(simulator.port).then(
      (connection) => connection.close().then(() => 'accepted'),
      (error: NodeJS.ErrnoException) => error.code,
    );
    await restarted;
    const after = await RawAmiConnection.open(simulator.port);
    await after.login(simulator.username, simulator.secret);
    const originateWhileBooting = await after.action([
      ['Action', 'Originate'],
      ['Channel', 'PJSIP/101'],
      ['Context', 'callnow'],
      ['Exten', 's'],
      ['Async', 'true'],
    ]);
    await after.waitFor((message) => headerValue(message, 'Event') === 'FullyBooted');
    await after.close();

    const names = peer.messages.map(
      (message) => headerValue(message, 'Event') ?? headerValue(message, 'Response'),
    );
    const hangupStage = peer.messages.findIndex((message) => isStage(message, requestId, 'hangup'));
    expect(hangupStage).toBeGreaterThan(-1);
    expect(hangupStage).toBeLessThan(names.indexOf('Shutdown'));
    expect(describeStage(peer.messages[hangupStage] ?? { headers: [] })).toBe('hangup DialStatus=ANSWER');
    expect(names.at(-1)).toBe('Shutdown');
    expect(refused).toBe('ECONNREFUSED');
    expect(messageFields(originateWhileBooting)).toMatchObject({
      response: 'Error',
      message: 'Extension does not exist.',
    });
    const afterEvents = after.messages.map((message) => headerValue(message, 'Event')).filter(Boolean);
    expect(afterEvents.indexOf('SuccessfulAuth')).toBeLessThan(afterEvents.indexOf('FullyBooted'));
  });

  it('crash: drops every socket with no event and refuses connections until restart()', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);
    const received = peer.messages.length;

    await simulator.crash();
    await peer.closed;
    const refused = await RawAmiConnection.open(simulator.port).then(
      (connection) => connection.close().then(() => 'accepted'),
      (error: NodeJS.ErrnoException) => error.code,
    );
    await simulator.restart();
    const back = await RawAmiConnection.open(simulator.port);
    const login = await back.login(simulator.username, simulator.secret);

    expect(peer.messages.length).toBe(received);
    expect(refused).toBe('ECONNREFUSED');
    expect(headerValue(login, 'Response')).toBe('Success');
    // A fresh start: FullyBooted says it has been up for moments, which tells a client that calls did not survive.
    const booted = await back.waitFor((message) => headerValue(message, 'Event') === 'FullyBooted', {
      timeoutMs: 3000,
    });
    expect(Number(headerValue(booted, 'Uptime'))).toBeLessThan(5);
    await back.close();
    // The shared connection went down with the rest; reopen it for any later test.
    ami = await RawAmiConnection.open(simulator.port);
    await ami.login(simulator.username, simulator.secret);
  });
});

describe('the Variable headers a client writes', () => {
  it('reach the simulator one header each', async () => {
    await ami.action([
      ['Action', 'Ping'],
      ['ActionID', 'vars-1'],
      ['Variable', 'A=1'],
      ['Variable', 'B=2'],
    ]);

    const logged = simulator.actions.find((action) => action.actionId === 'vars-1');
    expect(headerValues({ headers: logged?.headers ?? [] }, 'Variable')).toEqual(['A=1', 'B=2']);
  });
});
