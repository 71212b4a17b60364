import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BookingStatus } from '../../libs/bookings/booking-state';
import { localDatesOf } from '../bookings/booking-keys';
import { isPgError, PG_UNIQUE_VIOLATION } from '../common/database/pg-errors';
import { queryReturning } from '../common/database/query-returning';
import { Payment, StoredEvent } from './payment';

/** The provider payment is already attached to another booking (the unique constraint refused it). */
export class ProviderPaymentTakenError extends Error {
  constructor() {
    super('The provider payment is attached to another booking');
  }
}

interface PaymentRow {
  id: string;
  booking_id: string;
  provider: string;
  provider_order_id: string;
  amount_paise: number;
  currency: string;
  provider_payment_id: string | null;
}

interface BookingFacts {
  id: string;
  customer_id: string;
  shop_id: string;
  local_date: string;
  booking_status: BookingStatus;
}

/** The one mapper from a payment row (and its booking's facts) to the record services use. */
function toPayment(row: PaymentRow, booking: BookingFacts): Payment {
  return {
    id: row.id,
    bookingId: row.booking_id,
    provider: row.provider,
    providerOrderId: row.provider_order_id,
    amountPaise: row.amount_paise,
    currency: row.currency,
    providerPaymentId: row.provider_payment_id,
    customerId: booking.customer_id,
    shopId: booking.shop_id,
    localDate: booking.local_date,
    bookingStatus: booking.booking_status,
  };
}

/** The payment columns; the booking facts are added by `withBookings`. */
const SELECT_PAYMENT = `
  SELECT p.id, p.booking_id, p.provider, p.provider_order_id, p.amount_paise, p.currency, p.provider_payment_id
    FROM payments p`;

/**
 * Adds the booking facts to payment rows, reading the bookings by id and local date so that only their partitions
 * are planned and locked (a join on the booking id alone would touch every partition).
 */
async function withBookings(
  manager: Pick<EntityManager, 'query'>,
  payments: PaymentRow[],
): Promise<Payment[]> {
  if (payments.length === 0) return [];
  const ids = [...new Set(payments.map((payment) => payment.booking_id))];
  const byId = new Map<string, BookingFacts>();
  // Outside a transaction the directory and the partition are read in two snapshots: a reschedule committing in
  // between moves a booking to another date, and it is looked up again there.
  for (let attempt = 0; attempt < 5 && byId.size < ids.length; attempt++) {
    const missing = ids.filter((id) => !byId.has(id));
    const localDates = [...new Set((await localDatesOf(manager, missing)).values())];
    const bookings: BookingFacts[] = await manager.query(
      `SELECT id, customer_id, shop_id, to_char(local_date, 'YYYY-MM-DD') AS local_date, status AS booking_status
           FROM bookings WHERE id = ANY($1::uuid[]) AND local_date = ANY($2::date[])`,
      [missing, localDates],
    );
    for (const booking of bookings) byId.set(booking.id, booking);
  }
  return payments.map((payment) => toPayment(payment, byId.get(payment.booking_id) as BookingFacts));
}

/** An event that failed this often is left for a person (it stays unprocessed, visible in the table). */
const MAX_EVENT_ATTEMPTS = 20;
/** How long after a hold's expiry the reconciler keeps asking the provider about its order. */
const RECONCILE_GRACE = '1 hour';
/** The reconciler starts asking this long before a hold expires. */
const RECONCILE_LEAD = '60 seconds';

@Injectable()
export class PaymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores the provider order of a booking; a concurrent second order for the same booking is not stored. */
  async insertOrder(order: {
    bookingId: string;
    provider: string;
    keyId: string;
    orderId: string;
    amountPaise: number;
    currency: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO payments (booking_id, provider, key_id, provider_order_id, amount_paise, currency,
                             next_reconcile_at, reconcile_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz - interval '${RECONCILE_LEAD}',
               $7::timestamptz + interval '${RECONCILE_GRACE}')
       ON CONFLICT (booking_id) DO NOTHING`,
      [
        order.bookingId,
        order.provider,
        order.keyId,
        order.orderId,
        order.amountPaise,
        order.currency,
        order.expiresAt,
      ],
    );
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Payment | null> {
    const rows = await withBookings(manager, await manager.query(`${SELECT_PAYMENT} WHERE p.id = $1`, [id]));
    return rows[0] ?? null;
  }

  /** A booking's payment (one per booking), whatever its state. */
  async findByBooking(
    bookingId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Payment | null> {
    const rows = await withBookings(
      manager,
      await manager.query(`${SELECT_PAYMENT} WHERE p.booking_id = $1`, [bookingId]),
    );
    return rows[0] ?? null;
  }

  async findByOrder(provider: string, orderId: string): Promise<Payment | null> {
    const rows = await withBookings(
      this.dataSource.manager,
      await this.dataSource.query(`${SELECT_PAYMENT} WHERE p.provider = $1 AND p.provider_order_id = $2`, [
        provider,
        orderId,
      ]),
    );
    return rows[0] ?? null;
  }

  async findByProviderPayment(provider: string, paymentId: string): Promise<Payment | null> {
    const rows = await withBookings(
      this.dataSource.manager,
      await this.dataSource.query(`${SELECT_PAYMENT} WHERE p.provider = $1 AND p.provider_payment_id = $2`, [
        provider,
        paymentId,
      ]),
    );
    return rows[0] ?? null;
  }

  /** The row locked for the caller's transaction. */
  async lock(manager: EntityManager, id: string): Promise<Payment> {
    const rows = await withBookings(
      manager,
      await manager.query(`${SELECT_PAYMENT} WHERE p.id = $1 FOR UPDATE OF p`, [id]),
    );
    return rows[0];
  }

  /**
   * Attaches the captured provider payment. The unique constraint refuses one payment on two bookings:
   * `ProviderPaymentTakenError`.
   */
  async recordCapture(manager: EntityManager, id: string, providerPaymentId: string): Promise<void> {
    try {
      await manager.query(
        `UPDATE payments SET provider_payment_id = $2, captured_at = now(), next_reconcile_at = NULL,
                             updated_at = now()
          WHERE id = $1 AND provider_payment_id IS NULL`,
        [id, providerPaymentId],
      );
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION, 'payments_payment_unique'))
        throw new ProviderPaymentTakenError();
      throw error;
    }
  }

  /**
   * Claims up to `limit` unpaid orders due for a check with the provider and schedules their next check, so
   * concurrent reconcilers never ask about the same order at once.
   */
  async claimDueForReconcile(limit: number, intervalSeconds: number): Promise<Payment[]> {
    const claimed = await queryReturning<{ id: string }>(
      this.dataSource,
      `UPDATE payments p
          SET next_reconcile_at = CASE WHEN now() + make_interval(secs => $2) > p.reconcile_until THEN NULL
                                       ELSE now() + make_interval(secs => $2) END
        WHERE p.id IN (SELECT id FROM payments WHERE next_reconcile_at <= now()
                        ORDER BY next_reconcile_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING p.id`,
      [limit, intervalSeconds],
    );
    if (claimed.length === 0) return [];
    return withBookings(
      this.dataSource.manager,
      await this.dataSource.query(
        `${SELECT_PAYMENT} WHERE p.id = ANY($1::uuid[]) AND p.provider_payment_id IS NULL`,
        [claimed.map((row) => row.id)],
      ),
    );
  }

  /** Stores a webhook event once per provider event id; false when it was already stored. */
  async storeEvent(event: {
    provider: string;
    eventId: string;
    eventType: string;
    payload: unknown;
  }): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO payment_events (provider, event_id, event_type, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id`,
      [event.provider, event.eventId, event.eventType, JSON.stringify(event.payload)],
    );
    return rows.length === 1;
  }

  /** The event, counting this attempt at processing it; null when unknown or already processed. */
  async startEvent(provider: string, eventId: string): Promise<StoredEvent | null> {
    const rows = await queryReturning<StoredEvent>(
      this.dataSource,
      `UPDATE payment_events SET attempts = attempts + 1
        WHERE provider = $1 AND event_id = $2 AND processed_at IS NULL
       RETURNING provider, event_id AS "eventId", event_type AS "eventType", payload, attempts`,
      [provider, eventId],
    );
    return rows[0] ?? null;
  }

  async finishEvent(provider: string, eventId: string, outcome: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE payment_events SET processed_at = now(), outcome = $3
        WHERE provider = $1 AND event_id = $2 AND processed_at IS NULL`,
      [provider, eventId, outcome],
    );
  }

  /** Events stored at least `olderThanSeconds` ago and still not processed (their job was lost or failed). */
  async stuckEvents(
    olderThanSeconds: number,
    limit: number,
  ): Promise<Array<{ provider: string; eventId: string }>> {
    return this.dataSource.query(
      `SELECT provider, event_id AS "eventId" FROM payment_events
        WHERE processed_at IS NULL AND received_at <= now() - make_interval(secs => $1)
          AND attempts < ${MAX_EVENT_ATTEMPTS}
        ORDER BY received_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }

  async recordReview(
    review: {
      provider: string;
      reason: string;
      bookingId?: string;
      orderId?: string;
      paymentId?: string;
      detail?: Record<string, unknown>;
    },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO payment_reviews (provider, reason, booking_id, provider_order_id, provider_payment_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        review.provider,
        review.reason,
        review.bookingId ?? null,
        review.orderId ?? null,
        review.paymentId ?? null,
        JSON.stringify(review.detail ?? {}),
      ],
    );
  }
}
