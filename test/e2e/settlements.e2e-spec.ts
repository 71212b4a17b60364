import { randomBytes } from 'node:crypto';

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';

import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { SettlementJob, SETTLEMENTS_QUEUE } from '../../src/queues/queues.constants';
import { SettlementsWorkerModule } from '../../src/settlements/settlements-worker.module';
import { afterItEnds, at, book, givenBookableShop, localDate } from '../support/bookings';
import { TestClock } from '../support/clock';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import {
  assertInvariants,
  bookingsSettledOnce,
  ledgerBalanced,
  unsettledLedgerMatchesBookings,
} from '../support/invariants';
import { deliver, eventually, OwnRazorpayStandIn, StandInClient } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface Settlement {
  id: string;
  runId: string;
  shopId: string;
  bookingCount: number;
  onlineCollectedPaise: number;
  commissionPaise: number;
  netPayablePaise: number;
  status: string;
}

interface Run {
  id: string;
  status: string;
  shopsTotal: number;
  shopsDone: number;
  cutoff: string;
}

/** Far enough ahead that every booking made here has ended by it. */
const FUTURE_CUTOFF = () => new Date(Date.now() + 120 * 24 * 3600 * 1000).toISOString();

describe('Settlements (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let customer: GivenUser;
  // Its own Razorpay stand-in: payout tests inject faults into it.
  const standIn = new OwnRazorpayStandIn('rzp_test_settle');
  let razorpay: StandInClient;
  let slot = 0;
  const clock = new TestClock();
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    // Its own Bull prefix: its settlement and refund jobs are processed here, by the worker modules below.
    razorpay = new StandInClient(await standIn.listen());
    t = await createTestApp(
      {
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}settle:`,
        ...standIn.env(),
        RAZORPAY_TIMEOUT_MS: '500',
      },
      [PaymentsWorkerModule, SettlementsWorkerModule],
      clock,
    );
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    customer = await givenUser(t.http, 'customer');
  });

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    await t?.close();
    await standIn.close();
  });

  /** A fresh 30-minute slot for every booking, on a rolling day. */
  const nextSlot = () => {
    const n = slot++;
    const start = 60 + 30 * (n % 44);
    return at(
      localDate(2 + Math.floor(n / 44)),
      `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`,
    );
  };

  const bookAt = async (shop: GivenShop, paymentMethod: 'ONLINE' | 'PAY_AT_SHOP') =>
    (
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: nextSlot(),
        paymentMethod,
      }).expect(201)
    ).body as { id: string; amountPaise: number; commissionPaise: number; payment?: { orderId: string } };

  const pay = async (booking: { payment?: { orderId: string } }) => {
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

  /** The owner's action; completing and marking a no-show happen once the booking is over. */
  const act = (owner: GivenUser, id: string, action: 'complete' | 'no-show' | 'cancel') => {
    const request = () =>
      t.http
        .post(`/api/v1/bookings/${id}/${action}`)
        .set(as(owner))
        .send(action === 'cancel' ? { reason: 'Closed today' } : {})
        .expect(200);
    return action === 'cancel' ? request() : afterItEnds(t, clock, id, request);
  };

  const startRun = async (cutoff = FUTURE_CUTOFF()) =>
    (await t.http.post('/api/v1/settlements/runs').set(as(admin)).send({ cutoff }).expect(202)).body
      .runId as string;

  const finished = (runId: string) =>
    eventually(
      async () =>
        (await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(admin)).expect(200)).body as Run,
      (run) => run.status === 'completed' || run.status === 'failed',
      20_000,
    );

  const settlementsOf = async (who: GivenUser, query: Record<string, string>) =>
    (await t.http.get('/api/v1/settlements').query(query).set(as(who)).expect(200)).body
      .items as Settlement[];

  const bookingOf = async (id: string) =>
    (await t.http.get(`/api/v1/bookings/${id}`).set(as(customer)).expect(200)).body as {
      settlementStatus: string;
    };

  /** The whole ledger balances, and each shop's unsettled account equals its unsettled settleable bookings. */
  const expectLedgerConsistent = async () => {
    expect(await ledgerBalanced(db)).toMatchObject({ pass: true });
    expect(await unsettledLedgerMatchesBookings(db)).toMatchObject({ pass: true });
  };

  describe('a shop with a mix of bookings', () => {
    let owner: GivenUser;
    let shop: GivenShop;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      owner = await givenUser(t.http, 'shop_owner');
      shop = await givenBookableShop(t.http, owner, admin);

      const onlineCompleted = [await bookAt(shop, 'ONLINE'), await bookAt(shop, 'ONLINE')];
      for (const booking of onlineCompleted) {
        await pay(booking);
        await act(owner, booking.id, 'complete');
      }
      const atShopCompleted = await bookAt(shop, 'PAY_AT_SHOP');
      await act(owner, atShopCompleted.id, 'complete');
      const paidNoShow = await bookAt(shop, 'ONLINE');
      await pay(paidNoShow);
      await act(owner, paidNoShow.id, 'no-show');
      const unpaidNoShow = await bookAt(shop, 'PAY_AT_SHOP');
      await act(owner, unpaidNoShow.id, 'no-show');
      const cancelled = await bookAt(shop, 'PAY_AT_SHOP');
      await act(owner, cancelled.id, 'cancel');
      const upcoming = await bookAt(shop, 'PAY_AT_SHOP');
      const unpaidHold = await bookAt(shop, 'ONLINE');

      // Paid, then cancelled: refunded through Razorpay.
      const refunded = await bookAt(shop, 'ONLINE');
      const refundedPayment = await pay(refunded);
      await act(owner, refunded.id, 'cancel');
      const atProvider = await eventually(
        () => razorpay.payment(refundedPayment.paymentId),
        (payment) => payment.refunds.length > 0,
      );
      await deliver(t.http, await razorpay.settleRefund(atProvider.refunds[0].id)).expect(200);
      await eventually(
        async () =>
          (await t.http.get(`/api/v1/bookings/${refunded.id}`).set(as(customer))).body.paymentStatus,
        (status) => status === 'refunded',
      );

      Object.assign(ids, {
        online1: onlineCompleted[0].id,
        online2: onlineCompleted[1].id,
        atShop: atShopCompleted.id,
        paidNoShow: paidNoShow.id,
        unpaidNoShow: unpaidNoShow.id,
        cancelled: cancelled.id,
        upcoming: upcoming.id,
        unpaidHold: unpaidHold.id,
        refunded: refunded.id,
      });
    });

    it('shows the unsettled net on the balance before any run', async () => {
      // Online 30000 each (commission 3000): 27000 x 3 (two completed, one paid no-show); at shop: -3000.
      const balance = await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(owner)).expect(200);
      expect(balance.body).toMatchObject({ shopId: shop.id, unsettledNetPaise: 78_000, settledNetPaise: 0 });
      await expectLedgerConsistent();
    });

    it('settles completed and paid no-show bookings with the right totals, and nothing else', async () => {
      const run = await finished(await startRun());
      expect(run.status).toBe('completed');
      expect(run.shopsDone).toBe(run.shopsTotal);

      const [settlement] = await settlementsOf(admin, { runId: run.id, shopId: shop.id });
      expect(settlement).toMatchObject({
        shopId: shop.id,
        runId: run.id,
        bookingCount: 4,
        onlineCollectedPaise: 90_000,
        commissionPaise: 12_000,
        netPayablePaise: 78_000,
        status: 'pending',
      });

      for (const key of ['online1', 'online2', 'atShop', 'paidNoShow']) {
        expect((await bookingOf(ids[key])).settlementStatus).toBe('settled');
      }
      for (const key of ['unpaidNoShow', 'cancelled', 'upcoming', 'unpaidHold', 'refunded']) {
        expect((await bookingOf(ids[key])).settlementStatus).toBe('unsettled');
      }

      const balance = await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(owner)).expect(200);
      expect(balance.body).toMatchObject({
        unsettledNetPaise: 0,
        settledNetPaise: 78_000,
        payablePaise: 78_000,
      });
      await expectLedgerConsistent();
    });

    it('settles nothing twice: a later run has nothing for this shop', async () => {
      const run = await finished(await startRun());
      expect(run.status).toBe('completed');
      expect(await settlementsOf(admin, { runId: run.id, shopId: shop.id })).toEqual([]);
      const all = await settlementsOf(admin, { shopId: shop.id });
      expect(all).toHaveLength(1);
    });

    it('leaves bookings that end after the cutoff for a later run', async () => {
      const later = await bookAt(shop, 'PAY_AT_SHOP');
      await act(owner, later.id, 'complete');
      const early = await finished(await startRun(new Date().toISOString()));
      expect(await settlementsOf(admin, { runId: early.id, shopId: shop.id })).toEqual([]);
      expect((await bookingOf(later.id)).settlementStatus).toBe('unsettled');

      const run = await finished(await startRun());
      const [settlement] = await settlementsOf(admin, { runId: run.id, shopId: shop.id });
      expect(settlement).toMatchObject({ bookingCount: 1, onlineCollectedPaise: 0, netPayablePaise: -3000 });
      const balance = await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(admin)).expect(200);
      expect(balance.body).toMatchObject({ unsettledNetPaise: 0, settledNetPaise: 75_000 });
      await expectLedgerConsistent();
    });

    it("shows an owner only their own shops' settlements and balances", async () => {
      const stranger = await givenUser(t.http, 'shop_owner');
      expect(await settlementsOf(stranger, {})).toEqual([]);
      expect(await settlementsOf(stranger, { shopId: shop.id })).toEqual([]);
      await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(stranger)).expect(404);
      expect((await settlementsOf(owner, {})).every((settlement) => settlement.shopId === shop.id)).toBe(
        true,
      );
      await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(customer)).expect(403);
      await t.http.get('/api/v1/settlements').set(as(customer)).expect(403);
    });
  });

  describe('payouts', () => {
    let owner: GivenUser;
    const accountId = () => `acc_${randomBytes(10).toString('hex').slice(0, 14)}`;

    beforeAll(async () => {
      owner = await givenUser(t.http, 'shop_owner');
    });

    afterEach(() => razorpay.fault({ next: 0 }));

    const linkedShop = async (account: string) => {
      const shop = await givenBookableShop(t.http, owner, admin);
      await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(admin))
        .send({ payoutAccountId: account })
        .expect(200);
      return shop;
    };

    const completedOnline = async (shop: GivenShop) => {
      const booking = await bookAt(shop, 'ONLINE');
      await pay(booking);
      await act(owner, booking.id, 'complete');
      return booking;
    };

    const settlementOf = async (runId: string, shopId: string) =>
      (await settlementsOf(admin, { runId, shopId }))[0];

    const balanceOf = async (shopId: string) =>
      (await t.http.get(`/api/v1/shops/${shopId}/balance`).set(as(owner)).expect(200)).body as {
        unsettledNetPaise: number;
        settledNetPaise: number;
        payablePaise: number;
        paidOutPaise: number;
      };

    it('lets only an admin set the payout account, and checks its form', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const refused = await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({ payoutAccountId: accountId() })
        .expect(403);
      expect(refused.body.code).toBe('PAYOUT_ACCOUNT_ADMIN_ONLY');
      for (const bad of ['acc_short', 'bank-123456789012', 'acc_ABCDEFGHIJKLM!', '']) {
        await t.http
          .patch(`/api/v1/shops/${shop.id}`)
          .set(as(admin))
          .send({ payoutAccountId: bad })
          .expect(400);
      }
    });

    it('pays a positive net to the linked account once, keyed by the settlement, and marks it paid', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      const bookings = [await completedOnline(shop), await completedOnline(shop)];
      const net = bookings.reduce((sum, b) => sum + b.amountPaise - b.commissionPaise, 0);

      const run = await finished(await startRun());
      const settlement = await settlementOf(run.id, shop.id);
      expect(settlement).toMatchObject({ netPayablePaise: net, status: 'pending' });
      const [transfer] = await eventually(
        () => razorpay.transfersTo(account),
        (transfers) => transfers.length > 0,
      );
      expect(transfer).toMatchObject({ amount: net, status: 'pending' });
      expect(transfer.notes).toMatchObject({ settlement_id: settlement.id, shop_id: shop.id });

      const processed = await razorpay.settleTransfer(transfer.id, 'processed');
      await Promise.all([deliver(t.http, processed).expect(200), deliver(t.http, processed).expect(200)]);
      await eventually(
        () => settlementOf(run.id, shop.id),
        (current) => current.status === 'paid',
      );
      expect(await razorpay.transfersTo(account)).toHaveLength(1);
      expect(await balanceOf(shop.id)).toMatchObject({
        unsettledNetPaise: 0,
        settledNetPaise: net,
        payablePaise: 0,
        paidOutPaise: net,
      });
      await expectLedgerConsistent();
    });

    it('carries a negative net forward as debt, pays nothing, and recovers it from the next payout', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      for (let i = 0; i < 2; i++) {
        const booking = await bookAt(shop, 'PAY_AT_SHOP');
        await act(owner, booking.id, 'complete');
      }
      const first = await finished(await startRun());
      expect(await settlementOf(first.id, shop.id)).toMatchObject({
        netPayablePaise: -6000,
        status: 'pending',
      });
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: -6000, paidOutPaise: 0 });

      const online = await completedOnline(shop);
      const second = await finished(await startRun());
      const net = online.amountPaise - online.commissionPaise;
      expect(await settlementOf(second.id, shop.id)).toMatchObject({ netPayablePaise: net });
      const transfers = await eventually(
        () => razorpay.transfersTo(account),
        (found) => found.length > 0,
      );
      expect(transfers).toHaveLength(1);
      expect(transfers[0].amount).toBe(net - 6000);
      await expectLedgerConsistent();
    });

    it('fails the settlement when the transfer fails, and the money is payable again', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      const booking = await completedOnline(shop);
      const net = booking.amountPaise - booking.commissionPaise;
      const run = await finished(await startRun());
      const [transfer] = await eventually(
        () => razorpay.transfersTo(account),
        (found) => found.length > 0,
      );
      await deliver(t.http, await razorpay.settleTransfer(transfer.id, 'failed')).expect(200);
      await eventually(
        () => settlementOf(run.id, shop.id),
        (current) => current.status === 'failed',
      );
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: net, paidOutPaise: 0 });
      await expectLedgerConsistent();
    });

    it('sends a payout retried after a lost answer once, with the same idempotency key', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      const booking = await completedOnline(shop);
      const before = (await razorpay.calls())['POST /v1/transfers'] ?? 0;
      // The first transfer request takes effect, but its answer is lost.
      await razorpay.fault({ status: 502, afterApplying: true });
      const run = await finished(await startRun());
      await eventually(
        async () => ((await razorpay.calls())['POST /v1/transfers'] ?? 0) - before,
        (attempts) => attempts >= 2,
        20_000,
      );
      const transfers = await razorpay.transfersTo(account);
      expect(transfers).toHaveLength(1);
      expect(transfers[0].amount).toBe(booking.amountPaise - booking.commissionPaise);
      const [payout] = await db.query(
        'SELECT provider_transfer_id, idempotency_key, settlement_id FROM payouts WHERE shop_id = $1',
        [shop.id],
      );
      expect(payout.provider_transfer_id).toBe(transfers[0].id);
      expect(payout.idempotency_key).toBe(payout.settlement_id);
      expect((await settlementOf(run.id, shop.id)).id).toBe(payout.settlement_id);
    });

    it('leaves the settlement of a shop without a linked account pending, with nothing sent', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      await completedOnline(shop);
      const callsBefore = (await razorpay.calls())['POST /v1/transfers'] ?? 0;
      const run = await finished(await startRun());
      expect((await settlementOf(run.id, shop.id)).status).toBe('pending');
      expect((await razorpay.calls())['POST /v1/transfers'] ?? 0).toBe(callsBefore);
      const [{ n }] = await db.query('SELECT count(*)::int AS n FROM payouts WHERE shop_id = $1', [shop.id]);
      expect(n).toBe(0);
    });
  });

  describe('concurrent runs', () => {
    it('settle every booking exactly once across two runs started together', async () => {
      const owner = await givenUser(t.http, 'shop_owner');
      const shops = [
        await givenBookableShop(t.http, owner, admin),
        await givenBookableShop(t.http, owner, admin),
        await givenBookableShop(t.http, owner, admin),
      ];
      const expectedNet = new Map<string, number>();
      for (const shop of shops) {
        for (let i = 0; i < 4; i++) {
          const online = i % 2 === 0;
          const booking = await bookAt(shop, online ? 'ONLINE' : 'PAY_AT_SHOP');
          if (online) await pay(booking);
          await act(owner, booking.id, 'complete');
          const net = online ? booking.amountPaise - booking.commissionPaise : -booking.commissionPaise;
          expectedNet.set(shop.id, (expectedNet.get(shop.id) ?? 0) + net);
        }
      }

      const [first, second] = await Promise.all([startRun(), startRun()]);
      const runs = await Promise.all([finished(first), finished(second)]);
      expect(runs.map((run) => run.status)).toEqual(['completed', 'completed']);

      for (const shop of shops) {
        const settlements = (await settlementsOf(owner, { shopId: shop.id })).filter((settlement) =>
          [first, second].includes(settlement.runId),
        );
        expect(settlements.reduce((sum, settlement) => sum + settlement.bookingCount, 0)).toBe(4);
        expect(settlements.reduce((sum, settlement) => sum + settlement.netPayablePaise, 0)).toBe(
          expectedNet.get(shop.id),
        );
      }
      expect(await bookingsSettledOnce(db)).toMatchObject({ pass: true });
      const left = await db.query(
        `SELECT id FROM bookings WHERE shop_id = ANY($1) AND status = 'completed' AND settlement_status = 'unsettled'`,
        [shops.map((shop) => shop.id)],
      );
      expect(left).toEqual([]);
      await expectLedgerConsistent();
    });
  });

  describe('the nightly job', () => {
    it('creates a run of its own (trigger cron) up to its tick, and settles it', async () => {
      const owner = await givenUser(t.http, 'shop_owner');
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, 'PAY_AT_SHOP');
      await act(owner, booking.id, 'complete');
      // As if the appointment was last week, so tonight's cutoff (now) covers it.
      await db.query(
        `UPDATE bookings SET starts_at = starts_at - interval '10 days', ends_at = ends_at - interval '10 days'
          WHERE id = $1`,
        [booking.id],
      );
      const since = new Date();
      // The repeatable job's tick, as Bull adds it at SETTLEMENT_CRON.
      await t.app.get<Queue>(getQueueToken(SETTLEMENTS_QUEUE)).add(SettlementJob.StartRun, {});
      const [run] = await eventually(
        (): Promise<Array<{ id: string }>> =>
          db.query("SELECT id FROM settlement_runs WHERE trigger = 'cron' AND created_at >= $1", [since]),
        (rows) => rows.length === 1,
      );
      expect((await finished(run.id)).status).toBe('completed');
      expect((await settlementsOf(admin, { runId: run.id, shopId: shop.id }))[0]).toMatchObject({
        bookingCount: 1,
        netPayablePaise: -booking.commissionPaise,
      });
    });
  });

  describe('the ledger', () => {
    it('refuses to change or delete a posted line', async () => {
      await expect(db.query('UPDATE journal_lines SET amount_paise = amount_paise + 1')).rejects.toThrow(
        /append-only/,
      );
      await expect(db.query('DELETE FROM journal_entries')).rejects.toThrow(/append-only/);
    });

    it('refuses an entry whose lines do not balance, at commit', async () => {
      const shop = (await db.query('SELECT id FROM shops LIMIT 1'))[0].id as string;
      await expect(
        db.transaction(async (manager) => {
          const [entry] = await manager.query(
            "INSERT INTO journal_entries (kind, ref_id, shop_id) VALUES ('settlement', gen_random_uuid(), $1) RETURNING id",
            [shop],
          );
          await manager.query(
            `INSERT INTO journal_lines (entry_id, line_no, account, shop_id, amount_paise)
             VALUES ($1, 1, 'shop_unsettled', $2, 100), ($1, 2, 'shop_payable', $2, -99)`,
            [entry.id, shop],
          );
        }),
      ).rejects.toThrow(/does not balance/);
    });
  });

  describe('validation and access', () => {
    it('refuses a malformed cutoff and unknown fields with 400', async () => {
      await t.http.post('/api/v1/settlements/runs').set(as(admin)).send({ cutoff: 'yesterday' }).expect(400);
      await t.http.post('/api/v1/settlements/runs').set(as(admin)).send({ shopsTotal: 1 }).expect(400);
    });

    it('lets only admins start and read runs', async () => {
      const owner = await givenUser(t.http, 'shop_owner');
      await t.http.post('/api/v1/settlements/runs').set(as(owner)).send({}).expect(403);
      await t.http.post('/api/v1/settlements/runs').send({}).expect(401);
      const runId = await startRun();
      await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(owner)).expect(403);
    });

    it('answers 404 for an unknown run and 400 for a malformed id', async () => {
      await t.http
        .get('/api/v1/settlements/runs/00000000-0000-4000-8000-000000000000')
        .set(as(admin))
        .expect(404);
      await t.http.get('/api/v1/settlements/runs/not-a-uuid').set(as(admin)).expect(400);
    });
  });
});
