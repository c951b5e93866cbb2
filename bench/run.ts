// The benchmark harness (issue 8): every figure, printed as a table row as it is measured and written to
// bench/results.json, with the SVG pictures beside it. Not a test: it reports, nothing fails on a number.
//
//   npx tsx bench/run.ts            the full run (a few minutes; run it on an otherwise quiet machine)
//   npx tsx bench/run.ts --smoke    a few seconds of tiny samples: checks that every figure still produces a number
//   --out <file>                    where the JSON goes (the SVGs go to the same folder); default bench/results.json
//   --only 1,3                      some figures only
// BENCH_CONNECTOR_LOG=1 shows the edge connector's own log lines (figure 4) on stderr.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

// Before the stack's modules load: they read these once. The functions log at warn here, so that the table stays
// readable; Lambda runs them at info.
process.env.LOG_LEVEL ??= 'warn';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(import.meta.dirname, 'results.json') },
    only: { type: 'string', default: '1,2,3,4' },
  },
});
const smoke = values.smoke;
const outFile = path.resolve(values.out);
const outDir = path.dirname(outFile);
const only = new Set(values.only.split(',').map((figure) => Number(figure.trim())));

const { describeMachine, tableHeader, tableLine, writeResults } = await import('./lib/results.ts');
type ResultRow = import('./lib/results.ts').ResultRow;
type FigureNumber = import('./lib/results.ts').FigureNumber;
const { cdfChart, connectorChart } = await import('./lib/svg.ts');
const { startBenchStack } = await import('./lib/bench-stack.ts');
const { measureClickToOriginate } = await import('./figures/click-to-originate.ts');
const { measurePublicPage } = await import('./figures/public-page.ts');
const { measureColdStart } = await import('./figures/cold-start.ts');
const { measureConnector } = await import('./figures/connector.ts');

const startedAt = new Date();
const startedMs = performance.now();
const machine = describeMachine();
const rows: ResultRow[] = [];
const failures: { figure: FigureNumber; error: string }[] = [];

console.log(
  `CallNow benchmark (${smoke ? 'smoke' : 'full'}) on ${machine.cpuCount} x ${machine.cpuModel}, ` +
    `${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`,
);
console.log(tableHeader());

function report(newRows: readonly ResultRow[]): void {
  for (const row of newRows) {
    rows.push(row);
    console.log(tableLine(row));
  }
}

async function figure(number: FigureNumber, measure: () => Promise<void>): Promise<void> {
  if (!only.has(number)) return;
  const figureStartedMs = performance.now();
  try {
    await measure();
    console.log(`    figure ${number}: ${((performance.now() - figureStartedMs) / 1000).toFixed(1)} s`);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    failures.push({ figure: number, error: message });
    console.error(`figure ${number} could not be measured: ${message}`);
  }
}

await mkdir(outDir, { recursive: true });

if (only.has(1) || only.has(2)) {
  // The simulated calls of figure 1 last 6 s x 0.02: the next click waits for the phone to be free again.
  const bench = await startBenchStack(0.02);
  try {
    await figure(1, async () => {
      const result = await measureClickToOriginate(
        bench,
        smoke ? { runs: 3, warmupRuns: 1 } : { runs: 200, warmupRuns: 10 },
      );
      report(result.rows);
      await writeFile(
        path.join(outDir, 'click-to-originate-cdf.svg'),
        cdfChart('Click -> Originate on the local stack, and its floor', 'milliseconds', [
          { label: 'click -> Originate', color: '#3b6ea8', values: result.clickMs },
          { label: 'floor (the raw operations in sequence)', color: '#9bbb59', values: result.floorMs },
        ]),
      );
    });
    // Figure 2 takes the simulated PBX down for its POSTs: it runs after figure 1.
    await figure(2, async () => {
      report(
        await measurePublicPage(
          bench,
          smoke
            ? { concurrencyLevels: [1, 10, 50], maxRequests: 60, durationMs: 300, warmupRequests: 5 }
            : { concurrencyLevels: [1, 10, 50], maxRequests: 5000, durationMs: 4000, warmupRequests: 100 },
        ),
      );
    });
  } finally {
    await bench.stop();
  }
}

await figure(3, async () => {
  report(await measureColdStart({ loads: smoke ? 1 : 15 }));
});

await figure(4, async () => {
  const result = await measureConnector(
    smoke
      ? { concurrencyLevels: [10], warmupRounds: 0, rounds: 1, minCallsPerLevel: 0 }
      : { concurrencyLevels: [10, 100, 500], warmupRounds: 1, rounds: 3, minCallsPerLevel: 60 },
  );
  report(result.rows);
  await writeFile(
    path.join(outDir, 'connector-scaling.svg'),
    connectorChart(
      'Edge connector on one AMI connection',
      result.levels.map((level) => ({
        concurrency: level.concurrency,
        callsPerSecond: level.callsPerSecond,
        rssMiB: level.peakRssMiB,
      })),
    ),
  );
});

const durationSeconds = Math.round((performance.now() - startedMs) / 100) / 10;
await writeResults(outFile, {
  mode: smoke ? 'smoke' : 'full',
  startedAt: startedAt.toISOString(),
  durationSeconds,
  machine,
  rows,
  failures,
});
console.log(
  `\n${rows.length} rows in ${durationSeconds} s, written to ${path.relative(process.cwd(), outFile)}`,
);
for (const failure of failures) console.log(`figure ${failure.figure} FAILED: ${failure.error}`);
process.exitCode = failures.length > 0 ? 1 : 0;
