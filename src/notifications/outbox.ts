import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { localDatesOf } from '../bookings/booking-keys';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';

/**
 * Writes messages into the outbox (the `notifications` table) in the caller's transaction, so a message exists
 * exactly when the change that causes it commits. The worker's relay hands them to the queue. Each message has a
 * dedupe key, so a retried transaction never writes one twice.
 */
@Injectable()
export class NotificationsOutbox {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * A booking is confirmed (pay-at-shop at creation, online once paid): the customer by e-mail (and SMS if they
   * gave a phone), the shop's owner by e-mail, and the customer's reminder, due REMINDER_LEAD_MINUTES before.
   */
  async bookingConfirmed(manager: EntityManager, bookingId: string): Promise<void> {
    const localDate = (await localDatesOf(manager, [bookingId])).get(bookingId) ?? null;
    await manager.query(
      `WITH b AS (
         SELECT b.id, b.customer_id, b.starts_at, s.owner_id, u.phone
           FROM bookings b JOIN shops s ON s.id = b.shop_id JOIN users u ON u.id = b.customer_id
          WHERE b.id = $1 AND b.local_date = $3)
       INSERT INTO notifications (user_id, channel, template, booking_id, send_after, dedupe_key)
       SELECT customer_id, 'email', 'booking_confirmed', id, now(), 'booking_confirmed:email:' || id FROM b
       UNION ALL
       SELECT customer_id, 'sms', 'booking_confirmed', id, now(), 'booking_confirmed:sms:' || id FROM b
        WHERE phone IS NOT NULL
       UNION ALL
       SELECT owner_id, 'email', 'new_booking', id, now(), 'new_booking:email:' || id FROM b
       UNION ALL
       SELECT customer_id, 'email', 'booking_reminder', id, starts_at - make_interval(mins => $2),
              'booking_reminder:email:' || id || ':' || extract(epoch FROM starts_at)::bigint
         FROM b WHERE starts_at - make_interval(mins => $2) > now()
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [bookingId, this.config.notifications.reminderLeadMinutes, localDate],
    );
  }

  /** A booking is cancelled: the customer is told, and its reminder (if not sent yet) is withdrawn. */
  async bookingCancelled(manager: EntityManager, bookingId: string): Promise<void> {
    await manager.query(
      `DELETE FROM notifications WHERE booking_id = $1 AND template = 'booking_reminder' AND status <> 'sent'`,
      [bookingId],
    );
    await this.toCustomer(manager, [bookingId], 'booking_cancelled');
  }

  /**
   * A booking moved to another time: the customer (e-mail, and SMS with a phone) and the shop's owner are told, the
   * reminder of the old time (if not sent yet) is withdrawn, and a confirmed booking gets one for the new time.
   * Keyed by the booking's reschedule count, so every move is told once, however often its transaction is retried.
   */
  async bookingRescheduled(manager: EntityManager, bookingId: string): Promise<void> {
    await manager.query(
      `DELETE FROM notifications WHERE booking_id = $1 AND template = 'booking_reminder' AND status <> 'sent'`,
      [bookingId],
    );
    const localDate = (await localDatesOf(manager, [bookingId])).get(bookingId) ?? null;
    await manager.query(
      `WITH b AS (
         SELECT b.id, b.customer_id, b.starts_at, b.status, b.reschedule_count, s.owner_id, u.phone
           FROM bookings b JOIN shops s ON s.id = b.shop_id JOIN users u ON u.id = b.customer_id
          WHERE b.id = $1 AND b.local_date = $3)
       INSERT INTO notifications (user_id, channel, template, booking_id, send_after, dedupe_key)
       SELECT customer_id, 'email', 'booking_rescheduled', id, now(),
              'booking_rescheduled:email:' || id || ':' || reschedule_count FROM b
       UNION ALL
       SELECT customer_id, 'sms', 'booking_rescheduled', id, now(),
              'booking_rescheduled:sms:' || id || ':' || reschedule_count FROM b WHERE phone IS NOT NULL
       UNION ALL
       SELECT owner_id, 'email', 'shop_booking_rescheduled', id, now(),
              'shop_booking_rescheduled:email:' || id || ':' || reschedule_count FROM b
       UNION ALL
       SELECT customer_id, 'email', 'booking_reminder', id, starts_at - make_interval(mins => $2),
              'booking_reminder:email:' || id || ':' || extract(epoch FROM starts_at)::bigint
         FROM b WHERE status = 'upcoming' AND starts_at - make_interval(mins => $2) > now()
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [bookingId, this.config.notifications.reminderLeadMinutes, localDate],
    );
  }

  /** Unpaid holds expired: their customers are told. */
  async bookingsExpired(manager: EntityManager, bookingIds: readonly string[]): Promise<void> {
    if (bookingIds.length > 0) await this.toCustomer(manager, bookingIds, 'booking_expired');
  }

  /** A settlement was made: the shop's owner gets the statement. */
  async settlementMade(manager: EntityManager, settlementId: string): Promise<void> {
    await manager.query(
      `INSERT INTO notifications (user_id, channel, template, settlement_id, dedupe_key)
       SELECT s.owner_id, 'email', 'settlement_statement', st.id, 'settlement_statement:email:' || st.id
         FROM settlements st JOIN shops s ON s.id = st.shop_id WHERE st.id = $1
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [settlementId],
    );
  }

  private async toCustomer(
    manager: EntityManager,
    bookingIds: readonly string[],
    template: string,
  ): Promise<void> {
    const localDates = [...new Set((await localDatesOf(manager, bookingIds)).values())];
    await manager.query(
      `INSERT INTO notifications (user_id, channel, template, booking_id, dedupe_key)
       SELECT b.customer_id, c.channel, $2, b.id, $2 || ':' || c.channel || ':' || b.id
         FROM bookings b JOIN users u ON u.id = b.customer_id
        CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)
        WHERE b.id = ANY($1) AND b.local_date = ANY($3::date[]) AND (c.channel = 'email' OR u.phone IS NOT NULL)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [bookingIds, template, localDates],
    );
  }
}
