import { randomBytes, randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { SettlementsService } from '../../src/settlements/settlements.service';
import { SettlementsWorkerModule } from '../../src/settlements/settlements-worker.module';
import { afterItEnds, at, book, givenBookableShop, localDate } from '../support/bookings';
import { TestClock } from '../support/clock';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants, checkInvariants } from '../support/invariants';
import { deliver, eventually, OwnRazorpayStandIn, StandInClient } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface PayoutRow {
  id: string;
  settlement_id: string | null;
  amount_paise: string;
  idempotency_key: string;
  request_key: string | null;
  status: string;
  provider_transfer_id: string | null;
}

/** Far enough ahead that every booking made here has ended by it. */
const FUTURE_CUTOFF = () => new Date(Date.now() + 120 * 24 * 3600 * 1000).toISOString();

/**
 * Issue 17, everything owed is paid: a run pays a shop's whole payable balance (earlier failed payouts, nets from
 * before its account was linked), an admin can pay it at any time, and an answer that cannot be read never undoes a
 * transfer that may exist. Its own database and stand-in: runs settle every shop, and faults hit every request.
 */
describe('Payouts of the whole payable balance (e2e, own database)', () => {
  const standIn = new OwnRazorpayStandIn('rzp_test_payouts');
  let razorpay: StandInClient;
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let slot = 0;
  const clock = new TestClock();
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });
  const accountId = () => `acc_${randomBytes(10).toString('hex').slice(0, 14)}`;

  beforeAll(async () => {
    razorpay = new StandInClient(await standIn.listen());
    database = await createScratchDatabase();
    t = await createTestApp(
      {
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}payouts:`,
        ...standIn.env(),
        RAZORPAY_TIMEOUT_MS: '500',
      },
      [PaymentsWorkerModule, SettlementsWorkerModule],
      clock,
    );
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
  });

  afterEach(() => razorpay.fault({ next: 0 }));

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await standIn.close();
  });

  const nextSlot = () => {
    const n = slot++;
    const start = 60 + 30 * (n % 44);
    return at(
      localDate(2 + Math.floor(n / 44)),
      `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`,
    );
  };

  /** A completed booking paid online; returns what it is worth to the shop (amount less commission). */
  const completedOnline = async (shop: GivenShop): Promise<number> => {
    const booking = (
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: nextSlot(),
        paymentMethod: 'ONLINE',
      }).expect(201)
    ).body as { id: string; amountPaise: number; commissionPaise: number; payment: { orderId: string } };
    const paid = await razorpay.pay(booking.payment.orderId);
    await t.http
      .post('/api/v1/payments/razorpay/verify')
      .set(as(customer))
      .send({
        razorpay_order_id: paid.orderId,
        razorpay_payment_id: paid.paymentId,
        razorpay_signature: paid.signature,
      })
      .expect(200);
    await afterItEnds(t, clock, booking.id, () =>
      t.http.post(`/api/v1/bookings/${booking.id}/complete`).set(as(owner)).send({}).expect(200),
    );
    return booking.amountPaise - booking.commissionPaise;
  };

  const link = (shop: GivenShop, account: string) =>
    t.http.patch(`/api/v1/shops/${shop.id}`).set(as(admin)).send({ payoutAccountId: account }).expect(200);

  const linkedShop = async (account: string) => {
    const shop = await givenBookableShop(t.http, owner, admin);
    await link(shop, account);
    return shop;
  };

  /** A settlement run over everything, to its end. */
  const settleAll = async () => {
    const runId = (
      await t.http
        .post('/api/v1/settlements/runs')
        .set(as(admin))
        .send({ cutoff: FUTURE_CUTOFF() })
        .expect(202)
    ).body.runId as string;
    const run = await eventually(
      async () => (await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(admin)).expect(200)).body,
      (current: { status: string }) => current.status === 'completed' || current.status === 'failed',
      20_000,
    );
    expect(run.status).toBe('completed');
    return runId;
  };

  const payNow = (shopId: string, who: GivenUser = admin, key?: string) => {
    const request = t.http.post(`/api/v1/admin/shops/${shopId}/payouts`).set(as(who));
    if (key !== undefined) request.set('Idempotency-Key', key);
    return request.send();
  };

  const payoutsOf = (shopId: string): Promise<PayoutRow[]> =>
    db.query('SELECT * FROM payouts WHERE shop_id = $1 ORDER BY created_at, id', [shopId]);

  const payoutOf = async (id: string): Promise<PayoutRow> =>
    (await db.query('SELECT * FROM payouts WHERE id = $1', [id]))[0];

  const balanceOf = async (shopId: string) =>
    (await t.http.get(`/api/v1/shops/${shopId}/balance`).set(as(admin)).expect(200)).body as {
      payablePaise: number;
      paidOutPaise: number;
      settledNetPaise: number;
    };

  /** The transfers the stand-in made to an account, once `n` of them exist. */
  const transfers = (account: string, n = 1) =>
    eventually(
      () => razorpay.transfersTo(account),
      (found) => found.length >= n,
    );

  /** Razorpay's webhook for a transfer, through the API and the worker, until the payout is `status`. */
  const settleTransfer = async (transferId: string, outcome: 'processed' | 'failed', payoutId: string) => {
    await deliver(t.http, await razorpay.settleTransfer(transferId, outcome)).expect(200);
    return eventually(
      () => payoutOf(payoutId),
      (payout) => payout.status === (outcome === 'processed' ? 'paid' : 'failed'),
    );
  };

  /** The stand-in holds this key for this transfer: the same key and body get the same transfer back. */
  const expectKeyedAt = async (
    transfer: { id: string; amount: number; recipient?: string },
    key: string,
    body: Record<string, unknown>,
  ) => {
    const auth = Buffer.from(`${standIn.secrets.keyId}:${standIn.secrets.keySecret}`).toString('base64');
    const replay = await fetch(`${standIn.url}/v1/transfers`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${auth}`,
        'Content-Type': 'application/json',
        'X-Transfer-Idempotency': key,
      },
      body: JSON.stringify(body),
    });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { id: string }).id).toBe(transfer.id);
  };

  const expectConsistent = async () => {
    const failures = (await checkInvariants(db)).filter((check) => !check.pass);
    expect(failures).toEqual([]);
  };

  const reviewsOf = (payoutId: string): Promise<Array<{ reason: string; resolved_at: Date | null }>> =>
    db.query(`SELECT reason, resolved_at FROM payment_reviews WHERE detail ->> 'payoutId' = $1`, [payoutId]);

  describe('a run pays the whole payable balance', () => {
    it('pays a failed payout again with the next run: the failed amount plus the new net', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      const first = await completedOnline(shop);
      await settleAll();
      const [failedTransfer] = await transfers(account);
      const [failedPayout] = await payoutsOf(shop.id);
      await settleTransfer(failedTransfer.id, 'failed', failedPayout.id);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: first, paidOutPaise: 0 });

      const second = await completedOnline(shop);
      const runId = await settleAll();
      const all = await transfers(account, 2);
      expect(all).toHaveLength(2);
      const payouts = await payoutsOf(shop.id);
      expect(payouts).toHaveLength(2);
      const [settlement] = await db.query('SELECT id FROM settlements WHERE run_id = $1 AND shop_id = $2', [
        runId,
        shop.id,
      ]);
      expect(payouts[1]).toMatchObject({ settlement_id: settlement.id, idempotency_key: settlement.id });
      expect(Number(payouts[1].amount_paise)).toBe(first + second);
      const retransfer = all.find((transfer) => transfer.id !== failedTransfer.id)!;
      expect(retransfer.amount).toBe(first + second);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: 0 });

      await settleTransfer(retransfer.id, 'processed', payouts[1].id);
      expect(await balanceOf(shop.id)).toMatchObject({
        payablePaise: 0,
        paidOutPaise: first + second,
        settledNetPaise: first + second,
      });
      // Each settlement's status follows its own payout.
      const statuses: Array<{ status: string }> = await db.query(
        'SELECT status FROM settlements WHERE shop_id = $1 ORDER BY created_at',
        [shop.id],
      );
      expect(statuses.map((row) => row.status)).toEqual(['failed', 'paid']);
      await expectConsistent();
    });

    it('pays nets settled before the shop had a linked account with the first run after linking', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const before = (await completedOnline(shop)) + (await completedOnline(shop));
      await settleAll();
      expect(await payoutsOf(shop.id)).toEqual([]);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: before });

      const account = accountId();
      await link(shop, account);
      const after = await completedOnline(shop);
      await settleAll();
      const [transfer] = await transfers(account);
      expect(transfer.amount).toBe(before + after);
      const [payout] = await payoutsOf(shop.id);
      expect(Number(payout.amount_paise)).toBe(before + after);
      await settleTransfer(transfer.id, 'processed', payout.id);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: 0, paidOutPaise: before + after });
      await expectConsistent();
    });

    it('never has two payouts in flight for more than was owed, with two runs and an admin payout at once', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      const first = await completedOnline(shop);
      await settleAll();
      const [failedTransfer] = await transfers(account);
      await settleTransfer(failedTransfer.id, 'failed', (await payoutsOf(shop.id))[0].id);
      const second = await completedOnline(shop);

      const start = async () =>
        (
          await t.http
            .post('/api/v1/settlements/runs')
            .set(as(admin))
            .send({ cutoff: FUTURE_CUTOFF() })
            .expect(202)
        ).body.runId as string;
      const [firstRun, secondRun, adminPayout] = await Promise.all([start(), start(), payNow(shop.id)]);
      expect([202, 409]).toContain(adminPayout.status);
      for (const runId of [firstRun, secondRun]) {
        await eventually(
          async () => (await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(admin))).body.status,
          (status) => status === 'completed',
          20_000,
        );
      }
      await eventually(
        async () => (await payoutsOf(shop.id)).filter((payout) => payout.status === 'pending'),
        (pending) => pending.length > 0 && pending.every((payout) => payout.provider_transfer_id !== null),
        20_000,
      );
      const open = (await payoutsOf(shop.id)).filter((payout) => payout.status !== 'failed');
      // Everything owed is in flight, once: the first payout's money and the new net.
      expect(open.reduce((sum, payout) => sum + Number(payout.amount_paise), 0)).toBe(first + second);
      const sent = (await razorpay.transfersTo(account)).filter(
        (transfer) => transfer.id !== failedTransfer.id,
      );
      expect(sent.reduce((sum, transfer) => sum + transfer.amount, 0)).toBe(first + second);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: 0 });
      await expectConsistent();
    });
  });

  describe('POST /admin/shops/:id/payouts', () => {
    it("pays the shop's payable balance now: 202 with the amount, one transfer of it under the payout's key", async () => {
      const account = accountId();
      const shop = await givenBookableShop(t.http, owner, admin);
      const owed = (await completedOnline(shop)) + (await completedOnline(shop));
      await settleAll();
      await link(shop, account);

      const accepted = await payNow(shop.id).expect(202);
      expect(accepted.body).toEqual({ payoutId: expect.any(String), amountPaise: owed });
      const { payoutId } = accepted.body as { payoutId: string };
      const [transfer] = await transfers(account);
      expect(transfer).toMatchObject({ amount: owed });
      expect(transfer.notes).toEqual({ payout_id: payoutId, shop_id: shop.id });
      const payout = await eventually(
        () => payoutOf(payoutId),
        (row) => row.provider_transfer_id !== null,
      );
      expect(payout).toMatchObject({ settlement_id: null, idempotency_key: payoutId });
      expect(payout.provider_transfer_id).toBe(transfer.id);
      await expectKeyedAt(transfer, payoutId, {
        account,
        amount: owed,
        currency: 'INR',
        notes: { payout_id: payoutId, shop_id: shop.id },
      });
      expect(await razorpay.transfersTo(account)).toHaveLength(1);

      // Nothing is left to pay: the pending payout already took its amount out of the balance.
      const nothing = await payNow(shop.id).expect(409);
      expect(nothing.body.code).toBe('NOTHING_TO_PAY');
      await settleTransfer(transfer.id, 'processed', payoutId);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: 0, paidOutPaise: owed });
      expect((await payNow(shop.id).expect(409)).body.code).toBe('NOTHING_TO_PAY');
      await expectConsistent();
    });

    it('returns the same payout for the same Idempotency-Key, and sends one transfer', async () => {
      const account = accountId();
      const shop = await givenBookableShop(t.http, owner, admin);
      const owed = await completedOnline(shop);
      await settleAll();
      await link(shop, account);
      const key = `pay-${randomUUID()}`;
      const [a, b] = await Promise.all([payNow(shop.id, admin, key), payNow(shop.id, admin, key)]);
      expect([a.status, b.status]).toEqual([202, 202]);
      expect(b.body).toEqual(a.body);
      expect(a.body.amountPaise).toBe(owed);
      const again = await payNow(shop.id, admin, key).expect(202);
      expect(again.body).toEqual(a.body);
      // Another key is another request: nothing is left.
      expect((await payNow(shop.id, admin, `pay-${randomUUID()}`).expect(409)).body.code).toBe(
        'NOTHING_TO_PAY',
      );
      await transfers(account);
      const payouts = await payoutsOf(shop.id);
      expect(payouts).toHaveLength(1);
      expect(payouts[0]).toMatchObject({ id: a.body.payoutId, request_key: key });
      await eventually(
        () => payoutOf(a.body.payoutId),
        (row) => row.provider_transfer_id !== null,
      );
      expect(await razorpay.transfersTo(account)).toHaveLength(1);
      await expectConsistent();
    });

    it('pays nothing for a debt, a zero balance, or a shop without a linked account (409)', async () => {
      const unlinked = await givenBookableShop(t.http, owner, admin);
      await completedOnline(unlinked);
      await settleAll();
      const missing = await payNow(unlinked.id).expect(409);
      expect(missing.body).toMatchObject({ statusCode: 409, code: 'PAYOUT_ACCOUNT_MISSING' });

      const indebted = await linkedShop(accountId());
      const atShop = (
        await book(t.http, customer, {
          shopId: indebted.id,
          serviceId: indebted.services[0].id,
          startsAt: nextSlot(),
          paymentMethod: 'PAY_AT_SHOP',
        }).expect(201)
      ).body as { id: string };
      await afterItEnds(t, clock, atShop.id, () =>
        t.http.post(`/api/v1/bookings/${atShop.id}/complete`).set(as(owner)).send({}).expect(200),
      );
      await settleAll();
      expect((await balanceOf(indebted.id)).payablePaise).toBeLessThan(0);
      expect((await payNow(indebted.id).expect(409)).body.code).toBe('NOTHING_TO_PAY');

      const fresh = await linkedShop(accountId());
      expect((await payNow(fresh.id).expect(409)).body.code).toBe('NOTHING_TO_PAY');
      expect(await payoutsOf(indebted.id)).toEqual([]);
      expect(await payoutsOf(fresh.id)).toEqual([]);
    });

    it('answers 400 for a malformed id or Idempotency-Key, 404 for an unknown shop, 403 to others, 401 without a token', async () => {
      const shop = await linkedShop(accountId());
      await payNow('not-a-uuid').expect(400);
      const unknown = await payNow('00000000-0000-4000-8000-000000000000').expect(404);
      expect(unknown.body.code).toBe('NOT_FOUND');
      await payNow(shop.id, admin, 'has space').expect(400);
      await payNow(shop.id, admin, 'x'.repeat(256)).expect(400);
      await payNow(shop.id, customer).expect(403);
      await payNow(shop.id, owner).expect(403);
      await t.http.post(`/api/v1/admin/shops/${shop.id}/payouts`).send().expect(401);
      expect(await payoutsOf(shop.id)).toEqual([]);
    });

    it('answers 503 PAYOUTS_DISABLED when payouts are not configured', async () => {
      const shop = await linkedShop(accountId());
      const bare = await createTestApp({
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}payouts-bare:`,
        RAZORPAY_KEY_ID: undefined,
        RAZORPAY_KEY_SECRET: undefined,
        RAZORPAY_WEBHOOK_SECRET: undefined,
      });
      try {
        const refused = await bare.http
          .post(`/api/v1/admin/shops/${shop.id}/payouts`)
          .set(as(admin))
          .send()
          .expect(503);
        expect(refused.body).toMatchObject({ statusCode: 503, code: 'PAYOUTS_DISABLED' });
      } finally {
        await bare.close();
      }
    });
  });

  describe('what the provider answers', () => {
    it('fails a payout the provider clearly refuses, reverses it, and pays it again later', async () => {
      const account = accountId();
      const shop = await givenBookableShop(t.http, owner, admin);
      const owed = await completedOnline(shop);
      await settleAll();
      await link(shop, account);
      await razorpay.fault({ status: 400 });
      const { payoutId } = (await payNow(shop.id).expect(202)).body as { payoutId: string };
      const failed = await eventually(
        () => payoutOf(payoutId),
        (row) => row.status !== 'pending',
      );
      expect(failed.status).toBe('failed');
      expect(await razorpay.transfersTo(account)).toEqual([]);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: owed, paidOutPaise: 0 });

      const again = await payNow(shop.id).expect(202);
      expect(again.body.amountPaise).toBe(owed);
      const [transfer] = await transfers(account);
      expect(transfer.amount).toBe(owed);
      await expectConsistent();
    });

    it('keeps a payout whose transfer answer is malformed pending, for review, and lets the webhook mark it paid', async () => {
      const account = accountId();
      const shop = await linkedShop(account);
      const owed = await completedOnline(shop);
      // The transfer is made, but its answer is not what Razorpay's API promises.
      await razorpay.fault({ answer: { id: 'not-a-transfer', status: 'weird' } });
      await settleAll();
      const [transfer] = await transfers(account);
      expect(transfer.amount).toBe(owed);
      const [{ id: payoutId }] = await payoutsOf(shop.id);
      const reviews = await eventually(
        () => reviewsOf(payoutId),
        (found) => found.length > 0,
      );
      expect(reviews).toEqual([{ reason: 'payout_answer_unreadable', resolved_at: null }]);
      const payout = await payoutOf(payoutId);
      expect(payout).toMatchObject({ status: 'pending', provider_transfer_id: null });
      const [{ n: reversals }] = await db.query(
        "SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'payout_reversal' AND ref_id = $1",
        [payoutId],
      );
      expect(reversals).toBe(0);
      // The money is out of the balance: nothing is paid twice meanwhile.
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: 0, paidOutPaise: owed });
      expect((await payNow(shop.id).expect(409)).body.code).toBe('NOTHING_TO_PAY');
      await expectConsistent();

      // Razorpay's transfer.processed: the payout is found by its transfer's notes, checked, and marked paid.
      const paid = await settleTransfer(transfer.id, 'processed', payoutId);
      expect(paid.provider_transfer_id).toBe(transfer.id);
      const [settlement] = await db.query('SELECT status FROM settlements WHERE id = $1', [
        paid.settlement_id,
      ]);
      expect(settlement.status).toBe('paid');
      expect((await reviewsOf(payoutId))[0].resolved_at).not.toBeNull();
      expect(await razorpay.transfersTo(account)).toHaveLength(1);
      await expectConsistent();
    });

    it('lets the resume job settle a payout whose answer was unreadable: the same key gets the first transfer', async () => {
      const account = accountId();
      const shop = await givenBookableShop(t.http, owner, admin);
      const owed = await completedOnline(shop);
      await settleAll();
      await link(shop, account);
      await razorpay.fault({ answer: '<html>Bad gateway</html>' });
      const { payoutId } = (await payNow(shop.id).expect(202)).body as { payoutId: string };
      await eventually(
        () => reviewsOf(payoutId),
        (found) => found.length > 0,
      );
      expect(await payoutOf(payoutId)).toMatchObject({ status: 'pending', provider_transfer_id: null });

      // The worker's resume job, as it runs every minute for payouts untouched for a while.
      await t.app.get(SettlementsService).resumeRuns(0);
      const recorded = await eventually(
        () => payoutOf(payoutId),
        (row) => row.provider_transfer_id !== null,
      );
      const all = await razorpay.transfersTo(account);
      expect(all).toHaveLength(1);
      expect(all[0].amount).toBe(owed);
      expect(recorded.provider_transfer_id).toBe(all[0].id);
      await settleTransfer(all[0].id, 'failed', payoutId);
      expect(await balanceOf(shop.id)).toMatchObject({ payablePaise: owed, paidOutPaise: 0 });
      await expectConsistent();
    });
  });
});
