// Figure 3: each Lambda bundle's minified size and the time a fresh Node process takes to load it (import the
// module, which constructs its clients and handler as a cold start does), against a floor bundle that only
// constructs the SDK clients the function uses; with the SDK bundled (as deployed) and, for comparison with what
// was deployed before, external (loaded from the runtime's copy).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildLambdaBundle } from '../cold-start/bundle.ts';
import { PROJECT_ROOT } from '../lib/child.ts';
import { distributionRow, type ResultRow } from '../lib/results.ts';
import { distribution } from '../lib/stats.ts';

const run = promisify(execFile);

export interface ColdStartOptions {
  /** Loads of each bundle measured (after one not counted). */
  readonly loads: number;
}

export const LOAD_GOAL_RATIO = 1.2;
const LOAD_TIMEOUT_MS = 30_000;
const KB = 1000;

interface BundleSpec {
  readonly name: string;
  readonly entry: string;
  /** The floor of the SDK clients the function carries: the goal's ratio is to it. */
  readonly floor?: string;
  /** The floor the issue measured against, before the function carried the EventBridge client: a second ratio. */
  readonly floorWithoutEvents?: string;
  /** Size goals in KB, SDK external and bundled (issue 8: the public function only). */
  readonly sizeGoalKb?: { readonly external: number; readonly bundled: number };
}

const FLOORS: readonly BundleSpec[] = [
  { name: 'floor DynamoDB+SQS+EventBridge', entry: 'bench/cold-start/floor-dynamodb-sqs-eventbridge.ts' },
  { name: 'floor DynamoDB+EventBridge', entry: 'bench/cold-start/floor-dynamodb-eventbridge.ts' },
  { name: 'floor DynamoDB+SQS', entry: 'bench/cold-start/floor-dynamodb-sqs.ts' },
  { name: 'floor DynamoDB', entry: 'bench/cold-start/floor-dynamodb.ts' },
];

const FUNCTIONS: readonly BundleSpec[] = [
  {
    name: 'public',
    entry: 'functions/public/handler.ts',
    floor: 'floor DynamoDB+SQS+EventBridge',
    floorWithoutEvents: 'floor DynamoDB+SQS',
    sizeGoalKb: { external: 300, bundled: 700 },
  },
  {
    name: 'management',
    entry: 'functions/management/handler.ts',
    floor: 'floor DynamoDB+SQS+EventBridge',
    floorWithoutEvents: 'floor DynamoDB+SQS',
  },
  { name: 'console', entry: 'functions/console/handler.ts', floor: 'floor DynamoDB' },
  {
    name: 'call-events',
    entry: 'functions/call-events/handler.ts',
    floor: 'floor DynamoDB+EventBridge',
    floorWithoutEvents: 'floor DynamoDB',
  },
];

/** Run by `node -e` in a fresh process: how long the import of the bundle takes, and since the process started. */
const LOADER = `
const { pathToFileURL } = await import('node:url');
const startedAt = performance.now();
const cpuBefore = process.cpuUsage();
const module = await import(pathToFileURL(process.argv[1]).href);
const cpu = process.cpuUsage(cpuBefore);
const loadedAt = performance.now();
if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ loadMs: loadedAt - startedAt, cpuMs: (cpu.user + cpu.system) / 1000 }));
`;

/** What the functions are configured with in Lambda, so that loading them reads the same settings. */
const LAMBDA_ENV = {
  TABLE_NAME: 'callnow',
  CALL_REQUESTS_QUEUE_URLS: JSON.stringify({
    hq: 'https://sqs.us-east-1.amazonaws.com/000000000000/callnow-call-requests-hq',
  }),
  EVENT_BUS_NAME: 'callnow-calls',
  WEBHOOK_DELIVERIES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/callnow-webhook-deliveries',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  LOG_LEVEL: 'info',
};

interface Load {
  /** Wall time of the import. */
  readonly loadMs: number;
  /** CPU time of the import: less sensitive than wall time to other processes on a shared machine. */
  readonly cpuMs: number;
}

async function loadOnce(file: string): Promise<Load> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', LOADER, file], {
    env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV },
    timeout: LOAD_TIMEOUT_MS,
  });
  return JSON.parse(stdout) as Load;
}

interface Built {
  readonly spec: BundleSpec;
  readonly bundleSdk: boolean;
  readonly file: string;
  readonly bytes: number;
  readonly loads: Load[];
}

export async function measureColdStart(options: ColdStartOptions): Promise<ResultRow[]> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'callnow-bench-bundles-'));
  try {
    // A bundle with the SDK external finds it where Lambda's runtime would have it: on the module path.
    await symlink(path.join(PROJECT_ROOT, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
    const built: Built[] = [];
    for (const bundleSdk of [false, true]) {
      for (const spec of [...FUNCTIONS, ...FLOORS]) {
        const outDir = path.join(workDir, `${spec.entry.replaceAll('/', '_')}-${bundleSdk ? 'sdk' : 'ext'}`);
        await mkdir(outDir);
        const bundle = await buildLambdaBundle(spec.entry, outDir, { bundleSdk });
        built.push({ spec, bundleSdk, ...bundle, loads: [] });
      }
    }
    // Round robin, one not counted first: every bundle sees the same machine noise and a warm file cache.
    for (const bundle of built) await loadOnce(bundle.file);
    for (let round = 0; round < options.loads; round++) {
      for (const bundle of built) bundle.loads.push(await loadOnce(bundle.file));
    }

    const rows: ResultRow[] = [];
    for (const bundleSdk of [true, false]) {
      const variant = bundleSdk ? 'SDK bundled, as deployed' : 'SDK external, as before';
      const ofVariant = built.filter((bundle) => bundle.bundleSdk === bundleSdk);
      const floorOf = (name: string | undefined) => ofVariant.find((bundle) => bundle.spec.name === name);
      for (const bundle of ofVariant) {
        const { spec } = bundle;
        const floor = floorOf(spec.floor);
        const goalKb = spec.sizeGoalKb?.[bundleSdk ? 'bundled' : 'external'];
        const sizeKb = bundle.bytes / KB;
        rows.push({
          figure: 3,
          name: `${spec.name} (${variant}): size`,
          unit: 'KB',
          median: sizeKb,
          samples: 1,
          // With the SDK external the floor is a few hundred bytes: a ratio to it says nothing.
          ...(floor ? { floor: floor.bytes / KB } : {}),
          ...(floor && bundleSdk ? { ratio: bundle.bytes / floor.bytes } : {}),
          ...(goalKb === undefined ? {} : { goal: `< ${goalKb} KB`, meetsGoal: sizeKb < goalKb }),
        });
        const wall = (of: Built) => distribution(of.loads.map((load) => load.loadMs));
        const cpu = (of: Built) => distribution(of.loads.map((load) => load.cpuMs));
        const withoutEvents = floorOf(spec.floorWithoutEvents);
        const cpuNote = [
          floor
            ? `CPU ${cpu(bundle).median.toFixed(0)} ms, floor ${cpu(floor).median.toFixed(0)} ms: ` +
              `ratio ${(cpu(bundle).median / cpu(floor).median).toFixed(2)}`
            : `CPU ${cpu(bundle).median.toFixed(0)} ms`,
          ...(withoutEvents && bundleSdk
            ? [
                `wall ratio to ${withoutEvents.spec.name}: ${(wall(bundle).median / wall(withoutEvents).median).toFixed(2)}`,
              ]
            : []),
        ].join('; ');
        rows.push(
          distributionRow(
            3,
            `${spec.name} (${variant}): load`,
            'ms',
            wall(bundle),
            floor && bundleSdk
              ? {
                  floor: wall(floor).median,
                  goalRatio: LOAD_GOAL_RATIO,
                  goal: `ratio <= ${LOAD_GOAL_RATIO}`,
                  note: cpuNote,
                }
              : floor
                ? { floor: wall(floor).median, note: cpuNote }
                : { note: cpuNote },
          ),
        );
      }
    }
    return rows;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
