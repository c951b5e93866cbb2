// The benchmark's pictures as plain SVG, drawn by hand (no chart library, no browser): the click -> Originate
// distribution beside its floor, and the connector's throughput and memory against concurrency.

export interface CdfSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const TITLE_FONT = 'font-family="system-ui, sans-serif" font-size="15" font-weight="bold"';

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** About five round steps from 0 to at least `max`. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw) ?? raw;
  const values: number[] = [];
  for (let value = 0; value <= max + step / 2; value += step) values.push(Number(value.toPrecision(6)));
  return values;
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" ${TITLE_FONT}>${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function axes(
  frame: Frame,
  xTicks: number[],
  yTicks: number[],
  xMax: number,
  yMax: number,
  labels: [string, string],
) {
  const { left, top, width, height } = frame;
  const x = (value: number) => left + (value / xMax) * width;
  const y = (value: number) => top + height - (value / yMax) * height;
  const parts = [
    `<line x1="${left}" y1="${top + height}" x2="${left + width}" y2="${top + height}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + height}" stroke="#333"/>`,
  ];
  for (const tick of xTicks) {
    parts.push(
      `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${top + height}" stroke="#eee"/>`,
      `<text x="${x(tick)}" y="${top + height + 16}" text-anchor="middle" ${FONT}>${tick}</text>`,
    );
  }
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${left}" y1="${y(tick)}" x2="${left + width}" y2="${y(tick)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end" ${FONT}>${tick}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width / 2}" y="${top + height + 36}" text-anchor="middle" ${FONT}>${escapeXml(labels[0])}</text>`,
    `<text transform="translate(${left - 42} ${top + height / 2}) rotate(-90)" text-anchor="middle" ${FONT}>${escapeXml(labels[1])}</text>`,
  );
  return { parts, x, y };
}

/** Empirical CDFs, as step lines; the x axis ends a little past the largest p99 so that one outlier does not squash it. */
export function cdfChart(title: string, xLabel: string, series: readonly CdfSeries[]): string {
  const frame: Frame = { left: 70, top: 40, width: 560, height: 300 };
  const sortedSeries = series.map((entry) => ({ ...entry, sorted: [...entry.values].sort((a, b) => a - b) }));
  const p99s = sortedSeries.map(
    ({ sorted }) => sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0,
  );
  const xMax = Math.max(1, ...p99s) * 1.15;
  const xTicks = ticks(xMax);
  const xEnd = xTicks.at(-1) ?? xMax;
  const { parts, x, y } = axes(frame, xTicks, [0, 0.25, 0.5, 0.75, 1], xEnd, 1, [xLabel, 'fraction of runs']);
  // Top left, where CDFs still at 0 leave room; on a backdrop in case a curve runs under it.
  const legend: string[] = [
    `<rect x="${frame.left + 6}" y="${frame.top + 4}" width="380" height="${8 + sortedSeries.length * 18}" fill="white" fill-opacity="0.85"/>`,
  ];
  sortedSeries.forEach(({ label, color, sorted }, index) => {
    const points: string[] = [`${x(0)},${y(0)}`];
    sorted.forEach((value, rank) => {
      const clipped = Math.min(value, xEnd);
      points.push(
        `${x(clipped)},${y(rank / sorted.length)}`,
        `${x(clipped)},${y((rank + 1) / sorted.length)}`,
      );
    });
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    const median = sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)] ?? 0;
    const legendX = frame.left + 12;
    const legendY = frame.top + 18 + index * 18;
    legend.push(
      `<line x1="${legendX}" y1="${legendY - 4}" x2="${legendX + 20}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${legendX + 26}" y="${legendY}" ${FONT}>${escapeXml(
        `${label} (median ${median.toFixed(1)}, n=${sorted.length})`,
      )}</text>`,
    );
  });
  parts.push(...legend);
  return svgDocument(frame.left + frame.width + 30, frame.top + frame.height + 50, title, parts);
}

export interface ConcurrencyPoint {
  readonly concurrency: number;
  readonly callsPerSecond: number;
  readonly rssMiB: number;
}

/** Two bar panels side by side, one bar per concurrency level: calls set up per second, and peak resident memory. */
export function connectorChart(title: string, points: readonly ConcurrencyPoint[]): string {
  const panel = (left: number, label: string, color: string, value: (point: ConcurrencyPoint) => number) => {
    const frame: Frame = { left, top: 40, width: 260, height: 240 };
    const yMax = Math.max(1, ...points.map(value)) * 1.15;
    const yTicks = ticks(yMax);
    const yEnd = yTicks.at(-1) ?? yMax;
    const { parts, y } = axes(frame, [], yTicks, 1, yEnd, ['requests queued at once', label]);
    const slot = frame.width / Math.max(1, points.length);
    points.forEach((point, index) => {
      const barX = frame.left + slot * index + slot * 0.2;
      const top = y(value(point));
      parts.push(
        `<rect x="${barX}" y="${top}" width="${slot * 0.6}" height="${frame.top + frame.height - top}" fill="${color}"/>`,
        `<text x="${barX + slot * 0.3}" y="${top - 4}" text-anchor="middle" ${FONT}>${value(point).toFixed(0)}</text>`,
        `<text x="${barX + slot * 0.3}" y="${frame.top + frame.height + 16}" text-anchor="middle" ${FONT}>${point.concurrency}</text>`,
      );
    });
    return parts;
  };
  return svgDocument(700, 330, title, [
    ...panel(70, 'calls set up per second', '#3b6ea8', (point) => point.callsPerSecond),
    ...panel(420, 'peak resident memory (MiB)', '#c0504d', (point) => point.rssMiB),
  ]);
}
