import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { Template } from '../../libs/notifications/templates';
import { localDatesOf } from '../bookings/booking-keys';
import { queryReturning } from '../common/database/query-returning';
import { DatabaseReader } from '../database/replicas/database-reader';

export type NotificationStatus = 'pending' | 'sent' | 'failed';

export interface NotificationRow {
  id: string;
  user_id: string;
  channel: 'email' | 'sms';
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

/** A message with everything its template needs, read when it is sent (so it shows the state at that time). */
export interface MessageContext extends NotificationRow {
  recipient_name: string;
  recipient_email: string;
  recipient_phone: string | null;
  booking_status: string | null;
  starts_at: Date | null;
  payment_method: 'ONLINE' | 'PAY_AT_SHOP' | null;
  amount_paise: number | null;
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
    const [row]: MessageContext[] = await this.dataSource.query(
      `SELECT n.*, r.name AS recipient_name, r.email AS recipient_email, r.phone AS recipient_phone,
              b.status AS booking_status, b.starts_at, b.payment_method, b.amount_paise, b.cancel_reason,
              c.name AS customer_name, sv.name AS service_name,
              s.name AS shop_name, s.address AS shop_address, s.timezone,
              st.cutoff AS settlement_cutoff, st.booking_count, st.online_collected_paise, st.commission_paise,
              st.net_payable_paise
         FROM notifications n
         JOIN users r ON r.id = n.user_id
         LEFT JOIN bookings b ON b.id = n.booking_id AND b.local_date = $2
         LEFT JOIN users c ON c.id = b.customer_id
         LEFT JOIN services sv ON sv.id = b.service_id
         LEFT JOIN settlements st ON st.id = n.settlement_id
         JOIN shops s ON s.id = coalesce(b.shop_id, st.shop_id)
        WHERE n.id = $1`,
      [id, localDate],
    );
    return row ?? null;
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

  async list(
    filter: { userId?: string; status?: NotificationStatus },
    limit: number,
    before?: [string, string],
  ): Promise<NotificationRow[]> {
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
    return this.reader.query(
      `SELECT * FROM notifications ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${param(limit)}`,
      params,
    );
  }

  /** Pending messages by channel: the depth of what is still to be sent. */
  async pendingByChannel(): Promise<Array<{ channel: string; n: number }>> {
    return this.dataSource.query(
      "SELECT channel, count(*)::int AS n FROM notifications WHERE status = 'pending' GROUP BY channel",
    );
  }
}
