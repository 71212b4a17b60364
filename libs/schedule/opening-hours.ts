/**
 * Opening hours of a shop, in shop-local wall-clock time: any number of intervals per ISO weekday
 * (1 = Monday ... 7 = Sunday). A weekday without intervals is a closed day.
 */
export interface OpeningInterval {
  weekday: number;
  opens: string;
  closes: string;
}

export const MINUTES_PER_DAY = 24 * 60;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:mm' -> minutes after midnight; '24:00' is accepted as a closing time only (end of day). */
export function parseTimeOfDay(value: string, allowEndOfDay = false): number | null {
  if (allowEndOfDay && value === '24:00') return MINUTES_PER_DAY;
  const match = TIME.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

export function formatTimeOfDay(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  return `${String(hours).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Every problem with a set of opening hours, as messages for a 400 answer; empty when it is valid. */
export function openingHoursProblems(hours: readonly OpeningInterval[]): string[] {
  const problems: string[] = [];
  const byDay = new Map<number, Array<{ opens: number; closes: number; index: number }>>();

  hours.forEach((interval, index) => {
    const at = `openingHours[${index}]`;
    if (!Number.isInteger(interval.weekday) || interval.weekday < 1 || interval.weekday > 7) {
      problems.push(`${at}.weekday must be an integer from 1 (Monday) to 7 (Sunday)`);
      return;
    }
    const opens = parseTimeOfDay(interval.opens);
    const closes = parseTimeOfDay(interval.closes, true);
    if (opens === null) problems.push(`${at}.opens must be a time HH:mm from 00:00 to 23:59`);
    if (closes === null) problems.push(`${at}.closes must be a time HH:mm from 00:01 to 24:00`);
    if (opens === null || closes === null) return;
    if (opens >= closes) {
      problems.push(`${at} must open before it closes (${interval.opens} >= ${interval.closes})`);
      return;
    }
    const day = byDay.get(interval.weekday) ?? [];
    day.push({ opens, closes, index });
    byDay.set(interval.weekday, day);
  });

  for (const intervals of byDay.values()) {
    intervals.sort((a, b) => a.opens - b.opens);
    for (let i = 1; i < intervals.length; i++) {
      if (intervals[i].opens < intervals[i - 1].closes) {
        problems.push(
          `openingHours[${intervals[i - 1].index}] and openingHours[${intervals[i].index}] overlap on the same weekday`,
        );
      }
    }
  }
  return problems;
}

/** A canonical order (weekday, then opening time), so equal schedules compare and cache equally. */
export function normalizeOpeningHours(hours: readonly OpeningInterval[]): OpeningInterval[] {
  return [...hours]
    .map(({ weekday, opens, closes }) => ({ weekday, opens, closes }))
    .sort((a, b) => a.weekday - b.weekday || a.opens.localeCompare(b.opens));
}
