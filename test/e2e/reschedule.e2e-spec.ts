import { randomBytes, randomUUID } from 'node:crypto';

import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';

import { NotificationsWorkerModule } from '../../src/notifications/notifications-worker.module';
import { afterItEnds, at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { TestClock } from '../support/clock';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { LocalSmsProvider, LocalSmtpServer } from '../support/mail';
import { eventually, StandInClient } from '../support/payments';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

interface Booking {
  id: string;
  customerId: string;
  shopId: string;
  serviceId: string;
  staffId: string;
  startsAt: string;
  endsAt: string;
  status: string;
  paymentMethod: string;
  paymentStatus: string;
  amountPaise: number;
  chargedPaise: number;
  commissionPaise: number;
  rescheduleCount: number;
  expiresAt?: string;
  payment?: { provider: string; orderId: string; amountPaise: number; currency: string; keyId: string };
}

type BusyMap = Record<string, Array<{ b: string; s: number; e: number }>>;

const HOUR = 3_600_000;
const MINUTE = 60_000;
const ZONE = 'Asia/Kolkata';
const NINE_TO_SIX = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '09:00', closes: '18:00' }));

const as = (user: { accessToken: string }) => ({ Authorization: `Bearer ${user.accessToken}` });
const partitionOf = (date: string) => `bookings_${date.slice(0, 4)}_${date.slice(5, 7)}`;
const hhmm = (iso: string) => DateTime.fromISO(iso).setZone(ZONE).toFormat('HH:mm');

/**
 * The last day of a month and the first of the next, both days ahead and well inside the booking horizon
 * (BOOKING_HORIZON_DAYS, 60 by default): the month of the day three days from now ends at most 34 days ahead.
 * Both are in the future by the real clock too, so the database's own now() (hold expiry, reminders) agrees with
 * the app's clock and no freezing is needed.
 */
function acrossMonthEnd(): { monthEnd: string; monthStart: string } {
  const end = DateTime.now().setZone(ZONE).plus({ days: 3 }).endOf('month');
  return { monthEnd: end.toISODate() as string, monthStart: end.plus({ days: 1 }).toISODate() as string };
}

describe('Reschedule (e2e)', () => {
  const clock = new TestClock();
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let otherCustomer: GivenUser;
  let otherOwner: GivenUser;
  const razorpay = new StandInClient();
  const date = localDate(5);
  const nextDay = localDate(6);

  beforeAll(async () => {
    t = await createTestApp({}, [], clock);
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    otherOwner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    otherCustomer = await givenUser(t.http, 'customer');
  });

  afterEach(() => clock.reset());

  afterAll(async () => {
    await t?.close();
  });

  const reschedule = (
    user: GivenUser,
    id: string,
    body: Record<string, unknown>,
    idempotencyKey?: string,
  ) => {
    const request = t.http.post(`/api/v1/bookings/${id}/reschedule`).set(as(user));
    if (idempotencyKey) request.set('Idempotency-Key', idempotencyKey);
    return request.send(body);
  };

  const bookAt = async (
    shop: GivenShop,
    startsAt: string,
    who: GivenUser = customer,
    extra: Record<string, unknown> = {},
  ): Promise<Booking> =>
    (
      await book(t.http, who, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt,
        ...extra,
      }).expect(201)
    ).body;

  const getBooking = async (id: string, who: GivenUser = admin): Promise<Booking> =>
    (await t.http.get(`/api/v1/bookings/${id}`).set(as(who)).expect(200)).body;

  const slots = async (shop: GivenShop, day: string) =>
    (
      await t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date: day, serviceId: shop.services[0].id })
        .expect(200)
    ).body.slots as Array<{ startsAt: string; endsAt: string; availableStaff: number }>;
  const slotAt = async (shop: GivenShop, day: string, time: string) =>
    (await slots(shop, day)).find((slot) => slot.startsAt === at(day, time));

  /** The read model of one shop-day: its busy map (empty when the day has no row) and its version. */
  const readModel = async (
    shopId: string,
    day: string,
  ): Promise<{ busy: BusyMap; version: number | null }> => {
    const rows: Array<{ busy: BusyMap; version: number }> = await db.query(
      'SELECT busy, version FROM availability_days WHERE shop_id = $1 AND local_date = $2',
      [shopId, day],
    );
    return rows[0] ? { busy: rows[0].busy, version: Number(rows[0].version) } : { busy: {}, version: null };
  };
  /** Where the read model of that shop-day has the booking: [{ staffId, s, e }]. */
  const busyEntriesOf = async (shopId: string, day: string, bookingId: string) =>
    Object.entries((await readModel(shopId, day)).busy).flatMap(([staffId, entries]) =>
      entries.filter((entry) => entry.b === bookingId).map((entry) => ({ staffId, s: entry.s, e: entry.e })),
    );

  const row = async (bookingId: string) =>
    (
      await db.query(
        `SELECT b.status, b.staff_id, b.starts_at, b.ends_at, to_char(b.local_date, 'YYYY-MM-DD') AS local_date,
                b.reschedule_count, b.tableoid::regclass::text AS partition,
                to_char(k.local_date, 'YYYY-MM-DD') AS key_date
           FROM bookings b JOIN booking_keys k ON k.id = b.id WHERE b.id = $1`,
        [bookingId],
      )
    )[0] as {
      status: string;
      staff_id: string;
      starts_at: Date;
      ends_at: Date;
      local_date: string;
      reschedule_count: number;
      partition: string;
      key_date: string;
    };

  const notificationsOf = async (bookingId: string) =>
    (await db.query(
      `SELECT user_id, channel, template, status, send_after FROM notifications
        WHERE booking_id = $1 ORDER BY template, channel, send_after`,
      [bookingId],
    )) as Array<{ user_id: string; channel: string; template: string; status: string; send_after: Date }>;

  /** Live bookings of one staff member that overlap: must always be none (as in bookings.e2e-spec). */
  const overlaps = async () =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM bookings a JOIN bookings b
             ON a.staff_id = b.staff_id AND a.id < b.id
            AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
          WHERE a.status IN ('pending_payment', 'upcoming') AND b.status IN ('pending_payment', 'upcoming')`,
        )
      )[0].n,
    );

  /**
   * The read model agrees with the bookings: every live booking is in the busy map of its own shop-day exactly
   * once, for its staff member and times, and in no other day's; the only other entries are those of bookings
   * completed or marked no-show before their end (they keep what is left of their time, by design).
   */
  const assertReadModelMatchesBookings = async () => {
    const days: Array<{ shop_id: string; local_date: string; busy: BusyMap }> = await db.query(
      `SELECT shop_id, to_char(local_date, 'YYYY-MM-DD') AS local_date, busy FROM availability_days`,
    );
    const bookings: Array<{
      id: string;
      shop_id: string;
      local_date: string;
      status: string;
      staff_id: string;
      starts_at: Date;
      blocked_until: Date;
    }> = await db.query(
      // The read model holds each booking's blocked range: its start to the end of its service plus its buffer.
      `SELECT id, shop_id, to_char(local_date, 'YYYY-MM-DD') AS local_date, status, staff_id, starts_at,
              blocked_until
         FROM bookings`,
    );
    const byId = new Map(bookings.map((booking) => [booking.id, booking]));
    const seen = new Map<string, string[]>();
    const problems: string[] = [];
    for (const day of days) {
      for (const [staffId, entries] of Object.entries(day.busy)) {
        for (const entry of entries) {
          const where = `${day.shop_id}/${day.local_date}`;
          seen.set(entry.b, [...(seen.get(entry.b) ?? []), where]);
          const booking = byId.get(entry.b);
          if (!booking) {
            problems.push(`${where}: unknown booking ${entry.b}`);
            continue;
          }
          if (booking.shop_id !== day.shop_id || booking.local_date !== day.local_date) {
            problems.push(`${where}: holds ${entry.b}, which is on ${booking.shop_id}/${booking.local_date}`);
          }
          const live = ['pending_payment', 'upcoming'].includes(booking.status);
          if (!live && !['completed', 'no_show'].includes(booking.status)) {
            problems.push(`${where}: holds ${entry.b}, which is ${booking.status}`);
          }
          if (
            live &&
            (staffId !== booking.staff_id ||
              entry.s !== booking.starts_at.getTime() ||
              entry.e !== booking.blocked_until.getTime())
          ) {
            problems.push(`${where}: holds ${entry.b} at another staff member or time than the booking`);
          }
        }
      }
    }
    for (const booking of bookings) {
      const places = seen.get(booking.id) ?? [];
      const live = ['pending_payment', 'upcoming'].includes(booking.status);
      if (live && places.length !== 1)
        problems.push(`live booking ${booking.id} is in the read model ${places}`);
      if (!live && places.length > 1) problems.push(`booking ${booking.id} is in the read model ${places}`);
    }
    expect(problems).toEqual([]);
  };

  describe('moving a booking', () => {
    it('moves a PAY_AT_SHOP booking: old slot free and new one taken at once, same service and price, count 1', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '10:00'));
      // Asked twice, so the second answer is cached: the move must show through the cache.
      expect(await slotAt(shop, date, '10:00')).toBeUndefined();
      expect(await slotAt(shop, date, '14:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, date, '14:00')).toMatchObject({ availableStaff: 1 });

      const moved = await reschedule(customer, booking.id, { startsAt: at(date, '14:00') }).expect(200);
      expect(moved.body).toEqual({
        ...booking,
        startsAt: at(date, '14:00'),
        endsAt: at(date, '14:30'),
        rescheduleCount: 1,
      });
      expect(moved.body).toMatchObject({
        status: 'upcoming',
        paymentStatus: 'unpaid',
        serviceId: shop.services[0].id,
        staffId: shop.staff[0].id,
        amountPaise: 30_000,
      });
      expect(await getBooking(booking.id, customer)).toEqual(moved.body);

      expect(await slotAt(shop, date, '10:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, date, '14:00')).toBeUndefined();
      expect(await slotAt(shop, date, '13:45')).toBeUndefined(); // 30 minutes from 13:45 would overlap

      // The read model has the booking once, at its new time only.
      expect(await busyEntriesOf(shop.id, date, booking.id)).toEqual([
        {
          staffId: shop.staff[0].id,
          s: Date.parse(at(date, '14:00')),
          e: Date.parse(at(date, '14:30')),
        },
      ]);
    });

    it('moves to another day: the read model of the old day lets go, that of the new day takes it', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '11:00'));
      expect(await slotAt(shop, nextDay, '09:00')).toMatchObject({ availableStaff: 1 });

      const moved = await reschedule(customer, booking.id, { startsAt: at(nextDay, '09:00') }).expect(200);
      expect(moved.body).toMatchObject({
        startsAt: at(nextDay, '09:00'),
        endsAt: at(nextDay, '09:30'),
        rescheduleCount: 1,
      });
      expect(await busyEntriesOf(shop.id, date, booking.id)).toEqual([]);
      expect(await busyEntriesOf(shop.id, nextDay, booking.id)).toEqual([
        {
          staffId: shop.staff[0].id,
          s: Date.parse(at(nextDay, '09:00')),
          e: Date.parse(at(nextDay, '09:30')),
        },
      ]);
      expect(await slotAt(shop, date, '11:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, nextDay, '09:00')).toBeUndefined();
      expect((await row(booking.id)).key_date).toBe(nextDay);
    });

    it('moves onto a time that overlaps its own old one', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '12:00'));
      const moved = await reschedule(customer, booking.id, { startsAt: at(date, '12:15') }).expect(200);
      expect(moved.body).toMatchObject({ startsAt: at(date, '12:15'), endsAt: at(date, '12:45') });
      expect(await slotAt(shop, date, '11:30')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, date, '12:00')).toBeUndefined();
    });

    it('keeps the staff member when free, else takes a free one; staffId picks that one', async () => {
      const shop = await givenBookableShop(t.http, owner, admin, { staff: 2 });
      const [first, second] = shop.staff.map((staff) => staff.id);
      const booking = await bookAt(shop, at(date, '10:00'), customer, { staffId: second });
      // The other staff member is less busy, but the customer keeps theirs while they are free.
      const kept = await reschedule(customer, booking.id, { startsAt: at(date, '11:00') }).expect(200);
      expect(kept.body.staffId).toBe(second);

      // Their staff member is taken at 12:00: a free one gets it.
      await bookAt(shop, at(date, '12:00'), otherCustomer, { staffId: second });
      const other = await reschedule(customer, booking.id, { startsAt: at(date, '12:00') }).expect(200);
      expect(other.body.staffId).toBe(first);

      const named = await reschedule(owner, booking.id, {
        startsAt: at(date, '13:00'),
        staffId: second,
      }).expect(200);
      expect(named.body).toMatchObject({ staffId: second, startsAt: at(date, '13:00'), rescheduleCount: 3 });
      expect(await busyEntriesOf(shop.id, date, booking.id)).toEqual([
        { staffId: second, s: Date.parse(at(date, '13:00')), e: Date.parse(at(date, '13:30')) },
      ]);

      // A named staff member who is taken at that time is a taken time, even with another one free.
      const taken = await reschedule(customer, booking.id, {
        startsAt: at(date, '12:00'),
        staffId: second,
      }).expect(409);
      expect(taken.body.code).toBe('SLOT_UNAVAILABLE');
      expect(await getBooking(booking.id)).toMatchObject({ staffId: second, startsAt: at(date, '13:00') });
    });

    it('an owner and an admin may move it too', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '15:00'));
      await reschedule(owner, booking.id, { startsAt: at(date, '15:30') }).expect(200);
      const byAdmin = await reschedule(admin, booking.id, { startsAt: at(date, '16:00') }).expect(200);
      expect(byAdmin.body).toMatchObject({
        customerId: customer.id,
        startsAt: at(date, '16:00'),
        rescheduleCount: 2,
      });
    });
  });

  describe('moves racing other changes of the same booking', () => {
    it('concurrent moves of one booking to four days: each one applied in turn, the booking in one place', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '10:00'));
      const days = [7, 8, 9, 10].map((n) => localDate(n));
      // Reads by id race the moves too: the booking changes partition under them, and must never be "not found".
      const [responses, reads] = await Promise.all([
        Promise.all(days.map((day) => reschedule(customer, booking.id, { startsAt: at(day, '10:00') }))),
        Promise.all(
          Array.from({ length: 40 }, () => t.http.get(`/api/v1/bookings/${booking.id}`).set(as(customer))),
        ),
      ]);
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
      expect(reads.map((response) => response.status)).toEqual(Array(40).fill(200));
      expect(responses.map((response) => response.body.rescheduleCount).sort()).toEqual([1, 2, 3, 4]);
      const final = await getBooking(booking.id);
      expect(final.rescheduleCount).toBe(4);
      // The last move applied is the one answered with the highest count.
      const last = responses.find((response) => response.body.rescheduleCount === 4)?.body as Booking;
      expect(final.startsAt).toBe(last.startsAt);
      for (const day of [date, ...days]) {
        expect(await busyEntriesOf(shop.id, day, booking.id)).toHaveLength(
          final.startsAt.startsWith(day) ? 1 : 0,
        );
      }
      const messages = await notificationsOf(booking.id);
      expect(messages.filter((n) => n.template === 'booking_rescheduled')).toHaveLength(4);
      expect(messages.filter((n) => n.template === 'booking_reminder').map((n) => n.status)).toEqual([
        'pending',
      ]);
      await assertReadModelMatchesBookings();
    });

    it('a move racing a cancellation: the booking ends cancelled and its time free on both days', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const bookings = await Promise.all(
        ['09:00', '10:00', '11:00', '12:00'].map((time) => bookAt(shop, at(date, time))),
      );
      const responses = await Promise.all(
        bookings.flatMap((booking, i) => [
          reschedule(customer, booking.id, { startsAt: at(nextDay, `1${i}:30`) }),
          t.http.post(`/api/v1/bookings/${booking.id}/cancel`).set(as(customer)).send({}),
        ]),
      );
      for (const [i, response] of responses.entries()) {
        if (i % 2 === 1) expect(response.status).toBe(200);
        else if (response.status !== 200) {
          expect([response.status, response.body.code]).toEqual([409, 'INVALID_BOOKING_TRANSITION']);
        }
      }
      for (const booking of bookings) {
        expect((await getBooking(booking.id)).status).toBe('cancelled');
        expect(await busyEntriesOf(shop.id, date, booking.id)).toEqual([]);
        expect(await busyEntriesOf(shop.id, nextDay, booking.id)).toEqual([]);
      }
      expect(await slotAt(shop, date, '10:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, nextDay, '11:30')).toMatchObject({ availableStaff: 1 });
      await assertReadModelMatchesBookings();
    });

    it('a stale hold on the new time is expired by the move, in its transaction', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const hold = await bookAt(shop, at(nextDay, '10:00'), otherCustomer, { paymentMethod: 'ONLINE' });
      const booking = await bookAt(shop, at(date, '10:00'));
      const blocked = await reschedule(customer, booking.id, { startsAt: at(nextDay, '10:00') }).expect(409);
      expect(blocked.body.code).toBe('SLOT_UNAVAILABLE');
      await expireHoldNow(t, hold.id);
      await reschedule(customer, booking.id, { startsAt: at(nextDay, '10:00') }).expect(200);
      expect((await getBooking(hold.id, otherCustomer)).status).toBe('expired');
      expect(await busyEntriesOf(shop.id, nextDay, hold.id)).toEqual([]);
      expect((await notificationsOf(hold.id)).map((n) => n.template)).toContain('booking_expired');
    });
  });

  describe('payment is kept', () => {
    it('a paid ONLINE booking stays upcoming and paid, with the same payment', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const hold = await bookAt(shop, at(date, '10:00'), customer, { paymentMethod: 'ONLINE' });
      const paid = await razorpay.pay(hold.payment?.orderId as string);
      const confirmed = (
        await t.http
          .post('/api/v1/payments/razorpay/verify')
          .set(as(customer))
          .send({
            razorpay_order_id: paid.orderId,
            razorpay_payment_id: paid.paymentId,
            razorpay_signature: paid.signature,
          })
          .expect(200)
      ).body as Booking;
      expect(confirmed).toMatchObject({ status: 'upcoming', paymentStatus: 'paid' });
      const paymentBefore = (await db.query('SELECT * FROM payments WHERE booking_id = $1', [hold.id]))[0];

      const moved = await reschedule(customer, hold.id, { startsAt: at(nextDay, '12:00') }).expect(200);
      expect(moved.body).toEqual({
        ...confirmed,
        startsAt: at(nextDay, '12:00'),
        endsAt: at(nextDay, '12:30'),
        rescheduleCount: 1,
      });
      expect(moved.body).toMatchObject({
        status: 'upcoming',
        paymentStatus: 'paid',
        chargedPaise: confirmed.amountPaise,
        payment: confirmed.payment,
      });
      expect((await db.query('SELECT * FROM payments WHERE booking_id = $1', [hold.id]))[0]).toEqual(
        paymentBefore,
      );
      expect(await razorpay.payment(paid.paymentId)).toMatchObject({ status: 'captured', refunds: [] });
    });

    it('an unpaid hold stays pending_payment with the same expiresAt and order', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const hold = await bookAt(shop, at(date, '11:00'), customer, { paymentMethod: 'ONLINE' });
      expect(hold).toMatchObject({ status: 'pending_payment', expiresAt: expect.any(String) });
      const moved = await reschedule(customer, hold.id, { startsAt: at(date, '16:00') }).expect(200);
      expect(moved.body).toEqual({
        ...hold,
        startsAt: at(date, '16:00'),
        endsAt: at(date, '16:30'),
        rescheduleCount: 1,
      });
      expect(moved.body).toMatchObject({
        status: 'pending_payment',
        paymentStatus: 'unpaid',
        expiresAt: hold.expiresAt,
        payment: hold.payment,
      });
      expect(await slotAt(shop, date, '11:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, date, '16:00')).toBeUndefined();

      // The moved hold can still be paid for, and is then confirmed at its new time.
      const paid = await razorpay.pay(hold.payment?.orderId as string);
      const confirmed = await t.http
        .post('/api/v1/payments/razorpay/verify')
        .set(as(customer))
        .send({
          razorpay_order_id: paid.orderId,
          razorpay_payment_id: paid.paymentId,
          razorpay_signature: paid.signature,
        })
        .expect(200);
      expect(confirmed.body).toMatchObject({
        status: 'upcoming',
        paymentStatus: 'paid',
        startsAt: at(date, '16:00'),
        rescheduleCount: 1,
      });
    });
  });

  describe('across a month boundary (two partitions)', () => {
    const { monthEnd, monthStart } = acrossMonthEnd();

    it('moves a booking from the last day of a month to the first of the next, and back', async () => {
      expect(partitionOf(monthEnd)).not.toBe(partitionOf(monthStart));
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(monthEnd, '20:00'));
      expect(await row(booking.id)).toMatchObject({
        partition: partitionOf(monthEnd),
        local_date: monthEnd,
        key_date: monthEnd,
      });

      const moved = await reschedule(customer, booking.id, { startsAt: at(monthStart, '10:00') }).expect(200);
      expect(moved.body).toMatchObject({
        id: booking.id,
        startsAt: at(monthStart, '10:00'),
        endsAt: at(monthStart, '10:30'),
        rescheduleCount: 1,
      });
      expect(await row(booking.id)).toMatchObject({
        partition: partitionOf(monthStart),
        local_date: monthStart,
        key_date: monthStart,
        reschedule_count: 1,
      });
      const inOld = await db.query(`SELECT count(*) AS n FROM ${partitionOf(monthEnd)} WHERE id = $1`, [
        booking.id,
      ]);
      expect(Number(inOld[0].n)).toBe(0);
      expect(await busyEntriesOf(shop.id, monthEnd, booking.id)).toEqual([]);
      expect(await busyEntriesOf(shop.id, monthStart, booking.id)).toHaveLength(1);
      expect(await slotAt(shop, monthEnd, '20:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, monthStart, '10:00')).toBeUndefined();
      // Reads by id find it in its new partition, for everyone who may see it.
      for (const user of [customer, owner, admin]) {
        expect((await getBooking(booking.id, user)).startsAt).toBe(at(monthStart, '10:00'));
      }
      const listed = await t.http
        .get('/api/v1/bookings')
        .set(as(owner))
        .query({ shopId: shop.id })
        .expect(200);
      expect(listed.body.items.map((item: Booking) => [item.id, item.startsAt])).toEqual([
        [booking.id, at(monthStart, '10:00')],
      ]);

      // The new partition's exclusion constraint now guards it: nobody else gets that time.
      const clash = await book(t.http, otherCustomer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(monthStart, '10:00'),
      }).expect(409);
      expect(clash.body.code).toBe('SLOT_UNAVAILABLE');

      await reschedule(owner, booking.id, { startsAt: at(monthEnd, '21:00') }).expect(200);
      expect(await row(booking.id)).toMatchObject({
        partition: partitionOf(monthEnd),
        key_date: monthEnd,
        reschedule_count: 2,
      });
      expect(await busyEntriesOf(shop.id, monthStart, booking.id)).toEqual([]);
      expect(await slotAt(shop, monthStart, '10:00')).toMatchObject({ availableStaff: 1 });
      expect(await notificationsOf(booking.id)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ template: 'booking_rescheduled', user_id: customer.id }),
          expect.objectContaining({ template: 'shop_booking_rescheduled', user_id: owner.id }),
        ]),
      );
    });
  });

  describe('concurrency', () => {
    const hourly = (i: number) => `${String(6 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`;

    it('20 concurrent reschedules of 20 bookings onto one time of a one-staff shop: one 200, 19× 409', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const customers = await Promise.all(Array.from({ length: 5 }, () => givenUser(t.http, 'customer')));
      const bookings: Booking[] = [];
      // Half on the target's day, half on the next one (so some transactions lock two days).
      for (let i = 0; i < 20; i++) {
        bookings.push(await bookAt(shop, at(i < 10 ? date : nextDay, hourly(i % 10)), customers[i % 5]));
      }
      const target = at(date, '20:00');
      const responses = await Promise.all(
        bookings.map((booking, i) => reschedule(customers[i % 5], booking.id, { startsAt: target })),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(19);
      expect(responses.filter((r) => r.status === 409).every((r) => r.body.code === 'SLOT_UNAVAILABLE')).toBe(
        true,
      );
      expect(await overlaps()).toBe(0);

      const winner = responses.find((response) => response.status === 200)?.body as Booking;
      expect(winner).toMatchObject({ startsAt: target, rescheduleCount: 1 });
      for (const booking of bookings.filter((b) => b.id !== winner.id)) {
        expect(await getBooking(booking.id)).toMatchObject({
          startsAt: booking.startsAt,
          rescheduleCount: 0,
        });
      }
      const atTarget = await db.query(
        `SELECT id FROM bookings WHERE shop_id = $1 AND starts_at = $2 AND status IN ('pending_payment', 'upcoming')`,
        [shop.id, new Date(target)],
      );
      expect(atTarget).toEqual([{ id: winner.id }]);
      // The winner's old time is free again, the target is not.
      const old = bookings.find((b) => b.id === winner.id) as Booking;
      const oldDay = DateTime.fromISO(old.startsAt).setZone(ZONE).toISODate() as string;
      expect(await slotAt(shop, oldDay, hhmm(old.startsAt))).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, date, '20:00')).toBeUndefined();
    });

    it('reschedules racing new bookings onto one time, across two partitions: exactly one winner', async () => {
      const { monthEnd, monthStart } = acrossMonthEnd();
      for (const [day, time] of [
        [monthStart, '15:00'],
        [monthEnd, '16:00'],
      ]) {
        const shop = await givenBookableShop(t.http, owner, admin);
        const customers = await Promise.all(Array.from({ length: 5 }, () => givenUser(t.http, 'customer')));
        const bookings: Booking[] = [];
        for (let i = 0; i < 10; i++) {
          bookings.push(await bookAt(shop, at(i % 2 ? monthEnd : monthStart, hourly(i)), customers[i % 5]));
        }
        const target = at(day, time);
        const responses = await Promise.all([
          ...bookings.map((booking, i) => reschedule(customers[i % 5], booking.id, { startsAt: target })),
          ...customers.flatMap((who) =>
            [0, 1].map(() =>
              book(t.http, who, { shopId: shop.id, serviceId: shop.services[0].id, startsAt: target }),
            ),
          ),
        ]);
        const won = responses.filter((response) => [200, 201].includes(response.status));
        expect(won).toHaveLength(1);
        const lost = responses.filter((response) => response.status === 409);
        expect(lost).toHaveLength(19);
        expect(lost.every((response) => response.body.code === 'SLOT_UNAVAILABLE')).toBe(true);
        expect(await overlaps()).toBe(0);
        const atTarget = await db.query(
          `SELECT id FROM bookings WHERE shop_id = $1 AND starts_at = $2 AND status IN ('pending_payment', 'upcoming')`,
          [shop.id, new Date(target)],
        );
        expect(atTarget).toEqual([{ id: won[0].body.id }]);
        const count = await db.query('SELECT count(*) AS n FROM bookings WHERE shop_id = $1', [shop.id]);
        expect(Number(count[0].n)).toBe(won[0].status === 201 ? 11 : 10);
      }
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the move for the same key and body (moved once), refuses the key with another body', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '09:00'));
      const key = `move-${randomBytes(6).toString('hex')}`;
      const first = await reschedule(customer, booking.id, { startsAt: at(date, '11:00') }, key).expect(200);
      expect(first.body).toMatchObject({ startsAt: at(date, '11:00'), rescheduleCount: 1 });

      const again = await reschedule(customer, booking.id, { startsAt: at(date, '11:00') }, key).expect(200);
      expect(again.body).toEqual(first.body);
      // The same instant written in another offset is the same request.
      const utc = new Date(Date.parse(at(date, '11:00'))).toISOString();
      expect((await reschedule(customer, booking.id, { startsAt: utc }, key).expect(200)).body).toEqual(
        first.body,
      );

      for (const body of [
        { startsAt: at(date, '12:00') },
        { startsAt: at(date, '11:00'), staffId: shop.staff[0].id },
      ]) {
        const reused = await reschedule(customer, booking.id, body, key).expect(422);
        expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      }
      expect(await getBooking(booking.id)).toMatchObject({ startsAt: at(date, '11:00'), rescheduleCount: 1 });
      expect(await slotAt(shop, date, '12:00')).toMatchObject({ availableStaff: 1 });
      const told = (await notificationsOf(booking.id)).filter((n) => n.template === 'booking_rescheduled');
      expect(told).toHaveLength(1);
    });

    it('moves once for concurrent retries with one key', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(date, '13:00'));
      const key = `race-${randomBytes(6).toString('hex')}`;
      const responses = await Promise.all(
        Array.from({ length: 6 }, () =>
          reschedule(customer, booking.id, { startsAt: at(date, '17:00') }, key),
        ),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(6).fill(200));
      expect(responses.every((response) => response.body.rescheduleCount === 1)).toBe(true);
      expect((await row(booking.id)).reschedule_count).toBe(1);
    });
  });

  describe('cut-offs (the app’s clock moved)', () => {
    it('a customer may move it until freeCancellationHours before the start, not a minute later', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const day = localDate(10);
      const booking = await bookAt(shop, at(day, '10:00'));
      const startsAt = Date.parse(booking.startsAt);

      clock.freeze(startsAt - 24 * HOUR + MINUTE);
      const late = await reschedule(customer, booking.id, { startsAt: at(day, '12:00') }).expect(409);
      expect(late.body.code).toBe('RESCHEDULE_CLOSED');
      expect(await getBooking(booking.id)).toMatchObject({ startsAt: booking.startsAt, rescheduleCount: 0 });

      clock.freeze(startsAt - 24 * HOUR);
      const inTime = await reschedule(customer, booking.id, { startsAt: at(day, '12:00') }).expect(200);
      expect(inTime.body).toMatchObject({ startsAt: at(day, '12:00'), rescheduleCount: 1 });

      // Past the customer's cut-off the shop may still move it.
      clock.freeze(Date.parse(at(day, '12:00')) - HOUR);
      expect(
        (await reschedule(customer, booking.id, { startsAt: at(day, '15:00') }).expect(409)).body.code,
      ).toBe('RESCHEDULE_CLOSED');
      await reschedule(owner, booking.id, { startsAt: at(day, '15:00') }).expect(200);
    });

    it('the owner and an admin may move it until the start, not after', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const day = localDate(10);
      const booking = await bookAt(shop, at(day, '14:00'));
      const startsAt = Date.parse(booking.startsAt);

      for (const instant of [startsAt + MINUTE, startsAt]) {
        clock.freeze(instant);
        const closed = await reschedule(owner, booking.id, { startsAt: at(day, '16:00') }).expect(409);
        expect(closed.body.code).toBe('RESCHEDULE_CLOSED');
      }
      expect(await getBooking(booking.id)).toMatchObject({ startsAt: booking.startsAt, rescheduleCount: 0 });
      clock.freeze(startsAt - MINUTE);
      await reschedule(owner, booking.id, { startsAt: at(day, '16:00') }).expect(200);

      const next = Date.parse(at(day, '16:00'));
      clock.freeze(next + MINUTE);
      expect(
        (await reschedule(admin, booking.id, { startsAt: at(day, '18:00') }).expect(409)).body.code,
      ).toBe('RESCHEDULE_CLOSED');
      clock.freeze(next - MINUTE);
      const byAdmin = await reschedule(admin, booking.id, { startsAt: at(day, '18:00') }).expect(200);
      expect(byAdmin.body).toMatchObject({ startsAt: at(day, '18:00'), rescheduleCount: 2 });
    });

    it('uses the policy in force when the booking was made, not the shop’s policy of today', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const day = localDate(12);
      const policy = (freeCancellationHours: number) =>
        t.http
          .patch(`/api/v1/shops/${shop.id}`)
          .set(as(owner))
          .send({
            cancellationPolicy: { freeCancellationHours, lateCancellationFeeBps: 0, noShowFeeBps: 10_000 },
          })
          .expect(200);
      const underDefault = await bookAt(shop, at(day, '10:00')); // 24 free hours
      await policy(2);
      const underTwo = await bookAt(shop, at(day, '12:00'));
      await policy(48);

      // 23 hours before: past the 24 hours of its snapshot, though the shop allowed 2 hours in between.
      clock.freeze(Date.parse(underDefault.startsAt) - 23 * HOUR);
      const closed = await reschedule(customer, underDefault.id, { startsAt: at(day, '16:00') }).expect(409);
      expect(closed.body.code).toBe('RESCHEDULE_CLOSED');
      expect(closed.body.message).toContain('24 hours');

      // 3 hours before: inside the shop's 48 hours of today, but its own 2 hours apply.
      clock.freeze(Date.parse(underTwo.startsAt) - 3 * HOUR);
      await reschedule(customer, underTwo.id, { startsAt: at(day, '14:00') }).expect(200);
      // The move keeps the snapshot: still 2 hours at the new time.
      clock.freeze(Date.parse(at(day, '14:00')) - 2 * HOUR - MINUTE);
      await reschedule(customer, underTwo.id, { startsAt: at(day, '17:00') }).expect(200);
      clock.freeze(Date.parse(at(day, '17:00')) - 2 * HOUR + MINUTE);
      expect(
        (await reschedule(customer, underTwo.id, { startsAt: at(day, '19:00') }).expect(409)).body.code,
      ).toBe('RESCHEDULE_CLOSED');
      const stored = await db.query('SELECT free_cancellation_hours FROM bookings WHERE id = $1', [
        underTwo.id,
      ]);
      expect(stored[0].free_cancellation_hours).toBe(2);
    });
  });

  describe('refusals', () => {
    let shop: GivenShop;
    let otherShop: GivenShop;
    let booking: Booking;
    const day = localDate(20);

    beforeAll(async () => {
      shop = await givenBookableShop(t.http, owner, admin, { overrides: { openingHours: NINE_TO_SIX } });
      otherShop = await givenBookableShop(t.http, owner, admin);
      booking = await bookAt(shop, at(day, '10:00'));
    });

    afterAll(async () => {
      // None of them moved it or its time.
      expect(await getBooking(booking.id)).toMatchObject({ startsAt: booking.startsAt, rescheduleCount: 0 });
      expect(await busyEntriesOf(shop.id, day, booking.id)).toHaveLength(1);
    });

    const cases: Array<[string, () => Record<string, unknown>, number, string]> = [
      ['before opening', () => ({ startsAt: at(day, '08:30') }), 400, 'OUTSIDE_OPENING_HOURS'],
      [
        'a service that would end after closing',
        () => ({ startsAt: at(day, '17:45') }),
        400,
        'OUTSIDE_OPENING_HOURS',
      ],
      ['a start off the grid', () => ({ startsAt: at(day, '10:07') }), 400, 'OUTSIDE_OPENING_HOURS'],
      ['a start in the past', () => ({ startsAt: at(localDate(-1), '10:00') }), 400, 'START_IN_PAST'],
      // The same code as creation answers (bookings.e2e-spec): BEYOND_BOOKING_HORIZON.
      [
        'a start beyond the horizon',
        () => ({ startsAt: at(localDate(61), '10:00') }),
        400,
        'BEYOND_BOOKING_HORIZON',
      ],
      [
        'a staff member of another shop',
        () => ({ startsAt: at(day, '11:00'), staffId: otherShop.staff[0].id }),
        400,
        'INVALID_STAFF',
      ],
      [
        'an unknown staff member',
        () => ({ startsAt: at(day, '11:00'), staffId: randomUUID() }),
        400,
        'INVALID_STAFF',
      ],
      ['no start', () => ({}), 400, 'VALIDATION_FAILED'],
      ['a start without an offset', () => ({ startsAt: `${day}T11:00:00` }), 400, 'VALIDATION_FAILED'],
      ['a malformed start', () => ({ startsAt: 'tomorrow at ten' }), 400, 'VALIDATION_FAILED'],
      [
        'a malformed staffId',
        () => ({ startsAt: at(day, '11:00'), staffId: 'staff-1' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'another service',
        () => ({ startsAt: at(day, '11:00'), serviceId: otherShop.services[0].id }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a client-set status',
        () => ({ startsAt: at(day, '11:00'), status: 'upcoming' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a client-set payment status',
        () => ({ startsAt: at(day, '11:00'), paymentStatus: 'paid' }),
        400,
        'VALIDATION_FAILED',
      ],
    ];

    it.each(cases)('%s', async (_label, body, status, code) => {
      const response = await reschedule(customer, booking.id, body()).expect(status);
      expect(response.body.code).toBe(code);
    });

    it('a start with too little notice', async () => {
      const soon = Date.parse(at(localDate(5), '10:00'));
      clock.freeze(soon - 10 * MINUTE);
      const response = await reschedule(customer, booking.id, { startsAt: at(localDate(5), '10:00') }).expect(
        400,
      );
      expect(response.body.code).toBe('NOTICE_TOO_SHORT');
      // Exactly the minimum notice (30 minutes by default) is enough notice.
      clock.freeze(soon - 30 * MINUTE);
      const other = await bookAt(shop, at(day, '12:00'));
      await reschedule(customer, other.id, { startsAt: at(localDate(5), '10:00') }).expect(200);
    });

    it('a malformed booking id or Idempotency-Key', async () => {
      await t.http
        .post('/api/v1/bookings/not-a-uuid/reschedule')
        .set(as(customer))
        .send({ startsAt: at(day, '11:00') })
        .expect(400);
      await reschedule(customer, booking.id, { startsAt: at(day, '11:00') }, 'x'.repeat(256)).expect(400);
    });

    it('answers 404 to anyone the booking is not theirs (another customer, another shop’s owner), 401 without a token', async () => {
      // The code answers 404, not 403: a stranger does not learn that the booking exists.
      for (const user of [otherCustomer, otherOwner]) {
        const response = await reschedule(user, booking.id, { startsAt: at(day, '11:00') }).expect(404);
        expect(response.body.code).toBe('BOOKING_NOT_FOUND');
      }
      expect(
        (await reschedule(customer, randomUUID(), { startsAt: at(day, '11:00') }).expect(404)).body.code,
      ).toBe('BOOKING_NOT_FOUND');
      await t.http
        .post(`/api/v1/bookings/${booking.id}/reschedule`)
        .send({ startsAt: at(day, '11:00') })
        .expect(401);
    });

    it('a taken time: 409 SLOT_UNAVAILABLE and nothing changes, neither the booking nor the read model', async () => {
      const taken = await bookAt(shop, at(day, '14:00'), otherCustomer);
      const before = { booking: await getBooking(booking.id), day: await readModel(shop.id, day) };
      const notifications = await notificationsOf(booking.id);
      for (const time of ['14:00', '13:45', '14:15']) {
        const response = await reschedule(customer, booking.id, { startsAt: at(day, time) }).expect(409);
        expect(response.body.code).toBe('SLOT_UNAVAILABLE');
      }
      expect(await getBooking(booking.id)).toEqual(before.booking);
      expect(await readModel(shop.id, day)).toEqual(before.day);
      expect(await notificationsOf(booking.id)).toEqual(notifications);
      expect(await getBooking(taken.id)).toMatchObject({ startsAt: taken.startsAt, rescheduleCount: 0 });
      expect(await slotAt(shop, day, '10:00')).toBeUndefined();
    });

    it('a completed, no-show, cancelled or expired booking: 409 INVALID_BOOKING_TRANSITION', async () => {
      const make = (time: string, extra: Record<string, unknown> = {}) =>
        bookAt(otherShop, at(day, time), customer, extra);
      const completed = await make('08:00');
      await afterItEnds(t, clock, completed.id, () =>
        t.http.post(`/api/v1/bookings/${completed.id}/complete`).set(as(owner)).expect(200),
      );
      const noShow = await make('09:00');
      await afterItEnds(t, clock, noShow.id, () =>
        t.http.post(`/api/v1/bookings/${noShow.id}/no-show`).set(as(owner)).expect(200),
      );
      const cancelled = await make('10:00');
      await t.http.post(`/api/v1/bookings/${cancelled.id}/cancel`).set(as(customer)).send({}).expect(200);
      const expired = await make('11:00', { paymentMethod: 'ONLINE' });
      await expireHoldNow(t, expired.id);

      for (const [target, who] of [
        [completed, owner],
        [completed, customer],
        [noShow, admin],
        [cancelled, customer],
        [cancelled, owner],
        [expired, customer],
      ] as Array<[Booking, GivenUser]>) {
        const response = await reschedule(who, target.id, { startsAt: at(day, '20:00') }).expect(409);
        expect(response.body.code).toBe('INVALID_BOOKING_TRANSITION');
        expect((await row(target.id)).reschedule_count).toBe(0);
      }
      expect(await slotAt(otherShop, day, '20:00')).toMatchObject({ availableStaff: 1 });
    });
  });

  describe('notifications', () => {
    it('tells the customer (e-mail and SMS) and the owner, withdraws the old reminder and schedules a new one', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const email = `customer-${randomUUID()}@example.test`;
      const registered = await t.http
        .post('/api/v1/auth/register')
        .send({
          name: 'Asha Rao',
          email,
          password: `pw-${randomUUID()}`,
          phone: `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
        })
        .expect(201);
      const withPhone = {
        ...customer,
        id: registered.body.user.id,
        accessToken: registered.body.accessToken,
      };
      const lead = t.config.notifications.reminderLeadMinutes * MINUTE;
      const booking = await bookAt(shop, at(localDate(3), '10:00'), withPhone);
      const reminders = async () =>
        (await notificationsOf(booking.id)).filter((n) => n.template === 'booking_reminder');
      expect((await reminders()).map((n) => n.send_after.getTime())).toEqual([
        Date.parse(booking.startsAt) - lead,
      ]);

      await reschedule(withPhone, booking.id, { startsAt: at(localDate(4), '12:00') }).expect(200);
      const after = await notificationsOf(booking.id);
      expect(
        after
          .filter((n) => n.template.endsWith('rescheduled'))
          .map((n) => [n.template, n.channel, n.user_id]),
      ).toEqual([
        ['booking_rescheduled', 'email', withPhone.id],
        ['booking_rescheduled', 'sms', withPhone.id],
        ['shop_booking_rescheduled', 'email', owner.id],
      ]);
      expect(await reminders()).toEqual([
        expect.objectContaining({
          user_id: withPhone.id,
          status: 'pending',
          send_after: new Date(Date.parse(at(localDate(4), '12:00')) - lead),
        }),
      ]);
      // The confirmation messages stay as they were.
      expect(after.filter((n) => ['booking_confirmed', 'new_booking'].includes(n.template))).toHaveLength(3);

      // Each move is told once more; a reminder already sent is not taken back.
      await db.query(
        `UPDATE notifications SET status = 'sent', sent_at = now() WHERE booking_id = $1 AND template = 'booking_reminder'`,
        [booking.id],
      );
      await reschedule(owner, booking.id, { startsAt: at(localDate(4), '15:00') }).expect(200);
      const third = await notificationsOf(booking.id);
      expect(third.filter((n) => n.template === 'booking_rescheduled')).toHaveLength(4);
      expect(third.filter((n) => n.template === 'shop_booking_rescheduled')).toHaveLength(2);
      expect((await reminders()).map((n) => [n.status, n.send_after.getTime()])).toEqual([
        ['sent', Date.parse(at(localDate(4), '12:00')) - lead],
        ['pending', Date.parse(at(localDate(4), '15:00')) - lead],
      ]);

      const mine = await t.http.get('/api/v1/notifications').set(as(withPhone)).expect(200);
      expect(mine.body.items.map((n: { template: string }) => n.template)).toContain('booking_rescheduled');
      const owners = await t.http.get('/api/v1/notifications').set(as(owner)).expect(200);
      expect(owners.body.items.map((n: { template: string }) => n.template)).toContain(
        'shop_booking_rescheduled',
      );
    });

    it('a hold is told of its move but gets no reminder until it is paid', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const hold = await bookAt(shop, at(date, '10:00'), customer, { paymentMethod: 'ONLINE' });
      await reschedule(customer, hold.id, { startsAt: at(date, '11:00') }).expect(200);
      expect((await notificationsOf(hold.id)).map((n) => n.template)).toEqual([
        'booking_rescheduled',
        'shop_booking_rescheduled',
      ]);
    });

    it('a move of a booking too soon for a reminder withdraws the old one and schedules none', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = await bookAt(shop, at(localDate(3), '10:00'));
      // Within the reminder lead of the real clock (the database's now() decides when a reminder is due).
      const soon = DateTime.now()
        .setZone(ZONE)
        .plus({ minutes: 60 })
        .startOf('hour')
        .plus({ hours: 1 })
        .toISO({ suppressMilliseconds: true }) as string;
      await reschedule(owner, booking.id, { startsAt: soon }).expect(200);
      expect((await notificationsOf(booking.id)).filter((n) => n.template === 'booking_reminder')).toEqual(
        [],
      );
    });
  });

  // Declared last, so it runs after every other test of the suite.
  describe('after all of it', () => {
    it('leaves no overlapping live bookings, and the read model equal to the bookings', async () => {
      expect(await overlaps()).toBe(0);
      await assertReadModelMatchesBookings();
    });
  });
});

/**
 * The messages of a move actually go out: the worker's relay and queue in this process, a local SMTP server and
 * SMS stub. Its own database and Redis key prefix, so no other suite's worker relays this outbox.
 */
describe('Reschedule notifications delivered (e2e)', () => {
  const smtp = new LocalSmtpServer();
  const sms = new LocalSmsProvider(randomBytes(12).toString('hex'));
  let database: ScratchDatabase;
  let t: TestApp;

  beforeAll(async () => {
    await smtp.start();
    const smsUrl = await sms.start();
    database = await createScratchDatabase();
    t = await createTestApp(
      {
        DATABASE_URL: database.url,
        REDIS_KEY_PREFIX: `${testEnv().REDIS_KEY_PREFIX ?? ''}resched-notify:`,
        SMTP_URL: smtp.url,
        NOTIFY_FROM: 'HairOne <bookings@hairone.test>',
        SMS_API_BASE_URL: smsUrl,
        SMS_API_KEY: sms.apiKey,
        NOTIFY_ATTEMPTS: '2',
        NOTIFY_BACKOFF_MS: '200',
        NOTIFY_RELAY_INTERVAL_MS: '100',
      },
      [NotificationsWorkerModule],
    );
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await smtp.stop();
    await sms.stop();
  });

  it('e-mails the customer and the owner, and texts the customer, the new shop-local time', async () => {
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    const shop = await givenBookableShop(t.http, owner, admin, {
      overrides: { name: 'Fade Street Koramangala' },
    });
    const email = `customer-${randomUUID()}@example.test`;
    const phone = `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const registered = await t.http
      .post('/api/v1/auth/register')
      .send({ name: 'Ravi Kumar', email, password: `pw-${randomUUID()}`, phone })
      .expect(201);
    const customer = { accessToken: registered.body.accessToken as string } as GivenUser;
    const day = localDate(4);
    const booking = (
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(day, '10:00'),
      }).expect(201)
    ).body as Booking;
    await t.http
      .post(`/api/v1/bookings/${booking.id}/reschedule`)
      .set(as(customer))
      .send({ startsAt: at(day, '17:45') })
      .expect(200);

    const db = t.app.get(DataSource);
    const sent = await eventually(
      async () =>
        (await db.query(
          `SELECT template, channel, status, last_error FROM notifications
            WHERE booking_id = $1 AND template IN ('booking_rescheduled', 'shop_booking_rescheduled')
            ORDER BY template, channel`,
          [booking.id],
        )) as Array<{ template: string; channel: string; status: string; last_error: string | null }>,
      (rows) => rows.length === 3 && rows.every((r) => r.status !== 'pending'),
      20_000,
    );
    expect(sent).toEqual([
      { template: 'booking_rescheduled', channel: 'email', status: 'sent', last_error: null },
      { template: 'booking_rescheduled', channel: 'sms', status: 'sent', last_error: null },
      { template: 'shop_booking_rescheduled', channel: 'email', status: 'sent', last_error: null },
    ]);
    // Every message is rendered from the booking as it is when sent (a confirmation sent after the move names the
    // new time too): the move's own message is the one that says so.
    const toCustomer = smtp.to(email).filter((mail) => /Booking moved/.test(mail.decoded));
    expect(toCustomer).toHaveLength(1);
    expect(toCustomer[0].decoded).toContain('17:45');
    expect(toCustomer[0].decoded).toContain('Fade Street Koramangala');
    expect(toCustomer[0].decoded).toContain('Service 1');
    const toOwner = smtp.to(owner.email).filter((mail) => /Booking moved at Fade Street/.test(mail.decoded));
    expect(toOwner).toHaveLength(1);
    expect(toOwner[0].decoded).toContain('17:45');
    expect(toOwner[0].decoded).toContain('Ravi Kumar');
    expect(sms.to(phone).some((message) => /moved to .*17:45/.test(message.text))).toBe(true);
  });
});
