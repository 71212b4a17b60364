import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { DayInterval } from '../../libs/slots/slot-engine';
import { queryReturning } from '../common/database/query-returning';
import { MAX_PAGE_SIZE } from '../common/pagination/pagination';

export interface TimeOff {
  id: string;
  staffId: string;
  shopId: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
}

export interface DateOverride {
  id: string;
  shopId: string;
  date: string;
  openingHours: DayInterval[];
  reason: string | null;
}

export interface StaffRecord {
  id: string;
  shopId: string;
  name: string;
  workingHours: OpeningInterval[] | null;
  serviceIds: string[] | null;
}

/** The one mapper of each record: rows are snake_case, records camelCase. */
const toTimeOff = (row: Record<string, unknown>): TimeOff => ({
  id: row.id as string,
  staffId: row.staff_id as string,
  shopId: row.shop_id as string,
  startsAt: row.starts_at as Date,
  endsAt: row.ends_at as Date,
  reason: (row.reason as string | null) ?? null,
});
const toDateOverride = (row: Record<string, unknown>): DateOverride => ({
  id: row.id as string,
  shopId: row.shop_id as string,
  date: row.date as string,
  openingHours: row.opening_hours as DayInterval[],
  reason: (row.reason as string | null) ?? null,
});
const toStaff = (row: Record<string, unknown>): StaffRecord => ({
  id: row.id as string,
  shopId: row.shop_id as string,
  name: row.name as string,
  workingHours: (row.working_hours as OpeningInterval[] | null) ?? null,
  serviceIds: (row.service_ids as string[] | null) ?? null,
});

/** Lists are windows (from, to) of at most one page. */
const LIST_LIMIT = MAX_PAGE_SIZE;
const STAFF_COLUMNS = 'id, shop_id, name, working_hours, service_ids';
const OVERRIDE_COLUMNS = "id, shop_id, to_char(local_date, 'YYYY-MM-DD') AS date, opening_hours, reason";

/**
 * Staff hours and skills, time off and date overrides. Every write moves the shop's configuration version in the
 * same transaction, so cached slots are never stale.
 */
@Injectable()
export class SchedulingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The staff member of this shop, locked for the rest of the transaction; null when not one of its staff. */
  async lockStaff(manager: EntityManager, shopId: string, staffId: string): Promise<StaffRecord | null> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT ${STAFF_COLUMNS} FROM staff WHERE id = $1 AND shop_id = $2 FOR UPDATE`,
      [staffId, shopId],
    );
    return rows[0] ? toStaff(rows[0]) : null;
  }

  async findStaff(shopId: string, staffId: string): Promise<StaffRecord | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${STAFF_COLUMNS} FROM staff WHERE id = $1 AND shop_id = $2`,
      [staffId, shopId],
    );
    return rows[0] ? toStaff(rows[0]) : null;
  }

  async updateStaff(
    manager: EntityManager,
    staffId: string,
    changes: { workingHours?: OpeningInterval[] | null; serviceIds?: string[] | null },
  ): Promise<StaffRecord> {
    const rows = await queryReturning<Record<string, unknown>>(
      manager,
      `UPDATE staff
          SET working_hours = CASE WHEN $2 THEN $3::jsonb ELSE working_hours END,
              service_ids = CASE WHEN $4 THEN $5::uuid[] ELSE service_ids END
        WHERE id = $1
        RETURNING ${STAFF_COLUMNS}`,
      [
        staffId,
        changes.workingHours !== undefined,
        changes.workingHours ? JSON.stringify(changes.workingHours) : null,
        changes.serviceIds !== undefined,
        changes.serviceIds ?? null,
      ],
    );
    return toStaff(rows[0]);
  }

  /** Those of `ids` that are not services of the shop. */
  async foreignServices(manager: EntityManager, shopId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: Array<{ id: string }> = await manager.query(
      'SELECT id FROM services WHERE shop_id = $1 AND id = ANY($2::uuid[])',
      [shopId, ids],
    );
    const known = new Set(rows.map((row) => row.id));
    return ids.filter((id) => !known.has(id));
  }

  async insertTimeOff(
    manager: EntityManager,
    entry: { staffId: string; shopId: string; startsAt: number; endsAt: number; reason: string | null },
  ): Promise<TimeOff> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `INSERT INTO staff_time_off (staff_id, shop_id, starts_at, ends_at, reason)
       VALUES ($1, $2, to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), $5)
       RETURNING id, staff_id, shop_id, starts_at, ends_at, reason`,
      [entry.staffId, entry.shopId, entry.startsAt, entry.endsAt, entry.reason],
    );
    return toTimeOff(rows[0]);
  }

  async listTimeOff(staffId: string, window: { from?: string; to?: string }): Promise<TimeOff[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, staff_id, shop_id, starts_at, ends_at, reason FROM staff_time_off
        WHERE staff_id = $1
          AND ($2::timestamptz IS NULL OR ends_at > $2::timestamptz)
          AND ($3::timestamptz IS NULL OR starts_at < $3::timestamptz)
        ORDER BY starts_at, id LIMIT ${LIST_LIMIT}`,
      [staffId, window.from ?? null, window.to ?? null],
    );
    return rows.map(toTimeOff);
  }

  async deleteTimeOff(manager: EntityManager, staffId: string, id: string): Promise<TimeOff | null> {
    const rows = await queryReturning<Record<string, unknown>>(
      manager,
      `DELETE FROM staff_time_off WHERE id = $1 AND staff_id = $2
       RETURNING id, staff_id, shop_id, starts_at, ends_at, reason`,
      [id, staffId],
    );
    return rows[0] ? toTimeOff(rows[0]) : null;
  }

  async findOverride(manager: EntityManager, shopId: string, date: string): Promise<DateOverride | null> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT ${OVERRIDE_COLUMNS} FROM shop_date_overrides WHERE shop_id = $1 AND local_date = $2`,
      [shopId, date],
    );
    return rows[0] ? toDateOverride(rows[0]) : null;
  }

  async findOverrideById(manager: EntityManager, shopId: string, id: string): Promise<DateOverride | null> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT ${OVERRIDE_COLUMNS} FROM shop_date_overrides WHERE shop_id = $1 AND id = $2`,
      [shopId, id],
    );
    return rows[0] ? toDateOverride(rows[0]) : null;
  }

  async insertOverride(
    manager: EntityManager,
    entry: { shopId: string; date: string; openingHours: DayInterval[]; reason: string | null },
  ): Promise<DateOverride> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `INSERT INTO shop_date_overrides (shop_id, local_date, opening_hours, reason)
       VALUES ($1, $2, $3::jsonb, $4)
       RETURNING ${OVERRIDE_COLUMNS}`,
      [entry.shopId, entry.date, JSON.stringify(entry.openingHours), entry.reason],
    );
    return toDateOverride(rows[0]);
  }

  async deleteOverride(manager: EntityManager, id: string): Promise<void> {
    await manager.query('DELETE FROM shop_date_overrides WHERE id = $1', [id]);
  }

  async listOverrides(shopId: string, window: { from?: string; to?: string }): Promise<DateOverride[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${OVERRIDE_COLUMNS} FROM shop_date_overrides
        WHERE shop_id = $1 AND ($2::date IS NULL OR local_date >= $2::date)
          AND ($3::date IS NULL OR local_date <= $3::date)
        ORDER BY local_date LIMIT ${LIST_LIMIT}`,
      [shopId, window.from ?? null, window.to ?? null],
    );
    return rows.map(toDateOverride);
  }

  /** Slots depend on all of this: cached ones are keyed by the configuration version. */
  async bumpConfigVersion(manager: EntityManager, shopId: string): Promise<void> {
    await manager.query('UPDATE shops SET config_version = config_version + 1 WHERE id = $1', [shopId]);
  }
}
