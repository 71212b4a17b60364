import { Client } from 'pg';

/**
 * What every consistent HairOne database satisfies, whatever happened to it: SQL that proves it, one function per
 * invariant, shared by the e2e suites (asserted after every suite that writes bookings or money) and the benches.
 *
 * Each check is one SQL statement, so it reads one snapshot: it holds while other suites or a running worker write
 * the same database, since every write that touches two sides of an invariant commits them together.
 */

/** A `pg` Client or Pool (`{ rows }`) or a TypeORM DataSource or EntityManager (the rows). */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export const INVARIANT_NAMES = [
  'no-overlapping-live-bookings',
  'read-model-matches-live-bookings',
  'ledger-balanced',
  'webhook-events-stored-once',
  'provider-ids-attached-once',
  'payments-captured-once',
  'paid-bookings-captured',
  'payouts-posted-once',
  'bookings-settled-once',
  'unsettled-ledger-matches-bookings',
] as const;
export type InvariantName = (typeof INVARIANT_NAMES)[number];

export interface InvariantResult {
  name: InvariantName;
  pass: boolean;
  /** What was found: on failure, the offending rows (ids, amounts, how they differ). */
  detail: string;
}

/**
 * Live bookings hold their time: exactly the rows of the exclusion constraint `bookings_no_overlap` (and of each
 * partition's `bookings_YYYY_MM_no_overlap`), `WHERE status IN ('pending_payment', 'upcoming')`. A hold past its
 * `expires_at` is still live until a transaction expires it, which removes it from the read model at the same time.
 */
export const LIVE_STATUSES = "('pending_payment', 'upcoming')";

/** Offending rows reported per invariant; the count says how many there were in all. */
const SHOWN = 20;

async function rows<T>(db: Queryable, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, parameters);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

function result(name: InvariantName, offending: string[], what: string, passed = 'none'): InvariantResult {
  if (offending.length === 0) return { name, pass: true, detail: passed };
  const shown = offending.slice(0, SHOWN).join('; ');
  const more = offending.length > SHOWN ? `; and ${offending.length - SHOWN} more` : '';
  return { name, pass: false, detail: `${offending.length} ${what}: ${shown}${more}` };
}

/** No two live bookings of one staff member overlap in time, buffers included. Detail: the overlapping pairs. */
export async function noOverlappingLiveBookings(db: Queryable): Promise<InvariantResult> {
  const pairs = await rows<{ staff_id: string; a: string; b: string; a_at: string; b_at: string }>(
    db,
    `SELECT a.staff_id, a.id AS a, b.id AS b,
            a.status || ' ' || tstzrange(a.starts_at, a.blocked_until)::text AS a_at,
            b.status || ' ' || tstzrange(b.starts_at, b.blocked_until)::text AS b_at
       FROM bookings a JOIN bookings b
         ON a.staff_id = b.staff_id AND a.id < b.id
        AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)
      WHERE a.status IN ${LIVE_STATUSES} AND b.status IN ${LIVE_STATUSES}
      ORDER BY a.staff_id, a.starts_at, a.id, b.id`,
  );
  return result(
    'no-overlapping-live-bookings',
    pairs.map((p) => `staff ${p.staff_id}: booking ${p.a} (${p.a_at}) and ${p.b} (${p.b_at})`),
    'overlapping pairs of live bookings',
  );
}

/**
 * What a settlement takes (libs/settlement `isSettleable`): completed bookings, no-shows and cancellations that kept
 * a fee. What it counts as collected online: what was charged of a booking paid online (the rest is refunded).
 */
const SETTLEABLE_STATUS = (b: string) =>
  `(${b}.status = 'completed' OR (${b}.status IN ('no_show', 'cancelled') AND ${b}.charged_paise > 0))`;
const PAID_ONLINE = (b: string) => `${b}.payment_method = 'ONLINE' AND ${b}.payment_status <> 'unpaid'`;

/**
 * The availability read model equals the live bookings: for every shop-day, the entries of `availability_days.busy`
 * (staff id -> [{ b: booking, s: start ms, e: end ms }]) are exactly the live bookings of that shop-day, each once,
 * under its staff member, with its blocked range (its start to the end of its service plus buffer). Bookings leave a live status only in a transaction that also rewrites the
 * read model, so an unswept hold past its expiry is (still) in both. The one other entry allowed is that of a
 * booking completed or marked no-show before its end, which keeps the rest of its time blocked. Detail: per
 * shop-day, what differs.
 */
export async function readModelMatchesLiveBookings(db: Queryable): Promise<InvariantResult> {
  const differences = await rows<{
    side: 'model' | 'live';
    shop_id: string;
    local_date: string;
    staff_id: string | null;
    booking_id: string | null;
    starts_ms: string | null;
    ends_ms: string | null;
    status: string | null;
  }>(
    db,
    `WITH model AS (
       SELECT d.shop_id, d.local_date, staff.key AS staff_id, entry ->> 'b' AS booking_id,
              CASE WHEN jsonb_typeof(entry -> 's') = 'number' THEN (entry ->> 's')::numeric END AS starts_ms,
              CASE WHEN jsonb_typeof(entry -> 'e') = 'number' THEN (entry ->> 'e')::numeric END AS ends_ms
         FROM availability_days d
        CROSS JOIN LATERAL jsonb_each(CASE jsonb_typeof(d.busy) WHEN 'object' THEN d.busy
                                           ELSE jsonb_build_object('(not an object)', d.busy) END) staff
        CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof(staff.value) WHEN 'array' THEN staff.value
                                                     ELSE jsonb_build_array(staff.value) END) entry),
     live AS (
       SELECT shop_id, local_date, staff_id::text, id::text AS booking_id,
              extract(epoch FROM starts_at) * 1000 AS starts_ms,
              extract(epoch FROM blocked_until) * 1000 AS ends_ms
         FROM bookings WHERE status IN ${LIVE_STATUSES}),
     -- A booking completed or marked no-show before its end keeps the rest of its time blocked (by design).
     finished AS (
       SELECT shop_id, local_date, staff_id::text, id::text AS booking_id,
              extract(epoch FROM starts_at) * 1000 AS starts_ms,
              extract(epoch FROM blocked_until) * 1000 AS ends_ms
         FROM bookings WHERE status IN ('completed', 'no_show')),
     differences AS (
       (SELECT 'model' AS side, *
          FROM (SELECT * FROM model EXCEPT ALL (SELECT * FROM live UNION ALL SELECT * FROM finished)) stale)
       UNION ALL
       (SELECT 'live' AS side, * FROM (SELECT * FROM live EXCEPT ALL SELECT * FROM model) missing))
     SELECT d.side, d.shop_id, to_char(d.local_date, 'YYYY-MM-DD') AS local_date, d.staff_id, d.booking_id,
            trim_scale(d.starts_ms)::text AS starts_ms, trim_scale(d.ends_ms)::text AS ends_ms, b.status
       FROM differences d LEFT JOIN bookings b ON b.id::text = d.booking_id
      ORDER BY d.shop_id, d.local_date, d.booking_id, d.side`,
  );
  const days = new Map<string, string[]>();
  for (const row of differences) {
    const key = `shop ${row.shop_id} ${row.local_date}`;
    const entry = `booking ${row.booking_id} staff ${row.staff_id} ${row.starts_ms}-${row.ends_ms} ms`;
    const how =
      row.side === 'model'
        ? `in the read model but not live as such (${entry}; booking ${row.status ?? 'absent'})`
        : `live but not in the read model as such (${entry}; ${row.status})`;
    days.set(key, [...(days.get(key) ?? []), how]);
  }
  return result(
    'read-model-matches-live-bookings',
    [...days].map(([day, hows]) => `${day}: ${hows.join(', ')}`),
    'shop-days whose read model differs from their live bookings',
  );
}

/** Every journal entry has at least two lines summing to zero, and the whole ledger sums to zero. */
export async function ledgerBalanced(db: Queryable): Promise<InvariantResult> {
  const [ledger] = await rows<{
    total: string;
    unbalanced: Array<{ id: string; kind: string | null; lines: number; total: string }>;
  }>(
    db,
    `WITH entries AS (
       SELECT coalesce(e.id, l.entry_id) AS id, e.kind, count(l.entry_id)::int AS lines,
              coalesce(sum(l.amount_paise), 0) AS total
         FROM journal_entries e FULL JOIN journal_lines l ON l.entry_id = e.id
        GROUP BY coalesce(e.id, l.entry_id), e.kind
       HAVING e.kind IS NULL OR count(l.entry_id) < 2 OR coalesce(sum(l.amount_paise), 0) <> 0)
     SELECT (SELECT coalesce(sum(amount_paise), 0)::text FROM journal_lines) AS total,
            (SELECT coalesce(json_agg(json_build_object('id', id::text, 'kind', kind, 'lines', lines,
                                                        'total', total::text) ORDER BY id), '[]'::json)
               FROM entries) AS unbalanced`,
  );
  const offending = ledger.unbalanced.map((entry) =>
    entry.kind === null
      ? `lines of entry ${entry.id}, which does not exist (sum ${entry.total})`
      : `entry ${entry.id} (${entry.kind}): ${entry.lines} lines summing to ${entry.total}`,
  );
  if (ledger.total !== '0') offending.unshift(`the whole ledger sums to ${ledger.total} paise`);
  return result('ledger-balanced', offending, 'imbalances', 'every entry and the whole ledger sum to 0');
}

/** The webhook inbox holds each provider event once (so it is applied once). Detail: the event ids stored twice. */
export async function webhookEventsStoredOnce(db: Queryable): Promise<InvariantResult> {
  const doubled = await rows<{ provider: string; event_id: string; n: number }>(
    db,
    `SELECT provider, event_id, count(*)::int AS n FROM payment_events
      GROUP BY provider, event_id HAVING count(*) > 1 ORDER BY provider, event_id`,
  );
  return result(
    'webhook-events-stored-once',
    doubled.map((row) => `${row.provider} event ${row.event_id} stored ${row.n} times`),
    'events stored more than once',
  );
}

/**
 * A provider's order, payment and refund is attached to at most one booking, and a transfer to at most one payout:
 * a webhook or a second payment never confirms two bookings. Detail: the provider ids and who holds them.
 */
export async function providerIdsAttachedOnce(db: Queryable): Promise<InvariantResult> {
  const shared = await rows<{ what: string; provider: string; id: string; holders: string[] }>(
    db,
    `SELECT what, provider, id, holders FROM (
       SELECT 'order' AS what, provider, provider_order_id AS id, array_agg(booking_id::text ORDER BY booking_id) AS holders
         FROM payments GROUP BY provider, provider_order_id HAVING count(*) > 1
       UNION ALL
       SELECT 'payment', provider, provider_payment_id, array_agg(booking_id::text ORDER BY booking_id)
         FROM payments WHERE provider_payment_id IS NOT NULL
        GROUP BY provider, provider_payment_id HAVING count(*) > 1
       UNION ALL
       SELECT 'refund', provider, provider_refund_id, array_agg('refund ' || id::text ORDER BY id)
         FROM refunds WHERE provider_refund_id IS NOT NULL
        GROUP BY provider, provider_refund_id HAVING count(*) > 1
       UNION ALL
       SELECT 'transfer', provider, provider_transfer_id, array_agg('payout ' || id::text ORDER BY id)
         FROM payouts WHERE provider_transfer_id IS NOT NULL
        GROUP BY provider, provider_transfer_id HAVING count(*) > 1) shared
      ORDER BY what, provider, id`,
  );
  return result(
    'provider-ids-attached-once',
    shared.map((row) => `${row.provider} ${row.what} ${row.id} on ${row.holders.join(', ')}`),
    'provider ids attached more than once',
  );
}

/**
 * Each payment is captured at most once, and the ledger records exactly that: one capture entry (provider cash
 * +amount) iff it was captured. Each refund is posted once (provider cash -its amount) iff it was processed, never
 * for a payment that was not captured, and the refunds of a payment never exceed its capture.
 */
export async function paymentsCapturedOnce(db: Queryable): Promise<InvariantResult> {
  const wrong = await rows<{ what: string; id: string; detail: string }>(
    db,
    `WITH posted AS (
       SELECT e.kind, e.ref_id, count(DISTINCT e.id)::int AS n,
              coalesce(sum(l.amount_paise) FILTER (WHERE l.account = 'provider_cash'), 0) AS cash
         FROM journal_entries e LEFT JOIN journal_lines l ON l.entry_id = e.id
        WHERE e.kind IN ('capture', 'refund') GROUP BY e.kind, e.ref_id),
     captures AS (
       SELECT coalesce(p.id, c.ref_id) AS id, p.id IS NULL AS unknown, p.amount_paise AS amount,
              p.captured_at IS NOT NULL AS captured, p.provider_payment_id, coalesce(c.n, 0) AS n, c.cash
         FROM payments p FULL JOIN (SELECT * FROM posted WHERE kind = 'capture') c ON c.ref_id = p.id),
     refunds_posted AS (
       SELECT coalesce(r.id, x.ref_id) AS id, r.id IS NULL AS unknown, r.payment_id, r.amount_paise AS amount,
              r.status, coalesce(x.n, 0) AS n, -x.cash AS cash
         FROM refunds r FULL JOIN (SELECT * FROM posted WHERE kind = 'refund') x ON x.ref_id = r.id),
     too_much AS (
       SELECT p.id, p.amount_paise AS captured, sum(r.amount_paise) AS refunded
         FROM payments p JOIN refunds r ON r.payment_id = p.id AND r.status <> 'failed'
        GROUP BY p.id, p.amount_paise HAVING sum(r.amount_paise) > p.amount_paise OR bool_or(p.captured_at IS NULL))
     SELECT 'capture' AS what, id::text,
            CASE WHEN unknown THEN 'a capture entry for no payment'
                 ELSE format('%s (provider payment %s), %s capture entries of provider cash %s',
                             CASE WHEN captured THEN 'captured' ELSE 'not captured' END, provider_payment_id, n,
                             cash) END AS detail
       FROM captures
      WHERE unknown OR captured <> (provider_payment_id IS NOT NULL) OR n <> CASE WHEN captured THEN 1 ELSE 0 END
         OR (n > 0 AND cash <> amount)
     UNION ALL
     SELECT 'refund', id::text,
            CASE WHEN unknown THEN 'a refund entry for no refund'
                 ELSE format('refund of %s for payment %s %s, %s refund entries of provider cash -%s',
                             amount, payment_id, status, n, cash) END
       FROM refunds_posted
      WHERE unknown OR n <> CASE WHEN status = 'processed' THEN 1 ELSE 0 END OR (n > 0 AND cash <> amount)
     UNION ALL
     SELECT 'payment', id::text, format('refunds of %s for a capture of %s (or not captured)', refunded, captured)
       FROM too_much
      ORDER BY 1, 2`,
  );
  return result(
    'payments-captured-once',
    wrong.map((row) => `${row.what} ${row.id}: ${row.detail}`),
    'captures and refunds that disagree with the ledger',
  );
}

/**
 * A booking's payment status says what happened to its payment: paid (or refunded, in part or in full) exactly when
 * its payment was captured; refunded in full exactly when processed refunds add up to the capture, in part when
 * they add up to less and none is open, refund pending while one is open. `refundedPaise` is what processed refunds
 * gave back, and once none is open what was paid is refunded or kept (charged), to the paisa.
 */
export async function paidBookingsCaptured(db: Queryable): Promise<InvariantResult> {
  const wrong = await rows<{
    id: string;
    payment_method: string;
    payment_status: string;
    payment_id: string | null;
    captured: boolean | null;
    refunded: number;
    open: number;
    refunded_paise: number;
    charged_paise: number;
  }>(
    db,
    `WITH refunded AS (
       SELECT payment_id, coalesce(sum(amount_paise) FILTER (WHERE status = 'processed'), 0)::int AS refunded,
              (count(*) FILTER (WHERE status IN ('requested', 'pending')))::int AS open,
              (count(*) FILTER (WHERE status = 'failed'))::int AS failed
         FROM refunds GROUP BY payment_id)
     SELECT b.id, b.payment_method, b.payment_status, p.id AS payment_id, p.captured_at IS NOT NULL AS captured,
            coalesce(r.refunded, 0) AS refunded, coalesce(r.open, 0) AS open, b.refunded_paise, b.charged_paise
       FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id LEFT JOIN refunded r ON r.payment_id = p.id
      WHERE (b.payment_status <> 'unpaid') IS DISTINCT FROM (p.captured_at IS NOT NULL)
         OR b.refunded_paise <> coalesce(r.refunded, 0)
         OR (p.captured_at IS NOT NULL AND (
                (b.payment_status = 'refunded') <> (coalesce(r.refunded, 0) >= p.amount_paise)
             -- Pending while a refund is on its way; a failed one leaves it pending for a person (a review).
             OR (coalesce(r.open, 0) > 0 AND coalesce(r.refunded, 0) < p.amount_paise
                 AND b.payment_status <> 'refund_pending')
             OR (b.payment_status = 'refund_pending' AND coalesce(r.open, 0) = 0 AND coalesce(r.failed, 0) = 0)
             OR (b.payment_status = 'partially_refunded')
                  <> (coalesce(r.open, 0) = 0 AND coalesce(r.failed, 0) = 0
                      AND coalesce(r.refunded, 0) BETWEEN 1 AND p.amount_paise - 1)
             -- What was paid is refunded or kept, to the paisa, once nothing is on its way back.
             OR (coalesce(r.open, 0) = 0 AND coalesce(r.failed, 0) = 0 AND b.status <> 'pending_payment'
                 AND b.refunded_paise + b.charged_paise <> p.amount_paise)))
      ORDER BY b.id`,
  );
  return result(
    'paid-bookings-captured',
    wrong.map(
      (row) =>
        `booking ${row.id} (${row.payment_method}) ${row.payment_status}, ` +
        (row.payment_id
          ? `charged ${row.charged_paise}, refunded ${row.refunded_paise}; payment ${row.payment_id} ` +
            `${row.captured ? 'captured' : 'not captured'}, refunds processed ${row.refunded}, open ${row.open}`
          : 'no payment'),
    ),
    'bookings whose payment status disagrees with their payment',
  );
}

/**
 * Each payout is posted to the ledger once for its amount (shop payable +amount), and reversed once exactly when it
 * failed; no payout entry refers to anything else.
 */
export async function payoutsPostedOnce(db: Queryable): Promise<InvariantResult> {
  const wrong = await rows<{
    payout_id: string;
    status: string | null;
    amount: string | null;
    payouts: number;
    paid: string | null;
    reversals: number;
    reversed: string | null;
  }>(
    db,
    `WITH posted AS (
       SELECT e.kind, e.ref_id, count(DISTINCT e.id)::int AS n,
              coalesce(sum(l.amount_paise) FILTER (WHERE l.account = 'shop_payable'), 0) AS payable
         FROM journal_entries e LEFT JOIN journal_lines l ON l.entry_id = e.id
        WHERE e.kind IN ('payout', 'payout_reversal') GROUP BY e.kind, e.ref_id),
     money AS (
       SELECT coalesce(p.id, o.ref_id, r.ref_id) AS payout_id, p.status, p.amount_paise AS amount,
              coalesce(o.n, 0) AS payouts, o.payable AS paid, coalesce(r.n, 0) AS reversals, -r.payable AS reversed
         FROM payouts p
         FULL JOIN (SELECT * FROM posted WHERE kind = 'payout') o ON o.ref_id = p.id
         FULL JOIN (SELECT * FROM posted WHERE kind = 'payout_reversal') r ON r.ref_id = coalesce(p.id, o.ref_id))
     SELECT payout_id, status, amount::text, payouts, paid::text, reversals, reversed::text
       FROM money
      WHERE status IS NULL
         OR payouts <> 1 OR paid <> amount
         OR reversals <> CASE WHEN status = 'failed' THEN 1 ELSE 0 END
         OR (reversals > 0 AND reversed <> amount)
      ORDER BY payout_id`,
  );
  return result(
    'payouts-posted-once',
    wrong.map(
      (row) =>
        `payout ${row.payout_id}${row.status === null ? ' (no such payout)' : ` ${row.status} for ${row.amount}`}: ` +
        `${row.payouts} payout entries (payable ${row.paid}), ${row.reversals} reversals (payable -${row.reversed})`,
    ),
    'payouts whose ledger entries are wrong',
  );
}

/**
 * Each booking is settled at most once: every settlement's count and totals are those of the bookings that point
 * at it (a booking claimed by two settlements would leave one of them short), those bookings are settleable, of its
 * shop and ended by its cutoff, and it is posted once for its net (when not zero).
 */
export async function bookingsSettledOnce(db: Queryable): Promise<InvariantResult> {
  const wrong = await rows<{
    id: string;
    shop_id: string | null;
    booking_count: number | null;
    online: string | null;
    commission: string | null;
    net: string | null;
    claimed: number;
    claimed_online: string;
    claimed_commission: string;
    foreign_or_unsettleable: number;
    posted: number;
    posted_net: string | null;
  }>(
    db,
    `WITH later AS (
       -- Refunds applied after their booking was settled lowered its charge since (recovered from payouts): the
       -- settlement counted the charge as it was.
       SELECT p.booking_id, sum(r.charge_reduction_paise) AS charge, sum(r.commission_reduction_paise) AS commission
         FROM refunds r JOIN payments p ON p.id = r.payment_id
        WHERE r.status = 'processed' AND r.after_settlement GROUP BY p.booking_id),
     claimed AS (
       SELECT b.settlement_id, count(*)::int AS n,
              sum(CASE WHEN ${PAID_ONLINE('b')} THEN b.charged_paise + coalesce(l.charge, 0) ELSE 0 END) AS online,
              sum(b.commission_paise + coalesce(l.commission, 0)) AS commission,
              (count(*) FILTER (WHERE s.id IS NULL OR b.shop_id <> s.shop_id OR b.ends_at > s.cutoff
                                   OR NOT (b.status = 'completed'
                                           OR (b.status IN ('no_show', 'cancelled')
                                               AND b.charged_paise + coalesce(l.charge, 0) > 0))
                                   OR b.settlement_status <> 'settled'))::int AS bad
         FROM bookings b LEFT JOIN settlements s ON s.id = b.settlement_id LEFT JOIN later l ON l.booking_id = b.id
        WHERE b.settlement_id IS NOT NULL GROUP BY b.settlement_id),
     posted AS (
       SELECT e.ref_id, count(DISTINCT e.id)::int AS n,
              -coalesce(sum(l.amount_paise) FILTER (WHERE l.account = 'shop_payable'), 0) AS net
         FROM journal_entries e LEFT JOIN journal_lines l ON l.entry_id = e.id
        WHERE e.kind = 'settlement' GROUP BY e.ref_id),
     checked AS (
       SELECT coalesce(s.id, c.settlement_id, p.ref_id) AS id, s.shop_id, s.booking_count,
              s.online_collected_paise AS online, s.commission_paise AS commission, s.net_payable_paise AS net,
              coalesce(c.n, 0) AS claimed, coalesce(c.online, 0) AS claimed_online,
              coalesce(c.commission, 0) AS claimed_commission, coalesce(c.bad, 0) AS foreign_or_unsettleable,
              coalesce(p.n, 0) AS posted, p.net AS posted_net
         FROM settlements s
         FULL JOIN claimed c ON c.settlement_id = s.id
         FULL JOIN posted p ON p.ref_id = coalesce(s.id, c.settlement_id))
     SELECT id, shop_id, booking_count, online::text, commission::text, net::text, claimed, claimed_online::text,
            claimed_commission::text, foreign_or_unsettleable, posted, posted_net::text
       FROM checked
      WHERE shop_id IS NULL
         OR claimed <> booking_count OR claimed_online <> online OR claimed_commission <> commission
         OR foreign_or_unsettleable > 0
         OR posted <> CASE WHEN net <> 0 THEN 1 ELSE 0 END OR (posted > 0 AND posted_net <> net)
      ORDER BY id`,
  );
  return result(
    'bookings-settled-once',
    wrong.map(
      (row) =>
        `settlement ${row.id}${row.shop_id === null ? ' (no such settlement)' : ` of shop ${row.shop_id}`}: ` +
        `says ${row.booking_count} bookings, online ${row.online}, commission ${row.commission}, net ${row.net}; ` +
        `${row.claimed} bookings point at it (online ${row.claimed_online}, commission ${row.claimed_commission}), ` +
        `${row.foreign_or_unsettleable} of them of another shop, after the cutoff or not settleable; ` +
        `${row.posted} ledger entries (net ${row.posted_net})`,
    ),
    'settlements that disagree with their bookings or the ledger',
  );
}

/**
 * Each shop's unsettled account is what its settleable, unsettled bookings are worth to it (online paid: amount
 * less commission; otherwise minus the commission): a booking is posted when it becomes settleable, and a settlement
 * moves what it claims to payable in the same transaction. Detail: the shops whose ledger and bookings differ.
 */
export async function unsettledLedgerMatchesBookings(db: Queryable): Promise<InvariantResult> {
  const wrong = await rows<{ shop_id: string; ledger: string; bookings: string }>(
    db,
    `WITH ledger AS (
       SELECT shop_id, -sum(amount_paise) AS unsettled FROM journal_lines
        WHERE account = 'shop_unsettled' GROUP BY shop_id),
     bookings_net AS (
       SELECT shop_id,
              sum(CASE WHEN ${PAID_ONLINE('b')} THEN charged_paise - commission_paise ELSE -commission_paise END)
                AS unsettled
         FROM bookings b
        WHERE settlement_status = 'unsettled' AND ${SETTLEABLE_STATUS('b')}
        GROUP BY shop_id)
     SELECT coalesce(l.shop_id, b.shop_id) AS shop_id, coalesce(l.unsettled, 0)::text AS ledger,
            coalesce(b.unsettled, 0)::text AS bookings
       FROM ledger l FULL JOIN bookings_net b ON b.shop_id = l.shop_id
      WHERE coalesce(l.unsettled, 0) <> coalesce(b.unsettled, 0)
      ORDER BY 1`,
  );
  return result(
    'unsettled-ledger-matches-bookings',
    wrong.map((row) => `shop ${row.shop_id}: ledger ${row.ledger}, settleable bookings ${row.bookings}`),
    'shops whose unsettled balance differs from their settleable bookings',
  );
}

export const INVARIANTS: Record<InvariantName, (db: Queryable) => Promise<InvariantResult>> = {
  'no-overlapping-live-bookings': noOverlappingLiveBookings,
  'read-model-matches-live-bookings': readModelMatchesLiveBookings,
  'ledger-balanced': ledgerBalanced,
  'webhook-events-stored-once': webhookEventsStoredOnce,
  'provider-ids-attached-once': providerIdsAttachedOnce,
  'payments-captured-once': paymentsCapturedOnce,
  'paid-bookings-captured': paidBookingsCaptured,
  'payouts-posted-once': payoutsPostedOnce,
  'bookings-settled-once': bookingsSettledOnce,
  'unsettled-ledger-matches-bookings': unsettledLedgerMatchesBookings,
};

export interface InvariantOptions {
  /** Only these (default: all). */
  only?: readonly InvariantName[];
  /** Invariants that do not apply to this database, each with the reason (one line), e.g. data seeded around them. */
  skip?: Partial<Record<InvariantName, string>>;
}

/** Runs the invariants one after the other (each one statement) and returns every result. */
export async function checkInvariants(
  db: Queryable,
  options: InvariantOptions = {},
): Promise<InvariantResult[]> {
  const results: InvariantResult[] = [];
  for (const name of options.only ?? INVARIANT_NAMES) {
    if (options.skip?.[name] === undefined) results.push(await INVARIANTS[name](db));
  }
  return results;
}

export class InvariantsViolatedError extends Error {
  constructor(readonly failures: InvariantResult[]) {
    super(
      `${failures.length} invariant(s) violated:\n` +
        failures.map((failure) => `- ${failure.name}: ${failure.detail}`).join('\n'),
    );
    this.name = 'InvariantsViolatedError';
  }
}

/** For Jest (an `afterAll` of every suite that writes bookings or money): throws with every failure's detail. */
export async function assertInvariants(db: Queryable, options: InvariantOptions = {}): Promise<void> {
  const failures = (await checkInvariants(db, options)).filter((check) => !check.pass);
  if (failures.length > 0) throw new InvariantsViolatedError(failures);
}

/** The same over a connection of its own, for a database the suite reaches otherwise (a proxy, another process). */
export async function assertInvariantsAt(databaseUrl: string, options: InvariantOptions = {}): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await assertInvariants(client, options);
  } finally {
    await client.end();
  }
}
