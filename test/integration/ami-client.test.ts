import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AmiSimulator, startAmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { RawAmiConnection } from '../../edge-connector/simulator/raw-ami-client.ts';
import {
  type AmiClientOptions,
  createAmiClient,
  defaultLoginRetryStrategy,
} from '../../edge-connector/src/ami/client.ts';
import {
  AmiActionTimeoutError,
  AmiAuthenticationError,
  AmiConnectError,
  AmiConnectionClosedError,
  AmiInvalidActionError,
  AmiNotReadyError,
  AmiUnsafeValueError,
} from '../../edge-connector/src/ami/errors.ts';
import { headerValues } from '../../edge-connector/src/ami/protocol.ts';
import type {
  AmiClient,
  AmiConnectionStatus,
  AmiEvent,
  AmiLogger,
} from '../../edge-connector/src/ami/types.ts';

const TIME_SCALE = 0.02;

let simulator: AmiSimulator;
const clients: AmiClient[] = [];

beforeAll(async () => {
  // Boot takes 100 ms once scaled, long enough for an Originate sent too early to be refused.
  simulator = await startAmiSimulator({ timeScale: TIME_SCALE, restartDelayMs: 2500, bootDelayMs: 5000 });
});

afterEach(async () => {
  simulator.setSilent(false);
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await simulator?.close();
});

interface Observed {
  readonly client: AmiClient;
  readonly statuses: AmiConnectionStatus[];
  readonly events: AmiEvent[];
  readonly logs: string[];
}

function newClient(options: Partial<AmiClientOptions> = {}): Observed {
  const statuses: AmiConnectionStatus[] = [];
  const events: AmiEvent[] = [];
  const logs: string[] = [];
  const logger: AmiLogger = {
    info: (message) => logs.push(`info ${message}`),
    warn: (message) => logs.push(`warn ${message}`),
    error: (message) => logs.push(`error ${message}`),
  };
  const client = createAmiClient({
    host: simulator.host,
    port: simulator.port,
    username: simulator.username,
    secret: simulator.secret,
    retry: () => 20,
    logger,
    ...options,
  });
  client.onStatus((status) => statuses.push(status));
  client.onEvent((event) => events.push(event));
  clients.push(client);
  return { client, statuses, events, logs };
}

function untilStatus(client: AmiClient, wanted: AmiConnectionStatus, timeoutMs = 3000): Promise<void> {
  if (client.status === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`status stayed ${client.status}, not ${wanted}`)),
      timeoutMs,
    );
    const stop = client.onStatus((status) => {
      if (status !== wanted) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

function untilEvent(
  observed: Observed,
  matches: (event: AmiEvent) => boolean,
  timeoutMs = 3000,
): Promise<AmiEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching AMI event')), timeoutMs);
    const check = () => {
      const found = observed.events.find(matches);
      if (!found) return false;
      clearTimeout(timer);
      stop();
      resolve(found);
      return true;
    };
    const stop = observed.client.onEvent(() => {
      check();
    });
    check();
  });
}

function actionsSince(index: number) {
  return simulator.actions.slice(index);
}

describe('connect', () => {
  it('logs in, waits for FullyBooted, then is ready', async () => {
    const observed = newClient();

    await observed.client.connect();

    expect(observed.client.status).toBe('ready');
    expect(observed.statuses).toEqual(['connecting', 'authenticating', 'ready']);
    expect(observed.events.map((event) => event.name)).toContain('FullyBooted');
    expect(observed.logs).toEqual([
      'info AMI connection idle -> connecting',
      'info AMI connection connecting -> authenticating',
      'info AMI connection authenticating -> ready',
    ]);
    expect(observed.client.lastError).toBeUndefined();
  });

  it('reports a wrong secret clearly and tries again only as slowly as the login retry strategy says', async () => {
    const delays: number[] = [];
    const observed = newClient({
      secret: 'wrong-secret',
      loginRetry: (attempt) => {
        delays.push(attempt);
        return attempt < 2 ? 150 : null;
      },
    });
    const before = simulator.actions.length;
    const started = performance.now();

    const failure = await observed.client.connect().catch((error: unknown) => error);
    const elapsedMs = performance.now() - started;

    expect(failure).toBeInstanceOf(AmiAuthenticationError);
    expect((failure as Error).message).toContain('Authentication failed');
    expect((failure as Error).message).toContain('check AMI_USERNAME and AMI_SECRET');
    expect(delays).toEqual([1, 2]);
    // Two logins, each refused after Asterisk's second, with the 150 ms pause between them.
    expect(elapsedMs).toBeGreaterThanOrEqual(2 * 1000 * TIME_SCALE * 0.9 + 150);
    expect(actionsSince(before).map((action) => action.name.toLowerCase())).toEqual(['login', 'login']);
    expect(observed.statuses).toEqual([
      'connecting',
      'authenticating',
      'connecting',
      'authenticating',
      'closed',
    ]);
    expect(
      observed.logs.filter((line) => line.startsWith('error Asterisk refused the AMI login')),
    ).toHaveLength(2);
    expect(observed.client.lastError).toBeInstanceOf(AmiAuthenticationError);
  });

  it('waits 30 s or more before a second login after a refusal, by default', () => {
    expect(defaultLoginRetryStrategy(1, () => 0)).toBe(15_000);
    expect(defaultLoginRetryStrategy(1, () => 1)).toBe(30_000);
    expect(defaultLoginRetryStrategy(10, () => 1)).toBe(300_000);
  });

  it('gives up with AmiConnectError when no session gets ready in time and the retry strategy says stop', async () => {
    simulator.setSilent(true);
    const observed = newClient({ connectTimeoutMs: 100, retry: () => null });

    const failure = await observed.client.connect().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AmiConnectError);
    expect(((failure as Error).cause as Error).message).toContain('no ready AMI session within 100 ms');
    expect(observed.client.status).toBe('closed');
  });

  it('retries a refused connection as the retry strategy says, and gives up when it returns null', async () => {
    const probe = await startAmiSimulator();
    const closedPort = probe.port;
    await probe.close();
    const observed = newClient({ port: closedPort, retry: (attempt) => (attempt < 3 ? 10 : null) });

    const failure = await observed.client.connect().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AmiConnectError);
    expect((failure as Error).message).toContain('after 3 attempts');
    expect(((failure as Error).cause as Error).message).toContain('could not open an AMI session');
    expect(
      observed.logs.filter((line) => line.startsWith('warn AMI connection attempt failed')),
    ).toHaveLength(2);
    expect(observed.statuses).toEqual(['connecting', 'closed']);
  });
});

describe('send', () => {
  it('refuses to send before connect() with AmiNotReadyError instead of holding the action', async () => {
    const { client } = newClient();
    const before = simulator.actions.length;

    const failure = await client.send({ Action: 'Ping' }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(AmiNotReadyError);
    expect(failure).toMatchObject({ status: 'idle' });
    expect(actionsSince(before)).toEqual([]);
  });

  it('resolves a response with lower-cased fields, and resolves an Error response too', async () => {
    const { client } = newClient();
    await client.connect();

    const pong = await client.send({ Action: 'Ping' });
    const refused = await client.send({ Action: 'ExtensionState', Exten: '' });

    expect(pong).toMatchObject({ response: 'Success', fields: { ping: 'Pong' } });
    expect(refused).toMatchObject({ response: 'Error', message: 'Extension not specified' });
  });

  it('originates with the caller ActionID, one Variable header per variable, and matches the events', async () => {
    const observed = newClient();
    await observed.client.connect();
    const before = simulator.actions.length;
    const variables = [
      'CALLNOW_REQUEST_ID=req-client-1',
      'CALLNOW_CONFIRM=0',
      'CALLNOW_VISITOR_DIAL=PJSIP/+12025550102@trunk',
      'CALLNOW_VISITOR_NUMBER=+12025550102',
      'CALLNOW_RING_SECONDS=20',
    ];

    const response = await observed.client.send(
      {
        Action: 'Originate',
        Channel: 'PJSIP/101',
        Context: 'callnow',
        Exten: 's',
        Priority: '1',
        Timeout: '30000',
        CallerID: '"CallNow: Grace" <+12025550102>',
        Variable: variables,
        Async: 'true',
      },
      { actionId: 'callnow-req-client-1-1' },
    );
    const hangup = await untilEvent(observed, (event) => event.fields.stage === 'hangup');

    expect(response).toMatchObject({
      response: 'Success',
      actionId: 'callnow-req-client-1-1',
      message: 'Originate successfully queued',
    });
    const [written] = actionsSince(before);
    expect(written?.actionId).toBe('callnow-req-client-1-1');
    // asterisk-manager sorts the header lines it writes; the order of variables does not matter to Asterisk.
    expect(headerValues({ headers: written?.headers ?? [] }, 'Variable').sort()).toEqual(
      [...variables].sort(),
    );
    const originateResponse = observed.events.find((event) => event.name === 'OriginateResponse');
    expect(originateResponse?.fields).toMatchObject({ actionid: 'callnow-req-client-1-1', reason: '4' });
    expect(hangup.fields).toMatchObject({
      userevent: 'CallNow',
      requestid: 'req-client-1',
      dialstatus: 'BUSY',
    });
    // asterisk-manager parses `Variable: X` of a VarSet event into an object; the fields keep it a string.
    const varSet = observed.events.find(
      (event) => event.name === 'VarSet' && event.fields.value === 'req-client-1',
    );
    expect(varSet?.fields.variable).toBe('CALLNOW_REQUEST_ID');
  });

  it('never lets an injection attempt reach the PBX', async () => {
    const { client } = newClient();
    await client.connect();
    const before = simulator.actions.length;

    const attempts = await Promise.all(
      [
        {
          Action: 'Originate',
          Channel: 'PJSIP/101',
          Variable: ['CALLNOW_REQUEST_ID=x\r\nAction: Originate'],
        },
        {
          Action: 'Originate',
          Channel: 'PJSIP/101',
          CallerID: '"x" <1>\r\n\r\nAction: Originate\r\nChannel: PJSIP/102',
        },
        { Action: 'Ping', 'X\r\nAction: Originate\r\nChannel': 'PJSIP/102' },
      ].map((action) => client.send(action).catch((error: unknown) => error)),
    );
    const flushed = await client.send({ Action: 'Ping' }, { actionId: 'after-injection' });

    for (const attempt of attempts) expect(attempt).toBeInstanceOf(AmiUnsafeValueError);
    expect(flushed.response).toBe('Success');
    expect(actionsSince(before).map((action) => action.name)).toEqual(['Ping']);
    expect(simulator.activeCallCount).toBe(0);
  });

  it('(the check above would see a leak: the same bytes written raw become a second action)', async () => {
    const peer = await RawAmiConnection.open(simulator.port);
    await peer.login(simulator.username, simulator.secret);
    const before = simulator.actions.length;

    peer.writeRaw('Action: Ping\r\nCallerID: "x" <1>\r\n\r\nAction: Originate\r\nChannel: 101\r\n\r\n');
    await peer.waitFor((message) => message.headers.some(([, value]) => value === 'Invalid channel'));
    await peer.close();

    expect(actionsSince(before).map((action) => action.name)).toEqual(['Ping', 'Originate']);
  });

  it('refuses a caller ActionID that is already pending', async () => {
    const { client } = newClient();
    await client.connect();
    simulator.setSilent(true);
    const first = client.send({ Action: 'Ping' }, { actionId: 'same-id', timeoutMs: 200 }).catch(() => {});

    const second = await client
      .send({ Action: 'Ping' }, { actionId: 'same-id' })
      .catch((error: unknown) => error);

    expect(second).toBeInstanceOf(AmiInvalidActionError);
    await first;
  });

  it('times out an action the PBX never answers with AmiActionTimeoutError, and stays usable', async () => {
    const { client } = newClient();
    await client.connect();
    simulator.setSilent(true);
    const started = performance.now();

    const failure = await client
      .send({ Action: 'Ping' }, { timeoutMs: 150 })
      .catch((error: unknown) => error);
    const waitedMs = performance.now() - started;
    simulator.setSilent(false);
    const next = await client.send({ Action: 'Ping' });

    expect(failure).toBeInstanceOf(AmiActionTimeoutError);
    expect(failure).toMatchObject({ action: 'Ping', timeoutMs: 150 });
    expect(waitedMs).toBeGreaterThanOrEqual(145);
    expect(next.response).toBe('Success');
    expect(client.status).toBe('ready');
  });

  it('uses actionTimeoutMs when the action gives no timeout', async () => {
    const { client } = newClient({ actionTimeoutMs: 80 });
    await client.connect();
    simulator.setSilent(true);

    const failure = await client.send({ Action: 'Ping' }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'AmiActionTimeoutError', timeoutMs: 80 });
  });
});

describe('close', () => {
  it('logs off, closes, and refuses to connect again', async () => {
    const { client, statuses } = newClient();
    await client.connect();
    const before = simulator.actions.length;

    await client.close();
    const reconnect = await client.connect().catch((error: unknown) => error);

    expect(actionsSince(before).map((action) => action.name)).toEqual(['Logoff']);
    expect(statuses.at(-1)).toBe('closed');
    expect(reconnect).toBeInstanceOf(AmiConnectionClosedError);
  });
});

// These stop and start the simulator: they run last.
describe('when the PBX goes away', () => {
  it('rejects pending actions when Asterisk crashes, refuses new ones while reconnecting, and reconnects', async () => {
    const observed = newClient();
    await observed.client.connect();
    simulator.setSilent(true);
    const pending = observed.client
      .send({ Action: 'Ping' }, { timeoutMs: 5000 })
      .catch((error: unknown) => error);
    const started = performance.now();

    await simulator.crash();
    const failure = await pending;
    const failedAfterMs = performance.now() - started;
    await untilStatus(observed.client, 'reconnecting');
    const refused = await observed.client.send({ Action: 'Ping' }).catch((error: unknown) => error);
    simulator.setSilent(false);
    await simulator.restart();
    await untilStatus(observed.client, 'ready');
    const pong = await observed.client.send({ Action: 'Ping' });

    expect(failure).toBeInstanceOf(AmiConnectionClosedError);
    expect(failedAfterMs).toBeLessThan(1000);
    expect(refused).toBeInstanceOf(AmiNotReadyError);
    expect(refused).toMatchObject({ status: 'reconnecting' });
    expect(pong.response).toBe('Success');
    expect(observed.statuses).toEqual([
      'connecting',
      'authenticating',
      'ready',
      'reconnecting',
      'authenticating',
      'ready',
    ]);
    expect(observed.logs).toContain('info AMI connection ready -> reconnecting');
    expect(observed.logs).toContain('info AMI connection authenticating -> ready');
  });

  it('after core restart, becomes ready only on FullyBooted, so its first Originate is accepted', async () => {
    const observed = newClient();
    await observed.client.connect();
    simulator.setSilent(true);
    const pending = observed.client
      .send({ Action: 'Ping' }, { timeoutMs: 5000 })
      .catch((error: unknown) => error);
    const firstOriginate = new Promise<unknown>((resolve) => {
      let seenReconnecting = false;
      observed.client.onStatus((status) => {
        if (status === 'reconnecting') seenReconnecting = true;
        if (status !== 'ready' || !seenReconnecting) return;
        observed.client
          .send({
            Action: 'Originate',
            Channel: 'PJSIP/999',
            Context: 'callnow',
            Exten: 's',
            Priority: '1',
            Async: 'true',
          })
          .then(resolve, resolve);
      });
    });

    const restarted = simulator.shutdown();
    const failure = await pending;
    simulator.setSilent(false);
    await restarted;
    const response = await firstOriginate;

    expect(failure).toBeInstanceOf(AmiConnectionClosedError);
    expect((failure as Error).message).toContain('Asterisk is shutting down');
    expect(response).toMatchObject({ response: 'Success', message: 'Originate successfully queued' });
    expect(observed.statuses).toEqual([
      'connecting',
      'authenticating',
      'ready',
      'reconnecting',
      'authenticating',
      'ready',
    ]);
    const names = observed.events.map((event) => event.name);
    const shutdownAt = names.indexOf('Shutdown');
    const afterRestart = names.slice(shutdownAt);
    expect(shutdownAt).toBeGreaterThan(-1);
    // Asterisk said SuccessfulAuth before FullyBooted on the new connection: the wait was needed.
    expect(afterRestart.indexOf('SuccessfulAuth')).toBeLessThan(afterRestart.indexOf('FullyBooted'));
  });
});
