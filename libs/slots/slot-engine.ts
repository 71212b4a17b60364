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
}

export interface Interval {
  start: number;
  end: number;
}

export interface CandidateSlot extends Interval {
  /** Minutes after local midnight, as on the shop's clock. */
  wallClockMinute: number;
}

export interface SlotRules {
  now: number;
  minNoticeMinutes: number;
  horizonDays: number;
}

export interface AvailableSlot extends Interval {
  freeStaffIds: string[];
}

const MINUTE_MS = 60_000;

/** The shop-local calendar date (YYYY-MM-DD) of an instant. */
export function localDateOf(instant: number, timezone: string): string {
  return DateTime.fromMillis(instant, { zone: timezone }).toISODate() as string;
}

/** A closing time may fall in a DST gap; then the shop closes at the first instant after it. */
function closingInstant(clock: DayClock, minute: number): number {
  for (let m = minute; m < MINUTES_PER_DAY; m++) {
    const instant = clock.instantAt(m);
    if (instant !== null) return instant;
  }
  return clock.end;
}

/**
 * Every start on the grid inside the day's opening hours where the whole service fits before closing,
 * ignoring staff and the clock. Sorted by start.
 */
export function candidateSlots(
  date: string,
  schedule: ShopSchedule,
  durationMinutes: number,
): CandidateSlot[] {
  const clock = DayClock.of(date, schedule.timezone);
  if (!clock) return [];
  const grid = schedule.slotIntervalMinutes;
  const slots: CandidateSlot[] = [];
  const seen = new Set<number>();
  for (const interval of schedule.openingHours) {
    if (interval.weekday !== clock.weekday) continue;
    const opens = parseTimeOfDay(interval.opens);
    const closes = parseTimeOfDay(interval.closes, true);
    if (opens === null || closes === null) continue;
    const close = closingInstant(clock, closes);
    for (let minute = Math.ceil(opens / grid) * grid; minute < closes; minute += grid) {
      const start = clock.instantAt(minute);
      if (start === null || seen.has(start)) continue;
      const end = start + durationMinutes * MINUTE_MS;
      if (end > close) break;
      seen.add(start);
      slots.push({ start, end, wallClockMinute: minute });
    }
  }
  return slots.sort((a, b) => a.start - b.start);
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

/** The day's bookable slots: candidates inside the booking window with at least one free staff member. */
export function availableSlots(
  date: string,
  schedule: ShopSchedule,
  durationMinutes: number,
  staffIds: readonly string[],
  busy: Readonly<Record<string, readonly Interval[]>>,
  rules: SlotRules,
): AvailableSlot[] {
  const result: AvailableSlot[] = [];
  for (const slot of candidateSlots(date, schedule, durationMinutes)) {
    if (!withinBookingWindow(slot.start, rules)) continue;
    const free = freeStaff(slot, staffIds, busy);
    if (free.length > 0) result.push({ start: slot.start, end: slot.end, freeStaffIds: free });
  }
  return result;
}
