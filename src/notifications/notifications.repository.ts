import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BookingStatus } from '../../libs/bookings/booking-state';
import { NotificationChannel, NotificationStatus } from '../../libs/notifications/notification-status';
import { Template } from '../../libs/notifications/templates';
import { PaymentMethod } from '../../libs/payments/payment-status';
import { localDatesOf } from '../bookings/booking-keys';
import { queryReturning } from '../common/database/query-returning';
import { CreatedAtKey, exactTimestamp, Keyed } from '../common/pagination/pagination';
import { DatabaseReader } from '../database/replicas/database-reader';
import { MessageContext, Notification, UnrelayedMessage } from './notification';

/** A `notifications` row; it stays inside this file (services get `Notification`). */
interface NotificationRow {
  id: string;
  user_id: string;
  channel: NotificationChannel;
  template: Template;
  booking_id: string | null;
  settlement_id: string | null;
  status: NotificationStatus;
  attempts: number;
  last_error: string | null;
  send_after: Date;
  created_at: Date;
  sent_at: Date | null;
}

/** The row the context query reads: the message and what its template needs (bigint sums as strings). */
interface MessageContextRow extends NotificationRow {
  recipient_name: string;
  recipient_email: string;
  recipient_phone: string | null;
  booking_status: BookingStatus | null;
  starts_at: Date | null;
  payment_method: PaymentMethod | null;
  amount_paise: number | null;
  charged_paise: number | null;
  paid_paise: number | null;
  refund_paise: number | null;
  cancel_reason: string | null;
  customer_name: string | null;
  service_name: string | null;
  shop_name: string;
  shop_address: string;
  timezone: string;
  settlement_cutoff: Date | null;
  booking_count: number | null;
  online_collected_paise: string | null;
  commission_paise: string | null;
  net_payable_paise: string | null;
}

/** The one mapper from a notification row to the record services use. */
function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    template: row.template,
    bookingId: row.booking_id,
    settlementId: row.settlement_id,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    sendAfter: row.send_after,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  };
}

const paiseOrNull = (value: string | null): number | null => (value === null ? null : Number(value));

/** The one mapper from a context row; a settlement's sums per shop fit a safe integer, so they become numbers. */
function toMessageContext(row: MessageContextRow): MessageContext {
  return {
    ...toNotification(row),
    recipientName: row.recipient_name,
    recipientEmail: row.recipient_email,
    recipientPhone: row.recipient_phone,
    bookingStatus: row.booking_status,
    startsAt: row.starts_at,
    paymentMethod: row.payment_method,
    amountPaise: row.amount_paise,
    chargedPaise: row.charged_paise ?? 0,
    paidPaise: row.paid_paise ?? 0,
    refundPaise: row.refund_paise ?? 0,
    cancelReason: row.cancel_reason,
    customerName: row.customer_name,
    serviceName: row.service_name,
    shopName: row.shop_name,
    shopAddress: row.shop_address,
    timezone: row.timezone,
    settlementCutoff: row.settlement_cutoff,
    bookingCount: row.booking_count,
    onlineCollectedPaise: paiseOrNull(row.online_collected_paise),
    commissionPaise: paiseOrNull(row.commission_paise),
    netPayablePaise: paiseOrNull(row.net_payable_paise),
  };
}

@Injectable()
export class NotificationsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DatabaseReader,
  ) {}

  async context(id: string): Promise<MessageContext | null> {
    // The booking's partition first (see src/bookings/booking-keys.ts).
    const [message]: Array<{ booking_id: string | null }> = await this.dataSource.query(
      'SELECT booking_id FROM notifications WHERE id = $1',
      [id],
    );
    if (!message) return null;
    const localDate = message.booking_id
      ? ((await localDatesOf(this.dataSource.manager, [message.booking_id])).get(message.booking_id) ?? null)
      : null;
    const [row]: MessageContextRow[] = await this.dataSource.query(
      `SELECT n.*, r.name AS recipient_name, r.email AS recipient_email, r.phone AS recipient_phone,
              b.status AS booking_status, b.starts_at, b.payment_method, b.amount_paise, b.cancel_reason,
              b.charged_paise, CASE WHEN p.captured_at IS NOT NULL THEN p.amount_paise ELSE 0 END AS paid_paise,
              (SELECT coalesce(sum(r.amount_paise), 0)::int FROM refunds r
                WHERE r.payment_id = p.id AND r.status <> 'failed') AS refund_paise,
              c.name AS customer_name, sv.name AS service_name,
              s.name AS shop_name, s.address AS shop_address, s.timezone,
              st.cutoff AS settlement_cutoff, st.booking_count, st.online_collected_paise, st.commission_paise,
              st.net_payable_paise
         FROM notifications n
         JOIN users r ON r.id = n.user_id
         LEFT JOIN bookings b ON b.id = n.booking_id AND b.local_date = $2
         LEFT JOIN users c ON c.id = b.customer_id
         LEFT JOIN services sv ON sv.id = b.service_id
         LEFT JOIN payments p ON p.booking_id = b.id
         LEFT JOIN settlements st ON st.id = n.settlement_id
         JOIN shops s ON s.id = coalesce(b.shop_id, st.shop_id)
        WHERE n.id = $1`,
      [id, localDate],
    );
    return row ? toMessageContext(row) : null;
  }

  /**
   * Locks up to `limit` messages not yet handed to the queue, oldest first, for the caller's transaction; rows
   * another relay holds are skipped.
   */
  async lockUnrelayed(manager: EntityManager, limit: number): Promise<UnrelayedMessage[]> {
    const rows: Array<{ id: string; send_after: Date }> = await manager.query(
      `SELECT id, send_after FROM notifications WHERE relayed_at IS NULL
        ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => ({ id: row.id, sendAfter: row.send_after }));
  }

  /** In the caller's transaction: these messages' jobs are in the queue. */
  async markRelayed(manager: EntityManager, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query('UPDATE notifications SET relayed_at = now() WHERE id = ANY($1)', [ids]);
  }

  async markSent(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
        WHERE id = $1 AND status = 'pending'`,
      [id],
    );
  }

  async recordFailure(id: string, error: string, final: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications SET attempts = attempts + 1, last_error = $2,
              status = CASE WHEN $3 THEN 'failed' ELSE status END
        WHERE id = $1 AND status = 'pending'`,
      [id, error.slice(0, 1000), final],
    );
  }

  /** A message that no longer applies (a reminder of a booking that changed) is withdrawn. */
  async withdraw(id: string): Promise<void> {
    await this.dataSource.query("DELETE FROM notifications WHERE id = $1 AND status = 'pending'", [id]);
  }

  /** An admin's retry: the message goes back to pending, and the relay hands it to the queue again. */
  async retry(id: string): Promise<'retried' | 'not_failed' | 'missing'> {
    const rows = await queryReturning<{ id: string }>(
      this.dataSource,
      `UPDATE notifications SET status = 'pending', relayed_at = NULL, last_error = NULL
        WHERE id = $1 AND status = 'failed' RETURNING id`,
      [id],
    );
    if (rows.length === 1) return 'retried';
    const [exists] = await this.dataSource.query('SELECT 1 FROM notifications WHERE id = $1', [id]);
    return exists ? 'not_failed' : 'missing';
  }

  /** Newest first, each with its exact page key (creation time to the microsecond, then id). */
  async list(
    filter: { userId?: string; status?: NotificationStatus },
    limit: number,
    before?: CreatedAtKey,
  ): Promise<Array<Keyed<Notification>>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.userId) where.push(`user_id = ${param(filter.userId)}`);
    if (filter.status) where.push(`status = ${param(filter.status)}`);
    if (before)
      where.push(`(created_at, id) < (${param(before[0])}::timestamptz, ${param(before[1])}::uuid)`);
    const rows: Array<NotificationRow & { cursor_at: string }> = await this.reader.query(
      `SELECT *, ${exactTimestamp('created_at')} AS cursor_at
         FROM notifications ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${param(limit)}`,
      params,
    );
    return rows.map((row) => ({ item: toNotification(row), key: [row.cursor_at, row.id] }));
  }

  /** Pending messages by channel: the depth of what is still to be sent. */
  async pendingByChannel(): Promise<Array<{ channel: string; n: number }>> {
    return this.dataSource.query(
      "SELECT channel, count(*)::int AS n FROM notifications WHERE status = 'pending' GROUP BY channel",
    );
  }
}
