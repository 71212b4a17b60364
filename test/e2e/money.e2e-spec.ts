import { DataSource } from 'typeorm';

import { auditLedger } from '../../src/ledger/ledger-audit';
import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { WebhookEventsService } from '../../src/payments/webhook-events.service';
import { SettlementsWorkerModule } from '../../src/settlements/settlements-worker.module';
import { afterItEnds, book, givenBookableShop, slotSequence } from '../support/bookings';
import { TestClock } from '../support/clock';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants, ledgerBalanced } from '../support/invariants';
import {
  checkoutResult,
  deliver,
  eventually,
  payAndVerify,
  signWebhook,
  StandInClient,
  WEBHOOK_PATH,
} from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface Booking {
  id: string;
  status: string;
  paymentStatus: string;
  startsAt: string;
  amountPaise: number;
  chargedPaise: number;
  refundedPaise: number;
  commissionPaise: number;
  settlementStatus: string;
  payment?: { orderId: string };
}

/**
 * Money exact on every path (issue 17), against the Razorpay stand-in: only captured money confirms a booking;
 * refunds of any amount, from the API or from Razorpay's dashboard, before and after settlement, applied once with
 * their real amount; the admin refund endpoint.
 */
describe('Money on every path (e2e)', () => {
  const clock = new TestClock();
  const razorpay = new StandInClient();
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let shop: GivenShop;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    t = await createTestApp({}, [PaymentsWorkerModule, SettlementsWorkerModule], clock);
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    shop = await givenBookableShop(t.http, owner, admin);
  });

  afterEach(() => clock.reset());
  afterAll(() => t && assertInvariants(t.app.get(DataSource)));
  afterAll(async () => {
    await t.close();
  });

  const nextSlot = slotSequence({ firstDay: 4 });
  const bookOnline = async (): Promise<Booking> =>
    (
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: nextSlot(),
        paymentMethod: 'ONLINE',
      }).expect(201)
    ).body;
  const getBooking = async (id: string): Promise<Booking> =>
    (await t.http.get(`/api/v1/bookings/${id}`).set(as(customer)).expect(200)).body;
  const verify = (paid: { orderId: string; paymentId: string; signature: string }) =>
    t.http.post('/api/v1/payments/razorpay/verify').set(as(customer)).send(checkoutResult(paid));
  const paidBooking = async () => {
    const booking = await bookOnline();
    const paid = await payAndVerify(t.http, razorpay, customer, booking);
    return { ...(await getBooking(booking.id)), paymentId: paid.paymentId };
  };
  const completedBooking = async () => {
    const booking = await paidBooking();
    await afterItEnds(t, clock, booking.id, () =>
      t.http.post(`/api/v1/bookings/${booking.id}/complete`).set(as(owner)).expect(200),
    );
    return booking;
  };
  const balance = async () =>
    (await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(owner)).expect(200)).body as {
      unsettledNetPaise: number;
      payablePaise: number;
    };
  const refundsOf = async (bookingId: string) =>
    (await db.query(
      `SELECT r.reason, r.status, r.amount_paise, r.provider_refund_id
         FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.booking_id = $1 ORDER BY r.requested_at`,
      [bookingId],
    )) as Array<{ reason: string; status: string; amount_paise: number; provider_refund_id: string | null }>;
  const refundNow = (bookingId: string, body: Record<string, unknown>, key?: string) => {
    const request = t.http.post(`/api/v1/bookings/${bookingId}/refund`).set(as(admin));
    if (key) request.set('Idempotency-Key', key);
    return request.send(body);
  };

  describe('checkout verify confirms only captured money', () => {
    it('answers 202 for an authorized-only payment and leaves the booking pending; the capture confirms it', async () => {
      const booking = await bookOnline();
      const authorized = await razorpay.authorize(booking.payment?.orderId as string);
      const answer = await verify(authorized).expect(202);
      expect(answer.body).toMatchObject({
        id: booking.id,
        status: 'pending_payment',
        paymentStatus: 'unpaid',
      });
      const [{ captured }] = await db.query(
        'SELECT captured_at IS NOT NULL AS captured FROM payments WHERE booking_id = $1',
        [booking.id],
      );
      expect(captured).toBe(false);

      await deliver(t.http, await razorpay.capture(authorized.paymentId)).expect(200);
      expect(
        await eventually(
          () => getBooking(booking.id),
          (current) => current.status === 'upcoming',
        ),
      ).toMatchObject({ paymentStatus: 'paid', chargedPaise: 30_000 });
      // Verify again now: captured, so 200 with the confirmed booking, nothing applied twice.
      expect((await verify(authorized).expect(200)).body.status).toBe('upcoming');
    });
    it('never confirms a payment Razorpay refunded without capturing it (status refunded, captured false)', async () => {
      const booking = await bookOnline();
      const authorized = await razorpay.authorize(booking.payment?.orderId as string);
      await razorpay.autoRefund(authorized.paymentId);
      const answer = await verify(authorized).expect(202);
      expect(answer.body).toMatchObject({ status: 'pending_payment', paymentStatus: 'unpaid' });
    });
  });

  describe('refunds of any amount, from anywhere', () => {
    it('charges nothing for a booking refunded in full while upcoming, then completed', async () => {
      const booking = await paidBooking();
      const refund = await refundNow(booking.id, { reason: 'Stylist ill, kept the appointment free' }).expect(
        202,
      );
      expect(refund.body.amountPaise).toBe(30_000);
      const atProvider = await eventually(
        () => razorpay.payment(booking.paymentId),
        (payment) => payment.refunds.length === 1,
      );
      await eventually(
        async () => (await refundsOf(booking.id))[0],
        (row) => row?.provider_refund_id === atProvider.refunds[0].id,
      );
      await deliver(t.http, await razorpay.settleRefund(atProvider.refunds[0].id)).expect(200);
      await eventually(
        () => getBooking(booking.id),
        (current) => current.paymentStatus === 'refunded',
      );
      const completed = await afterItEnds(t, clock, booking.id, () =>
        t.http.post(`/api/v1/bookings/${booking.id}/complete`).set(as(owner)).expect(200),
      );
      expect(completed.body).toMatchObject({
        status: 'completed',
        paymentStatus: 'refunded',
        chargedPaise: 0,
        commissionPaise: 0,
        refundedPaise: 30_000,
      });
      const audit = (await t.http.get('/api/v1/admin/ledger/audit').set(as(admin)).expect(200)).body;
      expect(audit.discrepancies).toEqual([]);
    });
    it('applies a partial refund made in the dashboard before settlement with its real amount', async () => {
      const booking = await completedBooking();
      const before = await balance();
      const refund = await razorpay.dashboardRefund(booking.paymentId, 10_000);
      const processed = await razorpay.settleRefund(refund.id);
      await deliver(t.http, processed).expect(200);
      const after = await eventually(
        () => getBooking(booking.id),
        (current) => current.refundedPaise === 10_000,
      );
      expect(after).toMatchObject({
        status: 'completed',
        paymentStatus: 'partially_refunded',
        chargedPaise: 20_000,
        commissionPaise: 2_000,
      });
      // The shop's unsettled share falls by the refund less the commission on it.
      expect((await balance()).unsettledNetPaise).toBe(before.unsettledNetPaise - 9_000);
      expect(await refundsOf(booking.id)).toEqual([
        { reason: 'provider', status: 'processed', amount_paise: 10_000, provider_refund_id: refund.id },
      ]);

      // Replayed: nothing more.
      await deliver(t.http, processed).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await getBooking(booking.id)).refundedPaise).toBe(10_000);
      expect(await ledgerBalanced(db)).toMatchObject({ pass: true });
    });

    it('recovers a refund made after settlement from what the shop is owed', async () => {
      const booking = await completedBooking();
      const cutoff = new Date(Date.now() + 120 * 24 * 3600 * 1000).toISOString();
      const { runId } = (
        await t.http.post('/api/v1/settlements/runs').set(as(admin)).send({ cutoff }).expect(202)
      ).body as { runId: string };
      await eventually(
        async () => (await t.http.get(`/api/v1/settlements/runs/${runId}`).set(as(admin)).expect(200)).body,
        (run: { status: string }) => run.status === 'completed',
        20_000,
      );
      expect((await getBooking(booking.id)).settlementStatus).toBe('settled');
      const before = await balance();

      const refund = await razorpay.dashboardRefund(booking.paymentId, 5_000);
      await deliver(t.http, await razorpay.settleRefund(refund.id)).expect(200);
      await eventually(
        () => getBooking(booking.id),
        (current) => current.refundedPaise === 5_000,
      );
      // Payable falls by 4,500 (the shop's share of the refund), which its next payout pays less.
      expect((await balance()).payablePaise).toBe(before.payablePaise - 4_500);
      const [{ after_settlement: afterSettlement }] = await db.query(
        'SELECT after_settlement FROM refunds WHERE provider_refund_id = $1',
        [refund.id],
      );
      expect(afterSettlement).toBe(true);
    });

    it('records a refund event for an unknown payment for review, and posts nothing', async () => {
      const body = JSON.stringify({
        entity: 'event',
        event: 'refund.processed',
        payload: {
          refund: {
            entity: {
              id: 'rfnd_unknown00001',
              payment_id: 'pay_unknown000001',
              status: 'processed',
              amount: 500,
            },
          },
        },
      });
      const eventId = `evt_unknown_refund_${Date.now()}`;
      await t.http
        .post(WEBHOOK_PATH)
        .set('Content-Type', 'application/json')
        .set('X-Razorpay-Signature', signWebhook(body))
        .set('X-Razorpay-Event-Id', eventId)
        .send(body)
        .expect(200);
      const events = t.app.get(WebhookEventsService);
      // The worker retries it with backoff; here its attempts are run at once until it is given up on.
      let outcome: string | null = null;
      for (let i = 0; i < 10 && outcome === null; i++) {
        outcome = await events.process('razorpay', eventId).catch(() => null);
        const [row] = await db.query('SELECT outcome FROM payment_events WHERE event_id = $1', [eventId]);
        outcome = outcome ?? row?.outcome ?? null;
      }
      expect(outcome).toBe('unknown_payment');
      const reviews = await db.query(
        "SELECT reason FROM payment_reviews WHERE provider_payment_id = 'pay_unknown000001'",
      );
      expect(reviews).toEqual([{ reason: 'unknown_payment' }]);
      const posted = await db.query("SELECT 1 FROM refunds WHERE provider_refund_id = 'rfnd_unknown00001'");
      expect(posted).toEqual([]);
    });
  });

  describe('POST /bookings/:id/refund (admin)', () => {
    it('refunds in part, once per Idempotency-Key, then the rest, then nothing', async () => {
      const booking = await completedBooking();
      const partial = await refundNow(
        booking.id,
        { amountPaise: 12_000, reason: 'Late start' },
        'goodwill-1',
      ).expect(202);
      expect(partial.body).toMatchObject({
        bookingId: booking.id,
        amountPaise: 12_000,
        reason: 'admin',
        note: 'Late start',
      });
      const again = await refundNow(
        booking.id,
        { amountPaise: 12_000, reason: 'Late start' },
        'goodwill-1',
      ).expect(202);
      expect(again.body.id).toBe(partial.body.id);
      const reused = await refundNow(
        booking.id,
        { amountPaise: 11_000, reason: 'Late start' },
        'goodwill-1',
      ).expect(422);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

      const atProvider = await eventually(
        () => razorpay.payment(booking.paymentId),
        (payment) => payment.refunds.length === 1,
      );
      expect(atProvider.refunds[0].amount).toBe(12_000);
      const tooMuch = await refundNow(booking.id, { amountPaise: 18_001, reason: 'More' }).expect(409);
      expect(tooMuch.body.code).toBe('REFUND_EXCEEDS_CAPTURE');

      const rest = await refundNow(booking.id, { reason: 'Everything' }).expect(202);
      expect(rest.body.amountPaise).toBe(18_000);
      const none = await refundNow(booking.id, { reason: 'Nothing left' }).expect(409);
      expect(none.body.code).toBe('NOTHING_TO_REFUND');

      const refunds = await eventually(
        () => razorpay.payment(booking.paymentId),
        (payment) => payment.refunds.length === 2,
      );
      for (const refund of refunds.refunds) {
        await eventually(
          async () =>
            (await db.query('SELECT 1 FROM refunds WHERE provider_refund_id = $1', [refund.id])).length,
          (n: number) => n === 1,
        );
        await deliver(t.http, await razorpay.settleRefund(refund.id)).expect(200);
      }
      expect(
        await eventually(
          () => getBooking(booking.id),
          (current) => current.paymentStatus === 'refunded',
        ),
      ).toMatchObject({ refundedPaise: 30_000, chargedPaise: 0, commissionPaise: 0 });
    });

    it('refuses bad input, wrong roles, unknown and unpaid bookings', async () => {
      const booking = await paidBooking();
      for (const body of [
        { amountPaise: 0, reason: 'x' },
        { amountPaise: 1.5, reason: 'x' },
        { amountPaise: '100', reason: 'x' },
        { amountPaise: 100 },
        { amountPaise: 100, reason: '' },
        { amountPaise: 100, reason: 'x', status: 'processed' },
      ]) {
        expect((await refundNow(booking.id, body).expect(400)).body.code).toBe('VALIDATION_FAILED');
      }
      await refundNow('not-a-uuid', { reason: 'x' }).expect(400);
      await refundNow('00000000-0000-4000-8000-000000000000', { reason: 'x' }).expect(404);
      for (const who of [customer, owner]) {
        await t.http
          .post(`/api/v1/bookings/${booking.id}/refund`)
          .set(as(who))
          .send({ reason: 'x' })
          .expect(403);
      }
      await t.http.post(`/api/v1/bookings/${booking.id}/refund`).send({ reason: 'x' }).expect(401);
      const unpaid = (
        await book(t.http, customer, {
          shopId: shop.id,
          serviceId: shop.services[0].id,
          startsAt: nextSlot(),
        }).expect(201)
      ).body as Booking;
      expect((await refundNow(unpaid.id, { reason: 'x' }).expect(409)).body.code).toBe('NOTHING_TO_REFUND');
    });
  });

  describe('GET /admin/ledger/audit', () => {
    it('accounts for every captured paise after all of the above, and only admins may ask', async () => {
      const audit = (await t.http.get('/api/v1/admin/ledger/audit').set(as(admin)).expect(200)).body;
      expect(audit.discrepancies).toEqual([]);
      expect(audit.balanced).toBe(true);
      expect(audit.capturedPaise).toBeGreaterThan(0);
      expect(audit.refundedPaise).toBeGreaterThan(0);
      expect(audit.capturedPaise).toBe(
        audit.refundedPaise +
          audit.paidOutPaise +
          audit.commissionPaise +
          audit.payablePaise -
          audit.receivablePaise +
          audit.heldForCustomersPaise,
      );
      await t.http.get('/api/v1/admin/ledger/audit').set(as(owner)).expect(403);
      await t.http.get('/api/v1/admin/ledger/audit').expect(401);
    });

    it('names what disagrees: a refund the ledger never posted, a booking charged more than its lines say', async () => {
      const booking = await completedBooking();
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.query('BEGIN');
      try {
        const [payment] = await runner.query('SELECT id FROM payments WHERE booking_id = $1', [booking.id]);
        const [refund] = await runner.query(
          `INSERT INTO refunds (payment_id, provider, amount_paise, reason, status, idempotency_key)
           VALUES ($1, 'razorpay', 700, 'admin', 'processed', 'refund-audit-probe') RETURNING id`,
          [payment.id],
        );
        await runner.query('UPDATE bookings SET charged_paise = charged_paise - 1 WHERE id = $1', [
          booking.id,
        ]);
        const audit = await auditLedger((sql) => runner.query(sql));
        expect(audit.balanced).toBe(false);
        const kinds = audit.discrepancies.map((d) => `${d.kind}:${d.id}`);
        expect(kinds).toContain(`refund:${refund.id}`);
        expect(kinds).toContain(`booking:${booking.id}`);
        expect(audit.discrepancies.find((d) => d.kind === 'totals')?.detail).toMatch(
          /^refunded: the ledger says/,
        );
      } finally {
        await runner.query('ROLLBACK');
        await runner.release();
      }
    });
  });
});
