// Measures the time from a visitor's POST leaving the client to the AMI simulator receiving the Originate,
// through the real local path (HTTP adapter, handler, dynalite, local-aws-sqs, long poll, connector).
// Usage: npx tsx bench/click-to-originate.ts [runs]
import { performance } from 'node:perf_hooks';

// Set before the stack's modules load: they read it once.
process.env.LOG_LEVEL ??= 'warn';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { silentLogger } = await import('../edge-connector/src/log.ts');
const { startLocalStack } = await import('../infra/local/stack.ts');
const runs = Number(process.argv[2] ?? 20);
const stack = await startLocalStack({ simulatorTimeScale: 0.02, connectorLogger: silentLogger });
const simulator = stack.simulator;
if (!simulator) throw new Error('this benchmark needs the built-in simulator (unset AMI_HOST)');

async function oneCall(): Promise<number> {
  const originated = new Promise<number>((resolve) => {
    const stop = simulator?.onAction((action) => {
      if (action.name !== 'Originate') return;
      stop?.();
      resolve(action.receivedAt);
    });
  });
  const sentAt = performance.now();
  const response = await fetch(`${stack.demoUrl}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumber: '+12025550100', callerName: 'Bench' }),
  });
  const { statusUrl } = (await response.json()) as { statusUrl: string };
  const elapsedMs = (await originated) - sentAt;
  for (;;) {
    const { status } = (await (await fetch(statusUrl)).json()) as { status: string };
    if (status === 'completed' || status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The simulated phone is free again only once its call has hung up.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return elapsedMs;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

await oneCall(); // warm-up: first requests pay for module and connection set-up
const samples: number[] = [];
for (let run = 0; run < runs; run++) samples.push(await oneCall());
samples.sort((a, b) => a - b);
console.log(
  `click -> Originate over ${runs} runs: median ${percentile(samples, 50).toFixed(1)} ms, ` +
    `p90 ${percentile(samples, 90).toFixed(1)} ms, min ${samples[0]?.toFixed(1)} ms, max ${samples.at(-1)?.toFixed(1)} ms`,
);
await stack.stop();
