import * as fc from 'fast-check';
import { DateTime } from 'luxon';

import { DayClock, formatInstant } from './day-clock';

const MIN = 60_000;

/** Zones with whole-, half- and quarter-hour offsets, DST of an hour and of half an hour, transitions at midnight. */
const ZONES = [
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Europe/London',
  'America/New_York',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
  'America/Havana',
  'Asia/Beirut',
  'Africa/Casablanca',
  'Pacific/Apia',
  'Etc/UTC',
  'UTC',
];

/** The oracle: luxon asked afresh for every wall-clock minute, as the engine did before DayClock. */
function luxonInstantAt(date: string, zone: string, minute: number): number | null {
  const day = DateTime.fromISO(date, { zone }).startOf('day');
  if (minute === 1440) return day.plus({ days: 1 }).startOf('day').toMillis();
  const hour = Math.floor(minute / 60);
  const at = day.set({ hour, minute: minute % 60, second: 0, millisecond: 0 });
  return at.hour === hour && at.minute === minute % 60 ? at.toMillis() : null;
}

const dates = fc
  .date({ min: new Date('1995-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

/** Every day of 2026 and 2027 in which one of the zones changes its offset. */
function transitionDays(zone: string): string[] {
  const days: string[] = [];
  let day = DateTime.fromISO('2026-01-01', { zone });
  while (day.year < 2028) {
    const next = day.plus({ days: 1 });
    if (day.offset !== next.minus({ milliseconds: 1 }).offset || day.startOf('day').hour !== 0) {
      days.push(day.toISODate() as string);
    }
    day = next;
  }
  return days;
}

describe('DayClock', () => {
  it('refuses what is not a real YYYY-MM-DD date', () => {
    for (const date of ['', '2026-02-30', '2026-13-01', '26-11-26', '2026-11-26T00:00', '2026/11/26']) {
      expect(DayClock.of(date, 'Asia/Kolkata')).toBeNull();
    }
  });

  it('takes the fast path on ordinary days and luxon on transition days', () => {
    expect(DayClock.of('2026-11-26', 'Asia/Kolkata')!.hasConstantOffset).toBe(true);
    expect(DayClock.of('2026-03-29', 'Europe/London')!.hasConstantOffset).toBe(false);
    expect(DayClock.of('2026-10-25', 'Europe/London')!.hasConstantOffset).toBe(false);
    expect(DayClock.of('2026-06-01', 'Europe/London')!.hasConstantOffset).toBe(true);
  });

  it('knows the weekday and the bounds of the day', () => {
    const clock = DayClock.of('2026-11-26', 'Asia/Kolkata')!;
    expect(clock.weekday).toBe(4);
    expect(clock.start).toBe(Date.parse('2026-11-26T00:00:00+05:30'));
    expect(clock.end).toBe(Date.parse('2026-11-27T00:00:00+05:30'));
    expect(clock.instantAt(600)).toBe(Date.parse('2026-11-26T10:00:00+05:30'));
    expect(clock.format(Date.parse('2026-11-26T10:00:00+05:30'))).toBe('2026-11-26T10:00:00+05:30');
  });

  it('maps every wall-clock minute as luxon does, on any day in any zone', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        dates,
        fc.integer({ min: 0, max: 1440 }),
        (zone, date, minute) => {
          expect(DayClock.of(date, zone)!.instantAt(minute)).toBe(luxonInstantAt(date, zone, minute));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('maps every minute of every transition day of 2026-2027 as luxon does', () => {
    for (const zone of ZONES) {
      for (const date of transitionDays(zone)) {
        const clock = DayClock.of(date, zone)!;
        for (let minute = 0; minute <= 1440; minute += 5) {
          expect(clock.instantAt(minute)).toBe(luxonInstantAt(date, zone, minute));
        }
      }
    }
  });

  it('formats any instant near its day exactly as luxon does', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        dates,
        fc.integer({ min: -2 * 1440, max: 3 * 1440 }),
        fc.constantFrom(0, 0, 0, 1, 999, 30_000),
        (zone, date, minute, extraMs) => {
          const clock = DayClock.of(date, zone)!;
          const instant = clock.start + minute * MIN + extraMs;
          expect(clock.format(instant)).toBe(formatInstant(instant, zone));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('formats every minute of every transition day as luxon does', () => {
    for (const zone of ZONES) {
      for (const date of transitionDays(zone)) {
        const clock = DayClock.of(date, zone)!;
        for (let instant = clock.start - 60 * MIN; instant <= clock.end + 60 * MIN; instant += 15 * MIN) {
          expect(clock.format(instant)).toBe(formatInstant(instant, zone));
        }
      }
    }
  });
});
