// Figure 4: the edge connector, run as the Debian package runs it under systemd (node on the bundle, file journal,
// logs at info) in its own process, on one AMI connection to the simulator: calls set up per second when 10, 100 or 500
// requests are queued at once, the wait of each request until its Originate, resident memory, and CPU per call.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { CallRequested } from '../../contracts/messages.ts';
import {
  type AmiSimulator,
  type ExtensionBehaviour,
  startAmiSimulator,
} from '../../edge-connector/simulator/ami-simulator.ts';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { localConnectorEnv } from '../../infra/local/connector-env.ts';
import { type LocalSqs, startLocalSqs } from '../../infra/local/sqs.ts';
import { type BundledConnector, buildBundledConnector } from '../connector/bundle.ts';
import { isSample, type Sample, type SampleRequest } from '../connector/protocol.ts';
import { ask, stopChild } from '../lib/child.ts';
import { distributionRow, type ResultRow } from '../lib/results.ts';
import { distribution } from '../lib/stats.ts';
import { delay, waitUntil } from '../lib/wait.ts';

export interface ConnectorOptions {
  readonly concurrencyLevels: readonly number[];
  /** Rounds per level not counted (the connector's first calls to an extension also start watching its presence). */
  readonly warmupRounds: number;
  readonly rounds: number;
  /** More rounds where a round is small, until this many calls are measured (small rounds are noisy). */
  readonly minCallsPerLevel: number;
}

export interface ConnectorLevel {
  readonly concurrency: number;
  readonly callsPerSecond: number;
  readonly peakRssMiB: number;
  readonly cpuMsPerCall: number;
}

export interface ConnectorResult {
  readonly rows: ResultRow[];
  readonly levels: readonly ConnectorLevel[];
}

const SITE_ID = 'hq';
const FIRST_EXTENSION = 3000;
/** Answers at once and talks 10 s (scaled), so that a round's calls are up together. */
const VISITOR_PHONE = '+12025550101';
const READY_TIMEOUT_MS = 30_000;
const SAMPLE_TIMEOUT_MS = 5000;
const RSS_SAMPLE_INTERVAL_MS = 100;
const IDLE_SAMPLE_MS = 2000;
const MiB = 2 ** 20;
/** A simulated call: the extension rings 1 s, the visitor's phone 1 s, then they talk 10 s; the simulator scales it. */
const UNSCALED_CALL_MS = 12_000;

/**
 * Long enough that a round's calls are all up together, even if the connector sets up only 50 calls a second; the
 * same 3 s below 150 calls, so that the levels up to there see the same AMI event rate per call.
 */
export function simulatedCallMs(concurrency: number): number {
  return Math.max(3000, concurrency * 20);
}

interface Round {
  readonly callsPerSecond: number;
  readonly waitsMs: number[];
  readonly peakRssBytes: number;
  readonly peakCallsUp: number;
  readonly cpuMsPerCall: number;
}

/** The Originate's CALLNOW_REQUEST_ID (its Variable headers may carry several assignments joined by commas). */
function requestIdOf(headers: readonly (readonly [string, string])[]): string | undefined {
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'variable') continue;
    const match = /(?:^|,)CALLNOW_REQUEST_ID=([^,]+)/.exec(value);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function callRequested(requestId: string, extension: string, nowMs: number): CallRequested {
  return {
    v: 1,
    type: 'call.requested',
    requestId,
    siteId: SITE_ID,
    extension: { number: extension },
    visitor: { phone: VISITOR_PHONE, name: 'Bench' },
    confirm: false,
    notWhileOnPhone: false,
    ringSeconds: 30,
    callerIdName: 'CallNow: Bench',
    createdAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + 120_000).toISOString(),
  };
}

class ConnectorProcess {
  #nextSampleId = 1;

  private constructor(
    readonly child: ChildProcess,
    private readonly stateDir: string,
  ) {}

  static async start(
    bundled: BundledConnector,
    simulator: AmiSimulator,
    sqsServer: LocalSqs,
    maxConcurrentCalls: number,
  ) {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'callnow-bench-connector-'));
    const child = bundled.spawn({
      ...localConnectorEnv({
        sqsEndpoint: sqsServer.endpoint,
        callRequestsQueueUrl: sqsServer.callRequestsQueueUrls[SITE_ID] ?? '',
        callEventsQueueUrl: sqsServer.callEventsQueueUrl,
        siteId: SITE_ID,
        ami: simulator,
        stateDir,
      }),
      MAX_CONCURRENT_CALLS: String(maxConcurrentCalls),
      LOG_LEVEL: 'info',
    });
    const connector = new ConnectorProcess(child, stateDir);
    // Read all of stderr (a full pipe would block the connector's synchronous log writes); ready once AMI is.
    let ready = false;
    let tail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-400);
      if (process.env.BENCH_CONNECTOR_LOG) process.stderr.write(chunk);
      if (tail.includes('"to":"ready"')) ready = true;
    });
    try {
      await waitUntil(
        () => {
          if (child.exitCode !== null)
            throw new Error(`the connector exited (code ${child.exitCode}): ${tail}`);
          return ready;
        },
        'the connector becoming ready',
        READY_TIMEOUT_MS,
        20,
      );
    } catch (error) {
      await connector.stop();
      throw error;
    }
    return connector;
  }

  sample(): Promise<Sample> {
    const request: SampleRequest = { kind: 'sample-request', id: this.#nextSampleId++ };
    return ask(
      this.child,
      request,
      (answer) => (isSample(answer, request.id) ? answer : undefined),
      'a sample of the connector process',
      SAMPLE_TIMEOUT_MS,
    );
  }

  async stop(): Promise<void> {
    // The benchmark does not need the graceful stop (it waits up to 20 s for the long polls).
    this.child.kill('SIGKILL');
    await stopChild(this.child);
    await rm(this.stateDir, { recursive: true, force: true });
  }
}

/** Takes the call.status messages off the events queue (as the cloud's consumer would) and notes final ones. */
async function drainFinalStatuses(
  sqs: SQSClient,
  queueUrl: string,
  pending: Set<string>,
  timeoutMs: number,
): Promise<void> {
  const drainer = async () => {
    const giveUpAt = performance.now() + timeoutMs;
    while (pending.size > 0 && performance.now() < giveUpAt) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      for (const message of Messages) {
        const body = JSON.parse(message.Body ?? '{}') as {
          type?: string;
          requestId?: string;
          status?: string;
        };
        if (body.type === 'call.status' && (body.status === 'completed' || body.status === 'failed')) {
          pending.delete(body.requestId ?? '');
        }
      }
      if (Messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
    }
  };
  await Promise.all([drainer(), drainer(), drainer(), drainer()]);
  if (pending.size > 0) throw new Error(`${pending.size} calls never reported a final status`);
}

async function oneRound(
  connector: ConnectorProcess,
  simulator: AmiSimulator,
  sqs: SQSClient,
  sqsServer: LocalSqs,
  concurrency: number,
): Promise<Round> {
  const queueUrl = sqsServer.callRequestsQueueUrls[SITE_ID] ?? '';
  const now = Date.now();
  const requests = Array.from({ length: concurrency }, (_, index) =>
    callRequested(randomUUID(), String(FIRST_EXTENSION + index), now),
  );
  const sentAt = new Map<string, number>();
  const originatedAt = new Map<string, number>();
  const stopWatching = simulator.onAction((action) => {
    if (action.name !== 'Originate') return;
    const requestId = requestIdOf(action.headers);
    if (requestId && sentAt.has(requestId)) originatedAt.set(requestId, action.receivedAt);
  });
  let peakRssBytes = 0;
  let peakCallsUp = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRssBytes = Math.max(peakRssBytes, (await connector.sample()).rssBytes);
      await delay(RSS_SAMPLE_INTERVAL_MS);
    }
  })();
  const callsUp = setInterval(() => {
    peakCallsUp = Math.max(peakCallsUp, simulator.activeCallCount);
  }, 10);
  // Generous bounds around a call's length and around setting up every call at a slow 20 a second.
  const callMs = simulatedCallMs(concurrency);
  const setupBoundMs = 10_000 + (concurrency / 20) * 1000;
  try {
    const cpuBefore = (await connector.sample()).cpuMs;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: Math.ceil(requests.length / 10) }, async (_, batch) => {
        const entries = requests.slice(batch * 10, batch * 10 + 10);
        const batchSentAt = performance.now();
        for (const request of entries) sentAt.set(request.requestId, batchSentAt);
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: entries.map((request, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(request),
            })),
          }),
        );
      }),
    );
    await waitUntil(() => originatedAt.size >= concurrency, 'every Originate of the round', setupBoundMs, 2);
    const lastOriginateAt = Math.max(...originatedAt.values());
    await waitUntil(
      () => simulator.activeCallCount === 0,
      'the end of the round calls',
      callMs + setupBoundMs,
      20,
    );
    sampling = false;
    await sampler;
    await drainFinalStatuses(
      sqs,
      sqsServer.callEventsQueueUrl,
      new Set(requests.map((request) => request.requestId)),
      setupBoundMs,
    );
    const cpuAfter = (await connector.sample()).cpuMs;
    return {
      callsPerSecond: concurrency / ((lastOriginateAt - startedAt) / 1000),
      waitsMs: requests.map(
        (request) =>
          (originatedAt.get(request.requestId) ?? Number.NaN) - (sentAt.get(request.requestId) ?? 0),
      ),
      peakRssBytes,
      peakCallsUp,
      cpuMsPerCall: (cpuAfter - cpuBefore) / concurrency,
    };
  } finally {
    sampling = false;
    await sampler.catch(() => {});
    clearInterval(callsUp);
    stopWatching();
  }
}

export async function measureConnector(options: ConnectorOptions): Promise<ConnectorResult> {
  const rows: ResultRow[] = [];
  const levels: ConnectorLevel[] = [];
  const bundled = await buildBundledConnector();
  try {
    for (const concurrency of options.concurrencyLevels) {
      const phones: Record<string, ExtensionBehaviour> = {};
      for (let index = 0; index < concurrency; index++)
        phones[String(FIRST_EXTENSION + index)] = { kind: 'answers' };
      const timeScale = simulatedCallMs(concurrency) / UNSCALED_CALL_MS;
      const simulator = await startAmiSimulator({ extensions: phones, timeScale });
      // Queues of its own for each level: the long polls of the previous connector, killed, may still be parked on
      // the old server and would swallow messages.
      const sqsServer = await startLocalSqs([SITE_ID]);
      const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: sqsServer.endpoint });
      try {
        const connector = await ConnectorProcess.start(bundled, simulator, sqsServer, concurrency);
        try {
          const level = await measureLevel(connector, simulator, sqs, sqsServer, concurrency, options);
          rows.push(...level.rows);
          levels.push(level.level);
        } finally {
          await connector.stop();
        }
      } finally {
        sqs.destroy();
        await sqsServer.close();
        await simulator.close();
      }
    }
  } finally {
    await bundled.dispose();
  }
  return { rows, levels };
}

async function measureLevel(
  connector: ConnectorProcess,
  simulator: AmiSimulator,
  sqs: SQSClient,
  sqsServer: LocalSqs,
  concurrency: number,
  options: ConnectorOptions,
): Promise<{ rows: ResultRow[]; level: ConnectorLevel }> {
  await delay(500);
  const idleStart = await connector.sample();
  await delay(IDLE_SAMPLE_MS);
  const idleEnd = await connector.sample();
  const idleRssBytes = idleEnd.rssBytes;
  const idleCpuPercent = ((idleEnd.cpuMs - idleStart.cpuMs) / IDLE_SAMPLE_MS) * 100;
  const rounds: Round[] = [];
  const measuredRounds = Math.max(options.rounds, Math.ceil(options.minCallsPerLevel / concurrency));
  for (let round = 0; round < options.warmupRounds + measuredRounds; round++) {
    const measured = await oneRound(connector, simulator, sqs, sqsServer, concurrency);
    if (round >= options.warmupRounds) rounds.push(measured);
  }
  const rate = distribution(rounds.map((round) => round.callsPerSecond));
  const cpu = distribution(rounds.map((round) => round.cpuMsPerCall));
  const peakRssMiB = Math.max(...rounds.map((round) => round.peakRssBytes)) / MiB;
  const peakCallsUp = Math.max(...rounds.map((round) => round.peakCallsUp));
  const perRound = rounds.map((round) => round.callsPerSecond.toFixed(0)).join(', ');
  const rows: ResultRow[] = [
    {
      figure: 4,
      name: `connector x${concurrency}: calls set up per second`,
      unit: 'calls/s',
      median: rate.median,
      samples: rounds.length,
      note:
        `rounds: ${perRound}; up to ${peakCallsUp} calls up at once on one AMI connection ` +
        `(each lasts ${(simulatedCallMs(concurrency) / 1000).toFixed(1)} s)`,
    },
    distributionRow(
      4,
      `connector x${concurrency}: request queued -> Originate`,
      'ms',
      distribution(rounds.flatMap((round) => round.waitsMs)),
    ),
    {
      figure: 4,
      name: `connector x${concurrency}: resident memory (peak)`,
      unit: 'MiB',
      median: peakRssMiB,
      samples: rounds.length,
      note: `idle before the rounds: ${(idleRssBytes / MiB).toFixed(1)} MiB`,
    },
    {
      figure: 4,
      name: `connector x${concurrency}: CPU per call`,
      unit: 'ms',
      median: cpu.median,
      samples: rounds.length,
      note:
        'user + system time of the connector process from the first request sent to the last final status; ' +
        `idle, it uses ${idleCpuPercent.toFixed(1)}% of a core`,
    },
  ];
  return { rows, level: { concurrency, callsPerSecond: rate.median, peakRssMiB, cpuMsPerCall: cpu.median } };
}
