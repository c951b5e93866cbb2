// Exactly once, and a final status for everyone, under faults. The connector runs as its own process
// (edge-connector/main.ts) and is SIGKILLed and started again on the same state directory; the simulated Asterisk
// restarts and drops the AMI socket; SQS redelivers. Statuses go through the real events consumer into dynalite,
// and every request's final status is read back from the table.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createSqsServer } from 'local-aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRequested } from '../../contracts/messages.ts';
import {
  type AmiSimulator,
  type ExtensionBehaviour,
  startAmiSimulator,
} from '../../edge-connector/simulator/ami-simulator.ts';
import { createCallEventsHandler } from '../../functions/call-events/consumer.ts';
import { DynamoCallNowStore } from '../../functions/store/dynamo-store.ts';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { localConnectorEnv } from '../../infra/local/connector-env.ts';
import { ensureTable, type LocalDynamoDb, startLocalDynamoDb } from '../../infra/local/dynamodb.ts';
import { startEventsPump } from '../../infra/local/events-pump.ts';
import { callRequested as sampleCallRequested } from '../support/fixtures.ts';

const SITE_ID = 'hq';
const ACCOUNT_ID = '000000000000';
const TABLE = 'callnow';
const REPO_ROOT = join(import.meta.dirname, '../..');
/** Short, so that what a killed connector held comes back quickly; heartbeats keep what a live one holds. */
const VISIBILITY_TIMEOUT_SECONDS = 3;
const TIME_SCALE = 0.25;

/** The simulated phones of these tests, on top of 101-106. */
const PHONES: Record<string, ExtensionBehaviour> = {};
for (let n = 2000; n < 2100; n++) PHONES[String(n)] = { kind: 'answers', key: '0' };
for (let n = 2100; n < 2110; n++) PHONES[String(n)] = { kind: 'rings' };
for (let n = 2110; n < 2120; n++) PHONES[String(n)] = { kind: 'busy' };

let dynamo: LocalDynamoDb;
let dynamoClient: DynamoDBClient;
let store: DynamoCallNowStore;
let sqsServer: Server;
let sqsEndpoint: string;
let sqs: SQSClient;
let requestsQueueUrl: string;
let eventsQueueUrl: string;
let pump: { stop(): Promise<void> };
let simulator: AmiSimulator;
const stateDirs: string[] = [];
const children = new Set<ChildProcess>();

interface RunningConnector {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** Resolves when its AMI connection has become ready `count` times. */
  amiReady(count?: number, timeoutMs?: number): Promise<void>;
}

/** Starts edge-connector/main.ts as the systemd unit does, against the loopback peers of this file. */
function startConnectorProcess(stateDir: string): RunningConnector {
  const child = spawn(process.execPath, ['--import', 'tsx', 'edge-connector/main.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...localConnectorEnv({
        sqsEndpoint,
        callRequestsQueueUrl: requestsQueueUrl,
        callEventsQueueUrl: eventsQueueUrl,
        siteId: SITE_ID,
        ami: simulator,
        stateDir,
      }),
      MAX_CONCURRENT_CALLS: '20',
      VISIBILITY_TIMEOUT_SECONDS: String(VISIBILITY_TIMEOUT_SECONDS),
      CALL_SAFETY_MARGIN_SECONDS: '3',
      RECEIVE_WAIT_SECONDS: '2',
      STOP_GRACE_SECONDS: '10',
      LOG_LEVEL: 'info',
    },
  });
  children.add(child);
  const lines: string[] = [];
  const readyWaiters: Array<() => void> = [];
  let readyCount = 0;
  let buffered = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) {
      lines.push(line);
      if (line.includes('"msg":"AMI connection status changed"') && line.includes('"to":"ready"')) {
        readyCount += 1;
        for (const wake of readyWaiters.splice(0)) wake();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return {
    process: child,
    lines,
    exited,
    async amiReady(count = 1, timeoutMs = 15_000) {
      const giveUpAt = Date.now() + timeoutMs;
      while (readyCount < count) {
        if (Date.now() > giveUpAt)
          throw new Error(`connector AMI not ready ${count} times:\n${lines.join('\n')}`);
        await new Promise<void>((resolve) => {
          readyWaiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

async function kill(connector: RunningConnector): Promise<void> {
  connector.process.kill('SIGKILL');
  await connector.exited;
}

async function newStateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callnow-faults-'));
  stateDirs.push(dir);
  return dir;
}

/** The cloud's side of a request: the pending record in the table, call.requested on the site's queue, the reveal. */
async function submit(request: CallRequested): Promise<void> {
  await store.createCallRequest(
    {
      requestId: request.requestId,
      callNowId: 'demo',
      extensionId: `e${request.extension.number}`,
      siteId: SITE_ID,
      status: 'queued',
      visitorPhone: request.visitor.phone,
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
      statusTimes: { queued: request.createdAt },
    },
    30,
  );
  await redeliver(request);
  await store.revealCallRequest(request.requestId);
}

/** The same message again, as SQS's at-least-once delivery may hand it over. */
async function redeliver(request: CallRequested): Promise<void> {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: requestsQueueUrl, MessageBody: JSON.stringify(request) }),
  );
}

function request(extension: string, phone: string, overrides: Partial<CallRequested> = {}): CallRequested {
  return sampleCallRequested({
    siteId: SITE_ID,
    extension: { number: extension },
    visitor: { phone },
    ringSeconds: 5,
    ...overrides,
  });
}

function placedCalls(requestId: string): number {
  return simulator.placedCalls.filter((call) => call.requestId === requestId).length;
}

async function queueEmpty(): Promise<boolean> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: requestsQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  // local-aws-sqs counts the messages in flight here too.
  return Attributes?.ApproximateNumberOfMessages === '0';
}

function placedTotal(): number {
  return simulator.placedCalls.length;
}

async function finalStatus(requestId: string): Promise<string | undefined> {
  const record = await store.getCallRequest(requestId);
  if (!record || (record.status !== 'completed' && record.status !== 'failed')) return undefined;
  return record.reason ? `${record.status}/${record.reason}` : record.status;
}

async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  await ensureTable(dynamo.endpoint, TABLE);
  dynamoClient = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  store = new DynamoCallNowStore(
    DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } }),
    TABLE,
  );
  sqsServer = await createSqsServer({
    port: 0,
    hostname: '127.0.0.1',
    accountId: ACCOUNT_ID,
    queues: [
      { QueueName: 'callnow-call-requests-hq-dlq' },
      {
        QueueName: 'callnow-call-requests-hq',
        Attributes: {
          VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT_ID}:callnow-call-requests-hq-dlq`,
            maxReceiveCount: 5,
          }),
        },
      },
      { QueueName: 'callnow-call-events', Attributes: { VisibilityTimeout: 5 } },
    ],
  });
  sqsEndpoint = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  requestsQueueUrl = `${sqsEndpoint}/${ACCOUNT_ID}/callnow-call-requests-hq`;
  eventsQueueUrl = `${sqsEndpoint}/${ACCOUNT_ID}/callnow-call-events`;
  sqs = new SQSClient({ ...LOCAL_AWS, endpoint: sqsEndpoint });
  pump = startEventsPump({
    sqs,
    queueUrl: eventsQueueUrl,
    handler: createCallEventsHandler(store),
    pollers: 4,
    waitTimeSeconds: 1,
  });
  simulator = await startAmiSimulator({
    timeScale: TIME_SCALE,
    extensions: PHONES,
    // Down for 0.5 s after a restart, as a quick `core restart now`.
    restartDelayMs: 2000,
  });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await pump?.stop();
  await simulator?.close();
  sqs?.destroy();
  dynamoClient?.destroy();
  await new Promise<void>((resolve) => {
    if (!sqsServer) return resolve();
    sqsServer.closeAllConnections();
    sqsServer.close(() => resolve());
  });
  await dynamo?.close();
  await Promise.all(stateDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the edge connector under faults', () => {
  it('never dials a request twice across a SIGKILL and restart, and follows its call to the real end', async () => {
    const stateDir = await newStateDir();
    // A long conversation: the connector dies in the middle of it.
    const call = request('2099', '+12025550101', { confirm: false });
    await submit(call);
    const first = startConnectorProcess(stateDir);
    await until(
      'the call to connect',
      async () => (await store.getCallRequest(call.requestId))?.status === 'connected',
    );

    await kill(first);
    await redeliver(call);
    const second = startConnectorProcess(stateDir);
    await until('its final status', async () => (await finalStatus(call.requestId)) !== undefined);
    // The redelivered message may have gone to a long poll the killed process left open: it comes back after the
    // visibility timeout, and must be deleted without a second call.
    await until(
      'the redelivery to be received and deleted',
      async () =>
        second.lines.some((line) => line.includes('received again after it was handled')) &&
        (await queueEmpty()),
    );
    second.process.kill('SIGTERM');
    const exitCode = await second.exited;

    expect(placedCalls(call.requestId)).toBe(1);
    // The restarted connector found the call still up (Getvar) and saw it hang up normally.
    expect(await finalStatus(call.requestId)).toBe('completed');
    expect(second.lines.some((line) => line.includes('following again a call from before the restart'))).toBe(
      true,
    );
    expect(second.lines.some((line) => line.includes('call still up after AMI came back'))).toBe(true);
    expect(exitCode).toBe(0);
  }, 40_000);

  it('gives each of 60 requests one Originate or none, and a final status in the table, through every fault', async () => {
    const startedAt = Date.now();
    const stateDir = await newStateDir();
    const originateActionsBefore = simulator.actions.filter((action) => action.name === 'Originate').length;
    const placedBefore = placedTotal();
    const visitors = ['+12025550100', '+12025550101', '+12025550102', '+12025550103', '+12025550104'];
    const requests: CallRequested[] = [];
    const neverDialled = new Set<string>();
    for (let index = 0; index < 40; index++) {
      requests.push(
        request(String(2000 + index), visitors[index % visitors.length] ?? '', { confirm: index % 2 === 0 }),
      );
    }
    for (let index = 0; index < 6; index++) requests.push(request(String(2100 + index), '+12025550100'));
    for (let index = 0; index < 6; index++) requests.push(request(String(2110 + index), '+12025550100'));
    for (let index = 0; index < 4; index++) {
      const extension = String(2050 + index);
      simulator.setExtensionInUse(extension, true);
      const busy = request(extension, '+12025550100', { notWhileOnPhone: true });
      neverDialled.add(busy.requestId);
      requests.push(busy);
    }
    for (let index = 0; index < 4; index++) {
      const expired = request(String(2060 + index), '+12025550100', {
        createdAt: new Date(Date.now() - 180_000).toISOString(),
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      });
      neverDialled.add(expired.requestId);
      requests.push(expired);
    }
    let redeliveries = 0;
    for (const body of requests) await submit(body);
    // SQS delivers at least once: a few arrive twice from the start.
    for (const body of requests.slice(0, 5)) {
      await redeliver(body);
      redeliveries += 1;
    }

    // 1. The connector process is killed with calls in flight and messages in its hands, and started again.
    const first = startConnectorProcess(stateDir);
    await until('15 calls placed', () => placedTotal() - placedBefore >= 15);
    await kill(first);
    const second = startConnectorProcess(stateDir);
    await second.amiReady(1);
    // 2. Asterisk restarts (`core restart now`): Shutdown, the socket closes, every call is hung up.
    await until('25 calls placed', () => placedTotal() - placedBefore >= 25);
    await simulator.shutdown();
    await second.amiReady(2);
    // 3. The AMI socket drops in the middle of calls, which go on.
    await until('35 calls placed', () => placedTotal() - placedBefore >= 35);
    simulator.dropConnections();
    await second.amiReady(3);
    // 4. SQS hands over requests again that were already dialled or answered.
    for (const body of requests.slice(10, 20)) {
      await redeliver(body);
      redeliveries += 1;
    }
    await until(
      'a final status for every request',
      async () => (await Promise.all(requests.map((body) => finalStatus(body.requestId)))).every(Boolean),
      45_000,
    );
    second.process.kill('SIGTERM');
    const exitCode = await second.exited;

    const finals = await Promise.all(requests.map((body) => finalStatus(body.requestId)));
    const originateCounts = requests.map((body) => placedCalls(body.requestId));
    const byFinal = new Map<string, number>();
    for (const final of finals) byFinal.set(final ?? 'none', (byFinal.get(final ?? 'none') ?? 0) + 1);
    const originateActions =
      simulator.actions.filter((action) => action.name === 'Originate').length - originateActionsBefore;
    const lines = [...first.lines, ...second.lines];
    const undialled = requests
      .map((body, index) => ({
        requestId: body.requestId,
        final: finals[index],
        placed: originateCounts[index],
      }))
      .filter(({ requestId, placed }) => placed === 0 && !neverDialled.has(requestId));
    // A dialable request is left undialled only for a reason the visitor is told: it expired while the faults went
    // on, it was cancelled, or its Originate was cut short (unanswered as Asterisk shut down, or claimed just before
    // the kill) and its call was then ended as the PBX's failure.
    const cutShort = (requestId: string) =>
      lines.some(
        (line) =>
          line.includes(requestId) &&
          (line.includes('the Originate got no answer') ||
            line.includes('following again a call from before the restart')),
      );
    const unexplained = undialled.filter(
      ({ requestId, final }) =>
        !(
          final === 'failed/expired' ||
          final === 'failed/rejected' ||
          (final === 'failed/pbx_unavailable' && cutShort(requestId))
        ),
    );
    const redeliveriesRecognised = lines.filter((line) =>
      line.includes('received again after it was handled'),
    ).length;
    console.log(
      [
        `fault injection: ${requests.length} requests, ${redeliveries} redelivered, connector killed once, ` +
          'Asterisk restarted once, AMI socket dropped once',
        `  calls placed per request: none ${originateCounts.filter((n) => n === 0).length}, ` +
          `one ${originateCounts.filter((n) => n === 1).length}, more ${originateCounts.filter((n) => n > 1).length}` +
          ` (Originate actions received: ${originateActions}, calls placed: ${placedTotal() - placedBefore})`,
        `  final statuses in the table: ${[...byFinal].map(([final, count]) => `${final} ${count}`).join(', ')}`,
        '  not dialled although dialable (an Originate unanswered as Asterisk shut down, or a claim the kill cut ' +
          `short: never sent again): ${undialled.length} (${undialled.map(({ final }) => final).join(', ')}), ` +
          `unexplained ${unexplained.length}`,
        `  deliveries recognised as already handled and deleted without a call: ${redeliveriesRecognised}`,
        `  took ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
    expect(originateCounts.every((count) => count <= 1)).toBe(true);
    expect(unexplained).toEqual([]);
    for (const body of requests) {
      if (neverDialled.has(body.requestId)) expect(placedCalls(body.requestId)).toBe(0);
    }
    expect(finals.every((final) => final !== undefined)).toBe(true);
    for (const body of requests) {
      if (Date.parse(body.expiresAt) < startedAt)
        expect(await finalStatus(body.requestId)).toBe('failed/expired');
      else if (body.notWhileOnPhone) expect(await finalStatus(body.requestId)).toBe('failed/extension_busy');
    }
    expect(exitCode).toBe(0);
    // Every call placed belongs to one of these requests (nothing left over from elsewhere was dialled).
    expect(placedTotal() - placedBefore).toBe(originateCounts.reduce((sum, count) => sum + count, 0));
  }, 90_000);
});
