import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { deliver, eventually, OwnRazorpayStandIn, signWebhook, StandInClient } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Razorpay failing: this suite starts its own stand-in (faults injected here must not reach other suites) and
 * its own Bull key prefix (so no other suite's worker picks up its jobs).
 */
describe('Payments when Razorpay fails (e2e)', () => {
  const standIn = new OwnRazorpayStandIn('rzp_test_faults');
  const { secrets } = standIn;
  let razorpay: StandInClient;
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let shop: GivenShop;
  let slot = 0;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    razorpay = new StandInClient(await standIn.listen());
    t = await createTestApp(
      {
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}faults:`,
        ...standIn.env(),
        RAZORPAY_TIMEOUT_MS: '300',
      },
      [PaymentsWorkerModule],
    );
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    shop = await givenBookableShop(t.http, owner, admin);
  });

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    await t?.close();
    await standIn.close();
  });

  afterEach(() => razorpay.fault({ next: 0 }));

  /** A fresh 30-minute slot (the service's length) for every booking. */
  const nextSlot = () => {
    const start = 60 + 30 * slot++;
    return at(
      localDate(4),
      `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`,
    );
  };

  const bookingBody = (startsAt: string, paymentMethod = 'ONLINE') => ({
    shopId: shop.id,
    serviceId: shop.services[0].id,
    startsAt,
    paymentMethod,
  });

  describe('when the order cannot be created', () => {
    it.each([
      ['answers 500', { status: 500 }],
      ['answers 429', { status: 429 }],
      ['is slower than RAZORPAY_TIMEOUT_MS', { delayMs: 1500 }],
      ['creates the order but the answer is lost', { status: 502, afterApplying: true }],
    ])('answers 503 and frees the slot at once when Razorpay %s', async (_label, fault) => {
      const startsAt = nextSlot();
      const key = `faults-${randomBytes(6).toString('hex')}`;
      await razorpay.fault(fault);

      const refused = await book(t.http, customer, bookingBody(startsAt), key).expect(503);
      expect(refused.body).toMatchObject({ statusCode: 503, code: 'PAYMENT_PROVIDER_UNAVAILABLE' });
      expect(JSON.stringify(refused.body)).not.toMatch(/stack|at \//);

      // The same request, same key, once Razorpay is back: a new hold with an order, not a replay of the failure.
      const retried = await book(t.http, customer, bookingBody(startsAt), key).expect(201);
      expect(retried.body).toMatchObject({
        status: 'pending_payment',
        payment: { orderId: expect.stringMatching(/^order_/) },
      });
      const { id, payment } = retried.body as { id: string; payment: { orderId: string } };
      expect((await razorpay.order(payment.orderId)).receipt).toBe(id);
    });

    it('leaves no hold behind: the slot is bookable by someone else', async () => {
      const startsAt = nextSlot();
      await razorpay.fault({ status: 500 });
      await book(t.http, customer, bookingBody(startsAt)).expect(503);
      const other = await givenUser(t.http, 'customer');
      await book(t.http, other, bookingBody(startsAt, 'PAY_AT_SHOP')).expect(201);
      const mine = await t.http.get('/api/v1/bookings').set(as(customer)).expect(200);
      const stillHeld = (mine.body.items as Array<{ startsAt: string; status: string }>).filter(
        (booking) => Date.parse(booking.startsAt) === Date.parse(startsAt) && booking.status !== 'expired',
      );
      expect(stillHeld).toEqual([]);
    });
  });

  describe('when Razorpay answers with something malformed', () => {
    const price = () => shop.services[0].pricePaise;

    it.each<[string, () => unknown]>([
      [
        'the amount as a string',
        () => ({ id: 'order_Malformed1', amount: String(price()), currency: 'INR' }),
      ],
      ['no order id', () => ({ amount: price(), currency: 'INR' })],
      ['an id that is not an order id', () => ({ id: '../../payments', amount: price(), currency: 'INR' })],
      ['another amount', () => ({ id: 'order_OtherAmount1', amount: price() + 1, currency: 'INR' })],
      ['another currency', () => ({ id: 'order_OtherCurrency1', amount: price(), currency: 'USD' })],
      ['null', () => null],
      ['a list', () => []],
    ])('trusts no order answered with %s: 503, nothing stored, the slot free', async (_label, answer) => {
      const startsAt = nextSlot();
      await razorpay.fault({ answer: answer() });
      const refused = await book(t.http, customer, bookingBody(startsAt)).expect(503);
      expect(refused.body).toMatchObject({ code: 'PAYMENT_PROVIDER_UNAVAILABLE' });
      expect(JSON.stringify(refused.body)).not.toMatch(/stack|Razorpay returned/);

      const orders = await db.query(
        `SELECT p.provider_order_id FROM payments p JOIN bookings b ON b.id = p.booking_id
          WHERE b.customer_id = $1 AND b.starts_at = $2`,
        [customer.id, startsAt],
      );
      expect(orders).toEqual([]);
      const other = await givenUser(t.http, 'customer');
      await book(t.http, other, bookingBody(startsAt, 'PAY_AT_SHOP')).expect(201);
    });
  });

  describe('when a refund request fails', () => {
    const paidBooking = async () => {
      const booking = (await book(t.http, customer, bookingBody(nextSlot())).expect(201)).body as {
        id: string;
        amountPaise: number;
        payment: { orderId: string };
      };
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
      return { booking, paid };
    };

    const cancel = (id: string) =>
      t.http
        .post(`/api/v1/bookings/${id}/cancel`)
        .set(as(customer))
        .send({ reason: 'Plans changed' })
        .expect(200);

    it.each([
      ['before taking effect', { status: 500 }],
      ['after taking effect, its answer lost', { status: 500, afterApplying: true }],
      ['twice, slowly', { next: 2, delayMs: 1000 }],
    ])(
      'retries it with the same idempotency key and refunds exactly once (%s)',
      async (_label, fault) => {
        const { booking, paid } = await paidBooking();
        const before = (await razorpay.calls())['POST /v1/payments/:id/refund'] ?? 0;
        await razorpay.fault(fault);
        const cancelled = await cancel(booking.id);
        expect(cancelled.body).toMatchObject({ status: 'cancelled', paymentStatus: 'refund_pending' });

        const refunded = await eventually(
          () => razorpay.payment(paid.paymentId),
          (payment) => payment.refunds.length > 0,
          20_000,
        );
        // Give any duplicate request time to arrive, then count.
        await eventually(
          async () => ((await razorpay.calls())['POST /v1/payments/:id/refund'] ?? 0) - before,
          (attempts) => attempts >= 2,
          20_000,
        );
        expect(refunded.refunds).toHaveLength(1);
        expect(refunded.refunds[0].amount).toBe(booking.amountPaise);
        expect((await razorpay.payment(paid.paymentId)).refunds).toHaveLength(1);
        // The retry was answered with the first refund (same key, same body), not refused as an over-refund.
        await eventually(
          async () =>
            (
              await db.query(
                `SELECT r.provider_refund_id FROM refunds r JOIN payments p ON p.id = r.payment_id
                  WHERE p.booking_id = $1`,
                [booking.id],
              )
            )[0],
          (row: { provider_refund_id: string | null }) => row.provider_refund_id === refunded.refunds[0].id,
        );
        expect(
          await db.query('SELECT reason FROM payment_reviews WHERE booking_id = $1', [booking.id]),
        ).toEqual([]);

        const processed = await razorpay.settleRefund(refunded.refunds[0].id);
        await deliver(t.http, processed).expect(200);
        await eventually(
          async () => (await t.http.get(`/api/v1/bookings/${booking.id}`).set(as(customer)).expect(200)).body,
          (current: { paymentStatus: string }) => current.paymentStatus === 'refunded',
        );
      },
      30_000,
    );

    it('sends a refund answered with a malformed body to review instead of marking it refunded', async () => {
      const { booking, paid } = await paidBooking();
      await razorpay.fault({ answer: { id: 'rfnd_Bogus1', payment_id: paid.paymentId, amount: -5 } });
      await cancel(booking.id);

      const reviews = await eventually(
        () => db.query('SELECT reason, detail FROM payment_reviews WHERE booking_id = $1', [booking.id]),
        (rows: unknown[]) => rows.length > 0,
        20_000,
      );
      expect(reviews).toEqual([
        { reason: 'refund_rejected', detail: { error: expect.stringMatching(/unexpected refund/) } },
      ]);
      const current = await t.http.get(`/api/v1/bookings/${booking.id}`).set(as(customer)).expect(200);
      expect(current.body.paymentStatus).not.toBe('refunded');
    });
  });

  describe('while the webhook secret is rotated', () => {
    let rotating: TestApp;
    const newSecret = randomBytes(16).toString('hex');

    beforeAll(async () => {
      rotating = await createTestApp({
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}rotate:`,
        RAZORPAY_API_BASE_URL: razorpay.baseUrl,
        RAZORPAY_KEY_ID: secrets.keyId,
        RAZORPAY_KEY_SECRET: secrets.keySecret,
        RAZORPAY_WEBHOOK_SECRET: newSecret,
        RAZORPAY_WEBHOOK_SECRET_PREVIOUS: secrets.webhookSecret,
      });
    });

    afterAll(() => rotating?.close());

    it('accepts events signed with the new or the previous secret, and no other', async () => {
      const body = JSON.stringify({ entity: 'event', event: 'payment.authorized', payload: {} });
      const post = (signature: string, eventId: string) =>
        rotating.http
          .post('/api/v1/payments/webhooks/razorpay')
          .set('Content-Type', 'application/json')
          .set('X-Razorpay-Signature', signature)
          .set('X-Razorpay-Event-Id', eventId)
          .send(body);
      await post(signWebhook(body, newSecret), `evt_new${randomBytes(4).toString('hex')}`).expect(200);
      await post(signWebhook(body, secrets.webhookSecret), `evt_old${randomBytes(4).toString('hex')}`).expect(
        200,
      );
      const refused = await post(signWebhook(body, randomBytes(16).toString('hex')), 'evt_other1').expect(
        400,
      );
      expect(refused.body.code).toBe('INVALID_SIGNATURE');
    });
  });

  describe('without Razorpay credentials', () => {
    let bare: TestApp;

    beforeAll(async () => {
      bare = await createTestApp({
        REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}bare:`,
        RAZORPAY_KEY_ID: undefined,
        RAZORPAY_KEY_SECRET: undefined,
        RAZORPAY_WEBHOOK_SECRET: undefined,
      });
    });

    afterAll(() => bare?.close());

    it('refuses ONLINE bookings with 503 ONLINE_PAYMENTS_DISABLED and still takes pay-at-shop ones', async () => {
      const startsAt = nextSlot();
      const refused = await book(bare.http, customer, bookingBody(startsAt)).expect(503);
      expect(refused.body).toMatchObject({ code: 'ONLINE_PAYMENTS_DISABLED' });
      await book(bare.http, customer, bookingBody(startsAt, 'PAY_AT_SHOP')).expect(201);
    });

    it('refuses every webhook with 400 INVALID_SIGNATURE', async () => {
      const response = await bare.http
        .post('/api/v1/payments/webhooks/razorpay')
        .set('Content-Type', 'application/json')
        .set('X-Razorpay-Signature', 'a'.repeat(64))
        .send('{"event":"payment.captured"}')
        .expect(400);
      expect(response.body).toMatchObject({ code: 'INVALID_SIGNATURE' });
    });
  });
});
