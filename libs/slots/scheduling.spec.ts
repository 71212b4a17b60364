import * as fc from 'fast-check';
import { DateTime } from 'luxon';

import { formatTimeOfDay, OpeningInterval } from '../schedule/opening-hours';
import { formatInstant } from './day-clock';
import {
  bookingFits,
  candidateSlots,
  DayInterval,
  DayPlan,
  Interval,
  plannedSlots,
  ScheduledBooking,
  ShopRules,
  ShopSchedule,
  StaffRules,
  strandedBookings,
} from './slot-engine';

const MIN = 60_000;
// 2026-06-10 is a Wednesday (ISO weekday 3); Europe/London is on BST (UTC+1) all day.
const DATE = '2026-06-10';
const WEDNESDAY = 3;
const open = { now: 0, minNoticeMinutes: 0, horizonDays: 100_000 };
const hhmm = (instant: number, zone: string) => formatInstant(instant, zone).slice(11, 16);

/** Intervals of one day as minutes, disjoint and sorted (an arbitrary of [opens, closes) pairs). */
const dayMinutes = (grain: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 1440 / grain }), { minLength: 0, maxLength: 6 }).map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) pairs.push([sorted[i] * grain, sorted[i + 1] * grain]);
    return pairs;
  });
const asDay = (pairs: Array<[number, number]>): DayInterval[] =>
  pairs.map(([o, c]) => ({ opens: formatTimeOfDay(o), closes: formatTimeOfDay(c) }));
const asWeekly = (pairs: Array<[number, number]>, weekday = WEDNESDAY): OpeningInterval[] =>
  asDay(pairs).map((interval) => ({ weekday, ...interval }));

describe('DayPlan: staff hours, skills, time off, date overrides and buffers', () => {
  it('brute force agrees: every offered slot is bookable and every bookable grid start is offered', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Asia/Kolkata', 'UTC', 'Europe/London', 'America/New_York'),
        fc.constantFrom(5, 10, 15, 30),
        fc.integer({ min: 1, max: 12 }).map((n) => n * 10),
        fc.integer({ min: 0, max: 6 }).map((n) => n * 10),
        dayMinutes(30),
        fc.option(dayMinutes(30), { nil: null }),
        fc.array(
          fc.record({
            hours: fc.option(dayMinutes(15), { nil: null }),
            performs: fc.boolean(),
            timeOff: fc.array(
              fc.tuple(fc.integer({ min: -120, max: 1500 }), fc.integer({ min: 1, max: 600 })),
              {
                maxLength: 2,
              },
            ),
            busy: fc.array(fc.tuple(fc.integer({ min: 0, max: 1400 }), fc.integer({ min: 5, max: 120 })), {
              maxLength: 4,
            }),
          }),
          { minLength: 0, maxLength: 4 },
        ),
        (zone, grid, duration, buffer, weekly, override, staffSpecs) => {
          const midnight = DateTime.fromISO(DATE, { zone }).startOf('day').toMillis();
          const at = (minute: number) => midnight + minute * MIN;
          const schedule: ShopSchedule = {
            timezone: zone,
            openingHours: [...asWeekly(weekly), { weekday: WEDNESDAY + 1, opens: '00:00', closes: '24:00' }],
            slotIntervalMinutes: grid,
            dateOverride: override === null ? null : asDay(override),
          };
          const staff: StaffRules[] = staffSpecs.map((spec, i) => ({
            id: `s${i}`,
            workingHours: spec.hours === null ? null : asWeekly(spec.hours),
            serviceIds: spec.performs ? null : ['another service'],
            timeOff: spec.timeOff.map(([start, length]) => ({ start: at(start), end: at(start + length) })),
          }));
          const busy: Record<string, Interval[]> = {};
          staffSpecs.forEach((spec, i) => {
            busy[`s${i}`] = spec.busy.map(([start, length]) => ({
              start: at(start),
              end: at(start + length),
            }));
          });

          const plan = DayPlan.of(
            DATE,
            schedule,
            { id: 'svc', durationMinutes: duration, bufferMinutes: buffer },
            staff,
          );
          const offered = new Map(plannedSlots(plan, busy, open).map((slot) => [slot.start, slot]));

          // The model: minute arithmetic (these days have one UTC offset throughout).
          const shopHours = override ?? weekly;
          const inside = (pairs: Array<[number, number]>, from: number, to: number) =>
            pairs.some(([o, c]) => o <= from && to <= c);
          const overlapping = (ranges: readonly Interval[], from: number, to: number) =>
            ranges.some((range) => range.start < at(to) && at(from) < range.end);
          for (let minute = 0; minute < 1440; minute += grid) {
            const blockedTo = minute + duration + buffer;
            const free = staffSpecs
              .map((spec, i) => ({ spec, id: `s${i}` }))
              .filter(
                ({ spec, id }) =>
                  inside(shopHours, minute, blockedTo) &&
                  spec.performs &&
                  (spec.hours === null || inside(spec.hours, minute, blockedTo)) &&
                  !overlapping(staff.find((member) => member.id === id)!.timeOff, minute, blockedTo) &&
                  !overlapping(busy[id], minute, blockedTo),
              )
              .map(({ id }) => id);
            const slot = offered.get(at(minute));
            if (free.length === 0) {
              expect(slot).toBeUndefined();
            } else {
              expect(slot).toBeDefined();
              expect(slot!.freeStaffIds).toEqual(free);
              expect(slot!.end).toBe(at(minute + duration));
              expect(slot!.blockedUntil).toBe(at(blockedTo));
            }
            offered.delete(at(minute));
          }
          expect([...offered.keys()]).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a closed-all-day override offers nothing; special hours replace the weekly ones', () => {
    const schedule: ShopSchedule = {
      timezone: 'Asia/Kolkata',
      openingHours: [{ weekday: WEDNESDAY, opens: '09:00', closes: '18:00' }],
      slotIntervalMinutes: 30,
    };
    const service = { id: 'svc', durationMinutes: 30, bufferMinutes: 0 };
    const staff: StaffRules[] = [{ id: 'a', workingHours: null, serviceIds: null, timeOff: [] }];
    expect(
      plannedSlots(DayPlan.of(DATE, { ...schedule, dateOverride: [] }, service, staff), {}, open),
    ).toEqual([]);
    const special = DayPlan.of(
      DATE,
      { ...schedule, dateOverride: [{ opens: '20:00', closes: '21:00' }] },
      service,
      staff,
    );
    expect(plannedSlots(special, {}, open).map((slot) => hhmm(slot.start, 'Asia/Kolkata'))).toEqual([
      '20:00',
      '20:30',
    ]);
  });

  it('the buffer must fit before closing and blocks the next start', () => {
    const schedule: ShopSchedule = {
      timezone: 'Asia/Kolkata',
      openingHours: [{ weekday: WEDNESDAY, opens: '09:00', closes: '10:30' }],
      slotIntervalMinutes: 30,
    };
    const starts = candidateSlots(DATE, schedule, 30, 15).map((slot) => hhmm(slot.start, 'Asia/Kolkata'));
    expect(starts).toEqual(['09:00', '09:30']);
  });

  it('on a DST transition day, an override and staff hours follow the wall clock', () => {
    // Europe/London springs forward on 2026-03-29 at 01:00 GMT (01:00-02:00 does not exist).
    const zone = 'Europe/London';
    const schedule: ShopSchedule = {
      timezone: zone,
      openingHours: [{ weekday: 7, opens: '09:00', closes: '18:00' }],
      slotIntervalMinutes: 60,
      dateOverride: [{ opens: '00:00', closes: '04:00' }],
    };
    const staff: StaffRules[] = [
      {
        id: 'a',
        workingHours: [{ weekday: 7, opens: '01:30', closes: '04:00' }],
        serviceIds: null,
        timeOff: [],
      },
    ];
    const plan = DayPlan.of(
      '2026-03-29',
      schedule,
      { id: 'svc', durationMinutes: 60, bufferMinutes: 0 },
      staff,
    );
    const slots = plannedSlots(plan, {}, open);
    // 01:00 does not exist; a shift "from 01:30" starts at 02:00 BST, the first instant after the gap.
    expect(slots.map((slot) => formatInstant(slot.start, zone))).toEqual([
      '2026-03-29T02:00:00+01:00',
      '2026-03-29T03:00:00+01:00',
    ]);
  });
});

describe('bookingFits and strandedBookings', () => {
  const zone = 'Asia/Kolkata';
  const at = (time: string) => DateTime.fromISO(`${DATE}T${time}`, { zone }).toMillis();
  const booking: ScheduledBooking = {
    id: 'b1',
    staffId: 'a',
    serviceId: 'svc',
    start: at('10:00'),
    end: at('10:30'),
    blockedUntil: at('10:45'),
    localDate: DATE,
  };
  const rules: ShopRules = {
    timezone: zone,
    openingHours: [{ weekday: WEDNESDAY, opens: '09:00', closes: '18:00' }],
    dateOverrides: {},
    staff: [{ id: 'a', workingHours: null, serviceIds: null, timeOff: [] }],
  };

  it('fits the rules it was booked under', () => {
    expect(bookingFits(booking, rules)).toBe(true);
  });

  it('is stranded by closed days, shorter hours (its buffer counts), time off, skills and a new time zone', () => {
    const staff = (change: Partial<StaffRules>) => ({ ...rules, staff: [{ ...rules.staff[0], ...change }] });
    expect(bookingFits(booking, { ...rules, dateOverrides: { [DATE]: [] } })).toBe(false);
    expect(
      bookingFits(booking, { ...rules, dateOverrides: { [DATE]: [{ opens: '09:00', closes: '10:30' }] } }),
    ).toBe(false);
    expect(bookingFits(booking, { ...rules, dateOverrides: { '2026-06-11': [] } })).toBe(true);
    expect(
      bookingFits(
        booking,
        staff({ workingHours: [{ weekday: WEDNESDAY, opens: '10:00', closes: '10:40' }] }),
      ),
    ).toBe(false);
    expect(bookingFits(booking, staff({ timeOff: [{ start: at('10:40'), end: at('11:00') }] }))).toBe(false);
    expect(bookingFits(booking, staff({ timeOff: [{ start: at('10:45'), end: at('11:00') }] }))).toBe(true);
    expect(bookingFits(booking, staff({ serviceIds: ['other'] }))).toBe(false);
    // 10:00 IST is 04:30 UTC, before a UTC shop opens at 09:00.
    expect(bookingFits(booking, { ...rules, timezone: 'UTC' })).toBe(false);
    expect(strandedBookings([booking], { ...rules, staff: [] })).toEqual([booking]);
  });
});
