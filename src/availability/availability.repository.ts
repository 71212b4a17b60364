import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { BusyMap } from '../../libs/slots/busy-map';
import { DayInterval, StaffRules } from '../../libs/slots/slot-engine';
import { poolQuery } from '../common/database/pool-query';
import { DatabaseReader } from '../database/replicas/database-reader';
import { STAFF_RULES_SQL, StaffRow, toStaffRules } from '../scheduling/schedule-rules.repository';
import { ShopStatus } from '../shops/shop-status';

const DAY_MS = 86_400_000;

export interface SlotInputs {
  shopStatus: ShopStatus;
  timezone: string;
  openingHours: OpeningInterval[];
  slotIntervalMinutes: number;
  durationMinutes: number;
  bufferMinutes: number;
  staffIds: string[];
  /** Each staff member's hours, skills and time off near the day, in the shop's staff order. */
  staff: StaffRules[];
  /** The date's override of the shop's hours, if it has one. */
  dateOverride: DayInterval[] | null;
  busy: BusyMap;
  /** The versions of what was read. */
  versions: SlotVersions;
}

/** A shop's configuration version and one day's read-model version: every change of slots moves one of them. */
export interface SlotVersions {
  config: number;
  day: number;
}

/** Versions only grow: a copy with a smaller one has not seen every change yet. */
const isOlder = (read: SlotVersions, current: SlotVersions) =>
  read.config < current.config || read.day < current.day;

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

  /**
   * The two versions a cached slot list depends on, from the primary (two primary-key lookups); null when the shop
   * does not exist. Read from the primary because they decide what is fresh enough: a replica may be behind. The
   * cached slot path's only query, so it goes straight to the pool (poolQuery).
   */
  async versions(shopId: string, date: string): Promise<SlotVersions | null> {
    const rows = await poolQuery<{ config_version: number; day_version: string | null }>(
      this.dataSource,
      `SELECT s.config_version, a.version AS day_version
         FROM shops s LEFT JOIN availability_days a ON a.shop_id = s.id AND a.local_date = $2
        WHERE s.id = $1`,
      [shopId, date],
    );
    return rows[0] ? { config: rows[0].config_version, day: Number(rows[0].day_version ?? 0) } : null;
  }

  /**
   * Everything the slot engine needs for one shop, service and day: two indexed reads, no bookings scanned. Read
   * where stale reads may go (a replica); alongside, the primary's versions are read (primary-key lookups), and if
   * the replica's copy is older than them it is read again from the primary. So the answer is never older than the
   * versions a cache key read before it carries, and a slot booked before this request is never offered as free.
   * Without replicas every read is the primary's, and nothing more is read.
   */
  async slotInputs(shopId: string, serviceId: string, date: string): Promise<SlotInputs | null> {
    const readStale = this.readSlotInputs(
      (sql, params) => this.reader.query(sql, params),
      shopId,
      serviceId,
      date,
    );
    if (!this.reader.hasReplicas) return readStale;
    const [read, current] = await Promise.all([readStale, this.versions(shopId, date)]);
    if (current === null) return null;
    // A replica without the service yet (or at all) is not trusted either: the primary decides the 404.
    if (read !== null && !isOlder(read.versions, current)) return read;
    return this.readSlotInputs((sql, params) => this.dataSource.query(sql, params), shopId, serviceId, date);
  }

  private async readSlotInputs(
    query: (sql: string, params: unknown[]) => Promise<unknown>,
    shopId: string,
    serviceId: string,
    date: string,
  ): Promise<SlotInputs | null> {
    const rows = (await query(
      `SELECT s.status, s.timezone, s.opening_hours, s.slot_interval_minutes, sv.duration_minutes, a.busy,
              sv.buffer_minutes, s.config_version, a.version AS day_version,
              (SELECT o.opening_hours FROM shop_date_overrides o
                WHERE o.shop_id = s.id AND o.local_date = $3) AS date_override,
              (${STAFF_RULES_SQL('s.id', '$4', '$5')}) AS staff
         FROM shops s
         JOIN services sv ON sv.id = $2 AND sv.shop_id = s.id
         LEFT JOIN availability_days a ON a.shop_id = s.id AND a.local_date = $3
        WHERE s.id = $1`,
      // Time off read from a day before the date (UTC) to two after: every zone's day lies within.
      [shopId, serviceId, date, (Date.parse(date) || 0) - DAY_MS, (Date.parse(date) || 0) + 2 * DAY_MS],
    )) as Array<{
      status: ShopStatus;
      timezone: string;
      opening_hours: OpeningInterval[];
      slot_interval_minutes: number;
      duration_minutes: number;
      buffer_minutes: number;
      busy: BusyMap | null;
      config_version: number;
      day_version: string | null;
      date_override: DayInterval[] | null;
      staff: StaffRow[];
    }>;
    if (!rows[0]) return null;
    const row = rows[0];
    return {
      shopStatus: row.status,
      timezone: row.timezone,
      openingHours: row.opening_hours,
      slotIntervalMinutes: row.slot_interval_minutes,
      durationMinutes: row.duration_minutes,
      bufferMinutes: row.buffer_minutes,
      staffIds: row.staff.map((member) => member.id),
      staff: row.staff.map(toStaffRules),
      dateOverride: row.date_override,
      busy: row.busy ?? {},
      versions: { config: row.config_version, day: Number(row.day_version ?? 0) },
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
