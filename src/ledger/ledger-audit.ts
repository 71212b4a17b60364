import { AuditFigures, auditFigures } from '../../libs/ledger/audit';

/** Anything that runs a query and answers rows: a TypeORM DataSource, or the rows of a pg result. */
export type AuditQuery = (sql: string) => Promise<Array<Record<string, unknown>>>;

export interface Discrepancy {
  kind: 'capture' | 'refund' | 'booking' | 'payout';
  id: string;
  detail: string;
}

export interface LedgerAudit extends Omit<AuditFigures, 'mismatches'> {
  /** The first MAX_DISCREPANCIES of them. */
  discrepancies: Array<Discrepancy | { kind: 'totals'; id: null; detail: string }>;
  discrepancyCount: number;
}

export const MAX_DISCREPANCIES = 1000;

const FIGURES_SQL = `
  WITH lines AS (SELECT l.account, l.shop_id, l.amount_paise, e.kind FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id)
  SELECT coalesce(sum(amount_paise) FILTER (WHERE account = 'provider_cash' AND kind = 'capture'), 0)::bigint AS cash_capture,
         coalesce(sum(amount_paise) FILTER (WHERE account = 'provider_cash' AND kind = 'payout_reversal'), 0)::bigint AS cash_reversal,
         coalesce(sum(amount_paise) FILTER (WHERE account = 'provider_cash' AND kind = 'refund'), 0)::bigint AS cash_refund,
         coalesce(sum(amount_paise) FILTER (WHERE account = 'provider_cash' AND kind = 'payout'), 0)::bigint AS cash_payout,
         coalesce(sum(amount_paise) FILTER (WHERE account = 'commission_revenue'), 0)::bigint AS commission,
         coalesce(sum(amount_paise) FILTER (WHERE account = 'customer_funds'), 0)::bigint AS customer_funds,
         (SELECT coalesce(json_agg(balance::text), '[]'::json)
            FROM (SELECT sum(amount_paise) AS balance FROM lines WHERE shop_id IS NOT NULL GROUP BY shop_id) s) AS shops,
         NOT EXISTS (SELECT 1 FROM journal_lines GROUP BY entry_id HAVING sum(amount_paise) <> 0) AS entries_balanced,
         (SELECT coalesce(sum(amount_paise), 0) FROM payments WHERE captured_at IS NOT NULL)::bigint AS provider_captured,
         (SELECT coalesce(sum(amount_paise), 0) FROM refunds WHERE status = 'processed')::bigint AS provider_refunded,
         (SELECT coalesce(sum(amount_paise), 0) FROM payouts WHERE status <> 'failed')::bigint AS provider_paid_out
    FROM lines`;

/**
 * Rows that disagree with the ledger: a capture or a processed refund without its entry (or with another amount),
 * an entry for nothing, refunds beyond their capture, a booking whose charge, commission or refunds are not what its
 * journal lines say, and payouts posted other than once (or reversed though not failed).
 */
const DISCREPANCIES_SQL = `
  WITH posted AS (
    SELECT e.kind, e.ref_id, count(DISTINCT e.id)::int AS n,
           coalesce(sum(l.amount_paise) FILTER (WHERE l.account = 'provider_cash'), 0) AS cash,
           coalesce(sum(l.amount_paise) FILTER (WHERE l.account IN ('shop_unsettled', 'shop_payable')), 0) AS shop,
           coalesce(sum(l.amount_paise) FILTER (WHERE l.account = 'commission_revenue'), 0) AS commission
      FROM journal_entries e LEFT JOIN journal_lines l ON l.entry_id = e.id GROUP BY e.kind, e.ref_id),
  captures AS (
    SELECT coalesce(p.id, c.ref_id) AS id, p.id IS NULL AS unknown, p.amount_paise AS amount,
           p.captured_at IS NOT NULL AS captured, coalesce(c.n, 0) AS n, c.cash
      FROM payments p FULL JOIN (SELECT * FROM posted WHERE kind = 'capture') c ON c.ref_id = p.id),
  refund_rows AS (
    SELECT coalesce(r.id, x.ref_id) AS id, r.id IS NULL AS unknown, r.amount_paise AS amount, r.status,
           coalesce(x.n, 0) AS n, -x.cash AS cash
      FROM refunds r FULL JOIN (SELECT * FROM posted WHERE kind = 'refund') x ON x.ref_id = r.id),
  booking_refunds AS (
    SELECT p.booking_id, sum(r.amount_paise) FILTER (WHERE r.status = 'processed') AS refunded,
           coalesce(sum(x.shop), 0) AS shop, coalesce(sum(x.commission), 0) AS commission,
           sum(r.amount_paise) FILTER (WHERE r.status <> 'failed') AS asked, max(p.amount_paise) AS captured
      FROM refunds r JOIN payments p ON p.id = r.payment_id
      LEFT JOIN (SELECT * FROM posted WHERE kind = 'refund') x ON x.ref_id = r.id
     GROUP BY p.booking_id),
  booking_money AS (
    SELECT b.id, b.status, b.payment_method, b.payment_status, b.charged_paise, b.commission_paise,
           b.refunded_paise, coalesce(br.refunded, 0) AS refunded, s.n IS NOT NULL AS charge_posted,
           -(coalesce(s.shop, 0) + coalesce(br.shop, 0)) AS ledger_shop,
           -(coalesce(s.commission, 0) + coalesce(br.commission, 0)) AS ledger_commission,
           coalesce(br.asked, 0) AS asked, p.amount_paise AS captured
      FROM bookings b
      LEFT JOIN payments p ON p.booking_id = b.id AND p.captured_at IS NOT NULL
      LEFT JOIN (SELECT * FROM posted WHERE kind = 'booking_settleable') s ON s.ref_id = b.id
      LEFT JOIN booking_refunds br ON br.booking_id = b.id)
  SELECT 'capture' AS kind, id::text,
         CASE WHEN unknown THEN 'a capture entry for no payment'
              ELSE format('payment of %s %s, %s capture entries for %s', amount,
                          CASE WHEN captured THEN 'captured' ELSE 'not captured' END, n, cash) END AS detail
    FROM captures
   WHERE unknown OR n <> CASE WHEN captured THEN 1 ELSE 0 END OR (n > 0 AND cash <> amount)
  UNION ALL
  SELECT 'refund', id::text,
         CASE WHEN unknown THEN 'a refund entry for no refund'
              ELSE format('refund of %s %s, %s refund entries for %s', amount, status, n, cash) END
    FROM refund_rows
   WHERE unknown OR n <> CASE WHEN status = 'processed' THEN 1 ELSE 0 END OR (n > 0 AND cash <> amount)
  UNION ALL
  SELECT 'booking', id::text,
         format('charged %s with commission %s, refunded %s; its journal lines say: shop %s, commission %s, ' ||
                'refunds %s (asked %s of a capture of %s)',
                charged_paise, commission_paise, refunded_paise, ledger_shop, ledger_commission, refunded, asked,
                coalesce(captured, 0))
    FROM booking_money
   WHERE refunded_paise <> refunded
      OR asked > coalesce(captured, 0)
      OR (charge_posted AND ledger_commission <> commission_paise)
      OR (charge_posted AND ledger_shop <> CASE WHEN payment_method = 'ONLINE' AND payment_status <> 'unpaid'
                                               THEN charged_paise - commission_paise ELSE -commission_paise END)
      OR (NOT charge_posted AND (ledger_shop <> 0 OR ledger_commission <> 0))
      OR (NOT charge_posted AND (charged_paise > 0 OR commission_paise > 0)
          AND (status = 'completed' OR (status IN ('no_show', 'cancelled') AND charged_paise > 0)))
      -- Charged and refunded together never exceed what was captured.
      OR (captured IS NOT NULL AND status <> 'pending_payment' AND charged_paise + refunded_paise > captured)
  UNION ALL
  SELECT 'payout', coalesce(o.id, e.ref_id)::text,
         format('payout %s, %s payout entries, %s reversals', coalesce(o.status, 'unknown'),
                count(*) FILTER (WHERE e.kind = 'payout'), count(*) FILTER (WHERE e.kind = 'payout_reversal'))
    FROM payouts o FULL JOIN (SELECT * FROM journal_entries WHERE kind IN ('payout', 'payout_reversal')) e
         ON e.ref_id = o.id
   GROUP BY o.id, e.ref_id, o.status
  HAVING o.id IS NULL
      OR count(*) FILTER (WHERE e.kind = 'payout') <> 1
      OR count(*) FILTER (WHERE e.kind = 'payout_reversal') <> CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END
   ORDER BY 1, 2`;

const paise = (value: unknown) => Number(value ?? 0);

/**
 * The money audit, from the ledger and the provider's records as stored (payments, refunds, payouts): every
 * captured paise is refunded, commission, paid out, owed to a shop or held for a customer, the totals agree with
 * the provider's records, and each row agrees with its journal lines. One snapshot per query; run it on a quiet
 * database (or a replica) for figures that agree with each other to the paisa.
 */
export async function auditLedger(query: AuditQuery): Promise<LedgerAudit> {
  const [row] = await query(FIGURES_SQL);
  const audit = auditFigures(
    {
      cashIn: { capture: paise(row.cash_capture), payoutReversal: paise(row.cash_reversal) },
      cashOut: { refund: paise(row.cash_refund), payout: paise(row.cash_payout) },
      commissionRevenueBalance: paise(row.commission),
      customerFundsBalance: paise(row.customer_funds),
      shopBalances: (row.shops as string[]).map(paise),
      entriesBalanced: row.entries_balanced === true,
    },
    {
      capturedPaise: paise(row.provider_captured),
      refundedPaise: paise(row.provider_refunded),
      paidOutPaise: paise(row.provider_paid_out),
    },
  );
  const rows = (await query(DISCREPANCIES_SQL)) as Array<{
    kind: Discrepancy['kind'];
    id: string;
    detail: string;
  }>;
  const { mismatches, ...figures } = audit;
  const discrepancies: LedgerAudit['discrepancies'] = [
    ...mismatches.map((detail) => ({ kind: 'totals' as const, id: null, detail })),
    ...rows.map(({ kind, id, detail }) => ({ kind, id, detail })),
  ];
  return {
    ...figures,
    balanced: audit.balanced && discrepancies.length === 0,
    discrepancies: discrepancies
      .slice(0, MAX_DISCREPANCIES)
      .map((d) => ({ ...d, detail: d.detail.slice(0, 1000) })),
    discrepancyCount: discrepancies.length,
  };
}
