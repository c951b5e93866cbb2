// The benchmark harness (bench/run.ts) still measures every figure: its smoke mode runs against the real local
// stack, emulators, simulator and bundles, and every row it reports is a finite number. Not a timed test: no value
// is checked against anything (CI must never fail on a figure's value).
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/lib/results.ts';

const run = promisify(execFile);
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

describe('the benchmark smoke run (npm run bench -- --smoke)', () => {
  let outDir: string;
  let results: BenchResults;
  let output: string;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'callnow-bench-smoke-'));
    const outFile = path.join(outDir, 'results.json');
    const finished = await run(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', outFile],
      { cwd: PROJECT_ROOT, env: process.env, timeout: 240_000, maxBuffer: 16 * 2 ** 20 },
    ).catch((error: { stdout?: string; stderr?: string }) => error);
    output = `${finished.stdout ?? ''}\n${finished.stderr ?? ''}`;
    results = JSON.parse(await readFile(outFile, 'utf8')) as BenchResults;
  }, 300_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('measures all four figures, each row a finite number, and draws both pictures', async () => {
    expect(results.failures, output).toEqual([]);
    expect(new Set(results.rows.map((row) => row.figure))).toEqual(new Set([1, 2, 3, 4]));
    for (const row of results.rows) {
      const numbers = [row.median, row.p90, row.p99, row.floor, row.ratio].filter(
        (value) => value !== undefined,
      );
      expect(
        numbers.every((value) => Number.isFinite(value)),
        `${row.name}: ${numbers.join(', ')}`,
      ).toBe(true);
    }
    await access(path.join(outDir, 'click-to-originate-cdf.svg'));
    await access(path.join(outDir, 'connector-scaling.svg'));
  });
});
