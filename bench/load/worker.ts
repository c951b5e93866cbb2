// The load generator: a process of its own (so it does not share the stack's event loop), running closed-loop HTTP
// clients on loopback for each job the benchmark sends it, bounded by a request count and a duration.
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { timedRequest } from '../lib/http-client.ts';
import { isLoadJob, type LoadJob, type LoadReport } from './protocol.ts';

let visitorRequests = 0;
/** A visitor's request body: numbers +1 202 200-0000 and up, valid and, across all jobs, each different. */
const visitorBody = () =>
  JSON.stringify({ phoneNumber: `+1202${2_000_000 + visitorRequests++}`, callerName: 'Bench' });

async function runLoad(job: LoadJob): Promise<LoadReport> {
  const agents = Array.from(
    { length: job.asVisitors ? job.concurrency : 1 },
    (_, client) =>
      new Agent({
        keepAlive: true,
        maxSockets: job.asVisitors ? 1 : job.concurrency,
        // Linux answers on all of 127/8: 127.0.0.2, .3, ... are visitors of their own.
        ...(job.asVisitors
          ? { localAddress: `127.0.${Math.floor(client / 250)}.${2 + (client % 250)}` }
          : {}),
      }),
  );
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
  const client = async (_: unknown, index: number) => {
    const agent = agents[index % agents.length] as Agent;
    while (started < job.maxRequests && performance.now() < stopAt) {
      started += 1;
      const body = job.asVisitors ? visitorBody() : job.body;
      try {
        const response = await timedRequest(agent, {
          url,
          method: job.method,
          ...(body === undefined ? {} : { body }),
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
  for (const agent of agents) agent.destroy();
  return { kind: 'load-report', id: job.id, ttfbMs, totalMs, statuses, elapsedMs };
}

process.on('message', (message: unknown) => {
  if (!isLoadJob(message)) return;
  void runLoad(message).then((report) => process.send?.(report));
});
process.on('disconnect', () => process.exit(0));
