import * as fc from 'fast-check';
import { DateTime } from 'luxon';

import { formatTimeOfDay, OpeningInterval } from '../schedule/opening-hours';
import { formatInstant } from './day-clock';
import {
  availableSlots,
  candidateSlots,
  freeStaff,
  Interval,
  localDateOf,
  ShopSchedule,
  withinBookingWindow,
} from './slot-engine';

const MIN = 60_000;
/** Local midnight (or the day's first instant) straight from luxon: the oracle the engine is checked against. */
const localDay = (date: string, zone: string) => DateTime.fromISO(date, { zone }).startOf('day');
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true }).toMillis();
const isoIn = (zone: string) => (instant: number) => formatInstant(instant, zone);
const schedule = (
  timezone: string,
  openingHours: OpeningInterval[],
  slotIntervalMinutes = 15,
): ShopSchedule => ({ timezone, openingHours, slotIntervalMinutes });

// 2026-11-26 is a Thursday (ISO weekday 4).
const THURSDAY = '2026-11-26';

describe('candidateSlots', () => {
  it('puts every start on the grid, the whole service before closing', () => {
    const slots = candidateSlots(
      THURSDAY,
      schedule('Asia/Kolkata', [{ weekday: 4, opens: '09:00', closes: '12:00' }]),
      30,
    );
    expect(slots.map((slot) => formatInstant(slot.start, 'Asia/Kolkata'))).toEqual(
      ['09:00', '09:15', '09:30', '09:45', '10:00', '10:15', '10:30', '10:45', '11:00', '11:15', '11:30'].map(
        (time) => `${THURSDAY}T${time}:00+05:30`,
      ),
    );
    expect(slots.at(-1)!.end).toBe(at(`${THURSDAY}T12:00:00+05:30`));
    expect(slots.every((slot) => slot.end - slot.start === 30 * MIN)).toBe(true);
  });

  it('respects a lunch break and ignores other weekdays', () => {
    const slots = candidateSlots(
      THURSDAY,
      schedule(
        'Asia/Kolkata',
        [
          { weekday: 4, opens: '09:00', closes: '10:00' },
          { weekday: 4, opens: '14:00', closes: '15:00' },
          { weekday: 5, opens: '09:00', closes: '18:00' },
        ],
        30,
      ),
      30,
    );
    expect(slots.map((slot) => formatInstant(slot.start, 'Asia/Kolkata').slice(11, 16))).toEqual([
      '09:00',
      '09:30',
      '14:00',
      '14:30',
    ]);
  });

  it('offers nothing on a closed day, an invalid date, or when the service is longer than the opening', () => {
    const hours = [{ weekday: 4, opens: '09:00', closes: '10:00' }];
    expect(candidateSlots('2026-11-27', schedule('Asia/Kolkata', hours), 15)).toEqual([]);
    expect(candidateSlots('2026-02-30', schedule('Asia/Kolkata', hours), 15)).toEqual([]);
    expect(candidateSlots('26-11-2026', schedule('Asia/Kolkata', hours), 15)).toEqual([]);
    expect(candidateSlots(THURSDAY, schedule('Asia/Kolkata', hours), 61)).toEqual([]);
    expect(candidateSlots(THURSDAY, schedule('Asia/Kolkata', hours), 60)).toHaveLength(1);
  });

  it('anchors the grid at local midnight, not at the opening time', () => {
    const slots = candidateSlots(
      THURSDAY,
      schedule('Asia/Kolkata', [{ weekday: 4, opens: '09:10', closes: '10:00' }]),
      15,
    );
    expect(slots.map((slot) => formatInstant(slot.start, 'Asia/Kolkata').slice(11, 16))).toEqual([
      '09:15',
      '09:30',
      '09:45',
    ]);
  });

  it('closes at 24:00 at the end of the local day', () => {
    const slots = candidateSlots(
      THURSDAY,
      schedule('Asia/Kolkata', [{ weekday: 4, opens: '23:00', closes: '24:00' }], 30),
      30,
    );
    expect(slots.map((slot) => isoIn('Asia/Kolkata')(slot.end))).toEqual([
      '2026-11-26T23:30:00+05:30',
      '2026-11-27T00:00:00+05:30',
    ]);
  });

  describe('daylight saving time (Europe/London and America/New_York)', () => {
    const night = (weekday: number) => [{ weekday, opens: '00:00', closes: '04:00' }];

    it('skips wall-clock times that do not exist when clocks go forward (London, 29 March 2026)', () => {
      const slots = candidateSlots('2026-03-29', schedule('Europe/London', night(7), 30), 30);
      expect(slots.map((slot) => isoIn('Europe/London')(slot.start))).toEqual([
        '2026-03-29T00:00:00+00:00',
        '2026-03-29T00:30:00+00:00',
        '2026-03-29T02:00:00+01:00',
        '2026-03-29T02:30:00+01:00',
        '2026-03-29T03:00:00+01:00',
        '2026-03-29T03:30:00+01:00',
      ]);
      // 00:30 + 30 real minutes is 02:00 on the clock.
      expect(isoIn('Europe/London')(slots[1].end)).toBe('2026-03-29T02:00:00+01:00');
    });

    it('offers each wall-clock time once when clocks go back (London, 25 October 2026)', () => {
      const slots = candidateSlots('2026-10-25', schedule('Europe/London', night(7), 30), 30);
      const clock = slots.map((slot) => isoIn('Europe/London')(slot.start).slice(11, 16));
      expect(clock).toEqual(['00:00', '00:30', '01:00', '01:30', '02:00', '02:30', '03:00', '03:30']);
      expect(new Set(slots.map((slot) => slot.start)).size).toBe(slots.length);
      expect(slots.every((slot, i) => i === 0 || slot.start > slots[i - 1].start)).toBe(true);
    });

    it('does the same in New York (8 March and 1 November 2026)', () => {
      const spring = candidateSlots('2026-03-08', schedule('America/New_York', night(7), 60), 60);
      expect(spring.map((slot) => isoIn('America/New_York')(slot.start).slice(11, 16))).toEqual([
        '00:00',
        '01:00',
        '03:00',
      ]);
      const autumn = candidateSlots('2026-11-01', schedule('America/New_York', night(7), 60), 60);
      expect(autumn.map((slot) => isoIn('America/New_York')(slot.start).slice(11, 16))).toEqual([
        '00:00',
        '01:00',
        '02:00',
        '03:00',
      ]);
    });

    it('keeps service lengths in real minutes across the transition', () => {
      const slots = candidateSlots('2026-10-25', schedule('Europe/London', night(7), 60), 90);
      expect(slots.every((slot) => slot.end - slot.start === 90 * MIN)).toBe(true);
      expect(slots.every((slot) => slot.end <= at('2026-10-25T04:00:00+00:00'))).toBe(true);
    });
  });

  it('satisfies its invariants for any valid schedule, zone and day', () => {
    const zones = ['Asia/Kolkata', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];
    const dates = [
      '2026-03-08',
      '2026-03-29',
      '2026-04-05',
      '2026-10-04',
      '2026-10-25',
      '2026-11-01',
      THURSDAY,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...dates),
        fc.integer({ min: 5, max: 60 }),
        fc.integer({ min: 5, max: 240 }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1440 }),
        (zone, date, grid, duration, opens, length) => {
          const closes = Math.min(1440, opens + length);
          const weekday = localDay(date, zone).weekday;
          const hours = [
            {
              weekday,
              opens: formatTimeOfDay(opens),
              closes: closes === 1440 ? '24:00' : formatTimeOfDay(closes),
            },
          ];
          const slots = candidateSlots(date, schedule(zone, hours, grid), duration);
          const day = localDay(date, zone);
          const closeInstant = closes === 1440 ? day.plus({ days: 1 }).toMillis() : null;
          for (const [i, slot] of slots.entries()) {
            const local = DateTime.fromMillis(slot.start, { zone });
            const minute = local.hour * 60 + local.minute;
            expect(local.toISODate()).toBe(date);
            expect(minute % grid).toBe(0);
            expect(minute).toBeGreaterThanOrEqual(opens);
            expect(minute).toBeLessThan(closes);
            expect(slot.end - slot.start).toBe(duration * MIN);
            if (closeInstant !== null) expect(slot.end).toBeLessThanOrEqual(closeInstant);
            if (i > 0) expect(slot.start).toBeGreaterThan(slots[i - 1].start);
          }
          // Without a transition that day, every grid minute that fits is offered.
          const offsets = new Set([day.offset, day.set({ hour: 23, minute: 59 }).offset]);
          if (offsets.size === 1) {
            const first = Math.ceil(opens / grid) * grid;
            const expected =
              first + duration <= closes ? Math.floor((closes - duration - first) / grid) + 1 : 0;
            expect(slots).toHaveLength(Math.max(0, expected));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('freeStaff and availableSlots', () => {
  const slot: Interval = { start: 100 * MIN, end: 130 * MIN };

  it('counts a staff member busy only if a booking overlaps; touching is free', () => {
    const busy = {
      a: [{ start: 70 * MIN, end: 100 * MIN }],
      b: [{ start: 130 * MIN, end: 160 * MIN }],
      c: [{ start: 129 * MIN, end: 140 * MIN }],
      d: [{ start: 90 * MIN, end: 101 * MIN }],
    };
    expect(freeStaff(slot, ['a', 'b', 'c', 'd', 'e'], busy)).toEqual(['a', 'b', 'e']);
  });

  it('agrees with a brute-force minute-by-minute check', () => {
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 120 }))
      .map(([s, l]) => ({
        start: s * MIN,
        end: (s + l) * MIN,
      }));
    fc.assert(
      fc.property(
        interval,
        fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.array(interval, { maxLength: 5 })),
        (probe, busy) => {
          const expected = ['a', 'b', 'c'].filter((staff) => {
            for (let t = probe.start; t < probe.end; t += MIN) {
              if ((busy[staff] ?? []).some((taken) => taken.start <= t && t < taken.end)) return false;
            }
            return true;
          });
          expect(freeStaff(probe, ['a', 'b', 'c'], busy)).toEqual(expected);
        },
      ),
    );
  });

  it('drops slots without a free staff member and outside the booking window', () => {
    const zone = 'Asia/Kolkata';
    const hours = [{ weekday: 4, opens: '09:00', closes: '11:00' }];
    const nineThirty = at(`${THURSDAY}T09:30:00+05:30`);
    const busy = { a: [{ start: nineThirty, end: nineThirty + 60 * MIN }] };
    const rules = { now: at(`${THURSDAY}T08:45:00+05:30`), minNoticeMinutes: 30, horizonDays: 60 };
    const slots = availableSlots(THURSDAY, schedule(zone, hours, 30), 30, ['a', 'b'], busy, rules);
    expect(slots.map((s) => [formatInstant(s.start, zone).slice(11, 16), s.freeStaffIds])).toEqual([
      ['09:30', ['b']],
      ['10:00', ['b']],
      ['10:30', ['a', 'b']],
    ]);
    // 09:00 is dropped: only 15 minutes' notice.
    expect(availableSlots(THURSDAY, schedule(zone, hours, 30), 30, [], {}, rules)).toEqual([]);
  });
});

describe('withinBookingWindow', () => {
  const now = at('2026-11-25T12:00:00+05:30');
  const rules = { now, minNoticeMinutes: 30, horizonDays: 60 };

  it.each([
    [now + 29 * MIN, false],
    [now + 30 * MIN, true],
    [now + 60 * 24 * 60 * MIN, true],
    [now + 60 * 24 * 60 * MIN + MIN, false],
    [now - MIN, false],
  ])('start %i -> %s', (start, expected) => {
    expect(withinBookingWindow(start, rules)).toBe(expected);
  });
});

describe('local dates', () => {
  it('finds the shop-local date of an instant, across midnight', () => {
    expect(localDateOf(at('2026-11-25T20:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-26');
    expect(localDateOf(at('2026-11-25T20:00:00Z'), 'America/New_York')).toBe('2026-11-25');
  });
});
