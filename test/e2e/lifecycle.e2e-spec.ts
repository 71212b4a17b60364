import { DataSource } from 'typeorm';

import { renderBooking } from '../../libs/notifications/templates';
import { MessageContext } from '../../src/notifications/notification';
import { NotificationsRepository } from '../../src/notifications/notifications.repository';
import { PaymentsWorkerModule } from '../../src/payments/payments-worker.module';
import { afterItEnds, book, givenBookableShop, slotSequence } from '../support/bookings';
import { TestClock } from '../support/clock';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { deliver, eventually, payAndVerify, StandInClient } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

interface Booking {
  id: string;
  status: string;
  paymentStatus: string;
  startsAt: string;
  endsAt: string;
  amountPaise: number;
  commissionPaise: number;
  chargedPaise: number;
  refundedPaise: number;
  payment?: { orderId: string };
}

const HOUR = 3_600_000;

/**
 * The booking lifecycle against the real stack and the Razorpay stand-in: the time rules, each shop's cancellation
 * policy (snapshotted on the booking), the refunds it asks for, what the ledger and the settlement make of them.
 */
describe('Booking lifecycle (e2e)', () => {
  const clock = new TestClock();
  const razorpay = new StandInClient();
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    // The payments worker runs in this process: refunds are sent to the stand-in by its queue.
    t = await createTestApp({}, [PaymentsWorkerModule], clock);
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
  });

  afterEach(() => clock.reset());

  afterAll(() => t && assertInvariants(t.app.get(DataSource)));

  afterAll(async () => {
    await t.close();
  });

  const givenShopWithPolicy = (policy: Record<string, number>) =>
    givenBookableShop(t.http, owner, admin, { overrides: { cancellationPolicy: policy } });

  const nextSlot = slotSequence({ firstDay: 3 });

  const bookAt = async (shop: GivenShop, paymentMethod: 'ONLINE' | 'PAY_AT_SHOP'): Promise<Booking> =>
    (
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: nextSlot(),
        paymentMethod,
      }).expect(201)
    ).body;

  const paidBooking = async (shop: GivenShop): Promise<Booking & { paymentId: string }> => {
    const booking = await bookAt(shop, 'ONLINE');
    const paid = await payAndVerify(t.http, razorpay, customer, booking);
    expect(paid.body).toMatchObject({ status: 'upcoming', paymentStatus: 'paid', chargedPaise: 30_000 });
    return { ...(paid.body as Booking), paymentId: paid.paymentId };
  };

  const getBooking = async (id: string): Promise<Booking> =>
    (await t.http.get(`/api/v1/bookings/${id}`).set(as(customer)).expect(200)).body;

  const act = (who: GivenUser, id: string, action: 'cancel' | 'complete' | 'no-show') =>
    t.http.post(`/api/v1/bookings/${id}/${action}`).set(as(who)).send({});

  /** Stands the app's clock `hours` before the booking's start. */
  const hoursBefore = (booking: Booking, hours: number) =>
    clock.freeze(Date.parse(booking.startsAt) - hours * HOUR);

  /** The one refund the stand-in holds for the payment, once the worker has sent it; then processed. */
  const refundAtProvider = async (paymentId: string) => {
    const payment = await eventually(
      () => razorpay.payment(paymentId),
      (atProvider) => atProvider.refunds.length > 0,
    );
    expect(payment.refunds).toHaveLength(1);
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT r.provider_refund_id FROM refunds r JOIN payments p ON p.id = r.payment_id
              WHERE p.provider_payment_id = $1`,
            [paymentId],
          )
        )[0],
      (row: { provider_refund_id: string | null }) => row.provider_refund_id === payment.refunds[0].id,
    );
    await deliver(t.http, await razorpay.settleRefund(payment.refunds[0].id)).expect(200);
    return payment.refunds[0];
  };

  const ledgerBalanced = async () => {
    const [{ total, unbalanced }] = await db.query(
      `SELECT (SELECT coalesce(sum(amount_paise), 0) FROM journal_lines)::bigint AS total,
              (SELECT count(*) FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id
                                      HAVING sum(amount_paise) <> 0) e)::int AS unbalanced`,
    );
    expect({ total: Number(total), unbalanced }).toEqual({ total: 0, unbalanced: 0 });
  };

  describe('cancellation policy on the shop', () => {
    it('defaults to the contract, is set by PATCH, and refuses values out of range', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const read = await t.http.get(`/api/v1/shops/${shop.id}`).expect(200);
      expect(read.body.cancellationPolicy).toEqual({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 0,
        noShowFeeBps: 10_000,
      });
      const policy = { freeCancellationHours: 48, lateCancellationFeeBps: 2500, noShowFeeBps: 5000 };
      const patched = await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({ cancellationPolicy: policy })
        .expect(200);
      expect(patched.body.cancellationPolicy).toEqual(policy);

      for (const bad of [
        { ...policy, freeCancellationHours: 169 },
        { ...policy, freeCancellationHours: -1 },
        { ...policy, lateCancellationFeeBps: 10_001 },
        { ...policy, noShowFeeBps: 1.5 },
        { ...policy, noShowFeeBps: '5000' },
        { freeCancellationHours: 24, lateCancellationFeeBps: 0 },
        { ...policy, refundEverything: true },
        null,
      ]) {
        const refused = await t.http
          .patch(`/api/v1/shops/${shop.id}`)
          .set(as(owner))
          .send({ cancellationPolicy: bad })
          .expect(400);
        expect(refused.body.code).toBe('VALIDATION_FAILED');
      }
      const other = await givenUser(t.http, 'shop_owner');
      await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(other))
        .send({ cancellationPolicy: policy })
        .expect(403);
    });
  });

  describe('time rules', () => {
    it('completes and marks no-show only once the booking has started', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, 'PAY_AT_SHOP');
      for (const [who, action] of [
        [owner, 'complete'],
        [admin, 'complete'],
        [owner, 'no-show'],
        [admin, 'no-show'],
      ] as const) {
        hoursBefore(booking, 0.01);
        const early = await act(who, booking.id, action).expect(409);
        expect(early.body.code).toBe('BOOKING_NOT_STARTED');
      }
      expect((await getBooking(booking.id)).status).toBe('upcoming');
      clock.freeze(Date.parse(booking.startsAt));
      const done = await act(owner, booking.id, 'complete').expect(200);
      expect(done.body).toMatchObject({ status: 'completed', chargedPaise: 30_000, commissionPaise: 3_000 });
    });

    it('lets a customer cancel only before the start, and the shop after it', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, 'PAY_AT_SHOP');
      clock.freeze(Date.parse(booking.startsAt));
      const closed = await act(customer, booking.id, 'cancel').expect(409);
      expect(closed.body.code).toBe('CANCELLATION_CLOSED');
      const byShop = await act(owner, booking.id, 'cancel').expect(200);
      expect(byShop.body).toMatchObject({ status: 'cancelled', chargedPaise: 0, commissionPaise: 0 });
    });

    it('keeps what is left of a booking finished early blocked until its end', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, 'PAY_AT_SHOP');
      clock.freeze(Date.parse(booking.startsAt) + 10 * 60_000);
      await act(owner, booking.id, 'complete').expect(200);
      const date = booking.startsAt.slice(0, 10);
      const busy: Array<{ busy: Record<string, Array<{ b: string }>> }> = await db.query(
        'SELECT busy FROM availability_days WHERE shop_id = $1 AND local_date = $2',
        [shop.id, date],
      );
      expect(
        Object.values(busy[0].busy)
          .flat()
          .map((entry) => entry.b),
      ).toContain(booking.id);

      clock.reset();
      const after = await bookAt(shop, 'PAY_AT_SHOP');
      await afterItEnds(t, clock, after.id, () => act(owner, after.id, 'complete').expect(200));
      const later: Array<{ busy: Record<string, Array<{ b: string }>> }> = await db.query(
        'SELECT busy FROM availability_days WHERE shop_id = $1 AND local_date = $2',
        [shop.id, after.startsAt.slice(0, 10)],
      );
      expect(
        Object.values(later[0].busy)
          .flat()
          .map((entry) => entry.b),
      ).not.toContain(after.id);
    });
  });

  describe('fees and refunds', () => {
    it('refunds a late cancellation less the fee, in one refund at the provider, and settles the fee', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 2500,
        noShowFeeBps: 10_000,
      });
      const booking = await paidBooking(shop);
      hoursBefore(booking, 3);
      const cancelled = await act(customer, booking.id, 'cancel').expect(200);
      expect(cancelled.body).toMatchObject({
        status: 'cancelled',
        paymentStatus: 'refund_pending',
        chargedPaise: 7_500,
        commissionPaise: 750,
      });
      clock.reset();

      const refund = await refundAtProvider(booking.paymentId);
      expect(refund.amount).toBe(22_500);
      const done = await eventually(
        () => getBooking(booking.id),
        (current) => current.paymentStatus === 'partially_refunded',
      );
      expect(done).toMatchObject({ status: 'cancelled', chargedPaise: 7_500, refundedPaise: 22_500 });
      await ledgerBalanced();

      // The shop is owed the fee less the commission on it.
      const balance = await t.http.get(`/api/v1/shops/${shop.id}/balance`).set(as(owner)).expect(200);
      expect(balance.body.unsettledNetPaise).toBe(6_750);
      const [{ n }] = await db.query(
        `SELECT count(*)::int AS n FROM bookings WHERE id = $1 AND settlement_status = 'unsettled'
            AND status = 'cancelled' AND charged_paise > 0`,
        [booking.id],
      );
      expect(n).toBe(1);
    });

    it('refunds in full a cancellation in the free window, and one by the shop at any time', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 10_000,
        noShowFeeBps: 10_000,
      });
      const inTime = await paidBooking(shop);
      hoursBefore(inTime, 24);
      expect((await act(customer, inTime.id, 'cancel').expect(200)).body).toMatchObject({
        paymentStatus: 'refund_pending',
        chargedPaise: 0,
        commissionPaise: 0,
      });
      const byShop = await paidBooking(shop);
      hoursBefore(byShop, 1);
      expect((await act(owner, byShop.id, 'cancel').expect(200)).body.chargedPaise).toBe(0);
      clock.reset();
      for (const booking of [inTime, byShop]) {
        expect((await refundAtProvider(booking.paymentId)).amount).toBe(30_000);
        expect(
          await eventually(
            () => getBooking(booking.id),
            (current) => current.paymentStatus === 'refunded',
          ),
        ).toMatchObject({ refundedPaise: 30_000, chargedPaise: 0 });
      }
      await ledgerBalanced();
    });

    it('keeps the whole amount of a late cancellation at 100 % and refunds nothing', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 48,
        lateCancellationFeeBps: 10_000,
        noShowFeeBps: 0,
      });
      const booking = await paidBooking(shop);
      hoursBefore(booking, 47);
      const cancelled = await act(customer, booking.id, 'cancel').expect(200);
      expect(cancelled.body).toMatchObject({
        paymentStatus: 'paid',
        chargedPaise: 30_000,
        commissionPaise: 3_000,
      });
      const refunds = await db.query(
        'SELECT r.id FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE p.provider_payment_id = $1',
        [booking.paymentId],
      );
      expect(refunds).toEqual([]);
      await ledgerBalanced();
    });

    it('refunds a paid no-show less the no-show fee', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 0,
        noShowFeeBps: 3000,
      });
      const booking = await paidBooking(shop);
      const marked = await afterItEnds(t, clock, booking.id, () =>
        act(owner, booking.id, 'no-show').expect(200),
      );
      expect(marked.body).toMatchObject({
        status: 'no_show',
        paymentStatus: 'refund_pending',
        chargedPaise: 9_000,
        commissionPaise: 900,
      });
      expect((await refundAtProvider(booking.paymentId)).amount).toBe(21_000);
      expect(
        await eventually(
          () => getBooking(booking.id),
          (current) => current.paymentStatus === 'partially_refunded',
        ),
      ).toMatchObject({ refundedPaise: 21_000 });
      await ledgerBalanced();
    });

    it('keeps no fee from an unpaid booking cancelled late or not shown up for', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 5000,
        noShowFeeBps: 10_000,
      });
      const late = await bookAt(shop, 'PAY_AT_SHOP');
      hoursBefore(late, 2);
      expect((await act(customer, late.id, 'cancel').expect(200)).body).toMatchObject({
        chargedPaise: 0,
        commissionPaise: 0,
        paymentStatus: 'unpaid',
      });
      const absent = await bookAt(shop, 'PAY_AT_SHOP');
      const marked = await afterItEnds(t, clock, absent.id, () =>
        act(owner, absent.id, 'no-show').expect(200),
      );
      expect(marked.body).toMatchObject({ status: 'no_show', chargedPaise: 0, commissionPaise: 0 });
    });

    it('applies the policy in force when the booking was made, not a later one', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 0,
        noShowFeeBps: 10_000,
      });
      const booking = await paidBooking(shop);
      await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({
          cancellationPolicy: { freeCancellationHours: 168, lateCancellationFeeBps: 10_000, noShowFeeBps: 0 },
        })
        .expect(200);
      hoursBefore(booking, 30);
      // 30 hours ahead is free under the booking's policy (24 h); the new one (168 h, 100 %) would keep it all.
      expect((await act(customer, booking.id, 'cancel').expect(200)).body.chargedPaise).toBe(0);
      clock.reset();
      expect((await refundAtProvider(booking.paymentId)).amount).toBe(30_000);
    });
  });

  describe('notifications', () => {
    it('tells the customer what was refunded and what was kept', async () => {
      const shop = await givenShopWithPolicy({
        freeCancellationHours: 24,
        lateCancellationFeeBps: 5000,
        noShowFeeBps: 10_000,
      });
      const booking = await paidBooking(shop);
      hoursBefore(booking, 1);
      await act(customer, booking.id, 'cancel').expect(200);
      const [message]: Array<{ id: string }> = await db.query(
        "SELECT id FROM notifications WHERE booking_id = $1 AND template = 'booking_cancelled' AND channel = 'email'",
        [booking.id],
      );
      // What the sender renders, from what the repository reads for the message at send time.
      const context = await t.app.get(NotificationsRepository).context(message.id);
      expect(context).toMatchObject({ paidPaise: 30_000, refundPaise: 15_000, chargedPaise: 15_000 });
      const rendered = renderBooking('booking_cancelled', {
        ...(context as MessageContext),
        customerName: '',
        serviceName: 'Haircut',
        startsAt: new Date(booking.startsAt),
        amountPaise: 30_000,
        paymentMethod: 'ONLINE',
      });
      expect(rendered.text).toContain('Refunded to you: ₹150.00 of ₹300.00 paid.');
      expect(rendered.text).toContain('Kept by the shop under its cancellation policy: ₹150.00.');
    });
  });
});
