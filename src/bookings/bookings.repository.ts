import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BookingStatus } from '../../libs/bookings/booking-state';
import { CancellationPolicy } from '../../libs/bookings/cancellation-policy';
import { PaymentMethod, PaymentStatus } from '../../libs/payments/payment-status';
import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { BookingSettlementStatus } from '../../libs/settlement/settlement-status';
import { isPgError, PG_EXCLUSION_VIOLATION, PG_UNIQUE_VIOLATION } from '../common/database/pg-errors';
import { queryReturning } from '../common/database/query-returning';
import { exactTimestamp, Keyed, TimeKey } from '../common/pagination/pagination';
import { DatabaseReader } from '../database/replicas/database-reader';
import { Booking, BookingKey } from './booking';
import { localDatesOf } from './booking-keys';
import { BookingNotFoundError, BookingOverlapError } from './bookings.errors';

/** The row as SELECT_BOOKING reads it; it stays inside this file (services get `Booking`). */
interface BookingRow {
  id: string;
  customer_id: string;
  shop_id: string;
  service_id: string;
  staff_id: string;
  starts_at: Date;
  ends_at: Date;
  blocked_until: Date;
  local_date: string;
  status: BookingStatus;
  payment_method: PaymentMethod;
  payment_status: PaymentStatus;
  amount_paise: number;
  commission_bps: number;
  commission_paise: number;
  charged_paise: number;
  refunded_paise: number;
  reschedule_count: number;
  free_cancellation_hours: number;
  late_cancellation_fee_bps: number;
  no_show_fee_bps: number;
  settlement_status: BookingSettlementStatus;
  expires_at: Date | null;
  cancel_reason: string | null;
  created_at: Date;
  timezone: string;
  shop_owner_id: string;
  payment_id: string | null;
  payment_provider: string | null;
  payment_key_id: string | null;
  payment_order_id: string | null;
  payment_amount_paise: number | null;
  payment_currency: string | null;
}

/** The one mapper from a booking row to the record services use. */
function toBooking(row: BookingRow): Booking {
  return {
    id: row.id,
    customerId: row.customer_id,
    shopId: row.shop_id,
    serviceId: row.service_id,
    staffId: row.staff_id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    blockedUntil: row.blocked_until,
    localDate: row.local_date,
    status: row.status,
    paymentMethod: row.payment_method,
    paymentStatus: row.payment_status,
    amountPaise: row.amount_paise,
    commissionBps: row.commission_bps,
    commissionPaise: row.commission_paise,
    chargedPaise: row.charged_paise,
    refundedPaise: row.refunded_paise,
    rescheduleCount: row.reschedule_count,
    policy: {
      freeCancellationHours: row.free_cancellation_hours,
      lateCancellationFeeBps: row.late_cancellation_fee_bps,
      noShowFeeBps: row.no_show_fee_bps,
    },
    settlementStatus: row.settlement_status,
    expiresAt: row.expires_at,
    cancelReason: row.cancel_reason,
    createdAt: row.created_at,
    timezone: row.timezone,
    shopOwnerId: row.shop_owner_id,
    payment:
      row.payment_id && row.payment_order_id
        ? {
            id: row.payment_id,
            provider: row.payment_provider as string,
            keyId: row.payment_key_id as string,
            orderId: row.payment_order_id,
            amountPaise: row.payment_amount_paise as number,
            currency: row.payment_currency as string,
          }
        : null,
  };
}

const NO_PAYMENT = {
  payment_id: null,
  payment_provider: null,
  payment_key_id: null,
  payment_order_id: null,
  payment_amount_paise: null,
  payment_currency: null,
};

export interface BookingContext {
  shopStatus: string;
  timezone: string;
  openingHours: OpeningInterval[];
  slotIntervalMinutes: number;
  commissionBps: number;
  policy: CancellationPolicy;
  service: { id: string; durationMinutes: number; bufferMinutes: number; pricePaise: number } | null;
  staffIds: string[];
  ownerId: string;
}

export interface NewBooking {
  customerId: string;
  shopId: string;
  serviceId: string;
  staffId: string;
  startsAt: number;
  endsAt: number;
  blockedUntil: number;
  localDate: string;
  status: BookingStatus;
  paymentMethod: PaymentMethod;
  amountPaise: number;
  commissionBps: number;
  commissionPaise: number;
  chargedPaise: number;
  policy: CancellationPolicy;
  expiresAt: number | null;
}

/** What a status change may set besides the status; only the fields given are written. */
export interface BookingChanges {
  status?: BookingStatus;
  paymentStatus?: PaymentStatus;
  chargedPaise?: number;
  commissionPaise?: number;
  refundedPaise?: number;
  cancelReason?: string;
}

const CHANGE_COLUMNS: Record<keyof BookingChanges, string> = {
  status: 'status',
  paymentStatus: 'payment_status',
  chargedPaise: 'charged_paise',
  commissionPaise: 'commission_paise',
  refundedPaise: 'refunded_paise',
  cancelReason: 'cancel_reason',
};

/** Where a reschedule moves a booking. */
export interface BookingMove {
  staffId: string;
  startsAt: number;
  endsAt: number;
  blockedUntil: number;
  localDate: string;
}

export interface BookingFilter {
  customerId?: string;
  shopOwnerId?: string;
  shopId?: string;
  status?: BookingStatus;
  from?: string;
  to?: string;
}

/** The booking query up to its WHERE; `extraColumns` (each followed by a comma) are read too. */
const selectBooking = (extraColumns = '') => `
  SELECT b.id, b.customer_id, b.shop_id, b.service_id, b.staff_id, b.starts_at, b.ends_at, b.blocked_until,
         to_char(b.local_date, 'YYYY-MM-DD') AS local_date, b.status, b.payment_method, b.payment_status,
         b.amount_paise, b.commission_bps, b.commission_paise, b.charged_paise, b.refunded_paise, b.reschedule_count,
         b.free_cancellation_hours, b.late_cancellation_fee_bps, b.no_show_fee_bps,
         b.settlement_status, b.expires_at, b.cancel_reason, b.created_at,
         s.timezone, s.owner_id AS shop_owner_id,${extraColumns}
         p.id AS payment_id, p.provider AS payment_provider, p.key_id AS payment_key_id,
         p.provider_order_id AS payment_order_id, p.amount_paise AS payment_amount_paise,
         p.currency AS payment_currency
    FROM bookings b JOIN shops s ON s.id = b.shop_id LEFT JOIN payments p ON p.booking_id = b.id`;
const SELECT_BOOKING = selectBooking();

@Injectable()
export class BookingsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DatabaseReader,
  ) {}

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Booking | null> {
    let localDate = (await localDatesOf(manager, [id])).get(id);
    // Outside a transaction the two reads see different snapshots: a reschedule that commits between them moves the
    // booking to another day (another partition), and the second read found nothing at the old date, so reads by id
    // (GET, cancel, reschedule) answered 404 for a booking that exists. Look its date up again when it moved.
    for (let attempt = 0; localDate && attempt < 5; attempt++) {
      const rows: BookingRow[] = await manager.query(
        `${SELECT_BOOKING} WHERE b.id = $1 AND b.local_date = $2`,
        [id, localDate],
      );
      if (rows[0]) return toBooking(rows[0]);
      const now = (await localDatesOf(manager, [id])).get(id);
      if (now === localDate) return null;
      localDate = now;
    }
    return null;
  }

  /** A booking that must exist (its id came from a row that refers to it). */
  async getById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Booking> {
    const booking = await this.findById(id, manager);
    if (!booking) throw new BookingNotFoundError();
    return booking;
  }

  /** The shop's rules, the service's price and length, and the staff, as of this transaction. */
  async context(manager: EntityManager, shopId: string, serviceId: string): Promise<BookingContext | null> {
    const shops: Array<{
      status: string;
      timezone: string;
      opening_hours: OpeningInterval[];
      slot_interval_minutes: number;
      commission_bps: number;
      free_cancellation_hours: number;
      late_cancellation_fee_bps: number;
      no_show_fee_bps: number;
      duration_minutes: number | null;
      buffer_minutes: number | null;
      price_paise: number | null;
      owner_id: string;
      staff_ids: string[];
    }> = await manager.query(
      `SELECT s.status, s.timezone, s.opening_hours, s.slot_interval_minutes, s.commission_bps, s.owner_id,
              s.free_cancellation_hours, s.late_cancellation_fee_bps, s.no_show_fee_bps, sv.duration_minutes, sv.price_paise,
              sv.buffer_minutes,
              ARRAY(SELECT st.id FROM staff st WHERE st.shop_id = s.id ORDER BY st.created_at, st.id) AS staff_ids
         FROM shops s LEFT JOIN services sv ON sv.id = $2 AND sv.shop_id = s.id
        WHERE s.id = $1`,
      [shopId, serviceId],
    );
    if (!shops[0]) return null;
    const shop = shops[0];
    return {
      shopStatus: shop.status,
      timezone: shop.timezone,
      openingHours: shop.opening_hours,
      slotIntervalMinutes: shop.slot_interval_minutes,
      commissionBps: shop.commission_bps,
      policy: {
        freeCancellationHours: shop.free_cancellation_hours,
        lateCancellationFeeBps: shop.late_cancellation_fee_bps,
        noShowFeeBps: shop.no_show_fee_bps,
      },
      service:
        shop.duration_minutes === null || shop.price_paise === null
          ? null
          : {
              id: serviceId,
              durationMinutes: shop.duration_minutes,
              bufferMinutes: shop.buffer_minutes ?? 0,
              pricePaise: shop.price_paise,
            },
      staffIds: shop.staff_ids,
      ownerId: shop.owner_id,
    };
  }

  /** Inserts and returns the stored row (with the shop's time zone and owner, which the caller knows). */
  async insert(
    manager: EntityManager,
    booking: NewBooking,
    shop: { timezone: string; ownerId: string },
  ): Promise<Booking> {
    const rows: BookingRow[] = await this.refusingOverlap(() =>
      manager.query(
        `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                               payment_method, amount_paise, commission_bps, commission_paise, expires_at,
                               charged_paise, free_cancellation_hours, late_cancellation_fee_bps, no_show_fee_bps,
                               blocked_until)
         VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0), $7, $8, $9, $10, $11, $12,
                 to_timestamp($13 / 1000.0), $14, $15, $16, $17, to_timestamp($18 / 1000.0))
         RETURNING id, customer_id, shop_id, service_id, staff_id, starts_at, ends_at, blocked_until,
                   to_char(local_date, 'YYYY-MM-DD') AS local_date, status, payment_method, payment_status,
                   amount_paise, commission_bps, commission_paise, charged_paise, refunded_paise, reschedule_count,
                   free_cancellation_hours, late_cancellation_fee_bps, no_show_fee_bps,
                   settlement_status, expires_at, cancel_reason, created_at`,
        [
          booking.customerId,
          booking.shopId,
          booking.serviceId,
          booking.staffId,
          booking.startsAt,
          booking.endsAt,
          booking.localDate,
          booking.status,
          booking.paymentMethod,
          booking.amountPaise,
          booking.commissionBps,
          booking.commissionPaise,
          booking.expiresAt,
          booking.chargedPaise,
          booking.policy.freeCancellationHours,
          booking.policy.lateCancellationFeeBps,
          booking.policy.noShowFeeBps,
          booking.blockedUntil,
        ],
      ),
    );
    return toBooking({ ...rows[0], timezone: shop.timezone, shop_owner_id: shop.ownerId, ...NO_PAYMENT });
  }

  /** Unpaid holds of one shop-day whose time is up: expired now, inside the caller's transaction. */
  async expireStaleHolds(manager: EntityManager, shopId: string, localDate: string): Promise<string[]> {
    const rows = await queryReturning<{ id: string }>(
      manager,
      `UPDATE bookings SET status = 'expired', charged_paise = 0, commission_paise = 0, updated_at = now()
        WHERE shop_id = $1 AND local_date = $2 AND status = 'pending_payment' AND expires_at <= now()
        RETURNING id`,
      [shopId, localDate],
    );
    return rows.map((row) => row.id);
  }

  /** Shop-days that have holds past their expiry, oldest first: the sweeper's work list. */
  async shopDaysWithDueHolds(limit: number): Promise<Array<{ shopId: string; localDate: string }>> {
    const rows: Array<{ shop_id: string; local_date: string }> = await this.dataSource.query(
      `SELECT DISTINCT shop_id, to_char(local_date, 'YYYY-MM-DD') AS local_date
         FROM (SELECT shop_id, local_date FROM bookings
                WHERE status = 'pending_payment' AND expires_at <= now()
                ORDER BY expires_at LIMIT $1) due`,
      [limit],
    );
    return rows.map((row) => ({ shopId: row.shop_id, localDate: row.local_date }));
  }

  /**
   * Changes a booking if its status (and payment status, when given) are still what the caller read; false when
   * someone else changed it first. Only the fields in `changes` are written.
   */
  async change(
    manager: EntityManager,
    booking: BookingKey,
    expected: { status: BookingStatus; paymentStatus?: PaymentStatus },
    changes: BookingChanges,
  ): Promise<boolean> {
    const params: unknown[] = [
      booking.id,
      booking.localDate,
      expected.status,
      expected.paymentStatus ?? null,
    ];
    const sets = Object.entries(changes)
      .filter(([, value]) => value !== undefined)
      .map(([field, value]) => {
        params.push(value);
        return `${CHANGE_COLUMNS[field as keyof BookingChanges]} = $${params.length}`;
      });
    const rows = await this.refusingOverlap(() =>
      queryReturning(
        manager,
        `UPDATE bookings SET ${[...sets, 'updated_at = now()'].join(', ')}
          WHERE id = $1 AND local_date = $2 AND status = $3 AND ($4::text IS NULL OR payment_status = $4)
          RETURNING id`,
        params,
      ),
    );
    return rows.length === 1;
  }

  /**
   * Moves a booking's status and payment status together, if both are still what the caller read; false when
   * someone else changed the booking first.
   */
  changePaymentState(
    manager: EntityManager,
    booking: BookingKey,
    from: { status: BookingStatus; paymentStatus: PaymentStatus },
    to: { status: BookingStatus; paymentStatus: PaymentStatus },
  ): Promise<boolean> {
    return this.change(manager, booking, from, to);
  }

  /**
   * Moves a live booking to another time (and maybe staff member and day, so another partition), if it is still in
   * the status the caller read. The no-overlap constraint of the target partition is the last line of defence.
   */
  async move(manager: EntityManager, booking: Booking, to: BookingMove): Promise<boolean> {
    const rows = await this.refusingOverlap(() =>
      queryReturning(
        manager,
        `UPDATE bookings SET staff_id = $4, starts_at = to_timestamp($5 / 1000.0), ends_at = to_timestamp($6 / 1000.0),
                             blocked_until = to_timestamp($8 / 1000.0),
                             local_date = $7, reschedule_count = reschedule_count + 1, updated_at = now()
          WHERE id = $1 AND local_date = $2 AND status = $3
          RETURNING id`,
        [
          booking.id,
          booking.localDate,
          booking.status,
          to.staffId,
          to.startsAt,
          to.endsAt,
          to.localDate,
          to.blockedUntil,
        ],
      ),
    );
    return rows.length === 1;
  }

  /** Forgets the idempotency keys that point at a booking, so a client may retry with the same key. */
  async deleteIdempotencyKeysOf(manager: EntityManager, bookingId: string): Promise<void> {
    await manager.query('DELETE FROM idempotency_keys WHERE booking_id = $1', [bookingId]);
  }

  async findIdempotencyKey(
    customerId: string,
    key: string,
  ): Promise<{ requestHash: string; bookingId: string } | null> {
    const rows: Array<{ request_hash: string; booking_id: string }> = await this.dataSource.query(
      `SELECT request_hash, booking_id FROM idempotency_keys
        WHERE customer_id = $1 AND key = $2 AND created_at > now() - interval '24 hours'`,
      [customerId, key],
    );
    return rows[0] ? { requestHash: rows[0].request_hash, bookingId: rows[0].booking_id } : null;
  }

  /**
   * Records the key with the booking in the booking's transaction. A key older than 24 hours is taken over; false
   * when a fresh one is held by a concurrent request (whose result the caller replays instead).
   */
  async saveIdempotencyKey(
    manager: EntityManager,
    customerId: string,
    key: string,
    requestHash: string,
    bookingId: string,
  ): Promise<boolean> {
    try {
      const rows: unknown[] = await manager.query(
        `INSERT INTO idempotency_keys (customer_id, key, request_hash, booking_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (customer_id, key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, booking_id = EXCLUDED.booking_id, created_at = now()
          WHERE idempotency_keys.created_at <= now() - interval '24 hours'
         RETURNING key`,
        [customerId, key, requestHash, bookingId],
      );
      return rows.length === 1;
    } catch (error) {
      // A concurrent transaction inserted the same key and committed while this one waited for it.
      if (isPgError(error, PG_UNIQUE_VIOLATION)) return false;
      throw error;
    }
  }

  async deleteExpiredIdempotencyKeys(): Promise<number> {
    const rows = await queryReturning(
      this.dataSource,
      `DELETE FROM idempotency_keys WHERE created_at <= now() - interval '24 hours' RETURNING key`,
      [],
    );
    return rows.length;
  }

  /** In (start, id) order, each with its exact page key (the start to the microsecond, then id). */
  async list(filter: BookingFilter, limit: number, after?: TimeKey): Promise<Array<Keyed<Booking>>> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.customerId) add('b.customer_id = ?', filter.customerId);
    if (filter.shopOwnerId) add('s.owner_id = ?', filter.shopOwnerId);
    if (filter.shopId) add('b.shop_id = ?', filter.shopId);
    if (filter.status) add('b.status = ?', filter.status);
    if (filter.from) add('b.starts_at >= ?::timestamptz', filter.from);
    if (filter.to) add('b.starts_at < ?::timestamptz', filter.to);
    if (after) {
      params.push(after[0], after[1]);
      conditions.push(`(b.starts_at, b.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows: Array<BookingRow & { cursor_at: string }> = await this.reader.query(
      `${selectBooking(` ${exactTimestamp('b.starts_at')} AS cursor_at,`)} ${where} ORDER BY b.starts_at, b.id LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({ item: toBooking(row), key: [row.cursor_at, row.id] }));
  }

  /** The no-overlap constraint's refusal, as the domain's word for it. */
  private async refusingOverlap<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isPgError(error, PG_EXCLUSION_VIOLATION)) throw new BookingOverlapError();
      throw error;
    }
  }
}
