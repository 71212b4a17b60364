import { DateTime } from 'luxon';

import { MINUTES_PER_DAY } from '../schedule/opening-hours';

const MINUTE_MS = 60_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An instant as ISO 8601 with its zone's offset, e.g. 2026-11-26T10:00:00+05:30 (luxon, for any instant). */
export function formatInstant(instant: number, timezone: string): string {
  return DateTime.fromMillis(instant, { zone: timezone }).toISO({ suppressMilliseconds: true }) as string;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * One shop-local calendar day on the shop's clock: wall-clock minutes to instants, instants to ISO 8601 text.
 *
 * Asking the IANA database (luxon, through Intl) is the slow part of the slot engine: it was a quarter of the API's
 * CPU under load when every grid start and every formatted slot asked it again. A day whose UTC offset is the same
 * at its first and its last instant, and that starts at local midnight, has one offset throughout (the database has
 * no zone with two transitions within a day), which is every day except the DST transitions of zones that have
 * them: such a day asks luxon twice and does the rest in integer arithmetic. A transition day asks luxon every
 * time, so wall-clock times in a gap (spring forward) have no instant and those that happen twice (fall back) the
 * first of the two.
 */
export class DayClock {
  private constructor(
    private readonly day: DateTime,
    /** The day's first instant and the next day's first instant. */
    readonly start: number,
    readonly end: number,
    /** The offset and its ISO suffix ("+05:30", "Z") when they hold for the whole day. */
    private readonly constant: { offsetMs: number; suffix: string } | null,
  ) {}

  /** The clock of a YYYY-MM-DD day in an IANA zone, or null when `date` is not a real date. */
  static of(date: string, timezone: string): DayClock | null {
    if (!DATE.test(date)) return null;
    const parsed = DateTime.fromISO(date, { zone: timezone });
    if (!parsed.isValid) return null;
    const day = parsed.startOf('day');
    const start = day.toMillis();
    const end = day.plus({ days: 1 }).startOf('day').toMillis();
    const lastOffset = DateTime.fromMillis(end - 1, { zone: timezone }).offset;
    const constant =
      day.hour === 0 && day.minute === 0 && day.offset === lastOffset
        ? {
            offsetMs: day.offset * MINUTE_MS,
            suffix: (day.toISO({ suppressMilliseconds: true }) as string).slice('YYYY-MM-DDTHH:mm:ss'.length),
          }
        : null;
    return new DayClock(day, start, end, constant);
  }

  /** ISO weekday, 1 (Monday) to 7. */
  get weekday(): number {
    return this.day.weekday;
  }

  /** Whether the day has one UTC offset throughout (and the fast path applies). */
  get hasConstantOffset(): boolean {
    return this.constant !== null;
  }

  /** The instant of a wall-clock minute of the day (0 to 1440), or null if that time does not exist (DST gap). */
  instantAt(minute: number): number | null {
    if (minute === MINUTES_PER_DAY) return this.end;
    if (this.constant) return this.start + minute * MINUTE_MS;
    const hour = Math.floor(minute / 60);
    const at = this.day.set({ hour, minute: minute % 60, second: 0, millisecond: 0 });
    return at.hour === hour && at.minute === minute % 60 ? at.toMillis() : null;
  }

  /** An instant as ISO 8601 with the zone's offset at that instant; the same text as `formatInstant`. */
  format(instant: number): string {
    if (!this.constant || instant < this.start || instant >= this.end) {
      return formatInstant(instant, this.day.zoneName as string);
    }
    const local = new Date(instant + this.constant.offsetMs);
    const millisecond = local.getUTCMilliseconds();
    return (
      `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
      `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
      `${millisecond ? `.${pad(millisecond, 3)}` : ''}${this.constant.suffix}`
    );
  }
}
