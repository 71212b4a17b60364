import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { DayInterval, Interval, ScheduledBooking, ShopRules, StaffRules } from '../../libs/slots/slot-engine';

export interface StaffRow {
  id: string;
  working_hours: OpeningInterval[] | null;
  service_ids: string[] | null;
  time_off: Array<{ s: number; e: number }> | null;
}

const DAY_MS = 86_400_000;

/** One staff row (with its time off as epoch-ms pairs) -> the engine's rules; the one mapper for staff rules. */
export const toStaffRules = (row: StaffRow): StaffRules => ({
  id: row.id,
  workingHours: row.working_hours,
  serviceIds: row.service_ids,
  timeOff: (row.time_off ?? []).map((range): Interval => ({ start: Number(range.s), end: Number(range.e) })),
});

/**
 * Staff rows with their time off overlapping [$2, $3) (epoch ms), in the shop's staff order: the SQL is shared by
 * the booking paths and the slot read (availability.repository.ts), so both read the same rules.
 */
export const STAFF_RULES_SQL = (shopParam: string, fromParam: string, toParam: string) => `
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'id', st.id, 'working_hours', st.working_hours, 'service_ids', to_jsonb(st.service_ids),
           'time_off', (SELECT jsonb_agg(jsonb_build_object(
                                'b', t.id,
                                's', (extract(epoch FROM t.starts_at) * 1000)::bigint,
                                'e', (extract(epoch FROM t.ends_at) * 1000)::bigint) ORDER BY t.starts_at)
                          FROM staff_time_off t
                         WHERE t.staff_id = st.id
                           AND t.starts_at < to_timestamp(${toParam} / 1000.0)
                           AND t.ends_at > to_timestamp(${fromParam} / 1000.0)))
         ORDER BY st.created_at, st.id), '[]'::jsonb)
    FROM staff st WHERE st.shop_id = ${shopParam}`;

/**
 * The scheduling rules of a shop as of a transaction: staff hours, skills and time off, date overrides, and the
 * live bookings that must keep fitting them.
 */
@Injectable()
export class ScheduleRulesRepository {
  /** The rules that decide one shop-local day, the day being [from, to) in epoch ms. */
  async dayRules(
    manager: EntityManager,
    shopId: string,
    date: string,
    day: { from: number; to: number },
  ): Promise<{ dateOverride: DayInterval[] | null; staff: StaffRules[] }> {
    const rows: Array<{ override: DayInterval[] | null; staff: StaffRow[] }> = await manager.query(
      `SELECT (SELECT o.opening_hours FROM shop_date_overrides o WHERE o.shop_id = $1 AND o.local_date = $4) AS override,
              (${STAFF_RULES_SQL('$1', '$2', '$3')}) AS staff`,
      [shopId, day.from, day.to, date],
    );
    return { dateOverride: rows[0]?.override ?? null, staff: (rows[0]?.staff ?? []).map(toStaffRules) };
  }

  /**
   * Everything from `now` on: the shop's hours and time zone, its overrides from a day before now (shop-local
   * dates), and each staff member's rules with the time off not over yet. Null when the shop does not exist.
   */
  async shopRules(manager: EntityManager, shopId: string, now: number): Promise<ShopRules | null> {
    const rows: Array<{
      timezone: string;
      opening_hours: OpeningInterval[];
      overrides: Record<string, DayInterval[]> | null;
      staff: StaffRow[];
    }> = await manager.query(
      `SELECT s.timezone, s.opening_hours,
              (SELECT jsonb_object_agg(to_char(o.local_date, 'YYYY-MM-DD'), o.opening_hours)
                 FROM shop_date_overrides o
                WHERE o.shop_id = s.id AND o.local_date >= (to_timestamp($2 / 1000.0) - interval '2 days')::date
              ) AS overrides,
              (${STAFF_RULES_SQL('s.id', '$2', '$3')}) AS staff
         FROM shops s WHERE s.id = $1`,
      [shopId, now, Number.MAX_SAFE_INTEGER / 4],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      timezone: row.timezone,
      openingHours: row.opening_hours,
      dateOverrides: row.overrides ?? {},
      staff: row.staff.map(toStaffRules),
    };
  }

  /** The shop's live bookings (held or upcoming) whose blocked time is not over at `now`. */
  async liveBookings(manager: EntityManager, shopId: string, now: number): Promise<ScheduledBooking[]> {
    const rows: Array<{
      id: string;
      staff_id: string;
      service_id: string;
      starts_ms: string;
      ends_ms: string;
      blocked_ms: string;
      local_date: string;
    }> = await manager.query(
      `SELECT id, staff_id, service_id, to_char(local_date, 'YYYY-MM-DD') AS local_date,
              (extract(epoch FROM starts_at) * 1000)::bigint AS starts_ms,
              (extract(epoch FROM ends_at) * 1000)::bigint AS ends_ms,
              (extract(epoch FROM blocked_until) * 1000)::bigint AS blocked_ms
         FROM bookings
        WHERE shop_id = $1 AND status IN ('pending_payment', 'upcoming')
          AND local_date >= $3::date AND blocked_until > to_timestamp($2 / 1000.0)
        ORDER BY starts_at, id`,
      // Every zone is within a day of UTC, so the UTC date two days back bounds the partitions read.
      [shopId, now, new Date(now - 2 * DAY_MS).toISOString().slice(0, 10)],
    );
    return rows.map((row) => ({
      id: row.id,
      staffId: row.staff_id,
      serviceId: row.service_id,
      start: Number(row.starts_ms),
      end: Number(row.ends_ms),
      blockedUntil: Number(row.blocked_ms),
      localDate: row.local_date,
    }));
  }
}
