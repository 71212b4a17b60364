import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { BusyMap } from '../../libs/slots/busy-map';
import { DatabaseReader } from '../database/replicas/database-reader';
import { ShopStatus } from '../shops/shop-status';

export interface SlotInputs {
  shopStatus: ShopStatus;
  timezone: string;
  openingHours: OpeningInterval[];
  slotIntervalMinutes: number;
  durationMinutes: number;
  staffIds: string[];
  busy: BusyMap;
}

/**
 * The availability read model (table availability_days): one row per shop and shop-local day with every staff
 * member's busy intervals and a version. Booking changes lock and rewrite the row in their own transaction.
 */
/** Another transaction created the same shop-day row first: worth a retry, which will find and lock it. */
export class DayCreatedConcurrentlyError extends Error {
  constructor() {
    super('The availability row was created by a concurrent transaction');
  }
}

@Injectable()
export class AvailabilityRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DatabaseReader,
  ) {}

  /** The two versions a cached slot list depends on; null when the shop does not exist. */
  async versions(shopId: string, date: string): Promise<{ config: number; day: number } | null> {
    const rows: Array<{ config_version: number; day_version: string | null }> = await this.reader.query(
      `SELECT s.config_version, a.version AS day_version
         FROM shops s LEFT JOIN availability_days a ON a.shop_id = s.id AND a.local_date = $2
        WHERE s.id = $1`,
      [shopId, date],
    );
    return rows[0] ? { config: rows[0].config_version, day: Number(rows[0].day_version ?? 0) } : null;
  }

  /** Everything the slot engine needs for one shop, service and day: two indexed reads, no bookings scanned. */
  async slotInputs(shopId: string, serviceId: string, date: string): Promise<SlotInputs | null> {
    const rows: Array<{
      status: ShopStatus;
      timezone: string;
      opening_hours: OpeningInterval[];
      slot_interval_minutes: number;
      duration_minutes: number;
      busy: BusyMap | null;
      staff_ids: string[];
    }> = await this.reader.query(
      `SELECT s.status, s.timezone, s.opening_hours, s.slot_interval_minutes, sv.duration_minutes, a.busy,
              ARRAY(SELECT st.id FROM staff st WHERE st.shop_id = s.id ORDER BY st.created_at, st.id) AS staff_ids
         FROM shops s
         JOIN services sv ON sv.id = $2 AND sv.shop_id = s.id
         LEFT JOIN availability_days a ON a.shop_id = s.id AND a.local_date = $3
        WHERE s.id = $1`,
      [shopId, serviceId, date],
    );
    if (!rows[0]) return null;
    const row = rows[0];
    return {
      shopStatus: row.status,
      timezone: row.timezone,
      openingHours: row.opening_hours,
      slotIntervalMinutes: row.slot_interval_minutes,
      durationMinutes: row.duration_minutes,
      staffIds: row.staff_ids,
      busy: row.busy ?? {},
    };
  }

  /**
   * Locks the day's row for the rest of the transaction: booking changes of one shop-day go one at a time.
   * The first booking of a shop-day creates the row; if a concurrent transaction created it first, the insert is a
   * serialization failure and the caller's transaction is retried.
   */
  async lockDay(manager: EntityManager, shopId: string, date: string): Promise<BusyMap> {
    const locked: Array<{ busy: BusyMap }> = await manager.query(
      'SELECT busy FROM availability_days WHERE shop_id = $1 AND local_date = $2 FOR UPDATE',
      [shopId, date],
    );
    if (locked[0]) return locked[0].busy;
    const created: Array<{ busy: BusyMap }> = await manager.query(
      `INSERT INTO availability_days (shop_id, local_date) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING busy`,
      [shopId, date],
    );
    if (!created[0]) throw new DayCreatedConcurrentlyError();
    return created[0].busy;
  }

  async saveDay(manager: EntityManager, shopId: string, date: string, busy: BusyMap): Promise<void> {
    await manager.query(
      'UPDATE availability_days SET busy = $3, version = version + 1 WHERE shop_id = $1 AND local_date = $2',
      [shopId, date, JSON.stringify(busy)],
    );
  }
}
