// The edge connector's resident memory with 100 calls in progress at once on the AMI simulator: the connector runs as
// its own process (edge-connector/main.ts, as under systemd) and its VmRSS is read from /proc. Not a test.
// Run: npx tsx bench/connector-memory.ts   (about 30 s; CALLS=200 to try more)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CallRequested } from '../contracts/messages.ts';
import { type ExtensionBehaviour, startAmiSimulator } from '../edge-connector/simulator/ami-simulator.ts';
import { LOCAL_AWS } from '../infra/local/aws.ts';
import { startLocalSqs } from '../infra/local/sqs.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const CALLS = Number(process.env.CALLS ?? 100);
const SITE_ID = 'hq';

async function residentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kib / 1024;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const phones: Record<string, ExtensionBehaviour> = {};
for (let index = 0; index < CALLS; index++) phones[String(3000 + index)] = { kind: 'answers' };
// Real timing: each call rings 1 s, the visitor answers after 1 s and talks 10 s (visitor 0101).
const simulator = await startAmiSimulator({ extensions: phones });
const sqsServer = await startLocalSqs([SITE_ID]);
const sqs = new SQSClient({ ...LOCAL_AWS, endpoint: sqsServer.endpoint });
const stateDir = await mkdtemp(join(tmpdir(), 'callnow-bench-'));
const requestsQueueUrl = sqsServer.callRequestsQueueUrls[SITE_ID] ?? '';

const child = spawn(process.execPath, ['--import', 'tsx', 'edge-connector/main.ts'], {
  cwd: join(import.meta.dirname, '..'),
  stdio: ['ignore', 'ignore', 'pipe'],
  env: {
    PATH: process.env.PATH,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    CALL_REQUESTS_QUEUE_URL: requestsQueueUrl,
    CALL_EVENTS_QUEUE_URL: sqsServer.callEventsQueueUrl,
    SITE_ID,
    AMI_HOST: simulator.host,
    AMI_PORT: String(simulator.port),
    AMI_USERNAME: simulator.username,
    AMI_SECRET: simulator.secret,
    CALLNOW_STATE_DIR: stateDir,
    HEALTH_PORT: '0',
    MAX_CONCURRENT_CALLS: String(CALLS),
    RECEIVE_WAIT_SECONDS: '1',
  },
});
let ready = false;
child.stderr?.setEncoding('utf8');
child.stderr?.on('data', (chunk: string) => {
  if (chunk.includes('"to":"ready"')) ready = true;
});
const pid = child.pid ?? 0;

try {
  await until(() => ready, 20_000);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idleMiB = await residentMiB(pid);

  const now = Date.now();
  const requests: CallRequested[] = Array.from({ length: CALLS }, (_, index) => ({
    v: 1,
    type: 'call.requested',
    requestId: randomUUID(),
    siteId: SITE_ID,
    extension: { number: String(3000 + index) },
    visitor: { phone: '+12025550101', name: 'Bench' },
    confirm: false,
    notWhileOnPhone: index % 2 === 0,
    ringSeconds: 30,
    callerIdName: 'CallNow: Bench',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 120_000).toISOString(),
  }));
  for (let index = 0; index < requests.length; index += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: requestsQueueUrl,
        Entries: requests.slice(index, index + 10).map((body, entry) => ({
          Id: String(entry),
          MessageBody: JSON.stringify(body),
        })),
      }),
    );
  }
  const samples: number[] = [];
  let concurrentSeen = 0;
  await until(() => {
    concurrentSeen = Math.max(concurrentSeen, simulator.activeCallCount);
    return simulator.activeCallCount >= CALLS;
  }, 20_000);
  // Sample while every call is up (they talk for 10 s).
  for (let sample = 0; sample < 10 && simulator.activeCallCount >= CALLS; sample++) {
    samples.push(await residentMiB(pid));
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  await until(() => simulator.activeCallCount === 0, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const afterMiB = await residentMiB(pid);

  console.log(
    `edge connector resident memory (VmRSS, node ${process.version}, under tsx as in the systemd unit)`,
  );
  console.log(`  idle, AMI ready:                 ${idleMiB.toFixed(1)} MiB`);
  console.log(
    `  ${CALLS} calls in progress at once:    ${Math.max(...samples).toFixed(1)} MiB peak ` +
      `(${samples.length} samples, ${Math.min(...samples).toFixed(1)}-${Math.max(...samples).toFixed(1)} MiB)`,
  );
  console.log(`  after they ended:                ${afterMiB.toFixed(1)} MiB`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await simulator.close();
  sqs.destroy();
  await sqsServer.close();
  await rm(stateDir, { recursive: true, force: true });
}
