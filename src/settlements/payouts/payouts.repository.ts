import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { PayoutStatus } from '../../../libs/settlement/settlement-status';
import { queryReturning } from '../../common/database/query-returning';
import { Payout } from './payout';

/** A `payouts` row (the bigint amount comes back from pg as a string); it stays inside this file. */
interface PayoutRow {
  id: string;
  settlement_id: string | null;
  shop_id: string;
  provider: string;
  account_id: string;
  amount_paise: string;
  idempotency_key: string;
  request_key: string | null;
  status: PayoutStatus;
  provider_transfer_id: string | null;
  failure_reason: string | null;
}

/** The one mapper from a payout row to the record services use. */
function toPayout(row: PayoutRow): Payout {
  return {
    id: row.id,
    settlementId: row.settlement_id,
    shopId: row.shop_id,
    provider: row.provider,
    accountId: row.account_id,
    amountPaise: Number(row.amount_paise),
    idempotencyKey: row.idempotency_key,
    requestKey: row.request_key,
    status: row.status,
    providerTransferId: row.provider_transfer_id,
    failureReason: row.failure_reason,
  };
}

@Injectable()
export class PayoutsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A payout, in the caller's transaction (which holds the shop's row lock). At most one per settlement, keyed by
   * the settlement id as it always was; one without a settlement is keyed by its own id. Either way every retry
   * sends the same request under the same key.
   */
  async create(
    manager: EntityManager,
    payout: {
      settlementId: string | null;
      shopId: string;
      provider: string;
      accountId: string;
      amountPaise: number;
      requestKey?: string;
    },
  ): Promise<string> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO payouts (id, settlement_id, shop_id, provider, account_id, amount_paise, idempotency_key,
                            request_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        payout.settlementId,
        payout.shopId,
        payout.provider,
        payout.accountId,
        payout.amountPaise,
        payout.settlementId ?? id,
        payout.requestKey ?? null,
      ],
    );
    return id;
  }

  /** The payout an admin's request with this Idempotency-Key made for the shop, if any. */
  async findByRequestKey(manager: EntityManager, shopId: string, requestKey: string): Promise<Payout | null> {
    const [row]: PayoutRow[] = await manager.query(
      'SELECT * FROM payouts WHERE shop_id = $1 AND request_key = $2',
      [shopId, requestKey],
    );
    return row ? toPayout(row) : null;
  }

  /**
   * The pending payout, with no transfer recorded yet, that a transfer's notes name (by payout or by settlement):
   * the transfer of a payout whose answer was lost or unreadable.
   */
  async findUnmatched(
    provider: string,
    reference: { payoutId?: string; settlementId?: string },
  ): Promise<Payout | null> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const byId = reference.payoutId && uuid.test(reference.payoutId) ? reference.payoutId : null;
    const bySettlement =
      reference.settlementId && uuid.test(reference.settlementId) ? reference.settlementId : null;
    if (!byId && !bySettlement) return null;
    const [row]: PayoutRow[] = await this.dataSource.query(
      `SELECT * FROM payouts
        WHERE provider = $1 AND status = 'pending' AND provider_transfer_id IS NULL
          AND (id = $2 OR settlement_id = $3)`,
      [provider, byId, bySettlement],
    );
    return row ? toPayout(row) : null;
  }

  /**
   * Records, once per payout while it is open, that its outcome needs a person (or the provider's own record):
   * `payment_reviews` with the payout in its detail. Touches the payout, so the resume job waits before asking again.
   */
  async recordReview(
    manager: EntityManager,
    payout: Payout,
    reason: string,
    detail: Record<string, unknown>,
  ): Promise<boolean> {
    await manager.query('UPDATE payouts SET attempts = attempts + 1, updated_at = now() WHERE id = $1', [
      payout.id,
    ]);
    const rows = await queryReturning<{ id: string }>(
      manager,
      `INSERT INTO payment_reviews (provider, reason, detail)
       SELECT $1, $2, $3::jsonb
        WHERE NOT EXISTS (SELECT 1 FROM payment_reviews
                           WHERE reason = $2 AND resolved_at IS NULL AND detail ->> 'payoutId' = $4)
       RETURNING id`,
      [
        payout.provider,
        reason,
        JSON.stringify({
          payoutId: payout.id,
          settlementId: payout.settlementId,
          shopId: payout.shopId,
          amountPaise: payout.amountPaise,
          ...detail,
        }),
        payout.id,
      ],
    );
    return rows.length > 0;
  }

  async findById(id: string): Promise<Payout | null> {
    const [row]: PayoutRow[] = await this.dataSource.query('SELECT * FROM payouts WHERE id = $1', [id]);
    return row ? toPayout(row) : null;
  }

  async findByTransfer(provider: string, transferId: string): Promise<Payout | null> {
    const [row]: PayoutRow[] = await this.dataSource.query(
      'SELECT * FROM payouts WHERE provider = $1 AND provider_transfer_id = $2',
      [provider, transferId],
    );
    return row ? toPayout(row) : null;
  }

  /** The payout locked for the caller's transaction. */
  async lock(manager: EntityManager, id: string): Promise<Payout> {
    const [row]: PayoutRow[] = await manager.query('SELECT * FROM payouts WHERE id = $1 FOR UPDATE', [id]);
    return toPayout(row);
  }

  async recordTransfer(manager: EntityManager, id: string, transferId: string): Promise<void> {
    await manager.query(
      `UPDATE payouts SET provider_transfer_id = $2, attempts = attempts + 1, updated_at = now()
        WHERE id = $1 AND provider_transfer_id IS NULL`,
      [id, transferId],
    );
  }

  /**
   * Moves a pending payout to paid or failed, and its settlement with it when it has one; the reviews it had open
   * are resolved (the provider's record settled them). False if it was no longer pending.
   */
  async finish(
    manager: EntityManager,
    id: string,
    status: 'paid' | 'failed',
    reason?: string,
  ): Promise<boolean> {
    const rows = await queryReturning<{ settlement_id: string | null }>(
      manager,
      `UPDATE payouts SET status = $2, failure_reason = $3, updated_at = now()
        WHERE id = $1 AND status = 'pending' RETURNING settlement_id`,
      [id, status, reason ?? null],
    );
    if (rows.length === 0) return false;
    if (rows[0].settlement_id) {
      await manager.query('UPDATE settlements SET status = $2, updated_at = now() WHERE id = $1', [
        rows[0].settlement_id,
        status,
      ]);
    }
    await manager.query(
      `UPDATE payment_reviews SET resolved_at = now()
        WHERE resolved_at IS NULL AND detail ->> 'payoutId' = $1`,
      [id],
    );
    return true;
  }

  /** Pending payouts not touched for a while: their job may be lost, or their webhook. */
  async stale(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM payouts WHERE status = 'pending' AND updated_at <= now() - make_interval(secs => $1)
        ORDER BY updated_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((row) => row.id);
  }
}
