// What a PBX operator runs and reads: `--help`, exit codes, /healthz and /metrics, and a graceful stop that leaves
// every request it did not start on the queue. Real peers on loopback: local-aws-sqs, the AMI simulator, the process.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRequested } from '../../contracts/messages.ts';
import { type AmiSimulator, startAmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { createAmiClient } from '../../edge-connector/src/ami/client.ts';
import type { AmiClient } from '../../edge-connector/src/ami/types.ts';
import { type Connector, startConnector } from '../../edge-connector/src/connector.ts';
import { type HealthServer, startHealthServer } from '../../edge-connector/src/health-server.ts';
import { silentLogger } from '../../edge-connector/src/log.ts';
import { counterValue } from '../../edge-connector/src/metrics.ts';
import { openFileJournal } from '../../edge-connector/src/request-journal.ts';
import {
  CallEventsCollector,
  type LocalQueues,
  originatesOf,
  startLocalQueues,
} from '../support/connector-peers.ts';
import { callRequested as sampleCallRequested } from '../support/fixtures.ts';

const SITE_ID = 'hq';
const REPO_ROOT = join(import.meta.dirname, '../..');

let queues: LocalQueues;
let sqs: SQSClient;
let requestsQueueUrl: string;
let eventsQueueUrl: string;
let simulator: AmiSimulator;
let ami: AmiClient;
let connector: Connector;
let health: HealthServer;
let events: CallEventsCollector;

function request(extension: string, phone: string, overrides: Partial<CallRequested> = {}): CallRequested {
  return sampleCallRequested({
    siteId: SITE_ID,
    extension: { number: extension },
    visitor: { phone },
    ringSeconds: 5,
    confirm: false,
    ...overrides,
  });
}

async function send(body: CallRequested): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: requestsQueueUrl, MessageBody: JSON.stringify(body) }));
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function statusesOf(requestId: string): string[] {
  return events.statusesOf(requestId);
}

function originatesFor(requestId: string): number {
  return originatesOf(simulator, requestId).length;
}

async function queueCounts(): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: requestsQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  // local-aws-sqs counts the messages in flight among ApproximateNumberOfMessages too.
  return { visible: Number(Attributes?.ApproximateNumberOfMessages) - inFlight, inFlight };
}

async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const response = await fetch(`${health.url}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** Runs edge-connector/main.ts as the service would, and resolves with its exit code and output. */
function runMain(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'edge-connector/main.ts', ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  queues = await startLocalQueues([
    { QueueName: 'callnow-call-requests-hq', Attributes: { VisibilityTimeout: 30 } },
    { QueueName: 'callnow-call-requests-slow', Attributes: { VisibilityTimeout: 1 } },
    { QueueName: 'callnow-call-events' },
  ]);
  ({ sqs } = queues);
  requestsQueueUrl = queues.url('callnow-call-requests-hq');
  eventsQueueUrl = queues.url('callnow-call-events');
  simulator = await startAmiSimulator({ timeScale: 0.05, restartDelayMs: 1000 });
  ami = createAmiClient({
    host: simulator.host,
    port: simulator.port,
    username: simulator.username,
    secret: simulator.secret,
    retry: () => 50,
  });
  await ami.connect();
  connector = startConnector(
    {
      callRequestsQueueUrl: requestsQueueUrl,
      callEventsQueueUrl: eventsQueueUrl,
      siteId: SITE_ID,
      extensionChannelTemplate: 'PJSIP/{extension}',
      visitorDialTemplate: 'PJSIP/{number}@trunk',
      callnowContext: 'callnow',
    },
    { sqs, ami, logger: silentLogger },
    { maxConcurrentCalls: 3, concurrentPolls: 2, waitTimeSeconds: 1, stopGraceMs: 5000 },
  );
  health = await startHealthServer({
    port: 0,
    health: () => connector.health(),
    metrics: () => connector.metrics.render(),
  });
  events = new CallEventsCollector(sqs, eventsQueueUrl);
});

afterAll(async () => {
  await connector?.stop({ abortReceives: true });
  await health?.close();
  await events?.stop();
  await ami?.close();
  await simulator?.close();
  await queues?.close();
});

describe('the connector as an operator sees it', () => {
  it('prints its settings for --help and exits 0', async () => {
    const { code, stdout } = await runMain(['--help'], {});

    expect(code).toBe(0);
    for (const variable of [
      'CALL_REQUESTS_QUEUE_URL',
      'AMI_SECRET',
      'OUTBOUND_CALLER_ID',
      'EXTENSION_HINT_CONTEXT',
      'MAX_CONCURRENT_CALLS',
      'CALLNOW_STATE_DIR',
      'HEALTH_PORT',
      'STOP_GRACE_SECONDS',
    ]) {
      expect(stdout).toContain(variable);
    }
  });

  it('exits 2 naming the variable when a setting is wrong', async () => {
    const { code, stderr } = await runMain([], { SITE_ID: 'hq', OUTBOUND_CALLER_ID: '555-0199' });

    expect(code).toBe(2);
    const line = JSON.parse(stderr.trim().split('\n')[0] ?? '{}');
    expect(line).toMatchObject({ level: 'error' });
    expect(line.variables).toContain('OUTBOUND_CALLER_ID');
    expect(line.variables).toContain('CALL_REQUESTS_QUEUE_URL');
  });

  it('exits 2 when another connector holds the state directory', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'callnow-state-'));
    const journal = await openFileJournal(stateDir);
    try {
      const { code, stderr } = await runMain([], {
        CALL_REQUESTS_QUEUE_URL: requestsQueueUrl,
        CALL_EVENTS_QUEUE_URL: eventsQueueUrl,
        SITE_ID: SITE_ID,
        AMI_HOST: simulator.host,
        AMI_PORT: String(simulator.port),
        AMI_USERNAME: simulator.username,
        AMI_SECRET: simulator.secret,
        CALLNOW_STATE_DIR: stateDir,
        HEALTH_PORT: '0',
      });

      expect(code).toBe(2);
      expect(stderr).toContain(`another edge connector (pid ${process.pid})`);
    } finally {
      await journal.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('serves /healthz (200 while it can take calls) and Prometheus /metrics on 127.0.0.1', async () => {
    const call = request('101', '+12025550100');
    await send(call);
    await until(() => statusesOf(call.requestId).includes('completed'));

    const healthz = await get('/healthz');
    const metrics = await get('/metrics');
    const missing = await get('/nothing');

    expect(health.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(healthz.status).toBe(200);
    expect(healthz.type).toBe('application/json');
    expect(JSON.parse(healthz.body)).toMatchObject({
      ok: true,
      ami: { status: 'ready' },
      sqs: { ok: true, consecutiveReceiveErrors: 0 },
      calls: { inProgress: 0, max: 3 },
    });
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain; version=0.0.4');
    expect(metrics.body).toMatch(/^callnow_connector_messages_received_total [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^callnow_connector_originates_total\{outcome="accepted"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^callnow_connector_final_status_total\{status="completed"\} [1-9]\d*$/m);
    expect(metrics.body).toMatch(/^callnow_connector_call_setup_seconds_count [1-9]\d*$/m);
    expect(metrics.body).toContain('callnow_connector_ami_ready 1');
    expect(missing.status).toBe(404);
  });

  it('keeps a request invisible with heartbeats while a slow PBX takes longer than the visibility timeout', async () => {
    const slowQueueUrl = requestsQueueUrl.replace('callnow-call-requests-hq', 'callnow-call-requests-slow');
    const slow = startConnector(
      {
        callRequestsQueueUrl: slowQueueUrl,
        callEventsQueueUrl: eventsQueueUrl,
        siteId: SITE_ID,
        extensionChannelTemplate: 'PJSIP/{extension}',
        visitorDialTemplate: 'PJSIP/{number}@trunk',
        callnowContext: 'callnow',
      },
      { sqs, ami, logger: silentLogger },
      { concurrentPolls: 2, waitTimeSeconds: 1, visibilityTimeoutSeconds: 1 },
    );
    const call = request('104', '+12025550100');
    simulator.setResponseDelayMs(1500);
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: slowQueueUrl, MessageBody: JSON.stringify(call) }));
      await until(() => statusesOf(call.requestId).includes('dialing_extension'));
    } finally {
      simulator.setResponseDelayMs(0);
      await slow.stop({ abortReceives: true });
    }

    // Received once: the queue's 1 s visibility timeout passed three times while the Originate was on its way.
    expect(await counterValue(slow.metrics.messagesReceived)).toBe(1);
    expect(await counterValue(slow.metrics.redeliveriesIgnored)).toBe(0);
    expect(originatesFor(call.requestId)).toBe(1);
  });

  it('says 503 with the AMI state while Asterisk is down, and counts the reconnect when it is back', async () => {
    await simulator.crash();
    await until(() => connector.health().ami.status !== 'ready');
    const down = await get('/healthz');
    await simulator.restart();
    await until(() => connector.health().ok);
    const back = await get('/metrics');

    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ ok: false, ami: { status: 'reconnecting' } });
    expect(back.body).toMatch(/^callnow_connector_ami_reconnects_total 1$/m);
  });

  it('on stop, lets a call in progress end, and leaves every request it had not dialled visible on the queue', async () => {
    const inProgress = request('105', '+12025550101');
    await send(inProgress);
    await until(() => statusesOf(inProgress.requestId).includes('connected'));
    // A slow PBX holds the "not while on the phone" checks, so the next requests are received but not dialled.
    simulator.setResponseDelayMs(300);
    const checks: string[] = [];
    const stopListening = simulator.onAction((action) => {
      if (action.name === 'ExtensionState') checks.push(action.name);
    });
    const unstarted = ['101', '102', '103', '104'].map((extension) =>
      request(extension, '+12025550100', { notWhileOnPhone: true }),
    );
    for (const body of unstarted) await send(body);
    await until(() => checks.length >= 2);

    await connector.stop();
    stopListening();
    simulator.setResponseDelayMs(0);

    expect(statusesOf(inProgress.requestId).at(-1)).toBe('completed');
    for (const body of unstarted) {
      expect(originatesFor(body.requestId)).toBe(0);
      expect(statusesOf(body.requestId)).toEqual([]);
    }
    expect(await queueCounts()).toEqual({ visible: 4, inFlight: 0 });
    expect(connector.health()).toMatchObject({ ok: false, stopping: true });
  });
});
