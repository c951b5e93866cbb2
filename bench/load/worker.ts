// The load generator: a process of its own (so it does not share the stack's event loop), running closed-loop HTTP
// clients on loopback for each job the benchmark sends it, bounded by a request count and a duration.
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { timedRequest } from '../lib/http-client.ts';
import { isLoadJob, type LoadJob, type LoadReport } from './protocol.ts';

async function runLoad(job: LoadJob): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const url = new URL(job.url);
  const ttfbMs: number[] = [];
  const totalMs: number[] = [];
  const statuses: Record<string, number> = {};
  const count = (status: string) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
  };
  let started = 0;
  const startedAt = performance.now();
  const stopAt = startedAt + job.durationMs;
  const client = async () => {
    while (started < job.maxRequests && performance.now() < stopAt) {
      started += 1;
      try {
        const response = await timedRequest(agent, {
          url,
          method: job.method,
          ...(job.body === undefined ? {} : { body: job.body }),
          timeoutMs: job.requestTimeoutMs,
        });
        ttfbMs.push(response.ttfbMs);
        totalMs.push(response.totalMs);
        count(String(response.status));
      } catch {
        count('error');
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, client));
  const elapsedMs = performance.now() - startedAt;
  agent.destroy();
  return { kind: 'load-report', id: job.id, ttfbMs, totalMs, statuses, elapsedMs };
}

process.on('message', (message: unknown) => {
  if (!isLoadJob(message)) return;
  void runLoad(message).then((report) => process.send?.(report));
});
process.on('disconnect', () => process.exit(0));
