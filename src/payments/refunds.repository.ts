import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { RefundReason, RefundStatus } from '../../libs/payments/payment-status';
import { RefundSplit } from '../../libs/payments/refund-split';
import { queryReturning } from '../common/database/query-returning';
import { Refund } from './refund';

interface RefundRow {
  id: string;
  payment_id: string;
  provider: string;
  amount_paise: number;
  reason: RefundReason;
  status: RefundStatus;
  provider_refund_id: string | null;
  idempotency_key: string;
  note: string | null;
  requested_by: string | null;
  request_key: string | null;
  requested_at: Date;
  processed_at: Date | null;
}

/** The one mapper from a refund row to the record services use. */
function toRefund(row: RefundRow): Refund {
  return {
    id: row.id,
    paymentId: row.payment_id,
    provider: row.provider,
    amountPaise: row.amount_paise,
    reason: row.reason,
    status: row.status,
    providerRefundId: row.provider_refund_id,
    idempotencyKey: row.idempotency_key,
    note: row.note,
    requestedBy: row.requested_by,
    requestKey: row.request_key,
    requestedAt: row.requested_at,
    processedAt: row.processed_at,
  };
}

const COLUMNS = `id, payment_id, provider, amount_paise, reason, status, provider_refund_id, idempotency_key, note,
                 requested_by, request_key, requested_at, processed_at`;

/** What has gone, or is going, back of one payment. */
export interface RefundTotals {
  processedPaise: number;
  /** Asked for or sent, not finished. */
  openPaise: number;
  openCount: number;
}

@Injectable()
export class RefundsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Asks for a refund of a captured payment. Null when it would be a second policy refund of the payment (a
   * cancellation and a late payment give back once) or the admin's request key was used already.
   */
  async request(
    manager: EntityManager,
    refund: {
      paymentId: string;
      provider: string;
      amountPaise: number;
      reason: Exclude<RefundReason, 'provider'>;
      note?: string;
      requestedBy?: string;
      requestKey?: string;
    },
  ): Promise<Refund | null> {
    const rows = await queryReturning<RefundRow>(
      manager,
      `WITH new AS (SELECT gen_random_uuid() AS id)
       INSERT INTO refunds (id, payment_id, provider, amount_paise, reason, status, idempotency_key, note,
                            requested_by, request_key)
       SELECT new.id, $1, $2, $3, $4, 'requested', 'refund-' || new.id, $5, $6, $7 FROM new
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        refund.paymentId,
        refund.provider,
        refund.amountPaise,
        refund.reason,
        refund.note ?? null,
        refund.requestedBy ?? null,
        refund.requestKey ?? null,
      ],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  /**
   * A refund the provider reports that nobody here asked for (made in its dashboard): recorded as it is, once per
   * provider refund id; null when it is known already.
   */
  async recordFromProvider(
    manager: EntityManager,
    refund: { paymentId: string; provider: string; providerRefundId: string; amountPaise: number },
  ): Promise<Refund | null> {
    const rows = await queryReturning<RefundRow>(
      manager,
      `INSERT INTO refunds (payment_id, provider, amount_paise, reason, status, provider_refund_id, idempotency_key)
       VALUES ($1, $2, $3, 'provider', 'pending', $4, 'provider-' || $4)
       ON CONFLICT DO NOTHING
       RETURNING ${COLUMNS}`,
      [refund.paymentId, refund.provider, refund.amountPaise, refund.providerRefundId],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Refund | null> {
    const rows: RefundRow[] = await manager.query(`SELECT ${COLUMNS} FROM refunds WHERE id = $1`, [id]);
    return rows[0] ? toRefund(rows[0]) : null;
  }

  /** The refund a cancellation or a late payment asked for, if any (at most one per payment). */
  async policyRefundOf(paymentId: string): Promise<Refund | null> {
    const rows: RefundRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM refunds WHERE payment_id = $1 AND reason IN ('cancellation', 'late_payment')`,
      [paymentId],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  async findByProviderRefund(provider: string, providerRefundId: string): Promise<Refund | null> {
    const rows: RefundRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM refunds WHERE provider = $1 AND provider_refund_id = $2`,
      [provider, providerRefundId],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  async findByRequestKey(requestedBy: string, requestKey: string): Promise<Refund | null> {
    const rows: RefundRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM refunds WHERE requested_by = $1 AND request_key = $2`,
      [requestedBy, requestKey],
    );
    return rows[0] ? toRefund(rows[0]) : null;
  }

  /** The row locked for the caller's transaction. */
  async lock(manager: EntityManager, id: string): Promise<Refund> {
    const rows: RefundRow[] = await manager.query(`SELECT ${COLUMNS} FROM refunds WHERE id = $1 FOR UPDATE`, [
      id,
    ]);
    return toRefund(rows[0]);
  }

  /** What was refunded of a payment, and what is still open, as this transaction sees it. */
  async totals(manager: EntityManager, paymentId: string): Promise<RefundTotals> {
    const [row]: Array<{ processed: number; open: number; open_count: number }> = await manager.query(
      `SELECT coalesce(sum(amount_paise) FILTER (WHERE status = 'processed'), 0)::int AS processed,
              coalesce(sum(amount_paise) FILTER (WHERE status IN ('requested', 'pending')), 0)::int AS open,
              (count(*) FILTER (WHERE status IN ('requested', 'pending')))::int AS open_count
         FROM refunds WHERE payment_id = $1`,
      [paymentId],
    );
    return { processedPaise: row.processed, openPaise: row.open, openCount: row.open_count };
  }

  /** One of the payment's refunds is asked for and not yet answered by the provider (its id is not known yet). */
  async hasUnsent(paymentId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM refunds WHERE payment_id = $1 AND status = 'requested' AND provider_refund_id IS NULL LIMIT 1`,
      [paymentId],
    );
    return rows.length > 0;
  }

  /** The provider refunded another amount than was asked: its amount is the truth. */
  async correctAmount(manager: EntityManager, id: string, amountPaise: number): Promise<void> {
    await manager.query('UPDATE refunds SET amount_paise = $2, updated_at = now() WHERE id = $1', [
      id,
      amountPaise,
    ]);
  }

  /** Records what the provider said; a refund only moves forward (and is never processed twice). */
  async record(
    manager: EntityManager,
    id: string,
    answer: { providerRefundId: string; status: Exclude<RefundStatus, 'requested'> },
  ): Promise<boolean> {
    const rows = await queryReturning(
      manager,
      `UPDATE refunds SET provider_refund_id = COALESCE(provider_refund_id, $2), status = $3,
                          processed_at = CASE WHEN $3 = 'processed' THEN now() END, updated_at = now()
        WHERE id = $1 AND (provider_refund_id IS NULL OR provider_refund_id = $2)
          AND status <> 'processed'
          AND NOT (status = 'failed' AND $3 = 'pending')
       RETURNING id`,
      [id, answer.providerRefundId, answer.status],
    );
    return rows.length === 1;
  }

  /** What applying the refund did to its booking, for the audit. */
  async recordSplit(
    manager: EntityManager,
    id: string,
    split: RefundSplit,
    afterSettlement: boolean,
  ): Promise<void> {
    await manager.query(
      `UPDATE refunds SET charge_reduction_paise = $2, commission_reduction_paise = $3, after_settlement = $4
        WHERE id = $1`,
      [id, split.chargeReductionPaise, split.commissionReductionPaise, afterSettlement],
    );
  }

  /** The provider refused the refund outright: it stays failed until a person looks at it. */
  async fail(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE refunds SET status = 'failed', updated_at = now() WHERE id = $1 AND status = 'requested'`,
      [id],
    );
  }

  /** Refunds asked for at least `olderThanSeconds` ago that the provider has not finished. */
  async open(olderThanSeconds: number, limit: number): Promise<Refund[]> {
    const rows: RefundRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM refunds
        WHERE status IN ('requested', 'pending') AND requested_at <= now() - make_interval(secs => $1)
        ORDER BY requested_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map(toRefund);
  }
}
