import { randomBytes } from 'node:crypto';

import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';

import { HoldsService } from '../../src/bookings/holds.service';
import { PaymentsReconciler } from '../../src/payments/payments.reconciler';
import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { deliver, eventually, signWebhook, StandInClient, WEBHOOK_PATH } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface Booking {
  id: string;
  status: string;
  paymentStatus: string;
  amountPaise: number;
  expiresAt?: string;
  payment?: { provider: string; orderId: string; amountPaise: number; currency: string; keyId: string };
}

describe('Payments (e2e)', () => {
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let otherCustomer: GivenUser;
  let shop: GivenShop;
  const razorpay = new StandInClient();
  /** Counts slots handed out; also makes event ids unique per test. */
  let minute = 0;
  const shopLocalDate = (iso: string) => DateTime.fromISO(iso).setZone('Asia/Kolkata').toISODate() as string;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    // The worker's payments processor runs in this process, so queued events and refunds are handled.
    t = await createTestApp({}, [PaymentsWorkerModule]);
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    otherCustomer = await givenUser(t.http, 'customer');
    shop = await givenBookableShop(t.http, owner, admin);
  });

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    await t.close();
  });

  /** A fresh slot for every test, so tests never compete for one. */
  const nextSlot = () => {
    // 30-minute steps (the service's length), 46 per day, rolling over to the next day.
    const n = minute++;
    const start = 60 + 30 * (n % 46);
    return at(
      localDate(3 + Math.floor(n / 46)),
      `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`,
    );
  };

  const bookOnline = async (who = customer, startsAt = nextSlot()): Promise<Booking> =>
    (
      await book(t.http, who, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt,
        paymentMethod: 'ONLINE',
      }).expect(201)
    ).body;

  const getBooking = async (id: string, who: GivenUser = customer): Promise<Booking> =>
    (await t.http.get(`/api/v1/bookings/${id}`).set(as(who)).expect(200)).body;

  const verify = (who: GivenUser, body: Record<string, unknown>) =>
    t.http.post('/api/v1/payments/razorpay/verify').set(as(who)).send(body);

  const paymentRow = async (bookingId: string) =>
    (await db.query('SELECT * FROM payments WHERE booking_id = $1', [bookingId]))[0];
  /** Issue 17: a payment's refunds have a table of their own. */
  const refundRows = async (bookingId: string) =>
    db.query(
      'SELECT r.* FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.booking_id = $1 ORDER BY r.requested_at',
      [bookingId],
    );

  const reviews = async (bookingId: string) =>
    (await db.query('SELECT reason FROM payment_reviews WHERE booking_id = $1', [bookingId])).map(
      (row: { reason: string }) => row.reason,
    );

  /** The outbox's e-mail templates for a booking, sorted. */
  const messagesOf = async (bookingId: string) =>
    (
      await db.query(
        "SELECT template FROM notifications WHERE booking_id = $1 AND channel = 'email' ORDER BY template",
        [bookingId],
      )
    ).map((row: { template: string }) => row.template);

  const eventCount = async (eventId: string) =>
    Number((await db.query('SELECT count(*) AS n FROM payment_events WHERE event_id = $1', [eventId]))[0].n);

  const paidWhenDone = (id: string) =>
    eventually(
      () => getBooking(id),
      (booking) => booking.paymentStatus === 'paid',
    );

  describe('ONLINE booking', () => {
    it('holds the slot as pending_payment with a Razorpay order for the amount, receipt = booking id', async () => {
      const booking = await bookOnline();
      expect(booking.status).toBe('pending_payment');
      expect(booking.paymentStatus).toBe('unpaid');
      expect(booking.expiresAt).toBeDefined();
      expect(booking.payment).toEqual({
        provider: 'razorpay',
        orderId: expect.stringMatching(/^order_/),
        amountPaise: booking.amountPaise,
        currency: 'INR',
        keyId: process.env.RAZORPAY_KEY_ID,
      });
      const order = await razorpay.order(booking.payment?.orderId as string);
      expect(order).toMatchObject({ amount: booking.amountPaise, currency: 'INR', receipt: booking.id });
      expect(order.notes).toEqual({ booking_id: booking.id });
      // The order is part of the booking from then on.
      expect((await getBooking(booking.id)).payment?.orderId).toBe(booking.payment?.orderId);
    });

    it('replays the same booking and order for the same Idempotency-Key', async () => {
      const startsAt = nextSlot();
      const key = `pay-${randomBytes(6).toString('hex')}`;
      const body = { shopId: shop.id, serviceId: shop.services[0].id, startsAt, paymentMethod: 'ONLINE' };
      const first = (await book(t.http, customer, body, key).expect(201)).body as Booking;
      const second = (await book(t.http, customer, body, key).expect(201)).body as Booking;
      expect(second.id).toBe(first.id);
      expect(second.payment?.orderId).toBe(first.payment?.orderId);
    });

    it.each([
      ['paymentStatus', 'paid'],
      ['status', 'upcoming'],
      ['amountPaise', 1],
      ['commissionPaise', 0],
      ['payment', { orderId: 'order_fake' }],
    ])('refuses a client-set %s with 400', async (field, value) => {
      const response = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: nextSlot(),
        paymentMethod: 'ONLINE',
        [field]: value,
      }).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('POST /payments/razorpay/verify', () => {
    it('confirms the booking with a valid checkout signature', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const response = await verify(customer, {
        razorpay_order_id: paid.orderId,
        razorpay_payment_id: paid.paymentId,
        razorpay_signature: paid.signature,
      }).expect(200);
      expect(response.body).toMatchObject({ id: booking.id, status: 'upcoming', paymentStatus: 'paid' });
      expect((await paymentRow(booking.id)).provider_payment_id).toBe(paid.paymentId);
      // Only now, once paid, are the customer and the owner told (in the confirming transaction).
      expect(await messagesOf(booking.id)).toEqual(['booking_confirmed', 'booking_reminder', 'new_booking']);
    });

    it('tells nobody about an ONLINE hold until it is paid', async () => {
      const booking = await bookOnline();
      expect(await messagesOf(booking.id)).toEqual([]);
    });

    it('refuses a forged signature with 400 INVALID_SIGNATURE and changes nothing', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      for (const signature of [
        randomBytes(32).toString('hex'),
        signWebhook(`${paid.orderId}|${paid.paymentId}`, 'not-the-key-secret'),
        paid.signature.slice(0, 63),
        '',
      ]) {
        const response = await verify(customer, {
          razorpay_order_id: paid.orderId,
          razorpay_payment_id: paid.paymentId,
          razorpay_signature: signature,
        }).expect(400);
        expect(response.body.code).toBe('INVALID_SIGNATURE');
      }
      expect(await getBooking(booking.id)).toMatchObject({
        status: 'pending_payment',
        paymentStatus: 'unpaid',
      });
      expect((await paymentRow(booking.id)).provider_payment_id).toBeNull();
    });

    it("checks the signature against the booking's own order, not another one the client names", async () => {
      const mine = await bookOnline();
      const other = await bookOnline();
      const paidOther = await razorpay.pay(other.payment?.orderId as string);
      // A genuine signature, but for another order: presenting it for this booking's order fails.
      const response = await verify(customer, {
        razorpay_order_id: mine.payment?.orderId,
        razorpay_payment_id: paidOther.paymentId,
        razorpay_signature: paidOther.signature,
      }).expect(400);
      expect(response.body.code).toBe('INVALID_SIGNATURE');
      expect((await getBooking(mine.id)).status).toBe('pending_payment');
    });

    it("lets only the booking's customer confirm it", async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const body = {
        razorpay_order_id: paid.orderId,
        razorpay_payment_id: paid.paymentId,
        razorpay_signature: paid.signature,
      };
      await verify(otherCustomer, body).expect(404);
      await t.http.post('/api/v1/payments/razorpay/verify').set(as(owner)).send(body).expect(403);
      await t.http.post('/api/v1/payments/razorpay/verify').send(body).expect(401);
      expect((await getBooking(booking.id)).status).toBe('pending_payment');
    });

    it('refuses an unknown order and extra fields', async () => {
      const unknown = await verify(customer, {
        razorpay_order_id: 'order_DoesNotExist1',
        razorpay_payment_id: 'pay_X',
        razorpay_signature: 'a'.repeat(64),
      }).expect(400);
      expect(unknown.body.code).toBe('INVALID_SIGNATURE');
      const spoofed = await verify(customer, {
        razorpay_order_id: 'order_X',
        razorpay_payment_id: 'pay_X',
        razorpay_signature: 'a'.repeat(64),
        amountPaise: 1,
      }).expect(400);
      expect(spoofed.body.code).toBe('VALIDATION_FAILED');
    });

    it('confirms once when checkout verification and the webhook both arrive', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      await Promise.all([
        verify(customer, {
          razorpay_order_id: paid.orderId,
          razorpay_payment_id: paid.paymentId,
          razorpay_signature: paid.signature,
        }).expect(200),
        ...paid.events.map((event) => deliver(t.http, event).expect(200)),
      ]);
      await eventually(
        () =>
          db.query('SELECT outcome FROM payment_events WHERE event_id = ANY($1)', [
            paid.events.map((e) => e.id),
          ]),
        (rows: Array<{ outcome: string | null }>) =>
          rows.length === 2 && rows.every((row) => row.outcome !== null),
      );
      const outcomes = (
        await db.query('SELECT outcome FROM payment_events WHERE event_id = ANY($1)', [
          paid.events.map((e) => e.id),
        ])
      ).map((row: { outcome: string }) => row.outcome);
      // Exactly one of the three confirmed; the checkout answer 200 came either from confirming or finding it done.
      expect(outcomes.filter((outcome: string) => outcome === 'confirm').length).toBeLessThanOrEqual(1);
      expect(await getBooking(booking.id)).toMatchObject({ status: 'upcoming', paymentStatus: 'paid' });
      expect(await reviews(booking.id)).toEqual([]);
    });
  });

  describe('POST /payments/webhooks/razorpay', () => {
    it('confirms the booking from a signed payment.captured event', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const response = await deliver(t.http, paid.events[0]).expect(200);
      expect(response.body).toEqual({ status: 'ok' });
      expect(await paidWhenDone(booking.id)).toMatchObject({ status: 'upcoming' });
    });

    it('refuses missing, forged, wrong-length and re-serialised-body signatures with 400 and stores nothing', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const event = paid.events[0];
      const reserialised = JSON.stringify(JSON.parse(event.body), null, 2);
      const attempts = [
        deliver(t.http, event, { signature: null }),
        deliver(t.http, event, { signature: randomBytes(32).toString('hex') }),
        deliver(t.http, event, { signature: event.signature.slice(0, 40) }),
        deliver(t.http, event, { signature: `${event.signature}00` }),
        deliver(t.http, event, { signature: signWebhook(event.body, 'someone-elses-secret') }),
        // The original signature over a re-serialised body, and a signature of the parsed-and-re-serialised body
        // over the original bytes: both must fail, because only the raw bytes are signed.
        deliver(t.http, event, { body: reserialised }),
        deliver(t.http, event, { signature: signWebhook(JSON.stringify(JSON.parse(event.body))) + 'x' }),
      ];
      for (const response of await Promise.all(attempts)) {
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('INVALID_SIGNATURE');
      }
      expect(await eventCount(event.id)).toBe(0);
      expect(await getBooking(booking.id)).toMatchObject({
        status: 'pending_payment',
        paymentStatus: 'unpaid',
      });
    });

    it('accepts a body that is signed as sent, whatever its whitespace', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const body = JSON.stringify(JSON.parse(paid.events[0].body), null, 2);
      await deliver(t.http, paid.events[0], { body, signature: signWebhook(body) }).expect(200);
      await paidWhenDone(booking.id);
    });

    it('applies 10 concurrent deliveries of one event once', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(t.http, paid.events[0])));
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
      await paidWhenDone(booking.id);
      expect(await eventCount(paid.events[0].id)).toBe(1);
      await eventually(
        () =>
          db.query('SELECT outcome, attempts FROM payment_events WHERE event_id = $1', [paid.events[0].id]),
        (rows: Array<{ outcome: string | null }>) => rows[0].outcome === 'confirm',
      );
      expect(await reviews(booking.id)).toEqual([]);
    });

    it('keeps a booking paid whatever order events arrive in', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const [captured, orderPaid] = paid.events;
      // order.paid first, then payment.captured, then a late payment.failed for the same payment.
      await deliver(t.http, orderPaid).expect(200);
      await paidWhenDone(booking.id);
      await deliver(t.http, captured).expect(200);
      const failedBody = captured.body
        .replace('"payment.captured"', '"payment.failed"')
        .replace('"status":"captured"', '"status":"failed"');
      await deliver(
        t.http,
        { ...captured, id: `evt_failed${minute}`, body: failedBody },
        {
          signature: signWebhook(failedBody),
        },
      ).expect(200);
      await eventually(
        () =>
          db.query(
            `SELECT count(*) AS n FROM payment_events WHERE event_id = ANY($1) AND processed_at IS NOT NULL`,
            [[captured.id, orderPaid.id, `evt_failed${minute}`]],
          ),
        (rows: Array<{ n: string }>) => Number(rows[0].n) === 3,
      );
      expect(await getBooking(booking.id)).toMatchObject({ status: 'upcoming', paymentStatus: 'paid' });
    });

    it.each([
      ['amount', { amountPaise: 100 }, 'amount_mismatch'],
      ['currency', { currency: 'USD' }, 'currency_mismatch'],
    ])('does not confirm on a %s mismatch and records it for review', async (_label, override, reason) => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string, override);
      await deliver(t.http, paid.events[0]).expect(200);
      await eventually(
        () => reviews(booking.id),
        (found) => found.includes(reason),
      );
      expect(await getBooking(booking.id)).toMatchObject({
        status: 'pending_payment',
        paymentStatus: 'unpaid',
      });
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(new RegExp(`payment_reviews_total\\{reason="${reason}"\\} [1-9]`));
    });

    it('does not confirm anything for an order that is not ours', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const body = paid.events[0].body.split(paid.orderId).join('order_NotOurs12345');
      const eventId = `evt_notours${minute}`;
      await deliver(t.http, paid.events[0], { body, signature: signWebhook(body), eventId }).expect(200);
      await eventually(
        () => db.query('SELECT outcome FROM payment_events WHERE event_id = $1', [eventId]),
        (rows: Array<{ outcome: string | null }>) => rows[0]?.outcome === 'unknown_order',
      );
      expect((await getBooking(booking.id)).status).toBe('pending_payment');
    });

    it('answers 200 to signed events it does not act on', async () => {
      const body = JSON.stringify({ entity: 'event', event: 'payment.authorized', payload: {} });
      await deliver(t.http, {
        id: `evt_other${minute}`,
        type: 'x',
        body,
        signature: signWebhook(body),
      }).expect(200);
    });
  });

  describe('expiry and late payments', () => {
    const expireHolds = () => t.app.get(HoldsService).expireDue();

    it('frees the slot of an unpaid hold when it expires', async () => {
      const startsAt = nextSlot();
      const hold = await bookOnline(customer, startsAt);
      await expireHoldNow(t, hold.id);
      await expireHolds();
      expect((await getBooking(hold.id)).status).toBe('expired');
      expect(await messagesOf(hold.id)).toEqual(['booking_expired']);
      const taken = await book(t.http, otherCustomer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt,
      });
      expect(taken.status).toBe(201);
    });

    it('confirms a payment that arrives after expiry when the slot is still free', async () => {
      const hold = await bookOnline();
      await expireHoldNow(t, hold.id);
      await expireHolds();
      const paid = await razorpay.pay(hold.payment?.orderId as string);
      await deliver(t.http, paid.events[0]).expect(200);
      expect(await paidWhenDone(hold.id)).toMatchObject({ status: 'upcoming' });
      // The revived booking holds its slot again.
      const { startsAt } = (await getBooking(hold.id)) as unknown as { startsAt: string };
      const slots = (
        await t.http
          .get(`/api/v1/shops/${shop.id}/slots`)
          .query({ date: shopLocalDate(startsAt), serviceId: shop.services[0].id })
          .expect(200)
      ).body.slots as Array<{ startsAt: string }>;
      expect(slots.length).toBeGreaterThan(0);
      expect(slots.map((slot) => Date.parse(slot.startsAt))).not.toContain(Date.parse(startsAt));
    });

    it('refunds, once, a payment that arrives after expiry when the slot was taken', async () => {
      const startsAt = nextSlot();
      const hold = await bookOnline(customer, startsAt);
      await expireHoldNow(t, hold.id);
      await expireHolds();
      await book(t.http, otherCustomer, { shopId: shop.id, serviceId: shop.services[0].id, startsAt }).expect(
        201,
      );

      const paid = await razorpay.pay(hold.payment?.orderId as string);
      await Promise.all([...paid.events, paid.events[0]].map((event) => deliver(t.http, event).expect(200)));
      const refundPending = await eventually(
        () => getBooking(hold.id),
        (booking) => booking.paymentStatus === 'refund_pending',
      );
      expect(refundPending.status).toBe('expired');
      const atProvider = await eventually(
        () => razorpay.payment(paid.paymentId),
        (payment) => payment.refunds.length > 0,
      );
      // The checkout result arriving now is answered with the truth, and does not refund again.
      const late = await verify(customer, {
        razorpay_order_id: paid.orderId,
        razorpay_payment_id: paid.paymentId,
        razorpay_signature: paid.signature,
      }).expect(200);
      expect(late.body.paymentStatus).toBe('refund_pending');
      await t.app.get(PaymentsReconciler).reconcile();
      expect((await razorpay.payment(paid.paymentId)).refunds).toHaveLength(1);
      expect(atProvider.refunds[0].amount).toBe(hold.amountPaise);

      await deliver(t.http, await razorpay.settleRefund(atProvider.refunds[0].id)).expect(200);
      expect(
        await eventually(
          () => getBooking(hold.id),
          (booking) => booking.paymentStatus === 'refunded',
        ),
      ).toMatchObject({ status: 'expired' });
    });
  });

  describe('refunds on cancellation', () => {
    it('refunds a paid booking that is cancelled, once, and marks it refunded on refund.processed', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      await verify(customer, {
        razorpay_order_id: paid.orderId,
        razorpay_payment_id: paid.paymentId,
        razorpay_signature: paid.signature,
      }).expect(200);

      const cancelled = await t.http
        .post(`/api/v1/bookings/${booking.id}/cancel`)
        .set(as(customer))
        .send({ reason: 'Plans changed' })
        .expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', paymentStatus: 'refund_pending' });

      const atProvider = await eventually(
        () => razorpay.payment(paid.paymentId),
        (payment) => payment.refunds.length > 0,
      );
      expect(atProvider.refunds).toHaveLength(1);
      expect(atProvider.refunds[0].amount).toBe(booking.amountPaise);
      await eventually(
        async () => (await refundRows(booking.id))[0],
        (row) => row?.provider_refund_id === atProvider.refunds[0].id,
      );

      const processed = await razorpay.settleRefund(atProvider.refunds[0].id);
      await Promise.all([deliver(t.http, processed), deliver(t.http, processed)]);
      expect(
        await eventually(
          () => getBooking(booking.id),
          (current) => current.paymentStatus === 'refunded',
        ),
      ).toMatchObject({ status: 'cancelled' });
      expect((await razorpay.payment(paid.paymentId)).refunds).toHaveLength(1);
    });

    it('does not refund an unpaid booking that is cancelled', async () => {
      const booking = await bookOnline();
      const cancelled = await t.http
        .post(`/api/v1/bookings/${booking.id}/cancel`)
        .set(as(customer))
        .send({})
        .expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', paymentStatus: 'unpaid' });
      expect(await refundRows(booking.id)).toEqual([]);
    });
  });

  describe('reconciliation', () => {
    it('recovers a payment whose webhook never came', async () => {
      const booking = await bookOnline();
      await razorpay.pay(booking.payment?.orderId as string);
      // The hold is about to expire: the reconciler asks Razorpay about its order.
      await db.query(`UPDATE payments SET next_reconcile_at = now() WHERE booking_id = $1`, [booking.id]);
      const report = await t.app.get(PaymentsReconciler).reconcile();
      expect(report.capturesFound).toBeGreaterThanOrEqual(1);
      expect(await getBooking(booking.id)).toMatchObject({ status: 'upcoming', paymentStatus: 'paid' });
    });

    it('recovers a payment for a hold that already expired, if its slot is still free', async () => {
      const booking = await bookOnline();
      await expireHoldNow(t, booking.id);
      await t.app.get(HoldsService).expireDue();
      await razorpay.pay(booking.payment?.orderId as string);
      await db.query(`UPDATE payments SET next_reconcile_at = now() WHERE booking_id = $1`, [booking.id]);
      await t.app.get(PaymentsReconciler).reconcile();
      expect(await getBooking(booking.id)).toMatchObject({ status: 'upcoming', paymentStatus: 'paid' });
    });

    it('processes a stored event whose job was lost', async () => {
      const booking = await bookOnline();
      const paid = await razorpay.pay(booking.payment?.orderId as string);
      const event = paid.events[0];
      // As if the API stored the event but Redis lost the job: the row is there, unprocessed, a minute old.
      await db.query(
        `INSERT INTO payment_events (provider, event_id, event_type, payload, received_at)
         VALUES ('razorpay', $1, 'payment.captured', $2, now() - interval '2 minutes')`,
        [event.id, event.body],
      );
      const report = await t.app.get(PaymentsReconciler).reconcile();
      expect(report.eventsRequeued).toBeGreaterThanOrEqual(1);
      await paidWhenDone(booking.id);
    });
  });

  it('keeps the webhook path out of the API prefix rules and docs', async () => {
    const docs = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([WEBHOOK_PATH, '/api/v1/payments/razorpay/verify']),
    );
  });
});
