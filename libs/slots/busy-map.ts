import { Interval } from './slot-engine';

/**
 * The busy intervals of a shop's staff on one day, as stored in the availability read model:
 * staff id -> [{ b: booking id, s: start (epoch ms), e: end (epoch ms) }], each list sorted by start.
 */
export type BusyMap = Record<string, Array<{ b: string; s: number; e: number }>>;

export function withBooking(busy: BusyMap, staffId: string, bookingId: string, slot: Interval): BusyMap {
  const entries = [
    ...(busy[staffId] ?? []).filter((entry) => entry.b !== bookingId),
    { b: bookingId, s: slot.start, e: slot.end },
  ];
  return { ...busy, [staffId]: entries.sort((x, y) => x.s - y.s) };
}

export function withoutBookings(busy: BusyMap, bookingIds: readonly string[]): BusyMap {
  const drop = new Set(bookingIds);
  const result: BusyMap = {};
  for (const [staffId, entries] of Object.entries(busy)) {
    const kept = entries.filter((entry) => !drop.has(entry.b));
    if (kept.length > 0) result[staffId] = kept;
  }
  return result;
}

/** The engine's view: staff id -> busy intervals. */
export function toIntervals(busy: BusyMap): Record<string, Interval[]> {
  const result: Record<string, Interval[]> = {};
  for (const [staffId, entries] of Object.entries(busy)) {
    result[staffId] = entries.map((entry) => ({ start: entry.s, end: entry.e }));
  }
  return result;
}
