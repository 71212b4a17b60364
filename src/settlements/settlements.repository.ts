import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { SettleableBooking } from '../../libs/ledger/postings';
import { PaymentMethod } from '../../libs/payments/payment-status';
import { SettlementTotals } from '../../libs/settlement/settlement-math';
import { RunStatus, RunTrigger, SettlementStatus } from '../../libs/settlement/settlement-status';
import { queryReturning } from '../common/database/query-returning';
import { NotFoundError } from '../common/errors/domain-error';
import { CreatedAtKey, exactTimestamp, Keyed } from '../common/pagination/pagination';
import { DatabaseReader } from '../database/replicas/database-reader';
import { Settlement, SettlementRun } from './settlement';

/** A `settlement_runs` row; it stays inside this file (services get `SettlementRun`). */
interface RunRow {
  id: string;
  status: RunStatus;
  cutoff: Date;
  trigger: RunTrigger;
  shops_total: number;
  shops_done: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** A `settlements` row; the bigint sums come back from pg as strings. It stays inside this file. */
interface SettlementRow {
  id: string;
  run_id: string;
  shop_id: string;
  cutoff: Date;
  booking_count: number;
  online_collected_paise: string;
  commission_paise: string;
  net_payable_paise: string;
  status: SettlementStatus;
  created_at: Date;
}

/** The one mapper from a run row to the record services use. */
function toSettlementRun(row: RunRow): SettlementRun {
  return {
    id: row.id,
    status: row.status,
    cutoff: row.cutoff,
    trigger: row.trigger,
    shopsTotal: row.shops_total,
    shopsDone: row.shops_done,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** The one mapper from a settlement row; a shop's sums in paise fit a safe integer, so they become numbers. */
function toSettlement(row: SettlementRow): Settlement {
  return {
    id: row.id,
    runId: row.run_id,
    shopId: row.shop_id,
    cutoff: row.cutoff,
    bookingCount: row.booking_count,
    onlineCollectedPaise: Number(row.online_collected_paise),
    commissionPaise: Number(row.commission_paise),
    netPayablePaise: Number(row.net_payable_paise),
    status: row.status,
    createdAt: row.created_at,
  };
}

/**
 * The condition that makes a booking settleable (`isSettleable` in libs/settlement): completed, or a no-show or
 * cancellation that kept a fee. The partial index `bookings_settleable_idx` has the same one.
 */
const SETTLEABLE = `settlement_status = 'unsettled'
          AND (status = 'completed' OR (status IN ('no_show', 'cancelled') AND charged_paise > 0))`;

@Injectable()
export class SettlementsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DatabaseReader,
  ) {}

  /**
   * Creates a run and its list of shops (those with settleable bookings ending by the cutoff) in one transaction.
   * A run with nothing to settle is completed at once.
   */
  createRun(cutoff: Date, trigger: RunTrigger): Promise<SettlementRun> {
    return this.dataSource.transaction(async (manager) => {
      const [run]: RunRow[] = await manager.query(
        'INSERT INTO settlement_runs (cutoff, trigger) VALUES ($1, $2) RETURNING *',
        [cutoff, trigger],
      );
      const shops: Array<{ n: number }> = await manager.query(
        `WITH listed AS (
           INSERT INTO settlement_run_shops (run_id, shop_id)
           SELECT DISTINCT $1::uuid, shop_id FROM bookings WHERE ${SETTLEABLE} AND ends_at <= $2
           RETURNING 1)
         SELECT count(*)::int AS n FROM listed`,
        [run.id, cutoff],
      );
      const [updated] = await queryReturning<RunRow>(
        manager,
        `UPDATE settlement_runs
            SET shops_total = $2,
                status = CASE WHEN $2 = 0 THEN 'completed' ELSE 'queued' END,
                finished_at = CASE WHEN $2 = 0 THEN now() END
          WHERE id = $1 RETURNING *`,
        [run.id, shops[0].n],
      );
      return toSettlementRun(updated);
    });
  }

  /** In the caller's transaction when given one, else a read that a replica may answer. */
  async findRun(id: string, manager?: EntityManager): Promise<SettlementRun | null> {
    const [run]: RunRow[] = await (manager ?? this.reader).query(
      'SELECT * FROM settlement_runs WHERE id = $1',
      [id],
    );
    return run ? toSettlementRun(run) : null;
  }

  /** Like `findRun`, for a run that must exist: `NotFoundError` otherwise. */
  async getRun(id: string, manager?: EntityManager): Promise<SettlementRun> {
    const run = await this.findRun(id, manager);
    if (!run) throw new NotFoundError('Settlement run');
    return run;
  }

  /** Shops of a run not yet settled, for enqueueing (again). */
  async openShops(runId: string): Promise<string[]> {
    const rows: Array<{ shop_id: string }> = await this.dataSource.query(
      'SELECT shop_id FROM settlement_run_shops WHERE run_id = $1 AND done_at IS NULL ORDER BY shop_id',
      [runId],
    );
    return rows.map((row) => row.shop_id);
  }

  /** Runs still in progress whose jobs may have been lost (created more than `olderThanSeconds` ago). */
  async unfinishedRuns(olderThanSeconds: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM settlement_runs
        WHERE status IN ('queued', 'running') AND created_at <= now() - make_interval(secs => $1)
        ORDER BY created_at`,
      [olderThanSeconds],
    );
    return rows.map((row) => row.id);
  }

  /** Locks this run's row for one shop; null if the shop is not part of the run, else whether it is done. */
  async lockRunShop(
    manager: EntityManager,
    runId: string,
    shopId: string,
  ): Promise<{ done: boolean } | null> {
    const rows: Array<{ done_at: Date | null }> = await manager.query(
      'SELECT done_at FROM settlement_run_shops WHERE run_id = $1 AND shop_id = $2 FOR UPDATE',
      [runId, shopId],
    );
    return rows.length === 0 ? null : { done: rows[0].done_at !== null };
  }

  /**
   * Locks the shop's row for a settlement or a payout (so no two payouts of one shop are computed from the same
   * balance) and returns its payout account; null when there is no such shop. NO KEY UPDATE: bookings referencing
   * the shop are not blocked.
   */
  async lockShop(manager: EntityManager, shopId: string): Promise<{ payoutAccountId: string | null } | null> {
    const [row]: Array<{ payout_account_id: string | null }> = await manager.query(
      'SELECT payout_account_id FROM shops WHERE id = $1 FOR NO KEY UPDATE',
      [shopId],
    );
    return row ? { payoutAccountId: row.payout_account_id } : null;
  }

  /**
   * Claims the shop's settleable bookings up to the cutoff for `settlementId`, set-based. A booking claimed by a
   * concurrent transaction (another run) is skipped once that one commits: the row lock makes the UPDATE re-check
   * `settlement_status`, so each booking is claimed exactly once.
   */
  async claimSettleable(
    manager: EntityManager,
    shopId: string,
    cutoff: Date,
    settlementId: string,
  ): Promise<SettleableBooking[]> {
    const rows: Array<{
      id: string;
      payment_method: PaymentMethod;
      payment_status: SettleableBooking['paymentStatus'];
      charged_paise: number;
      commission_paise: number;
    }> = await queryReturning(
      manager,
      `UPDATE bookings SET settlement_status = 'settled', settlement_id = $3, updated_at = now()
        WHERE shop_id = $1 AND ${SETTLEABLE} AND ends_at <= $2
        RETURNING id, payment_method, payment_status, charged_paise, commission_paise`,
      [shopId, cutoff, settlementId],
    );
    return rows.map((row) => ({
      id: row.id,
      shopId,
      paymentMethod: row.payment_method,
      paymentStatus: row.payment_status,
      chargedPaise: row.charged_paise,
      commissionPaise: row.commission_paise,
    }));
  }

  async insertSettlement(
    manager: EntityManager,
    settlement: { id: string; runId: string; shopId: string; cutoff: Date; totals: SettlementTotals },
  ): Promise<void> {
    const { totals } = settlement;
    await manager.query(
      `INSERT INTO settlements (id, run_id, shop_id, cutoff, booking_count, online_collected_paise,
                                commission_paise, net_payable_paise)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        settlement.id,
        settlement.runId,
        settlement.shopId,
        settlement.cutoff,
        totals.bookingCount,
        totals.onlineCollectedPaise,
        totals.commissionPaise,
        totals.netPayablePaise,
      ],
    );
  }

  /** Marks the shop done and advances the run; the run row is updated last, so its lock is held briefly. */
  async finishShop(manager: EntityManager, runId: string, shopId: string): Promise<void> {
    await manager.query(
      'UPDATE settlement_run_shops SET done_at = now() WHERE run_id = $1 AND shop_id = $2',
      [runId, shopId],
    );
    await manager.query(
      `UPDATE settlement_runs
          SET shops_done = shops_done + 1,
              status = CASE WHEN shops_done + 1 >= shops_total THEN 'completed' ELSE 'running' END,
              started_at = coalesce(started_at, now()),
              finished_at = CASE WHEN shops_done + 1 >= shops_total THEN now() END
        WHERE id = $1`,
      [runId],
    );
  }

  async markRunFailed(runId: string): Promise<void> {
    await this.dataSource.query(
      "UPDATE settlement_runs SET status = 'failed', finished_at = now() WHERE id = $1 AND status <> 'completed'",
      [runId],
    );
  }

  /** Newest first, each with its exact page key (creation time to the microsecond, then id). */
  async list(
    filter: { ownerId?: string; shopId?: string; runId?: string },
    limit: number,
    before?: CreatedAtKey,
  ): Promise<Array<Keyed<Settlement>>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.ownerId)
      where.push(`s.shop_id IN (SELECT id FROM shops WHERE owner_id = ${param(filter.ownerId)})`);
    if (filter.shopId) where.push(`s.shop_id = ${param(filter.shopId)}`);
    if (filter.runId) where.push(`s.run_id = ${param(filter.runId)}`);
    if (before)
      where.push(`(s.created_at, s.id) < (${param(before[0])}::timestamptz, ${param(before[1])}::uuid)`);
    const rows: Array<SettlementRow & { cursor_at: string }> = await this.reader.query(
      `SELECT s.*, ${exactTimestamp('s.created_at')} AS cursor_at FROM settlements s
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.created_at DESC, s.id DESC LIMIT ${param(limit)}`,
      params,
    );
    return rows.map((row) => ({ item: toSettlement(row), key: [row.cursor_at, row.id] }));
  }

  /** The shop's owner, or null if there is no such shop. */
  async shopOwner(shopId: string): Promise<string | null> {
    const [row]: Array<{ owner_id: string }> = await this.dataSource.query(
      'SELECT owner_id FROM shops WHERE id = $1',
      [shopId],
    );
    return row?.owner_id ?? null;
  }
}
