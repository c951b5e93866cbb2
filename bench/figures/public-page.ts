// Figure 2: the public page under load on loopback: time to first byte and throughput of GET /callnow/{id} and
// POST /callnow/{id}/requests at 1, 10 and 50 concurrent clients (a load generator in its own process), and the
// DynamoDB and SQS calls each request makes, counted by SDK middleware on the stack's clients.
import path from 'node:path';
import { callsPer, sequentialRoundTrips } from '../lib/aws-calls.ts';
import type { BenchStack } from '../lib/bench-stack.ts';
import { ask, spawnTsChild, stopChild } from '../lib/child.ts';
import { distributionRow, type ResultRow } from '../lib/results.ts';
import { distribution } from '../lib/stats.ts';
import { isLoadReport, type LoadJob, type LoadReport } from '../load/protocol.ts';

export interface PublicPageOptions {
  readonly concurrencyLevels: readonly number[];
  /** Per level: no new request after this many or after `durationMs`. */
  readonly maxRequests: number;
  readonly durationMs: number;
  /** Requests at concurrency 1 before the levels, not counted. */
  readonly warmupRequests: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

interface Route {
  readonly label: string;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly asVisitors?: boolean;
  readonly note?: string;
}

export async function measurePublicPage(bench: BenchStack, options: PublicPageOptions): Promise<ResultRow[]> {
  const worker = spawnTsChild(path.join(import.meta.dirname, '../load/worker.ts'));
  let nextJobId = 1;
  const run = (route: Route, concurrency: number, maxRequests: number, durationMs: number) => {
    const job: LoadJob = {
      kind: 'load',
      id: nextJobId++,
      url: route.url,
      method: route.method,
      ...(route.asVisitors ? { asVisitors: true } : {}),
      concurrency,
      maxRequests,
      durationMs,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    };
    return ask(
      worker,
      job,
      (answer) => (isLoadReport(answer, job.id) ? answer : undefined),
      `the load generator (${route.label} x${concurrency})`,
      durationMs + REQUEST_TIMEOUT_MS + 30_000,
    );
  };

  const routes: Route[] = [
    { label: 'GET /callnow/{id}', method: 'GET', url: bench.stack.demoUrl },
    {
      label: 'POST /callnow/{id}/requests',
      method: 'POST',
      url: `${bench.stack.demoUrl}/requests`,
      asVisitors: true,
      note:
        'each client a visitor on a loopback address of its own, each request a number of its own; each 202 ' +
        'queues a call for extension 101; the simulated PBX is down meanwhile, so they wait in the queue rather ' +
        'than share the 2 cores with the connector (up, all but one would end failed/extension_busy)',
    },
  ];
  const rows: ResultRow[] = [];
  try {
    for (const route of routes) {
      if (route.method === 'POST') await bench.simulator.crash();
      await run(route, 1, options.warmupRequests, REQUEST_TIMEOUT_MS);
      bench.calls.reset();
      let answered = 0;
      for (const concurrency of options.concurrencyLevels) {
        const report: LoadReport = await run(route, concurrency, options.maxRequests, options.durationMs);
        answered += report.totalMs.length;
        const name = `${route.label} x${concurrency}`;
        const ok = Object.entries(report.statuses)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', ');
        rows.push(distributionRow(2, `${name}: TTFB`, 'ms', distribution(report.ttfbMs)));
        rows.push({
          figure: 2,
          name: `${name}: throughput`,
          unit: 'req/s',
          median: report.totalMs.length / (report.elapsedMs / 1000),
          samples: report.totalMs.length,
          note: `p99 response ${distribution(report.totalMs).p99.toFixed(1)} ms; answers ${ok}`,
        });
      }
      const counts = bench.calls.snapshot();
      const path = route.method === 'GET' ? /^\/callnow\/[^/?]+$/ : /^\/callnow\/[^/]+\/requests$/;
      const roundTrips = distribution(bench.calls.traces(route.method, path).map(sequentialRoundTrips));
      const dynamo = callsPer(counts, 'DynamoDB', 'http', answered);
      const sqs = callsPer(counts, 'SQS', 'http', answered);
      rows.push({
        figure: 2,
        name: `${route.label}: DynamoDB calls/request`,
        unit: 'calls',
        median: dynamo.perUnit,
        samples: answered,
        note: dynamo.breakdown,
      });
      rows.push({
        figure: 2,
        name: `${route.label}: DynamoDB round trips`,
        unit: 'in a row',
        median: roundTrips.median,
        samples: roundTrips.samples,
        note: `max ${roundTrips.max}; calls sent together count once`,
      });
      rows.push({
        figure: 2,
        name: `${route.label}: SQS calls/request`,
        unit: 'calls',
        median: sqs.perUnit,
        samples: answered,
        note: route.note === undefined ? sqs.breakdown : `${sqs.breakdown}; ${route.note}`,
      });
    }
    return rows;
  } finally {
    await stopChild(worker);
  }
}
