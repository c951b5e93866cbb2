// The benchmark's output: one row per figure, printed as a table line as soon as it is measured and written to
// a JSON file (bench/results.json) with the machine it ran on.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { Distribution } from './stats.ts';

export type FigureNumber = 1 | 2 | 3 | 4;

export interface ResultRow {
  readonly figure: FigureNumber;
  readonly name: string;
  readonly unit: string;
  /** The figure itself: a median for distributions, the value for a single measurement (a size, a rate). */
  readonly median: number;
  readonly p90?: number;
  readonly p99?: number;
  /** How many measurements the row summarises (runs, requests, loads...). */
  readonly samples: number;
  /** The same quantity for the floor, measured in the same run. */
  readonly floor?: number;
  /** median / floor. */
  readonly ratio?: number;
  readonly goal?: string;
  readonly meetsGoal?: boolean;
  readonly note?: string;
}

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverageAtStart: readonly number[];
}

export interface BenchResults {
  readonly mode: 'full' | 'smoke';
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly rows: readonly ResultRow[];
  /** Figures that could not be measured, with why; empty after a good run. */
  readonly failures: readonly { readonly figure: FigureNumber; readonly error: string }[];
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}

/** A row for a distribution of samples, with its floor (a median measured in the same run) when there is one. */
export function distributionRow(
  figure: FigureNumber,
  name: string,
  unit: string,
  measured: Distribution,
  extra: { floor?: number; goalRatio?: number; goal?: string; note?: string } = {},
): ResultRow {
  const ratio = extra.floor === undefined ? undefined : measured.median / extra.floor;
  return {
    figure,
    name,
    unit,
    median: measured.median,
    p90: measured.p90,
    p99: measured.p99,
    samples: measured.samples,
    ...(extra.floor === undefined ? {} : { floor: extra.floor }),
    ...(ratio === undefined ? {} : { ratio }),
    ...(extra.goal === undefined ? {} : { goal: extra.goal }),
    ...(extra.goalRatio === undefined || ratio === undefined ? {} : { meetsGoal: ratio <= extra.goalRatio }),
    ...(extra.note === undefined ? {} : { note: extra.note }),
  };
}

const COLUMNS = [
  { title: 'fig', width: 3 },
  { title: 'figure', width: 52 },
  { title: 'median', width: 9 },
  { title: 'p90', width: 9 },
  { title: 'p99', width: 9 },
  { title: 'unit', width: 11 },
  { title: 'n', width: 6 },
  { title: 'floor', width: 9 },
  { title: 'ratio', width: 6 },
  { title: 'goal', width: 18 },
] as const;

/** 3 significant digits or so, without exponent notation. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cells(row: ResultRow): string[] {
  const goal =
    row.goal === undefined
      ? ''
      : `${row.goal}${row.meetsGoal === undefined ? '' : row.meetsGoal ? ' ok' : ' MISS'}`;
  return [
    String(row.figure),
    row.name,
    formatNumber(row.median),
    formatNumber(row.p90),
    formatNumber(row.p99),
    row.unit,
    String(row.samples),
    formatNumber(row.floor),
    row.ratio === undefined ? '-' : row.ratio.toFixed(2),
    goal,
  ];
}

function line(values: readonly string[]): string {
  return values
    .map((value, index) => {
      const width = COLUMNS[index]?.width ?? 10;
      return index === 1 || index === 5 || index === 9 ? value.padEnd(width) : value.padStart(width);
    })
    .join(' ')
    .trimEnd();
}

export function tableHeader(): string {
  const titles = COLUMNS.map((column) => column.title);
  return `${line(titles)}\n${line(COLUMNS.map((column) => '-'.repeat(column.width)))}`;
}

export function tableLine(row: ResultRow): string {
  const text = line(cells(row));
  return row.note === undefined ? text : `${text}\n${' '.repeat(4)}(${row.note})`;
}

export async function writeResults(path: string, results: BenchResults): Promise<void> {
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}
