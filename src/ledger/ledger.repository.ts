import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { Account, JournalEntry } from '../../libs/ledger/journal';
import { DatabaseReader } from '../database/replicas/database-reader';

export interface ShopLedgerBalances {
  /** Credit balance of the shop's unsettled account: owed to the shop for settleable bookings not yet settled. */
  unsettledPaise: number;
  /** Credit balance of the shop's payable account: settled and not paid out (negative: the shop's debt). */
  payablePaise: number;
  /** Everything ever moved into payable by settlements. */
  settledPaise: number;
  /** Everything paid out (net of reversed payouts). */
  paidOutPaise: number;
}

/**
 * Writes journal entries (built only by `libs/ledger`) and reads balances. Posting is idempotent: an entry is
 * unique per (kind, referenced object), so a retried transaction or job never posts twice.
 */
interface ShopBalanceRow {
  unsettled: string;
  payable: string;
  settled: string;
  paid_out: string;
}

@Injectable()
export class LedgerRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reader: DatabaseReader,
  ) {}

  /** Posts an entry in the caller's transaction; false if this entry was already posted (or there is nothing to post). */
  async post(manager: EntityManager, entry: JournalEntry | null): Promise<boolean> {
    if (!entry) return false;
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO journal_entries (kind, ref_id, shop_id) VALUES ($1, $2, $3)
       ON CONFLICT ON CONSTRAINT journal_entries_once DO NOTHING RETURNING id`,
      [entry.kind, entry.refId, entry.shopId],
    );
    if (inserted.length === 0) return false;
    await manager.query(
      `INSERT INTO journal_lines (entry_id, line_no, account, shop_id, amount_paise)
       SELECT $1, line_no, account, shop_id, amount_paise
         FROM unnest($2::text[], $3::uuid[], $4::bigint[]) WITH ORDINALITY AS l(account, shop_id, amount_paise, line_no)`,
      [
        inserted[0].id,
        entry.lines.map((line) => line.account),
        entry.lines.map((line) => line.shopId),
        entry.lines.map((line) => line.amountPaise),
      ],
    );
    return true;
  }

  /** In the caller's transaction when given one, else a read that a replica may answer. */
  async shopBalances(shopId: string, manager?: EntityManager): Promise<ShopLedgerBalances> {
    const [row] = await (manager ?? this.reader).query<ShopBalanceRow[]>(
      `SELECT coalesce(-sum(l.amount_paise) FILTER (WHERE l.account = 'shop_unsettled'), 0)::bigint AS unsettled,
              coalesce(-sum(l.amount_paise) FILTER (WHERE l.account = 'shop_payable'), 0)::bigint AS payable,
              coalesce(-sum(l.amount_paise) FILTER (WHERE l.account = 'shop_payable' AND e.kind = 'settlement'), 0)::bigint
                AS settled,
              coalesce(sum(l.amount_paise) FILTER (WHERE l.account = 'shop_payable'
                                                   AND e.kind IN ('payout', 'payout_reversal')), 0)::bigint AS paid_out
         FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
        WHERE l.shop_id = $1`,
      [shopId],
    );
    return {
      unsettledPaise: Number(row.unsettled),
      payablePaise: Number(row.payable),
      settledPaise: Number(row.settled),
      paidOutPaise: Number(row.paid_out),
    };
  }

  /** Balance of every account over the whole ledger (a trial balance); the values always sum to zero. */
  async trialBalance(): Promise<Record<Account, number>> {
    const rows: Array<{ account: Account; balance: string }> = await this.dataSource.query(
      'SELECT account, sum(amount_paise)::bigint AS balance FROM journal_lines GROUP BY account',
    );
    const result = {
      provider_cash: 0,
      customer_funds: 0,
      shop_unsettled: 0,
      shop_payable: 0,
      commission_revenue: 0,
    };
    for (const row of rows) result[row.account] = Number(row.balance);
    return result;
  }
}
