import { describe, expect, it } from 'vitest';
import { isAvailableAt, isValidTimeZone } from '../../functions/domain/availability.ts';
import type { Availability } from '../../functions/domain/model.ts';

const weekdays = (timeZone: string, from = '09:00', to = '17:00'): Availability => ({
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  from,
  to,
  timeZone,
});
const at = (iso: string) => new Date(iso);

describe('isAvailableAt', () => {
  it('is always available without an interval', () => {
    expect(isAvailableAt(null, at('2026-11-26T03:00:00Z'))).toBe(true);
  });

  it('follows Europe/Bucharest across the spring change (UTC+2 to UTC+3 on 29 March 2026)', () => {
    const office = weekdays('Europe/Bucharest');
    expect(isAvailableAt(office, at('2026-03-27T06:59:00Z'))).toBe(false); // Friday 08:59 EET
    expect(isAvailableAt(office, at('2026-03-27T07:00:00Z'))).toBe(true); // Friday 09:00 EET
    expect(isAvailableAt(office, at('2026-03-30T05:59:00Z'))).toBe(false); // Monday 08:59 EEST
    expect(isAvailableAt(office, at('2026-03-30T06:00:00Z'))).toBe(true); // Monday 09:00 EEST
    expect(isAvailableAt(office, at('2026-03-30T13:59:00Z'))).toBe(true); // Monday 16:59 EEST
    expect(isAvailableAt(office, at('2026-03-30T14:00:00Z'))).toBe(false); // Monday 17:00 EEST
  });

  it('follows Europe/Bucharest across the autumn change (UTC+3 to UTC+2 on 25 October 2026)', () => {
    const office = weekdays('Europe/Bucharest');
    expect(isAvailableAt(office, at('2026-10-23T06:00:00Z'))).toBe(true); // Friday 09:00 EEST
    expect(isAvailableAt(office, at('2026-10-26T06:00:00Z'))).toBe(false); // Monday 08:00 EET
    expect(isAvailableAt(office, at('2026-10-26T07:00:00Z'))).toBe(true); // Monday 09:00 EET
  });

  it('keeps a night interval across midnight and across the New York spring change (8 March 2026)', () => {
    const night: Availability = { days: ['sat'], from: '22:00', to: '06:00', timeZone: 'America/New_York' };
    expect(isAvailableAt(night, at('2026-03-08T02:30:00Z'))).toBe(false); // Saturday 21:30 EST
    expect(isAvailableAt(night, at('2026-03-08T03:30:00Z'))).toBe(true); // Saturday 22:30 EST
    expect(isAvailableAt(night, at('2026-03-08T06:30:00Z'))).toBe(true); // Sunday 01:30 EST
    expect(isAvailableAt(night, at('2026-03-08T07:30:00Z'))).toBe(true); // Sunday 03:30 EDT (02:00-03:00 never happened)
    expect(isAvailableAt(night, at('2026-03-08T09:59:00Z'))).toBe(true); // Sunday 05:59 EDT
    expect(isAvailableAt(night, at('2026-03-08T10:00:00Z'))).toBe(false); // Sunday 06:00 EDT
    expect(isAvailableAt(night, at('2026-03-09T03:30:00Z'))).toBe(false); // Sunday 23:30 EDT: starts only on Saturdays
  });

  it('treats the repeated hour of the New York autumn change (1 November 2026) by the wall clock', () => {
    const early: Availability = { days: ['sun'], from: '01:00', to: '02:00', timeZone: 'America/New_York' };
    expect(isAvailableAt(early, at('2026-11-01T05:30:00Z'))).toBe(true); // 01:30 EDT
    expect(isAvailableAt(early, at('2026-11-01T06:30:00Z'))).toBe(true); // 01:30 EST, the hour again
    expect(isAvailableAt(early, at('2026-11-01T07:30:00Z'))).toBe(false); // 02:30 EST
  });

  it('knows IANA time zones from made-up ones', () => {
    expect(isValidTimeZone('Europe/Bucharest')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
