import { DataSource } from 'typeorm';

import { HoldsService } from '../../src/bookings/holds.service';
import { afterItEnds, at, book, expireHoldNow, givenBookableShop, localDate } from '../support/bookings';
import { TestClock } from '../support/clock';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import {
  assertInvariants,
  noOverlappingLiveBookings,
  readModelMatchesLiveBookings,
} from '../support/invariants';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

describe('Bookings (e2e)', () => {
  const clock = new TestClock();
  let t: TestApp;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let otherCustomer: GivenUser;
  const date = localDate(2);
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    t = await createTestApp({}, [], clock);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    otherCustomer = await givenUser(t.http, 'customer');
  });

  afterAll(() => t && assertInvariants(t.app.get(DataSource)));

  afterAll(async () => {
    await t.close();
  });

  const slots = async (shop: GivenShop, day = date) =>
    (
      await t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date: day, serviceId: shop.services[0].id })
        .expect(200)
    ).body.slots as Array<{ startsAt: string; endsAt: string; availableStaff: number }>;
  const slotAt = async (shop: GivenShop, time: string) =>
    (await slots(shop)).find((slot) => slot.startsAt === at(date, time));

  /** Live bookings of one staff member that overlap: must always be none. */
  const overlaps = () => noOverlappingLiveBookings(t.app.get(DataSource));

  describe('POST /bookings', () => {
    it('books PAY_AT_SHOP as upcoming and unpaid, priced and commissioned from the server', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const response = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(date, '10:00'),
      }).expect(201);
      expect(response.body).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          customerId: customer.id,
          shopId: shop.id,
          serviceId: shop.services[0].id,
          staffId: shop.staff[0].id,
          startsAt: at(date, '10:00'),
          endsAt: at(date, '10:30'),
          status: 'upcoming',
          paymentMethod: 'PAY_AT_SHOP',
          paymentStatus: 'unpaid',
          amountPaise: 30_000,
          commissionPaise: 3_000,
          settlementStatus: 'unsettled',
        }),
      );
      expect(response.body.expiresAt).toBeUndefined();
    });

    it('holds an ONLINE booking as pending_payment until expiresAt', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const before = Date.now();
      const response = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(date, '11:00'),
        paymentMethod: 'ONLINE',
      }).expect(201);
      expect(response.body).toMatchObject({ status: 'pending_payment', paymentStatus: 'unpaid' });
      const expiresAt = Date.parse(response.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 900_000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000 + 1000);
      expect(await slotAt(shop, '11:00')).toBeUndefined();
    });

    it('accepts the same instant written in another offset', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const utc = new Date(Date.parse(at(date, '12:00'))).toISOString();
      const response = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: utc,
      }).expect(201);
      expect(response.body.startsAt).toBe(at(date, '12:00'));
    });

    it('lets only customers book', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const body = { shopId: shop.id, serviceId: shop.services[0].id, startsAt: at(date, '10:00') };
      await book(t.http, owner, body).expect(403);
      await book(t.http, admin, body).expect(403);
      await t.http
        .post('/api/v1/bookings')
        .send({ ...body, paymentMethod: 'PAY_AT_SHOP' })
        .expect(401);
    });

    describe('refuses what cannot be booked', () => {
      let shop: GivenShop;
      let otherShop: GivenShop;

      beforeAll(async () => {
        shop = await givenBookableShop(t.http, owner, admin, {
          overrides: {
            openingHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
              weekday,
              opens: '09:00',
              closes: '18:00',
            })),
          },
        });
        otherShop = await givenBookableShop(t.http, owner, admin);
      });

      const cases: Array<[string, () => Record<string, unknown>, number, string]> = [
        ['before opening', () => ({ startsAt: at(date, '08:30') }), 400, 'OUTSIDE_OPENING_HOURS'],
        [
          'a service that would end after closing',
          () => ({ startsAt: at(date, '17:45') }),
          400,
          'OUTSIDE_OPENING_HOURS',
        ],
        ['a start off the grid', () => ({ startsAt: at(date, '10:07') }), 400, 'OUTSIDE_OPENING_HOURS'],
        ['a start in the past', () => ({ startsAt: at(localDate(-1), '10:00') }), 400, 'START_IN_PAST'],
        [
          'a start beyond the horizon',
          () => ({ startsAt: at(localDate(61), '10:00') }),
          400,
          'BEYOND_BOOKING_HORIZON',
        ],
        [
          'a service of another shop',
          () => ({ serviceId: otherShop.services[0].id }),
          400,
          'INVALID_SERVICE',
        ],
        ['a staff member of another shop', () => ({ staffId: otherShop.staff[0].id }), 400, 'INVALID_STAFF'],
        [
          'an unknown shop',
          () => ({ shopId: '00000000-0000-4000-8000-000000000000' }),
          400,
          'SHOP_NOT_BOOKABLE',
        ],
        ['a start without an offset', () => ({ startsAt: `${date}T10:00:00` }), 400, 'VALIDATION_FAILED'],
        ['a malformed start', () => ({ startsAt: 'tomorrow at ten' }), 400, 'VALIDATION_FAILED'],
        ['an unknown payment method', () => ({ paymentMethod: 'CASH' }), 400, 'VALIDATION_FAILED'],
        ['a client-set status', () => ({ status: 'upcoming' }), 400, 'VALIDATION_FAILED'],
        ['a client-set payment status', () => ({ paymentStatus: 'paid' }), 400, 'VALIDATION_FAILED'],
        ['a client-set amount', () => ({ amountPaise: 1 }), 400, 'VALIDATION_FAILED'],
        ['a client-set commission', () => ({ commissionPaise: 0 }), 400, 'VALIDATION_FAILED'],
      ];

      it.each(cases)('%s', async (_label, patch, status, code) => {
        const response = await book(t.http, customer, {
          shopId: shop.id,
          serviceId: shop.services[0].id,
          startsAt: at(date, '10:00'),
          ...patch(),
        }).expect(status);
        expect(response.body.code).toBe(code);
      });

      it('a start with too little notice', async () => {
        const now = new Date();
        const soon = new Date(Math.ceil((now.getTime() + 5 * 60_000) / 900_000) * 900_000);
        const response = await book(t.http, customer, {
          shopId: otherShop.id,
          serviceId: otherShop.services[0].id,
          startsAt: soon.toISOString(),
        });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('NOTICE_TOO_SHORT');
      });

      it('an inactive shop', async () => {
        const pending = await givenBookableShop(t.http, owner, admin);
        await t.http.post(`/api/v1/shops/${pending.id}/suspend`).set(as(admin)).expect(200);
        const response = await book(t.http, customer, {
          shopId: pending.id,
          serviceId: pending.services[0].id,
          startsAt: at(date, '10:00'),
        }).expect(400);
        expect(response.body.code).toBe('SHOP_NOT_BOOKABLE');
      });
    });
  });

  describe('concurrency', () => {
    it('50 concurrent requests for one staff member’s slot: exactly one 201, the rest 409, no 5xx', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const customers = await Promise.all(Array.from({ length: 5 }, () => givenUser(t.http, 'customer')));
      const responses = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          book(t.http, customers[i % 5], {
            shopId: shop.id,
            serviceId: shop.services[0].id,
            staffId: shop.staff[0].id,
            startsAt: at(date, '15:00'),
          }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(49);
      expect(responses.filter((r) => r.status === 409).every((r) => r.body.code === 'SLOT_UNAVAILABLE')).toBe(
        true,
      );
      expect(await overlaps()).toMatchObject({ pass: true });
    });

    it('30 concurrent requests on a 3-staff shop without staffId: exactly 3 bookings, one per staff member', async () => {
      const shop = await givenBookableShop(t.http, owner, admin, { staff: 3 });
      const responses = await Promise.all(
        Array.from({ length: 30 }, () =>
          book(t.http, customer, {
            shopId: shop.id,
            serviceId: shop.services[0].id,
            startsAt: at(date, '16:00'),
          }),
        ),
      );
      const created = responses.filter((response) => response.status === 201);
      expect(created).toHaveLength(3);
      expect(responses.filter((response) => response.status === 409)).toHaveLength(27);
      expect(new Set(created.map((response) => response.body.staffId))).toEqual(
        new Set(shop.staff.map((s) => s.id)),
      );
      expect(await slotAt(shop, '16:00')).toBeUndefined();
    });

    it('overlapping starts booked concurrently never overlap for one staff member', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const starts = ['09:00', '09:15', '09:30', '09:45', '10:00', '10:15', '10:30', '10:45'];
      const responses = await Promise.all(
        starts.flatMap((time) =>
          [0, 1, 2].map(() =>
            book(t.http, customer, {
              shopId: shop.id,
              serviceId: shop.services[0].id,
              startsAt: at(date, time),
            }),
          ),
        ),
      );
      expect(responses.every((response) => [201, 409].includes(response.status))).toBe(true);
      expect(responses.filter((response) => response.status === 201).length).toBeGreaterThanOrEqual(2);
      expect(await overlaps()).toMatchObject({ pass: true });
    });
  });

  describe('slots stay true', () => {
    it('a booked slot disappears from the very next response, a cancelled one comes back', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      expect(await slotAt(shop, '13:00')).toMatchObject({ availableStaff: 1 });
      // Asked twice, so the second answer comes from the cache.
      expect(await slotAt(shop, '13:00')).toMatchObject({ availableStaff: 1 });

      const booking = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(date, '13:00'),
      }).expect(201);
      expect(await slotAt(shop, '13:00')).toBeUndefined();
      expect(await slotAt(shop, '12:45')).toBeUndefined(); // a 30-minute service from 12:45 would overlap
      expect(await slotAt(shop, '13:30')).toBeDefined();

      await t.http.post(`/api/v1/bookings/${booking.body.id}/cancel`).set(as(customer)).send({}).expect(200);
      expect(await slotAt(shop, '13:00')).toMatchObject({ availableStaff: 1 });
      expect(await slotAt(shop, '12:45')).toBeDefined();
    });

    it('a change of opening hours or staff shows in the next response', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      expect(await slotAt(shop, '07:00')).toMatchObject({ availableStaff: 1 });
      await t.http.post(`/api/v1/shops/${shop.id}/staff`).set(as(owner)).send({ name: 'Second' }).expect(201);
      expect(await slotAt(shop, '07:00')).toMatchObject({ availableStaff: 2 });
      await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({
          openingHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
            weekday,
            opens: '09:00',
            closes: '17:00',
          })),
        })
        .expect(200);
      expect(await slotAt(shop, '07:00')).toBeUndefined();
      expect(await slotAt(shop, '09:00')).toBeDefined();
    });

    it('every slot shown as free is bookable', async () => {
      const shop = await givenBookableShop(t.http, owner, admin, { staff: 2 });
      const shown = (await slots(shop)).filter((_, i) => i % 9 === 0);
      for (const slot of shown) {
        await book(t.http, customer, {
          shopId: shop.id,
          serviceId: shop.services[0].id,
          startsAt: slot.startsAt,
        }).expect(201);
      }
      expect(await overlaps()).toMatchObject({ pass: true });
    });

    it('answers 404 for an unknown or inactive shop or a service of another shop, 400 for a bad date', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const other = await givenBookableShop(t.http, owner, admin);
      const get = (shopId: string, query: Record<string, string>) =>
        t.http.get(`/api/v1/shops/${shopId}/slots`).query(query);
      expect((await get(shop.id, { date, serviceId: other.services[0].id })).status).toBe(404);
      expect(
        (await get('00000000-0000-4000-8000-000000000000', { date, serviceId: shop.services[0].id })).status,
      ).toBe(404);
      expect((await get(shop.id, { date: '2026-02-30', serviceId: shop.services[0].id })).status).toBe(400);
      expect((await get(shop.id, { date: 'tomorrow', serviceId: shop.services[0].id })).status).toBe(400);
      expect((await get(shop.id, { date })).status).toBe(400);
      await t.http.post(`/api/v1/shops/${shop.id}/suspend`).set(as(admin)).expect(200);
      expect((await get(shop.id, { date, serviceId: shop.services[0].id })).status).toBe(404);
    });
  });

  describe('holds expire', () => {
    it('a stale hold is expired by the next booking of its slot, inside that booking’s transaction', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const body = { shopId: shop.id, serviceId: shop.services[0].id, startsAt: at(date, '14:00') };
      const hold = await book(t.http, customer, { ...body, paymentMethod: 'ONLINE' }).expect(201);
      await book(t.http, otherCustomer, body).expect(409);
      await expireHoldNow(t, hold.body.id);
      await book(t.http, otherCustomer, body).expect(201);
      const expired = await t.http.get(`/api/v1/bookings/${hold.body.id}`).set(as(customer)).expect(200);
      expect(expired.body.status).toBe('expired');
    });

    it('the sweeper expires due holds and frees their slots', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const hold = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(date, '14:30'),
        paymentMethod: 'ONLINE',
      }).expect(201);
      expect(await slotAt(shop, '14:30')).toBeUndefined();
      await expireHoldNow(t, hold.body.id);
      expect(await t.app.get(HoldsService).expireDue()).toBeGreaterThanOrEqual(1);
      expect(await slotAt(shop, '14:30')).toMatchObject({ availableStaff: 1 });
      expect((await t.http.get(`/api/v1/bookings/${hold.body.id}`).set(as(customer))).body.status).toBe(
        'expired',
      );
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the original booking for the same key and body, refuses the key with another body', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const body = { shopId: shop.id, serviceId: shop.services[0].id, startsAt: at(date, '17:00') };
      const first = await book(t.http, customer, body, 'key-17').expect(201);
      const again = await book(t.http, customer, body, 'key-17').expect(201);
      expect(again.body.id).toBe(first.body.id);
      const reused = await book(t.http, customer, { ...body, startsAt: at(date, '17:30') }, 'key-17').expect(
        422,
      );
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      // Keys belong to one customer: another customer's same key is a new request.
      await book(t.http, otherCustomer, { ...body, startsAt: at(date, '18:00') }, 'key-17').expect(201);
      const count = await t.app
        .get(DataSource)
        .query(`SELECT count(*) AS n FROM bookings WHERE shop_id = $1 AND customer_id = $2`, [
          shop.id,
          customer.id,
        ]);
      expect(Number(count[0].n)).toBe(1);
    });

    it('makes one booking out of concurrent retries with one key', async () => {
      const shop = await givenBookableShop(t.http, owner, admin, { staff: 3 });
      const body = { shopId: shop.id, serviceId: shop.services[0].id, startsAt: at(date, '18:30') };
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => book(t.http, customer, body, 'key-race')),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(8).fill(201));
      expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    });

    it('refuses a malformed key', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      await book(
        t.http,
        customer,
        { shopId: shop.id, serviceId: shop.services[0].id, startsAt: at(date, '19:00') },
        'x'.repeat(256),
      ).expect(400);
    });
  });

  describe('reading and managing bookings', () => {
    let shop: GivenShop;
    let booking: { id: string };
    let stranger: GivenUser;

    beforeAll(async () => {
      shop = await givenBookableShop(t.http, owner, admin, { staff: 2 });
      stranger = await givenUser(t.http, 'shop_owner');
      booking = (
        await book(t.http, customer, {
          shopId: shop.id,
          serviceId: shop.services[0].id,
          startsAt: at(date, '20:00'),
        }).expect(201)
      ).body;
    });

    it('shows a booking to its customer, its shop’s owner and admins only', async () => {
      for (const user of [customer, owner, admin]) {
        await t.http.get(`/api/v1/bookings/${booking.id}`).set(as(user)).expect(200);
      }
      await t.http.get(`/api/v1/bookings/${booking.id}`).set(as(otherCustomer)).expect(404);
      await t.http.get(`/api/v1/bookings/${booking.id}`).set(as(stranger)).expect(404);
      await t.http.post(`/api/v1/bookings/${booking.id}/cancel`).set(as(otherCustomer)).expect(404);
      await t.http.get('/api/v1/bookings/not-a-uuid').set(as(customer)).expect(400);
    });

    it('lists a customer’s own, an owner’s shops’, and everything for an admin', async () => {
      const mine = await t.http.get('/api/v1/bookings').set(as(customer)).query({ limit: 100 }).expect(200);
      expect(mine.body.items.every((b: { customerId: string }) => b.customerId === customer.id)).toBe(true);
      const theirs = await t.http
        .get('/api/v1/bookings')
        .set(as(otherCustomer))
        .query({ limit: 100 })
        .expect(200);
      expect(theirs.body.items.map((b: { id: string }) => b.id)).not.toContain(booking.id);
      const owners = await t.http
        .get('/api/v1/bookings')
        .set(as(owner))
        .query({ shopId: shop.id })
        .expect(200);
      expect(owners.body.items.map((b: { id: string }) => b.id)).toContain(booking.id);
      const strangers = await t.http
        .get('/api/v1/bookings')
        .set(as(stranger))
        .query({ shopId: shop.id })
        .expect(200);
      expect(strangers.body.items).toEqual([]);
      const all = await t.http
        .get('/api/v1/bookings')
        .set(as(admin))
        .query({ shopId: shop.id, status: 'upcoming' })
        .expect(200);
      expect(all.body.items.map((b: { id: string }) => b.id)).toContain(booking.id);
      await t.http.get('/api/v1/bookings').set(as(admin)).query({ status: 'booked' }).expect(400);
      await t.http.get('/api/v1/bookings').set(as(admin)).query({ limit: 101 }).expect(400);
    });

    it('pages by start time without gaps or repeats', async () => {
      const pageShop = await givenBookableShop(t.http, owner, admin);
      const times = ['08:00', '08:30', '09:00', '09:30', '10:00'];
      for (const time of times) {
        await book(t.http, customer, {
          shopId: pageShop.id,
          serviceId: pageShop.services[0].id,
          startsAt: at(date, time),
        }).expect(201);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ startsAt: string }>; nextCursor: string | null } } = await t.http
          .get('/api/v1/bookings')
          .set(as(owner))
          .query({ shopId: pageShop.id, limit: 2, ...(cursor ? { cursor } : {}) })
          .expect(200);
        seen.push(...page.body.items.map((item) => item.startsAt));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(times.map((time) => at(date, time)));
    });

    it('follows the state machine: who may complete, mark no-show and cancel, and from where', async () => {
      const make = async (time: string) =>
        (
          await book(t.http, customer, {
            shopId: shop.id,
            serviceId: shop.services[0].id,
            startsAt: at(date, time),
          }).expect(201)
        ).body.id as string;
      const a = await make('21:00');
      await t.http.post(`/api/v1/bookings/${a}/complete`).set(as(customer)).expect(403);
      // Issue 16: only once it has started (the clock then stands after its end).
      const early = await t.http.post(`/api/v1/bookings/${a}/complete`).set(as(owner)).expect(409);
      expect(early.body.code).toBe('BOOKING_NOT_STARTED');
      expect(
        (
          await afterItEnds(t, clock, a, () =>
            t.http.post(`/api/v1/bookings/${a}/complete`).set(as(owner)).expect(200),
          )
        ).body.status,
      ).toBe('completed');
      const again = await t.http.post(`/api/v1/bookings/${a}/cancel`).set(as(customer)).expect(409);
      expect(again.body.code).toBe('INVALID_BOOKING_TRANSITION');

      const b = await make('21:30');
      await t.http.post(`/api/v1/bookings/${b}/no-show`).set(as(customer)).expect(403);
      expect(
        (
          await afterItEnds(t, clock, b, () =>
            t.http.post(`/api/v1/bookings/${b}/no-show`).set(as(admin)).expect(200),
          )
        ).body.status,
      ).toBe('no_show');

      const c = await make('22:00');
      const cancelled = await t.http
        .post(`/api/v1/bookings/${c}/cancel`)
        .set(as(owner))
        .send({ reason: 'Staff unwell' })
        .expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'Staff unwell' });
      await t.http.post(`/api/v1/bookings/${c}/complete`).set(as(owner)).expect(409);
      await t.http
        .post(`/api/v1/bookings/${c}/cancel`)
        .set(as(owner))
        .send({ status: 'upcoming' })
        .expect(400);
    });
  });

  it('counts bookings, conflicts and slot cache hits in /metrics', async () => {
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? 0);
    expect(value(/^bookings_created_total\{payment_method="PAY_AT_SHOP"\} (\d+)/m)).toBeGreaterThan(10);
    expect(value(/^bookings_created_total\{payment_method="ONLINE"\} (\d+)/m)).toBeGreaterThanOrEqual(3);
    expect(value(/^booking_conflicts_total (\d+)/m)).toBeGreaterThanOrEqual(49 + 27);
    expect(value(/^slot_cache_lookups_total\{result="hit"\} (\d+)/m)).toBeGreaterThan(0);
    expect(value(/^slot_cache_lookups_total\{result="miss"\} (\d+)/m)).toBeGreaterThan(0);
  });

  it('keeps the read model equal to the live bookings', async () => {
    expect(await readModelMatchesLiveBookings(t.app.get(DataSource))).toMatchObject({ pass: true });
  });
});
