import { isOfficeHours, localTime, parseOfficeHours } from '../../src/schedule';

const office = parseOfficeHours('Mon-Fri 07:00-19:00');

describe('office hours', () => {
  it('reads ranges, lists, several windows and none', () => {
    expect(office).toEqual([{ days: [1, 2, 3, 4, 5], start: 420, end: 1140 }]);
    expect(parseOfficeHours('Sat,Sun 10:00-14:00; Fri-Mon 22:00-02:00')).toEqual([
      { days: [0, 6], start: 600, end: 840 },
      { days: [0, 1, 5, 6], start: 1320, end: 120 },
    ]);
    expect(parseOfficeHours('none')).toEqual([]);
    expect(() => parseOfficeHours('Mon-Fri 7-19')).toThrow(/HH:MM/);
    expect(() => parseOfficeHours('Someday 07:00-19:00')).toThrow(/weekday/);
  });

  it('follows Berlin across the spring DST change (07:00 local is 06:00 UTC in winter, 05:00 UTC in summer)', () => {
    // Friday 2026-03-27 (CET, UTC+1) and Monday 2026-03-30 (CEST, UTC+2)
    expect(isOfficeHours(Date.UTC(2026, 2, 27, 5, 59), office, 'Europe/Berlin')).toBe(false);
    expect(isOfficeHours(Date.UTC(2026, 2, 27, 6, 0), office, 'Europe/Berlin')).toBe(true);
    expect(isOfficeHours(Date.UTC(2026, 2, 30, 4, 59), office, 'Europe/Berlin')).toBe(false);
    expect(isOfficeHours(Date.UTC(2026, 2, 30, 5, 0), office, 'Europe/Berlin')).toBe(true);
    expect(isOfficeHours(Date.UTC(2026, 2, 30, 16, 59), office, 'Europe/Berlin')).toBe(true);
    expect(isOfficeHours(Date.UTC(2026, 2, 30, 17, 0), office, 'Europe/Berlin')).toBe(false);
  });

  it('follows the autumn change and weekends', () => {
    // Monday 2026-10-26 is CET again: 19:00 local = 18:00 UTC
    expect(isOfficeHours(Date.UTC(2026, 9, 26, 17, 59), office, 'Europe/Berlin')).toBe(true);
    expect(isOfficeHours(Date.UTC(2026, 9, 26, 18, 0), office, 'Europe/Berlin')).toBe(false);
    // Sunday 2026-10-25 10:00 local
    expect(isOfficeHours(Date.UTC(2026, 9, 25, 9, 0), office, 'Europe/Berlin')).toBe(false);
    expect(localTime(Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin')).toEqual({ weekday: 0, minute: 150 });
  });

  it('puts a window past midnight on the day it starts', () => {
    const night = parseOfficeHours('Fri 22:00-02:00');
    expect(isOfficeHours(Date.UTC(2026, 11, 4, 23, 0), night, 'UTC')).toBe(true); // Friday 23:00
    expect(isOfficeHours(Date.UTC(2026, 11, 5, 1, 0), night, 'UTC')).toBe(true); // Saturday 01:00
    expect(isOfficeHours(Date.UTC(2026, 11, 6, 1, 0), night, 'UTC')).toBe(false); // Sunday 01:00
  });
});
