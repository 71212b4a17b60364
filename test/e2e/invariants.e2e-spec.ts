import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';

import { HoldsService } from '../../src/bookings/holds.service';
import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { SettlementsWorkerModule } from '../../src/settlements/settlements-worker.module';
import { afterItEnds, at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { TestClock } from '../support/clock';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import {
  assertInvariants,
  checkInvariants,
  INVARIANT_NAMES,
  InvariantName,
  InvariantResult,
  InvariantsViolatedError,
} from '../support/invariants';
import { deliver, eventually, OwnRazorpayStandIn, StandInClient } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface Booking {
  id: string;
  shopId: string;
  staffId: string;
  startsAt: string;
  endsAt: string;
  amountPaise: number;
  commissionPaise: number;
  payment?: { orderId: string };
}

/**
 * The invariants module against a real database: every invariant passes on a state made through the app (with
 * payments, refunds, webhooks delivered twice, an unswept expired hold, settlements and payouts), and each one fails,
 * naming what is wrong, once that state is broken by direct SQL. Each break happens inside a transaction that is
 * rolled back, the database's own guards (exclusion and unique constraints) dropped in it where they would refuse
 * the break; the deferred balance trigger only fires at commit, which never comes. Its own database, so nothing
 * else sees the locks those transactions take.
 */
describe('Invariants (own database)', () => {
  const standIn = new OwnRazorpayStandIn('rzp_test_invariants');
  let razorpay: StandInClient;
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;
  let client: Client;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let slot = 0;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });
  /** The state's bookings and money, by role. */
  const the = {} as Record<
    | 'upcoming'
    | 'cancelled'
    | 'paidTwice'
    | 'paidCompleted'
    | 'atShopCompleted'
    | 'refunded'
    | 'swept'
    | 'staleHold'
    | 'otherShopCompleted',
    Booking
  > & { paidEventId: string; settlementId: string; paidPayoutId: string };

  const nextSlot = () => {
    const n = slot++;
    const start = 60 + 30 * (n % 44);
    return at(
      localDate(2 + Math.floor(n / 44)),
      `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`,
    );
  };
  const bookAt = async (shop: GivenShop, paymentMethod: 'ONLINE' | 'PAY_AT_SHOP'): Promise<Booking> =>
    (
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: nextSlot(),
        paymentMethod,
      }).expect(201)
    ).body;
  const clock = new TestClock();
  /** The owner's action; a booking is completed once it is over (the lifecycle's time rule). */
  const act = (id: string, action: 'complete' | 'cancel') => {
    const request = () => t.http.post(`/api/v1/bookings/${id}/${action}`).set(as(owner)).send({}).expect(200);
    return action === 'complete' ? afterItEnds(t, clock, id, request) : request();
  };
  const bookingOf = async (id: string) =>
    (await t.http.get(`/api/v1/bookings/${id}`).set(as(customer)).expect(200)).body as {
      status: string;
      paymentStatus: string;
    };
  /** Paid at Razorpay, then the checkout handler's verification reaches the API. */
  const payAndVerify = async (booking: Booking) => {
    const paid = await razorpay.pay(booking.payment?.orderId as string);
    await t.http
      .post('/api/v1/payments/razorpay/verify')
      .set(as(customer))
      .send({
        razorpay_order_id: paid.orderId,
        razorpay_payment_id: paid.paymentId,
        razorpay_signature: paid.signature,
      })
      .expect(200);
    return paid;
  };
  const linkedShop = async (accountId: string, staff: number) => {
    const shop = await givenBookableShop(t.http, owner, admin, { staff });
    await t.http
      .patch(`/api/v1/shops/${shop.id}`)
      .set(as(admin))
      .send({ payoutAccountId: accountId })
      .expect(200);
    return shop;
  };

  beforeAll(async () => {
    razorpay = new StandInClient(await standIn.listen());
    database = await createScratchDatabase();
    t = await createTestApp(
      {
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}invariants:`,
        ...standIn.env(),
      },
      [PaymentsWorkerModule, SettlementsWorkerModule],
      clock,
    );
    db = t.app.get(DataSource);
    client = new Client({ connectionString: database.url });
    await client.connect();
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');

    const shop = await linkedShop('acc_invariantsAAAA', 2);
    const otherShop = await linkedShop('acc_invariantsBBBB', 1);
    the.upcoming = await bookAt(shop, 'PAY_AT_SHOP');
    the.cancelled = await bookAt(shop, 'PAY_AT_SHOP');
    await act(the.cancelled.id, 'cancel');

    // Paid; Razorpay's payment.captured delivered twice.
    the.paidTwice = await bookAt(shop, 'ONLINE');
    const paid = await razorpay.pay(the.paidTwice.payment?.orderId as string);
    const captured = paid.events.find((event) => event.type === 'payment.captured')!;
    the.paidEventId = captured.id;
    await deliver(t.http, captured).expect(200);
    await deliver(t.http, captured).expect(200);
    await eventually(
      () => bookingOf(the.paidTwice.id),
      (booking) => booking.paymentStatus === 'paid',
    );

    the.paidCompleted = await bookAt(shop, 'ONLINE');
    await payAndVerify(the.paidCompleted);
    await act(the.paidCompleted.id, 'complete');
    the.atShopCompleted = await bookAt(shop, 'PAY_AT_SHOP');
    await act(the.atShopCompleted.id, 'complete');
    the.otherShopCompleted = await bookAt(otherShop, 'ONLINE');
    await payAndVerify(the.otherShopCompleted);
    await act(the.otherShopCompleted.id, 'complete');

    // Paid, then cancelled: refunded through Razorpay.
    the.refunded = await bookAt(shop, 'ONLINE');
    const refundedPayment = await payAndVerify(the.refunded);
    await act(the.refunded.id, 'cancel');
    const atProvider = await eventually(
      () => razorpay.payment(refundedPayment.paymentId),
      (payment) => payment.refunds.length > 0,
    );
    await deliver(t.http, await razorpay.settleRefund(atProvider.refunds[0].id)).expect(200);
    await eventually(
      () => bookingOf(the.refunded.id),
      (booking) => booking.paymentStatus === 'refunded',
    );

    // One hold expired and swept, one past its expiry that no transaction has expired yet.
    the.swept = await bookAt(shop, 'ONLINE');
    await expireHoldNow(t, the.swept.id);
    expect(await t.app.get(HoldsService).expireDue()).toBe(1);
    the.staleHold = await bookAt(shop, 'ONLINE');
    await expireHoldNow(t, the.staleHold.id);

    // One run settles both shops; one payout is paid, the other fails (and is reversed).
    const { runId } = (
      await t.http
        .post('/api/v1/settlements/runs')
        .set(as(admin))
        .send({ cutoff: new Date(Date.now() + 120 * 24 * 3600 * 1000).toISOString() })
        .expect(202)
    ).body;
    await eventually(
      async () => (await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(admin)).expect(200)).body,
      (run: { status: string }) => run.status === 'completed',
      20_000,
    );
    for (const [account, outcome] of [
      ['acc_invariantsAAAA', 'processed'],
      ['acc_invariantsBBBB', 'failed'],
    ] as const) {
      const [transfer] = await eventually(
        () => razorpay.transfersTo(account),
        (transfers) => transfers.length > 0,
      );
      await deliver(t.http, await razorpay.settleTransfer(transfer.id, outcome)).expect(200);
    }
    const payouts = await eventually(
      async () =>
        (
          await client.query<{ id: string; shop_id: string; settlement_id: string; status: string }>(
            'SELECT id, shop_id, settlement_id, status FROM payouts ORDER BY status',
          )
        ).rows,
      (rows) => rows.length === 2 && rows.every((row) => row.status !== 'pending'),
    );
    const [failed, paidOut] = payouts;
    expect([failed.status, paidOut.status]).toEqual(['failed', 'paid']);
    Object.assign(the, { paidPayoutId: paidOut.id, settlementId: paidOut.settlement_id });
  }, 90_000);

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    await client?.end();
    await t?.close();
    await database?.drop();
    await standIn.close();
  });

  const failing = (results: InvariantResult[]) => results.filter((check) => !check.pass);
  const names = (results: InvariantResult[]) => failing(results).map((check) => check.name);
  const detailOf = (results: InvariantResult[], name: InvariantName) =>
    results.find((check) => check.name === name)?.detail ?? '';

  /** Breaks the database inside a transaction, checks every invariant there, and rolls it all back. */
  const whenBroken = async (...statements: Array<[string, unknown[]?]>): Promise<InvariantResult[]> => {
    await client.query('BEGIN');
    try {
      for (const [sql, parameters] of statements) await client.query(sql, parameters);
      return await checkInvariants(client);
    } finally {
      await client.query('ROLLBACK');
    }
  };

  const partitionOf = async (bookingId: string) =>
    (await client.query('SELECT tableoid::regclass::text AS part FROM bookings WHERE id = $1', [bookingId]))
      .rows[0].part as string;
  const paymentOf = async (bookingId: string) =>
    (
      await client.query<{ id: string; amount_paise: number; provider_payment_id: string }>(
        'SELECT id, amount_paise, provider_payment_id FROM payments WHERE booking_id = $1',
        [bookingId],
      )
    ).rows[0];
  /** A journal entry and its lines, in one statement: [account, shop or null, paise]. */
  const postEntry = (
    kind: string,
    refId: string,
    lines: Array<[string, string | null, number]>,
  ): [string, unknown[]] => [
    `WITH entry AS (INSERT INTO journal_entries (kind, ref_id) VALUES ($1, $2) RETURNING id)
     INSERT INTO journal_lines (entry_id, line_no, account, shop_id, amount_paise)
     SELECT entry.id, l.line_no, l.account, l.shop_id, l.amount_paise
       FROM entry, unnest($3::text[], $4::uuid[], $5::bigint[]) WITH ORDINALITY AS l(account, shop_id, amount_paise, line_no)`,
    [kind, refId, lines.map((l) => l[0]), lines.map((l) => l[1]), lines.map((l) => l[2])],
  ];
  /** Rewrites one booking's entry in the read model (null: removes it). */
  const rewriteEntry = (bookingId: string, entry: string | null): [string, unknown[]] => [
    `UPDATE availability_days d
        SET busy = jsonb_set(d.busy, ARRAY[b.staff_id::text], coalesce((
              SELECT jsonb_agg(CASE WHEN e ->> 'b' = b.id::text THEN ${entry ?? 'NULL'} ELSE e END)
                       FILTER (WHERE e ->> 'b' <> b.id::text OR ${entry === null ? 'false' : 'true'})
                FROM jsonb_array_elements(d.busy -> b.staff_id::text) e), '[]'::jsonb))
       FROM bookings b
      WHERE b.id = $1 AND d.shop_id = b.shop_id AND d.local_date = b.local_date`,
    [bookingId],
  ];

  it('all pass on a consistent state made through the app, read through a pg Client or Pool or a TypeORM DataSource', async () => {
    // Not vacuously: the state has every kind of row the invariants look at.
    const [state] = await db.query(`
      SELECT (SELECT count(*) FROM bookings WHERE status IN ('pending_payment', 'upcoming'))::int AS live,
             (SELECT count(*) FROM bookings WHERE status = 'pending_payment' AND expires_at <= now())::int AS stale,
             (SELECT count(*) FROM bookings WHERE status = 'expired')::int AS expired,
             (SELECT count(*) FROM payments WHERE captured_at IS NOT NULL)::int AS captured,
             (SELECT count(*) FROM refunds WHERE status = 'processed')::int AS refunded,
             (SELECT count(*) FROM payment_events)::int AS events,
             (SELECT count(*) FROM settlements)::int AS settlements,
             (SELECT count(DISTINCT kind) FROM journal_entries)::int AS entry_kinds`);
    expect(state).toEqual({
      live: 3,
      stale: 1,
      expired: 1,
      captured: 4,
      refunded: 1,
      events: expect.any(Number),
      settlements: 2,
      entry_kinds: 6,
    });
    expect(state.events).toBeGreaterThanOrEqual(3);

    const viaClient = await checkInvariants(client);
    expect(viaClient.map((check) => check.name)).toEqual([...INVARIANT_NAMES]);
    expect(failing(viaClient)).toEqual([]);
    expect(await checkInvariants(db)).toEqual(viaClient);
    // A pool, as the benches use.
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      expect(await checkInvariants(pool)).toEqual(viaClient);
    } finally {
      await pool.end();
    }
    await assertInvariants(db);
  });

  it('detects two live bookings of one staff member that overlap, naming both', async () => {
    const part = await partitionOf(the.upcoming.id);
    const results = await whenBroken(
      [`ALTER TABLE ${part} DROP CONSTRAINT ${part}_no_overlap`],
      [
        `INSERT INTO bookings (id, customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                               payment_method, amount_paise, commission_bps, commission_paise)
         SELECT '00000000-0000-4000-8000-00000000000a', customer_id, shop_id, service_id, staff_id,
                starts_at + interval '15 minutes', ends_at + interval '15 minutes', local_date, 'upcoming',
                'PAY_AT_SHOP', amount_paise, commission_bps, commission_paise
           FROM bookings WHERE id = $1`,
        [the.upcoming.id],
      ],
      // In the read model too, so that the overlap is the only thing wrong.
      [
        `UPDATE availability_days d
            SET busy = jsonb_set(d.busy, ARRAY[b.staff_id::text], (d.busy -> b.staff_id::text) || jsonb_build_array(
                  jsonb_build_object('b', b.id, 's', extract(epoch FROM b.starts_at) * 1000,
                                     'e', extract(epoch FROM b.ends_at) * 1000)))
           FROM bookings b
          WHERE b.id = '00000000-0000-4000-8000-00000000000a' AND d.shop_id = b.shop_id AND d.local_date = b.local_date`,
      ],
    );
    expect(names(results)).toEqual(['no-overlapping-live-bookings']);
    expect(detailOf(results, 'no-overlapping-live-bookings')).toMatch(
      new RegExp(
        `^1 overlapping pairs.*staff ${the.upcoming.staffId}: booking .*00000000-0000-4000-8000-00000000000a`,
      ),
    );
    expect(detailOf(results, 'no-overlapping-live-bookings')).toContain(the.upcoming.id);
  });

  it('detects a read model that differs from the live bookings: an entry missing, stale or at another time', async () => {
    const missing = await whenBroken(rewriteEntry(the.upcoming.id, null));
    expect(names(missing)).toEqual(['read-model-matches-live-bookings']);
    expect(detailOf(missing, 'read-model-matches-live-bookings')).toMatch(
      new RegExp(
        `shop ${the.upcoming.shopId} \\S+: live but not in the read model as such \\(booking ${the.upcoming.id}`,
      ),
    );

    // Cancelled (as a cancellation leaves it: nothing charged) without the read model being told: its time would
    // stay blocked.
    const stale = await whenBroken([
      `UPDATE bookings SET status = 'cancelled', charged_paise = 0, commission_paise = 0 WHERE id = $1`,
      [the.upcoming.id],
    ]);
    expect(names(stale)).toEqual(['read-model-matches-live-bookings']);
    expect(detailOf(stale, 'read-model-matches-live-bookings')).toMatch(
      new RegExp(
        `in the read model but not live as such \\(booking ${the.upcoming.id} .*; booking cancelled\\)`,
      ),
    );

    // The stale hold is in the read model as it should be, until something expires it without telling it.
    const expiredQuietly = await whenBroken([
      `UPDATE bookings SET status = 'expired' WHERE id = $1`,
      [the.staleHold.id],
    ]);
    expect(detailOf(expiredQuietly, 'read-model-matches-live-bookings')).toContain(
      `booking ${the.staleHold.id} staff ${the.staleHold.staffId}`,
    );

    const moved = await whenBroken(
      rewriteEntry(the.paidTwice.id, `jsonb_set(e, '{s}', to_jsonb((e ->> 's')::numeric + 900000))`),
    );
    expect(names(moved)).toEqual(['read-model-matches-live-bookings']);
    const detail = detailOf(moved, 'read-model-matches-live-bookings');
    expect(detail).toMatch(/^1 shop-days/);
    const { id, staffId, startsAt, endsAt } = the.paidTwice;
    const [start, end] = [Date.parse(startsAt), Date.parse(endsAt)];
    expect(detail).toContain(
      `in the read model but not live as such (booking ${id} staff ${staffId} ${start + 900000}-${end} ms; ` +
        'booking upcoming)',
    );
    expect(detail).toContain(
      `live but not in the read model as such (booking ${id} staff ${staffId} ${start}-${end} ms; upcoming)`,
    );

    const twice = await whenBroken([
      `UPDATE availability_days d SET busy = jsonb_set(d.busy, ARRAY[b.staff_id::text],
              (d.busy -> b.staff_id::text) || jsonb_build_array((SELECT e FROM jsonb_array_elements(d.busy -> b.staff_id::text) e
                                                                 WHERE e ->> 'b' = b.id::text)))
         FROM bookings b WHERE b.id = $1 AND d.shop_id = b.shop_id AND d.local_date = b.local_date`,
      [the.paidTwice.id],
    ]);
    expect(names(twice)).toEqual(['read-model-matches-live-bookings']);
    expect(detailOf(twice, 'read-model-matches-live-bookings')).toContain(
      `in the read model but not live as such (booking ${the.paidTwice.id}`,
    );
  });

  it('detects an entry that does not balance (which the deferred trigger would refuse at commit) and one without lines', async () => {
    const results = await whenBroken(
      postEntry('booking_settleable', '00000000-0000-4000-8000-00000000000b', [
        ['customer_funds', null, 100],
        ['commission_revenue', null, -99],
      ]),
    );
    expect(names(results)).toEqual(['ledger-balanced']);
    const detail = detailOf(results, 'ledger-balanced');
    expect(detail).toMatch(
      /^2 imbalances: the whole ledger sums to 1 paise; entry \d+ \(booking_settleable\): 2 lines summing to 1$/,
    );

    const empty = await whenBroken([
      "INSERT INTO journal_entries (kind, ref_id) VALUES ('booking_settleable', gen_random_uuid())",
    ]);
    expect(detailOf(empty, 'ledger-balanced')).toMatch(
      /^1 imbalances: entry \d+ \(booking_settleable\): 0 lines summing to 0$/,
    );

    // What Jest suites call: every failure's detail in one error; and a check that does not apply can be skipped.
    await client.query('BEGIN');
    try {
      await client.query(
        ...postEntry('booking_settleable', '00000000-0000-4000-8000-00000000000c', [
          ['customer_funds', null, 5],
          ['commission_revenue', null, -1],
        ]),
      );
      const error = await assertInvariants(client).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvariantsViolatedError);
      expect((error as InvariantsViolatedError).failures.map((check) => check.name)).toEqual([
        'ledger-balanced',
      ]);
      expect((error as Error).message).toMatch(
        /^1 invariant\(s\) violated:\n- ledger-balanced: 2 imbalances: the whole ledger sums to 4 paise/,
      );
      await assertInvariants(client, { skip: { 'ledger-balanced': 'this test broke it on purpose' } });
      expect(
        await checkInvariants(client, { only: ['ledger-balanced', 'payouts-posted-once'] }),
      ).toMatchObject([
        { name: 'ledger-balanced', pass: false },
        { name: 'payouts-posted-once', pass: true },
      ]);
    } finally {
      await client.query('ROLLBACK');
    }
  });

  it('detects a webhook event stored (and so applied) twice', async () => {
    const results = await whenBroken(
      ['ALTER TABLE payment_events DROP CONSTRAINT payment_events_pkey'],
      ['INSERT INTO payment_events SELECT * FROM payment_events WHERE event_id = $1', [the.paidEventId]],
    );
    expect(names(results)).toEqual(['webhook-events-stored-once']);
    expect(detailOf(results, 'webhook-events-stored-once')).toBe(
      `1 events stored more than once: razorpay event ${the.paidEventId} stored 2 times`,
    );
  });

  it('detects one provider payment attached to two bookings', async () => {
    const payment = await paymentOf(the.paidTwice.id);
    const results = await whenBroken(
      ['ALTER TABLE payments DROP CONSTRAINT payments_payment_unique'],
      [
        'UPDATE payments SET provider_payment_id = $2 WHERE booking_id = $1',
        [the.paidCompleted.id, payment.provider_payment_id],
      ],
    );
    expect(names(results)).toEqual(['provider-ids-attached-once']);
    const detail = detailOf(results, 'provider-ids-attached-once');
    expect(detail).toContain(`razorpay payment ${payment.provider_payment_id} on `);
    expect(detail).toContain(the.paidTwice.id);
    expect(detail).toContain(the.paidCompleted.id);
  });

  it('detects a payment captured twice, a refund never processed or larger than the capture, and a capture the ledger lacks', async () => {
    const payment = await paymentOf(the.paidTwice.id);
    const capture = postEntry('capture', payment.id, [
      ['provider_cash', null, payment.amount_paise],
      ['customer_funds', null, -payment.amount_paise],
    ]);
    const twice = await whenBroken(
      ['ALTER TABLE journal_entries DROP CONSTRAINT journal_entries_once'],
      capture,
    );
    expect(names(twice)).toEqual(['payments-captured-once']);
    expect(detailOf(twice, 'payments-captured-once')).toContain(`capture ${payment.id}: captured`);
    expect(detailOf(twice, 'payments-captured-once')).toContain('2 capture entries');

    const refund = (amount: number) =>
      postEntry('refund', payment.id, [
        ['customer_funds', null, amount],
        ['provider_cash', null, -amount],
      ]);
    const unprocessed = await whenBroken(refund(payment.amount_paise));
    expect(names(unprocessed)).toEqual(['payments-captured-once']);
    expect(detailOf(unprocessed, 'payments-captured-once')).toContain(
      `refund ${payment.id}: a refund entry for no refund`,
    );

    // One paisa more asked back than was captured.
    const refunded = await paymentOf(the.refunded.id);
    const larger = await whenBroken([
      `INSERT INTO refunds (payment_id, provider, amount_paise, reason, status, idempotency_key)
       VALUES ($1, 'razorpay', 1, 'admin', 'requested', 'refund-invariants-larger')`,
      [refunded.id],
    ]);
    expect(names(larger)).toEqual(['payments-captured-once']);
    expect(detailOf(larger, 'payments-captured-once')).toContain(
      `payment ${refunded.id}: refunds of ${refunded.amount_paise + 1} for a capture of ${refunded.amount_paise}`,
    );

    // Captured as far as the payments table knows, but neither the ledger nor the booking heard of it.
    const hold = await paymentOf(the.staleHold.id);
    const unposted = await whenBroken([
      "UPDATE payments SET captured_at = now(), provider_payment_id = 'pay_invariants01' WHERE id = $1",
      [hold.id],
    ]);
    expect(names(unposted)).toEqual(['payments-captured-once', 'paid-bookings-captured']);
    expect(detailOf(unposted, 'payments-captured-once')).toContain(`capture ${hold.id}: captured`);
    expect(detailOf(unposted, 'payments-captured-once')).toContain('0 capture entries');
    expect(detailOf(unposted, 'paid-bookings-captured')).toBe(
      `1 bookings whose payment status disagrees with their payment: booking ${the.staleHold.id} (ONLINE) unpaid, ` +
        `charged 0, refunded 0; payment ${hold.id} captured, refunds processed 0, open 0`,
    );
  });

  it('detects a booking marked paid that no payment paid', async () => {
    const results = await whenBroken([
      `UPDATE bookings SET payment_status = 'paid' WHERE id = $1`,
      [the.upcoming.id],
    ]);
    expect(names(results)).toEqual(['paid-bookings-captured']);
    expect(detailOf(results, 'paid-bookings-captured')).toContain(
      `booking ${the.upcoming.id} (PAY_AT_SHOP) paid, no payment`,
    );
  });

  it('detects a payout reversed though paid, and a failed payout never reversed', async () => {
    const [paid] = (
      await client.query('SELECT shop_id, amount_paise FROM payouts WHERE id = $1', [the.paidPayoutId])
    ).rows;
    const amount = Number(paid.amount_paise);
    const reversed = await whenBroken(
      postEntry('payout_reversal', the.paidPayoutId, [
        ['provider_cash', null, amount],
        ['shop_payable', paid.shop_id, -amount],
      ]),
    );
    expect(names(reversed)).toEqual(['payouts-posted-once']);
    expect(detailOf(reversed, 'payouts-posted-once')).toBe(
      `1 payouts whose ledger entries are wrong: payout ${the.paidPayoutId} paid for ${amount}: ` +
        `1 payout entries (payable ${amount}), 1 reversals (payable -${amount})`,
    );

    const notReversed = await whenBroken([
      `UPDATE payouts SET status = 'failed' WHERE id = $1`,
      [the.paidPayoutId],
    ]);
    expect(names(notReversed)).toEqual(['payouts-posted-once']);
    expect(detailOf(notReversed, 'payouts-posted-once')).toContain(`payout ${the.paidPayoutId} failed`);
  });

  it('detects a booking claimed by a second settlement: the first one comes up short, the money moved twice', async () => {
    const booking = the.atShopCompleted;
    const net = -booking.commissionPaise;
    const [{ count }] = (
      await client.query('SELECT booking_count AS count FROM settlements WHERE id = $1', [the.settlementId])
    ).rows;
    const second = '00000000-0000-4000-8000-00000000000d';
    const results = await whenBroken(
      [
        `WITH run AS (INSERT INTO settlement_runs (cutoff, trigger) VALUES (now() + interval '120 days', 'admin')
                      RETURNING id, cutoff)
         INSERT INTO settlements (id, run_id, shop_id, cutoff, booking_count, online_collected_paise, commission_paise,
                                  net_payable_paise)
         SELECT $2, run.id, b.shop_id, run.cutoff, 1, 0, b.commission_paise, -b.commission_paise
           FROM run, bookings b WHERE b.id = $1`,
        [booking.id, second],
      ],
      ['UPDATE bookings SET settlement_id = $2 WHERE id = $1', [booking.id, second]],
      postEntry('settlement', second, [
        ['shop_unsettled', booking.shopId, net],
        ['shop_payable', booking.shopId, -net],
      ]),
    );
    expect(names(results)).toEqual(['bookings-settled-once', 'unsettled-ledger-matches-bookings']);
    expect(detailOf(results, 'bookings-settled-once')).toContain(
      `settlement ${the.settlementId} of shop ${booking.shopId}: says ${count} bookings`,
    );
    expect(detailOf(results, 'bookings-settled-once')).toContain(`${count - 1} bookings point at it`);
    expect(detailOf(results, 'unsettled-ledger-matches-bookings')).toBe(
      `1 shops whose unsettled balance differs from their settleable bookings: shop ${booking.shopId}: ` +
        `ledger ${-net}, settleable bookings 0`,
    );

    // A settlement that claims more than its bookings.
    const inflated = await whenBroken([
      `UPDATE settlements SET booking_count = booking_count + 1 WHERE id = $1`,
      [the.settlementId],
    ]);
    expect(names(inflated)).toEqual(['bookings-settled-once']);
    expect(detailOf(inflated, 'bookings-settled-once')).toContain(`says ${count + 1} bookings`);
  });

  it("detects a shop's unsettled balance that its bookings do not explain", async () => {
    const results = await whenBroken(
      postEntry('booking_settleable', the.upcoming.id, [
        ['shop_unsettled', the.upcoming.shopId, the.upcoming.commissionPaise],
        ['commission_revenue', null, -the.upcoming.commissionPaise],
      ]),
    );
    expect(names(results)).toEqual(['unsettled-ledger-matches-bookings']);
    expect(detailOf(results, 'unsettled-ledger-matches-bookings')).toContain(
      `shop ${the.upcoming.shopId}: ledger ${-the.upcoming.commissionPaise}, settleable bookings 0`,
    );
  });
});
