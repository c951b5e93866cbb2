// Figure 1: from a visitor's POST leaving the client to the AMI simulator receiving the Originate, through the real
// local path (HTTP adapter, handler, dynalite, local-aws-sqs, long poll, connector), against the floor measured in
// the same run, interleaved with it so that both see the same noise. Also the AWS calls one click costs end to end.
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AmiSimulator } from '../../edge-connector/simulator/ami-simulator.ts';
import { keys } from '../../functions/store/records.ts';
import { LOCAL_AWS } from '../../infra/local/aws.ts';
import { DEMO_CALLNOW_ID } from '../../infra/local/seed.ts';
import { callsPer, sequentialRoundTrips } from '../lib/aws-calls.ts';
import type { BenchStack } from '../lib/bench-stack.ts';
import { FloorProbe, type FloorSample } from '../lib/floor.ts';
import { timedRequest } from '../lib/http-client.ts';
import { distributionRow, type ResultRow } from '../lib/results.ts';
import { distribution } from '../lib/stats.ts';
import { delay, waitUntil, within } from '../lib/wait.ts';

export interface ClickToOriginateOptions {
  readonly runs: number;
  readonly warmupRuns: number;
}

export interface ClickToOriginateResult {
  readonly rows: ResultRow[];
  readonly clickMs: readonly number[];
  readonly floorMs: readonly number[];
}

export const CLICK_GOAL_RATIO = 1.5;
const STEP_TIMEOUT_MS = 10_000;
/** The connector reports an extension's presence at most once a second: the last click's reports come this late. */
const PRESENCE_SETTLE_MS = 1200;
const VISITOR = JSON.stringify({ phoneNumber: '+12025550100', callerName: 'Bench' });
const TERMINAL = new Set(['completed', 'failed']);

function nextOriginate(simulator: AmiSimulator): Promise<number> {
  return new Promise((resolve) => {
    const stop = simulator.onAction((action) => {
      if (action.name !== 'Originate') return;
      stop();
      resolve(action.receivedAt);
    });
  });
}

export async function measureClickToOriginate(
  bench: BenchStack,
  options: ClickToOriginateOptions,
): Promise<ClickToOriginateResult> {
  const { stack, simulator } = bench;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // Bare clients, not the stack's: the wait for each call's end must not count as the product's calls.
  const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: bench.dynamoDbEndpoint });
  const documents = DynamoDBDocumentClient.from(dynamodb);
  const floor = await FloorProbe.open({
    dynamoDbEndpoint: bench.dynamoDbEndpoint,
    sqsEndpoint: bench.sqsEndpoint,
    tableName: stack.tableName,
    callNowId: DEMO_CALLNOW_ID,
    ami: { port: simulator.port, username: simulator.username, secret: simulator.secret },
  });

  async function callEnded(requestId: string): Promise<boolean> {
    const { Item } = await documents.send(
      new GetCommand({ TableName: stack.tableName, Key: keys.callRequest(requestId) }),
    );
    return TERMINAL.has(String(Item?.status)) && simulator.activeCallCount === 0;
  }

  async function oneClick(): Promise<number> {
    const originated = nextOriginate(simulator);
    const startedAt = performance.now();
    const response = await timedRequest(agent, {
      url: new URL(`${stack.demoUrl}/requests`),
      method: 'POST',
      body: VISITOR,
      timeoutMs: STEP_TIMEOUT_MS,
    });
    if (response.status !== 202) {
      throw new Error(
        `POST /callnow/${DEMO_CALLNOW_ID}/requests answered ${response.status}: ${response.body}`,
      );
    }
    const { requestId } = JSON.parse(response.body) as { requestId: string };
    const originateMs = (await within(originated, 'the Originate of a click', STEP_TIMEOUT_MS)) - startedAt;
    // The simulated extension is free again only once its call has hung up.
    await waitUntil(() => callEnded(requestId), `the end of call ${requestId}`, STEP_TIMEOUT_MS, 10);
    return originateMs;
  }

  try {
    for (let run = 0; run < options.warmupRuns; run++) {
      await floor.measure();
      await oneClick();
    }
    bench.calls.reset();
    const clicks: number[] = [];
    const floors: FloorSample[] = [];
    for (let run = 0; run < options.runs; run++) {
      floors.push(await floor.measure());
      clicks.push(await oneClick());
    }
    await delay(PRESENCE_SETTLE_MS);
    const counts = bench.calls.snapshot();
    const runs = options.runs;

    const click = distribution(clicks);
    const floorTotal = distribution(floors.map((sample) => sample.totalMs));
    const floorWithLimits = distribution(floors.map((sample) => sample.totalMs + sample.limitWritesMs));
    const part = (name: string, pick: (sample: FloorSample) => number, note?: string) =>
      distributionRow(1, `  floor: ${name}`, 'ms', distribution(floors.map(pick)), note ? { note } : {});
    const handlerDynamo = callsPer(counts, 'DynamoDB', 'http', runs);
    const handlerSqs = callsPer(counts, 'SQS', 'http', runs);
    const backgroundDynamo = callsPer(counts, 'DynamoDB', 'background', runs);
    const backgroundSqs = callsPer(counts, 'SQS', 'background', runs);
    const roundTrips = distribution(
      bench.calls.traces('POST', /^\/callnow\/[^/]+\/requests$/).map(sequentialRoundTrips),
    );
    const statuses = bench.calls.eventMessages('call.status');
    const presences = bench.calls.eventMessages('extension.presence');
    const presencePuts = counts
      .filter((count) => count.origin === 'background' && count.service === 'DynamoDB')
      .filter((count) => count.operation === 'PutItem')
      .reduce((sum, count) => sum + count.count, 0);
    const perClick = (name: string, calls: { perUnit: number; breakdown: string }): ResultRow => ({
      figure: 1,
      name,
      unit: 'calls',
      median: calls.perUnit,
      samples: runs,
      note: calls.breakdown,
    });
    const rows: ResultRow[] = [
      distributionRow(1, 'click -> Originate', 'ms', click, {
        floor: floorTotal.median,
        goalRatio: CLICK_GOAL_RATIO,
        goal: `ratio <= ${CLICK_GOAL_RATIO}`,
      }),
      distributionRow(1, 'click -> Originate, against the floor with the limit writes', 'ms', click, {
        floor: floorWithLimits.median,
        note: 'the floor plus one parallel wave of 3 conditional UpdateItems and 1 conditional PutItem (issue 6)',
      }),
      distributionRow(1, 'floor: the raw operations in sequence', 'ms', floorTotal),
      part('GetItem (page configuration)', (sample) => sample.getItemMs),
      part('conditional PutItem (the request)', (sample) => sample.putItemMs),
      part(
        'SendMessage -> waiting long poll returns',
        (sample) => sample.sendToWakeUpMs,
        'the SendMessage and the wake-up of a long poll already waiting on the queue',
      ),
      part('SendMessage alone (its own answer)', (sample) => sample.sendMessageMs),
      part('AMI action round trip (Ping)', (sample) => sample.amiRoundTripMs),
      part('the limit writes, sent together', (sample) => sample.limitWritesMs),
      perClick('DynamoDB calls per click: POST handler', handlerDynamo),
      perClick('SQS calls per click: POST handler', handlerSqs),
      perClick('DynamoDB calls per click: events consumer', backgroundDynamo),
      {
        figure: 1,
        name: 'POST: DynamoDB round trips',
        unit: 'in a row',
        median: roundTrips.median,
        samples: roundTrips.samples,
        note: `max ${roundTrips.max}; calls sent together count once`,
      },
      {
        figure: 1,
        name: 'events consumer: DynamoDB calls per status',
        unit: 'calls',
        median: (backgroundDynamo.perUnit * runs - presencePuts) / statuses,
        samples: statuses,
        note:
          `${statuses} call.status and ${presences} extension.presence messages; ` +
          `the ${presencePuts} PutItems of presence not counted`,
      },
      perClick('SQS calls per click: connector + events pump', backgroundSqs),
    ];
    return { rows, clickMs: clicks, floorMs: floors.map((sample) => sample.totalMs) };
  } finally {
    agent.destroy();
    await floor.close();
    dynamodb.destroy();
  }
}
