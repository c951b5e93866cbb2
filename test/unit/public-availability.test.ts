// The hours the page shows: the window open now or next, across midnight and daylight-saving changes, always in
// agreement with the rule the server enforces (isAvailableAt).
import { describe, expect, it } from 'vitest';
import { isAvailableAt } from '../../functions/domain/availability.ts';
import type { Availability } from '../../functions/domain/model.ts';
import {
  currentOrNextWindow,
  describeDays,
  firstInstantAt,
  formatWallTime,
} from '../../functions/public/availability-text.ts';
import { CATALOGUES } from '../../functions/public/i18n/index.ts';

const office: Availability = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from: '09:00',
  to: '17:00',
  timeZone: 'Europe/Bucharest',
};
const saturdayNight: Availability = {
  days: ['sat'],
  from: '22:00',
  to: '06:00',
  timeZone: 'America/New_York',
};
/** Starts at 02:30 on the Sunday New York skips from 02:00 to 03:00. */
const inTheGap: Availability = { days: ['sun'], from: '02:30', to: '04:00', timeZone: 'America/New_York' };

const window = (availability: Availability, iso: string) => {
  const { start, end } = currentOrNextWindow(availability, new Date(iso));
  return { start: start.toISOString(), end: end.toISOString() };
};

describe('currentOrNextWindow', () => {
  it('gives the open window, then the next one, in Bucharest across the spring change (29 March 2026)', () => {
    expect(window(office, '2026-03-27T08:00:00Z')).toEqual({
      start: '2026-03-27T07:00:00.000Z', // Friday 09:00 EET
      end: '2026-03-27T15:00:00.000Z',
    });
    expect(window(office, '2026-03-28T12:00:00Z')).toEqual({
      start: '2026-03-30T06:00:00.000Z', // Monday 09:00 EEST
      end: '2026-03-30T14:00:00.000Z',
    });
  });

  it('moves the next window an hour later in UTC in Bucharest across the autumn change (25 October 2026)', () => {
    expect(window(office, '2026-10-23T16:00:00Z')).toEqual({
      start: '2026-10-26T07:00:00.000Z', // Monday 09:00 EET
      end: '2026-10-26T15:00:00.000Z',
    });
  });

  it('crosses midnight into the New York spring change: a night of seven real hours (8 March 2026)', () => {
    expect(window(saturdayNight, '2026-03-07T20:00:00Z')).toEqual({
      start: '2026-03-08T03:00:00.000Z', // Saturday 22:00 EST
      end: '2026-03-08T10:00:00.000Z', // Sunday 06:00 EDT
    });
    // Sunday 05:00 EDT: still the same night.
    expect(window(saturdayNight, '2026-03-08T09:00:00Z').start).toBe('2026-03-08T03:00:00.000Z');
  });

  it('starts a window whose start never happened at the moment the clock jumps past it', () => {
    expect(window(inTheGap, '2026-03-07T12:00:00Z')).toEqual({
      start: '2026-03-08T07:00:00.000Z', // 03:00 EDT, just after 01:59 EST
      end: '2026-03-08T08:00:00.000Z', // 04:00 EDT
    });
  });

  it('keeps the repeated hour of the New York autumn change inside the window (1 November 2026)', () => {
    const early: Availability = { days: ['sun'], from: '01:00', to: '02:00', timeZone: 'America/New_York' };
    expect(window(early, '2026-10-31T12:00:00Z')).toEqual({
      start: '2026-11-01T05:00:00.000Z', // 01:00 EDT
      end: '2026-11-01T07:00:00.000Z', // 02:00 EST, two real hours later
    });
  });

  it.each([
    ['Bucharest office hours, spring weekend', office, '2026-03-27T00:00:00Z'],
    ['Bucharest office hours, autumn weekend', office, '2026-10-23T00:00:00Z'],
    ['a Saturday night in New York, spring change', saturdayNight, '2026-03-06T00:00:00Z'],
    ['a Saturday night in New York, autumn change', saturdayNight, '2026-10-30T00:00:00Z'],
    ['a window starting in the skipped hour', inTheGap, '2026-03-06T00:00:00Z'],
  ])('agrees with isAvailableAt every quarter hour around the change: %s', (_, availability, fromIso) => {
    const startMs = Date.parse(fromIso);
    for (let minute = 0; minute < 4 * 24 * 60; minute += 15) {
      const instant = new Date(startMs + minute * 60_000);
      const { start, end } = currentOrNextWindow(availability, instant);
      const inWindow = start <= instant && instant < end;
      expect(inWindow, instant.toISOString()).toBe(isAvailableAt(availability, instant));
      expect(end > instant, instant.toISOString()).toBe(true);
    }
  });
});

describe('firstInstantAt', () => {
  it('maps a wall time to its instant, the first of two in a repeated hour', () => {
    expect(new Date(firstInstantAt(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York')).toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    expect(new Date(firstInstantAt(Date.UTC(2026, 0, 15, 9, 0), 'Asia/Tokyo')).toISOString()).toBe(
      '2026-01-15T00:00:00.000Z',
    );
  });
});

describe('describeDays and formatWallTime', () => {
  const { en, de, fr } = CATALOGUES;
  it.each([
    [['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], 'every day'],
    [['mon', 'tue', 'wed', 'thu', 'fri'], 'Monday to Friday'],
    [['fri', 'sat', 'sun', 'mon'], 'Friday to Monday'],
    [['mon', 'wed', 'fri'], 'Monday, Wednesday, and Friday'],
    [['sat', 'sun'], 'Saturday and Sunday'],
  ] as const)('says %j as "%s"', (days, text) => {
    expect(describeDays(days, 'en', en)).toBe(text);
  });

  it('speaks the page language', () => {
    expect(describeDays(['mon', 'tue', 'wed', 'thu', 'fri'], 'de', de)).toBe('Montag bis Freitag');
    expect(describeDays(['mon', 'tue', 'wed', 'thu', 'fri'], 'fr', fr)).toBe('du lundi au vendredi');
    expect(formatWallTime('17:00', 'en')).toBe('5:00 PM');
    expect(formatWallTime('17:00', 'de')).toBe('17:00');
  });
});
