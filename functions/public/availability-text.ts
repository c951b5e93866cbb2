// The owner's hours as the page shows them: the days and times in the visitor's language, and the window that is
// open now (or opens next) as instants, so the browser can show it in the visitor's own time zone.
import { type Availability, WEEKDAYS, type Weekday } from '../domain/model.ts';
import { type Catalogue, fill, type Language } from './i18n/index.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, cached);
  }
  return cached;
}

/** The wall clock of `timeZone` at `instantMs`, written as a UTC instant (whole minutes). */
function wallClockAsUtc(instantMs: number, timeZone: string): number {
  const parts = formatter(`wall ${timeZone}`, 'en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(instantMs);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((candidate) => candidate.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
}

/**
 * The first instant at which the wall clock of `timeZone` shows `wallMs` (a wall time written as UTC) or later.
 * A time the clock shows twice (autumn) gives the first; a time it skips (spring) gives the moment of the jump.
 */
export function firstInstantAt(wallMs: number, timeZone: string): number {
  const offsetAt = (instantMs: number) => wallClockAsUtc(instantMs, timeZone) - instantMs;
  // At most one change of offset within a day of the wall time: its offsets before and after are the candidates.
  const candidates = [
    ...new Set([wallMs - offsetAt(wallMs - DAY_MS), wallMs - offsetAt(wallMs + DAY_MS)]),
  ].sort((a, b) => a - b);
  const exact = candidates.find((candidate) => wallClockAsUtc(candidate, timeZone) === wallMs);
  if (exact !== undefined) return exact;
  let before = candidates[0] ?? wallMs;
  let after = candidates.at(-1) ?? wallMs;
  while (after - before > MINUTE_MS) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallClockAsUtc(middle, timeZone) >= wallMs) after = middle;
    else before = middle;
  }
  return after;
}

export interface AvailabilityWindow {
  readonly start: Date;
  readonly end: Date;
}

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
const weekdayOf = (wallDayMs: number): Weekday =>
  WEEKDAYS[(new Date(wallDayMs).getUTCDay() + 6) % 7] ?? 'mon';

/**
 * The window open at `now`, or else the next one to open, by the same rule as isAvailableAt: a window starts on
 * one of the days at `from` and ends at `to`, the next day when `to` is not after `from`.
 */
export function currentOrNextWindow(availability: Availability, now: Date): AvailabilityWindow {
  const { timeZone } = availability;
  const from = minutesOf(availability.from);
  const to = minutesOf(availability.to);
  const today = Math.floor(wallClockAsUtc(now.getTime(), timeZone) / DAY_MS) * DAY_MS;
  for (let days = -1; days <= 7; days++) {
    const day = today + days * DAY_MS;
    if (!availability.days.includes(weekdayOf(day))) continue;
    const start = firstInstantAt(day + from * MINUTE_MS, timeZone);
    const end = firstInstantAt((from < to ? day : day + DAY_MS) + to * MINUTE_MS, timeZone);
    if (end > now.getTime()) return { start: new Date(start), end: new Date(end) };
  }
  // Unreachable for a valid availability (at least one day a week): a window opens within eight days.
  return { start: now, end: now };
}

/** Weekday names in `language`, Monday first. */
function weekdayNames(language: Language): string[] {
  const names = formatter(`weekday ${language}`, language, { weekday: 'long', timeZone: 'UTC' });
  // 1 January 2024 was a Monday.
  return WEEKDAYS.map((_, index) => names.format(Date.UTC(2024, 0, 1 + index)));
}

/** "every day", "Monday to Friday" (a run of three or more, across Sunday too), or a list of days. */
export function describeDays(days: readonly Weekday[], language: Language, texts: Catalogue): string {
  const indexes = WEEKDAYS.flatMap((day, index) => (days.includes(day) ? [index] : []));
  if (indexes.length === WEEKDAYS.length) return texts.everyDay;
  const names = weekdayNames(language);
  const name = (index: number) => names[index % WEEKDAYS.length] ?? '';
  if (indexes.length >= 3) {
    const first = indexes.find((index) => !indexes.includes((index + WEEKDAYS.length - 1) % WEEKDAYS.length));
    const run = first === undefined ? [] : indexes.map((_, step) => (first + step) % WEEKDAYS.length);
    if (first !== undefined && run.every((index) => indexes.includes(index))) {
      return fill(texts.dayRange, { first: name(first), last: name(first + indexes.length - 1) });
    }
  }
  return new Intl.ListFormat(language, { style: 'long', type: 'conjunction' }).format(indexes.map(name));
}

/** A wall time such as `17:00`, as people write it in `language`. */
export function formatWallTime(time: string, language: Language): string {
  const minutes = minutesOf(time);
  return formatter(`time ${language}`, language, {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(Date.UTC(2024, 0, 1, Math.floor(minutes / 60), minutes % 60));
}

/** An instant's weekday and time on the owner's wall clock, in `language`. */
export function formatInstant(
  instant: Date,
  timeZone: string,
  language: Language,
): { day: string; time: string } {
  return {
    day: formatter(`day ${language} ${timeZone}`, language, { weekday: 'long', timeZone }).format(instant),
    time: formatter(`clock ${language} ${timeZone}`, language, {
      hour: 'numeric',
      minute: '2-digit',
      timeZone,
    }).format(instant),
  };
}
