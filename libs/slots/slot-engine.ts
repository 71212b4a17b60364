import { DateTime } from 'luxon';

import { MINUTES_PER_DAY, OpeningInterval, parseTimeOfDay } from '../schedule/opening-hours';
import { DayClock } from './day-clock';

/**
 * The slot engine: which appointment starts a shop offers on one shop-local day, and how many staff members are
 * free for each. Pure: wall-clock times become instants through the day's {@link DayClock} (the IANA database,
 * asked as little as possible), everything else is integer arithmetic on epoch milliseconds. Wall-clock times are
 * generated on the shop's grid (multiples of the slot interval from local midnight), so a wall-clock time that does
 * not exist (spring forward) yields no slot and one that happens twice (fall back) yields one.
 */
export interface ShopSchedule {
  timezone: string;
  openingHours: readonly OpeningInterval[];
  slotIntervalMinutes: number;
  /**
   * The shop's hours of the date asked when a date override replaces its weekly hours for that one date
   * (`[]` = closed all day); absent or null = the weekly hours.
   */
  dateOverride?: readonly DayInterval[] | null;
}

/** An interval of one shop-local date, in wall-clock time ('HH:mm', closes up to '24:00'). */
export interface DayInterval {
  opens: string;
  closes: string;
}

/** What restricts one staff member: own hours (null = the shop's), services (null = all), time off. */
export interface StaffRules {
  id: string;
  workingHours: readonly OpeningInterval[] | null;
  serviceIds: readonly string[] | null;
  /** Instant ranges (epoch ms) in which they take no booking; only those touching the day matter. */
  timeOff: readonly Interval[];
}

export interface ServiceRules {
  id: string;
  durationMinutes: number;
  /** Time after the service in which the staff member takes no other booking; it must fit before closing. */
  bufferMinutes: number;
}

export interface Interval {
  start: number;
  end: number;
}

export interface CandidateSlot extends Interval {
  /** Minutes after local midnight, as on the shop's clock. */
  wallClockMinute: number;
  /** The end of the service plus its buffer: the staff member's time the booking blocks. */
  blockedUntil: number;
}

export interface SlotRules {
  now: number;
  minNoticeMinutes: number;
  horizonDays: number;
}

export interface AvailableSlot extends Interval {
  blockedUntil: number;
  freeStaffIds: string[];
}

const MINUTE_MS = 60_000;

/** The shop-local calendar date (YYYY-MM-DD) of an instant. */
export function localDateOf(instant: number, timezone: string): string {
  return DateTime.fromMillis(instant, { zone: timezone }).toISODate() as string;
}

/**
 * A wall-clock time may fall in a DST gap; then it means the first instant after it (a shop closing at 01:30 on a
 * spring-forward night closes at 02:00 summer time, a shift starting then starts then).
 */
function closingInstant(clock: DayClock, minute: number): number {
  for (let m = minute; m < MINUTES_PER_DAY; m++) {
    const instant = clock.instantAt(m);
    if (instant !== null) return instant;
  }
  return clock.end;
}

/** The shop's intervals of the date in minutes: its override if it has one, else the weekday's hours. */
function shopMinutes(clock: DayClock, schedule: ShopSchedule): Array<{ opens: number; closes: number }> {
  const intervals =
    schedule.dateOverride != null
      ? schedule.dateOverride
      : schedule.openingHours.filter((interval) => interval.weekday === clock.weekday);
  const result: Array<{ opens: number; closes: number }> = [];
  for (const interval of intervals) {
    const opens = parseTimeOfDay(interval.opens);
    const closes = parseTimeOfDay(interval.closes, true);
    if (opens !== null && closes !== null) result.push({ opens, closes });
  }
  return result;
}

/**
 * Every start on the grid inside the day's opening hours (its date override if any) where the whole service and
 * its buffer fit before closing, ignoring staff and the clock. Sorted by start.
 */
export function candidateSlots(
  date: string,
  schedule: ShopSchedule,
  durationMinutes: number,
  bufferMinutes = 0,
): CandidateSlot[] {
  const clock = DayClock.of(date, schedule.timezone);
  return clock ? candidatesOn(clock, schedule, durationMinutes, bufferMinutes) : [];
}

function candidatesOn(
  clock: DayClock,
  schedule: ShopSchedule,
  durationMinutes: number,
  bufferMinutes: number,
): CandidateSlot[] {
  const grid = schedule.slotIntervalMinutes;
  const slots: CandidateSlot[] = [];
  const seen = new Set<number>();
  for (const { opens, closes } of shopMinutes(clock, schedule)) {
    const close = closingInstant(clock, closes);
    for (let minute = Math.ceil(opens / grid) * grid; minute < closes; minute += grid) {
      const start = clock.instantAt(minute);
      if (start === null || seen.has(start)) continue;
      const end = start + durationMinutes * MINUTE_MS;
      const blockedUntil = end + bufferMinutes * MINUTE_MS;
      if (blockedUntil > close) break;
      seen.add(start);
      slots.push({ start, end, wallClockMinute: minute, blockedUntil });
    }
  }
  return slots.sort((a, b) => a.start - b.start);
}

/**
 * One shop-local day planned for one service: the candidate starts, and for each which staff members could take it
 * (they perform the service, work through the whole service and buffer, and are not on time off then), before
 * looking at what is booked. Each staff member's hours become instants once per day.
 */
export class DayPlan {
  private constructor(
    readonly candidates: CandidateSlot[],
    private readonly staff: ReadonlyArray<{ id: string; works: Interval[] | null; off: readonly Interval[] }>,
  ) {}

  static of(
    date: string,
    schedule: ShopSchedule,
    service: ServiceRules,
    staff: readonly StaffRules[],
  ): DayPlan {
    const clock = DayClock.of(date, schedule.timezone);
    if (!clock) return new DayPlan([], []);
    const candidates = candidatesOn(clock, schedule, service.durationMinutes, service.bufferMinutes);
    const able = staff
      .filter((member) => member.serviceIds === null || member.serviceIds.includes(service.id))
      .map((member) => ({
        id: member.id,
        works: member.workingHours === null ? null : staffInstants(clock, member.workingHours),
        off: member.timeOff.filter((range) => range.start < clock.end && range.end > clock.start),
      }));
    return new DayPlan(candidates, able);
  }

  /** The candidate starting at `start`, if there is one. */
  candidateAt(start: number): CandidateSlot | undefined {
    return this.candidates.find((candidate) => candidate.start === start);
  }

  /** The ids of staff members who may take `range` (start to blocked end), in the order they were given. */
  workingStaff(range: { start: number; blockedUntil: number }): string[] {
    const blocked = { start: range.start, end: range.blockedUntil };
    return this.staff
      .filter(
        (member) =>
          (member.works === null ||
            member.works.some((shift) => shift.start <= blocked.start && blocked.end <= shift.end)) &&
          !member.off.some((off) => overlaps(off, blocked)),
      )
      .map((member) => member.id);
  }
}

function staffInstants(clock: DayClock, hours: readonly OpeningInterval[]): Interval[] {
  const shifts: Interval[] = [];
  for (const interval of hours) {
    if (interval.weekday !== clock.weekday) continue;
    const opens = parseTimeOfDay(interval.opens);
    const closes = parseTimeOfDay(interval.closes, true);
    if (opens === null || closes === null) continue;
    shifts.push({ start: closingInstant(clock, opens), end: closingInstant(clock, closes) });
  }
  return shifts;
}

/** Whether a start respects the minimum notice and the booking horizon at `now`. */
export function withinBookingWindow(start: number, rules: SlotRules): boolean {
  return (
    start >= rules.now + rules.minNoticeMinutes * MINUTE_MS &&
    start <= rules.now + rules.horizonDays * 24 * 60 * MINUTE_MS
  );
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Staff members with nothing booked during `slot`, in the order given. */
export function freeStaff(
  slot: Interval,
  staffIds: readonly string[],
  busy: Readonly<Record<string, readonly Interval[]>>,
): string[] {
  return staffIds.filter((staffId) => !(busy[staffId] ?? []).some((taken) => overlaps(slot, taken)));
}

/**
 * The day's bookable slots: candidates inside the booking window with at least one staff member who may take them
 * and is free for the service plus its buffer. `busy` holds blocked ranges (service plus buffer) of live bookings.
 */
export function availableSlots(
  date: string,
  schedule: ShopSchedule,
  durationMinutes: number,
  staffIds: readonly string[],
  busy: Readonly<Record<string, readonly Interval[]>>,
  rules: SlotRules,
): AvailableSlot[] {
  const staff = staffIds.map((id) => ({ id, workingHours: null, serviceIds: null, timeOff: [] }));
  const plan = DayPlan.of(date, schedule, { id: '', durationMinutes, bufferMinutes: 0 }, staff);
  return plannedSlots(plan, busy, rules);
}

/** The bookable slots of a planned day; see `availableSlots`. */
export function plannedSlots(
  plan: DayPlan,
  busy: Readonly<Record<string, readonly Interval[]>>,
  rules: SlotRules,
): AvailableSlot[] {
  const result: AvailableSlot[] = [];
  for (const slot of plan.candidates) {
    if (!withinBookingWindow(slot.start, rules)) continue;
    const free = freeStaff({ start: slot.start, end: slot.blockedUntil }, plan.workingStaff(slot), busy);
    if (free.length > 0) {
      result.push({ start: slot.start, end: slot.end, blockedUntil: slot.blockedUntil, freeStaffIds: free });
    }
  }
  return result;
}

/** A live booking as the schedule sees it: which staff member's time it blocks, for which service. */
export interface ScheduledBooking {
  id: string;
  staffId: string;
  serviceId: string;
  start: number;
  end: number;
  blockedUntil: number;
  localDate: string;
}

/** Everything that decides when a shop's staff work: a shop's whole schedule, with its overrides by date. */
export interface ShopRules {
  timezone: string;
  openingHours: readonly OpeningInterval[];
  /** Shop-local date (YYYY-MM-DD) -> that date's hours (`[]` = closed). */
  dateOverrides: Readonly<Record<string, readonly DayInterval[]>>;
  staff: readonly StaffRules[];
}

/**
 * Whether a booking still fits the rules: on the shop-local date it is filed under (a change of time zone may move
 * it to another), inside the shop's hours of that date, and its staff member performs its service, works through
 * the whole of it and its buffer and is not on time off then. A booking that does not is one a change would strand.
 */
export function bookingFits(booking: ScheduledBooking, rules: ShopRules): boolean {
  const clock = DayClock.of(booking.localDate, rules.timezone);
  if (!clock || booking.start < clock.start || booking.blockedUntil > clock.end) return false;
  const blocked = { start: booking.start, end: booking.blockedUntil };
  const override = rules.dateOverrides[booking.localDate];
  const inShopHours = shopMinutes(clock, { ...rules, slotIntervalMinutes: 1, dateOverride: override ?? null })
    .map(({ opens, closes }) => ({ start: closingInstant(clock, opens), end: closingInstant(clock, closes) }))
    .some((open) => open.start <= blocked.start && blocked.end <= open.end);
  if (!inShopHours) return false;
  const staff = rules.staff.find((member) => member.id === booking.staffId);
  if (!staff) return false;
  if (staff.serviceIds !== null && !staff.serviceIds.includes(booking.serviceId)) return false;
  if (staff.workingHours !== null) {
    const works = staffInstants(clock, staff.workingHours).some(
      (shift) => shift.start <= blocked.start && blocked.end <= shift.end,
    );
    if (!works) return false;
  }
  return !staff.timeOff.some((off) => overlaps(off, blocked));
}

/** The bookings that no longer fit `rules`, in the order given. */
export function strandedBookings(
  bookings: readonly ScheduledBooking[],
  rules: ShopRules,
): ScheduledBooking[] {
  return bookings.filter((booking) => !bookingFits(booking, rules));
}
