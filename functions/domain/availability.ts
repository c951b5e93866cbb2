// "Available only in a time interval", evaluated in the extension's own time zone, daylight saving included.
import { type Availability, WEEKDAYS, type Weekday } from './model.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The weekday and minute of the day that the wall clock shows in `timeZone` at `instant`. */
export function wallClock(instant: Date, timeZone: string): { day: Weekday; minutes: number } {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const day = part('weekday').toLowerCase().slice(0, 3) as Weekday;
  return { day, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/**
 * True when `instant` falls inside the interval. An interval whose `to` is not after `from` crosses midnight:
 * it starts on one of `days` and ends the next morning.
 */
export function isAvailableAt(availability: Availability | null, instant: Date): boolean {
  if (!availability) return true;
  const { day, minutes } = wallClock(instant, availability.timeZone);
  const from = toMinutes(availability.from);
  const to = toMinutes(availability.to);
  const startsOn = (weekday: Weekday) => availability.days.includes(weekday);
  if (from < to) return startsOn(day) && minutes >= from && minutes < to;
  const previousDay = WEEKDAYS[(WEEKDAYS.indexOf(day) + WEEKDAYS.length - 1) % WEEKDAYS.length] as Weekday;
  return (startsOn(day) && minutes >= from) || (startsOn(previousDay) && minutes < to);
}
