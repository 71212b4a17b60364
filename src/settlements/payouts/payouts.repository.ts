import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { PayoutStatus } from '../../../libs/settlement/settlement-status';
import { queryReturning } from '../../common/database/query-returning';
import { Payout } from './payout';

/** A `payouts` row (the bigint amount comes back from pg as a string); it stays inside this file. */
interface PayoutRow {
  id: string;
  settlement_id: string;
  shop_id: string;
  provider: string;
  account_id: string;
  amount_paise: string;
  idempotency_key: string;
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
    status: row.status,
    providerTransferId: row.provider_transfer_id,
    failureReason: row.failure_reason,
  };
}

@Injectable()
export class PayoutsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One payout per settlement; its idempotency key is the settlement id, so every retry sends the same request. */
  async create(
    manager: EntityManager,
    payout: {
      settlementId: string;
      shopId: string;
      provider: string;
      accountId: string;
      amountPaise: number;
    },
  ): Promise<string> {
    const [row]: Array<{ id: string }> = await manager.query(
      `INSERT INTO payouts (settlement_id, shop_id, provider, account_id, amount_paise, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        payout.settlementId,
        payout.shopId,
        payout.provider,
        payout.accountId,
        payout.amountPaise,
        payout.settlementId,
      ],
    );
    return row.id;
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

  /** Moves a pending payout to paid or failed, and its settlement with it; false if it was no longer pending. */
  async finish(
    manager: EntityManager,
    id: string,
    status: 'paid' | 'failed',
    reason?: string,
  ): Promise<boolean> {
    const rows = await queryReturning<{ settlement_id: string }>(
      manager,
      `UPDATE payouts SET status = $2, failure_reason = $3, updated_at = now()
        WHERE id = $1 AND status = 'pending' RETURNING settlement_id`,
      [id, status, reason ?? null],
    );
    if (rows.length === 0) return false;
    await manager.query('UPDATE settlements SET status = $2, updated_at = now() WHERE id = $1', [
      rows[0].settlement_id,
      status,
    ]);
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
