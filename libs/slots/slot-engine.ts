import { DateTime } from 'luxon';

import { MINUTES_PER_DAY, OpeningInterval, parseTimeOfDay } from '../schedule/opening-hours';

/**
 * The slot engine: which appointment starts a shop offers on one shop-local day, and how many staff members are
 * free for each. Pure: time zones come from luxon (the IANA database), everything else is integer arithmetic on
 * epoch milliseconds. Wall-clock times are generated on the shop's grid (multiples of the slot interval from local
 * midnight), so a wall-clock time that does not exist (spring forward) yields no slot and one that happens twice
 * (fall back) yields one.
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
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The shop-local day as a luxon date at local midnight, or null when `date` is not a real YYYY-MM-DD date. */
export function localDay(date: string, timezone: string): DateTime | null {
  if (!DATE.test(date)) return null;
  const day = DateTime.fromISO(date, { zone: timezone });
  return day.isValid ? day.startOf('day') : null;
}

/** The shop-local calendar date (YYYY-MM-DD) of an instant. */
export function localDateOf(instant: number, timezone: string): string {
  return DateTime.fromMillis(instant, { zone: timezone }).toISODate() as string;
}

/** An instant as ISO 8601 with the shop's offset, e.g. 2026-11-26T10:00:00+05:30. */
export function formatInstant(instant: number, timezone: string): string {
  return DateTime.fromMillis(instant, { zone: timezone }).toISO({ suppressMilliseconds: true }) as string;
}

/** The instant of a wall-clock minute of the day, or null if that wall-clock time does not exist (DST gap). */
function wallClockInstant(day: DateTime, minute: number): number | null {
  if (minute === MINUTES_PER_DAY) return day.plus({ days: 1 }).startOf('day').toMillis();
  const hour = Math.floor(minute / 60);
  const at = day.set({ hour, minute: minute % 60, second: 0, millisecond: 0 });
  return at.hour === hour && at.minute === minute % 60 ? at.toMillis() : null;
}

/** A closing time may fall in a DST gap; then the shop closes at the first instant after it. */
function closingInstant(day: DateTime, minute: number): number {
  for (let m = minute; m <= MINUTES_PER_DAY; m++) {
    const instant = wallClockInstant(day, m);
    if (instant !== null) return instant;
  }
  return day.plus({ days: 1 }).startOf('day').toMillis();
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
  const day = localDay(date, schedule.timezone);
  if (!day) return [];
  const grid = schedule.slotIntervalMinutes;
  const slots: CandidateSlot[] = [];
  const seen = new Set<number>();
  for (const interval of schedule.openingHours) {
    if (interval.weekday !== day.weekday) continue;
    const opens = parseTimeOfDay(interval.opens);
    const closes = parseTimeOfDay(interval.closes, true);
    if (opens === null || closes === null) continue;
    const close = closingInstant(day, closes);
    for (let minute = Math.ceil(opens / grid) * grid; minute < closes; minute += grid) {
      const start = wallClockInstant(day, minute);
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
