import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';

import { ALL_DAY, at, book, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants, noOverlappingLiveBookings } from '../support/invariants';
import { GivenShop } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

const LONDON = 'Europe/London';

/** The next shop-local date in `zone`, at least two days ahead, whose UTC offset changes during the day. */
function nextTransitionDay(zone: string): string {
  for (let days = 2; days < 366; days++) {
    const day = DateTime.now().setZone(zone).plus({ days }).startOf('day');
    if (day.offset !== day.endOf('day').offset) return day.toISODate() as string;
  }
  throw new Error(`${zone} has no DST transition within a year`);
}

describe('Scheduling: staff hours and skills, time off, date overrides, buffers (e2e)', () => {
  let t: TestApp;
  let admin: GivenUser;
  let owner: GivenUser;
  let otherOwner: GivenUser;
  let customer: GivenUser;
  const date = localDate(3);
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    t = await createTestApp({
      BOOKING_HORIZON_DAYS: '365',
      RATE_LIMIT_BOOKINGS_PER_MINUTE: '100000',
      RATE_LIMIT_DEFAULT_PER_MINUTE: '100000',
    });
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    otherOwner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
  });

  afterAll(() => t && assertInvariants(t.app.get(DataSource)));
  afterAll(async () => {
    await t.close();
  });

  type Slot = { startsAt: string; endsAt: string; availableStaff: number };
  const slots = async (shop: GivenShop, day = date, serviceId = shop.services[0].id): Promise<Slot[]> =>
    (await t.http.get(`/api/v1/shops/${shop.id}/slots`).query({ date: day, serviceId }).expect(200)).body
      .slots;
  const starts = async (shop: GivenShop, day = date, zone?: string, serviceId?: string) =>
    (await slots(shop, day, serviceId)).map((slot) =>
      DateTime.fromISO(slot.startsAt, { zone: zone ?? 'Asia/Kolkata' }).toFormat('HH:mm'),
    );
  const bookAt = (shop: GivenShop, time: string, extra: Record<string, unknown> = {}, day = date) =>
    book(t.http, customer, {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(day, time),
      ...extra,
    });
  const staffPath = (shop: GivenShop, what: string, staff = shop.staff[0].id) =>
    `/api/v1/shops/${shop.id}/staff/${staff}/${what}`;
  const conflictOf = (booking: { id: string; startsAt: string; endsAt: string; staffId: string }) => ({
    id: booking.id,
    startsAt: booking.startsAt,
    endsAt: booking.endsAt,
    staffId: booking.staffId,
  });

  describe('PUT /shops/:id/staff/:staffId/hours', () => {
    it('limits the staff member to their hours at once, and null gives them the shop hours again', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      expect(await starts(shop)).toContain('08:00');
      const hours = ALL_DAY.map((day) => ({ weekday: day.weekday, opens: '10:00', closes: '12:00' }));
      const response = await t.http
        .put(staffPath(shop, 'hours'))
        .set(as(owner))
        .send({ workingHours: hours });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: shop.staff[0].id, workingHours: hours, serviceIds: null });
      // A 30-minute service in a 10:00-12:00 shift on a 15-minute grid.
      expect(await starts(shop)).toEqual(['10:00', '10:15', '10:30', '10:45', '11:00', '11:15', '11:30']);
      await bookAt(shop, '09:00').expect(409);
      // Customers see them only as slots.
      const seen = await t.http.get(`/api/v1/shops/${shop.id}/staff`).set(as(customer)).expect(200);
      expect(seen.body.items[0]).not.toHaveProperty('workingHours');
      const own = await t.http.get(`/api/v1/shops/${shop.id}/staff`).set(as(owner)).expect(200);
      expect(own.body.items[0].workingHours).toEqual(hours);
      await t.http.put(staffPath(shop, 'hours')).set(as(owner)).send({ workingHours: null }).expect(200);
      expect(await starts(shop)).toContain('08:00');
    });

    it('refuses hours that would strand a live booking (409 SCHEDULE_CONFLICTS listing it)', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = (await bookAt(shop, '15:00').expect(201)).body;
      const hours = ALL_DAY.map((day) => ({ weekday: day.weekday, opens: '09:00', closes: '12:00' }));
      const response = await t.http
        .put(staffPath(shop, 'hours'))
        .set(as(owner))
        .send({ workingHours: hours });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ code: 'SCHEDULE_CONFLICTS', details: [conflictOf(booking)] });
      // Once the owner cancels it, the change goes through.
      await t.http.post(`/api/v1/bookings/${booking.id}/cancel`).set(as(owner)).send({}).expect(200);
      await t.http.put(staffPath(shop, 'hours')).set(as(owner)).send({ workingHours: hours }).expect(200);
    });

    it('answers bad hours with 400, other owners with 403, customers with 403, unknown staff with 404', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const overlapping = [
        { weekday: 1, opens: '09:00', closes: '12:00' },
        { weekday: 1, opens: '11:00', closes: '13:00' },
      ];
      const inverted = [{ weekday: 1, opens: '12:00', closes: '09:00' }];
      for (const workingHours of [
        overlapping,
        inverted,
        'all day',
        [{ weekday: 8, opens: '09:00', closes: '10:00' }],
      ]) {
        const response = await t.http.put(staffPath(shop, 'hours')).set(as(owner)).send({ workingHours });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      await t.http.put(staffPath(shop, 'hours')).set(as(owner)).send({}).expect(400);
      await t.http.put(staffPath(shop, 'hours')).set(as(otherOwner)).send({ workingHours: null }).expect(403);
      await t.http.put(staffPath(shop, 'hours')).set(as(customer)).send({ workingHours: null }).expect(403);
      const unknown = await t.http
        .put(staffPath(shop, 'hours', '00000000-0000-4000-8000-000000000000'))
        .set(as(owner))
        .send({ workingHours: null });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('STAFF_NOT_FOUND');
    });
  });

  describe('PUT /shops/:id/staff/:staffId/services', () => {
    it('offers a service only with staff who perform it, and books only them', async () => {
      const shop = await givenBookableShop(t.http, owner, admin, { staff: 2, services: 2 });
      const [cut, colour] = shop.services;
      const [ravi, asha] = shop.staff;
      const response = await t.http
        .put(staffPath(shop, 'services', ravi.id))
        .set(as(owner))
        .send({ serviceIds: [cut.id] });
      expect(response.status).toBe(200);
      expect(response.body.serviceIds).toEqual([cut.id]);
      const colourSlot = (await slots(shop, date, colour.id)).find(
        (slot) => slot.startsAt === at(date, '10:00'),
      );
      expect(colourSlot?.availableStaff).toBe(1);
      const booked = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: colour.id,
        startsAt: at(date, '10:00'),
      }).expect(201);
      expect(booked.body.staffId).toBe(asha.id);
      // Ravi does not do colour: naming him is a 400.
      const named = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: colour.id,
        startsAt: at(date, '12:00'),
        staffId: ravi.id,
      });
      expect(named.status).toBe(400);
      // Asha may not lose colour while she has a colour booking.
      const refused = await t.http
        .put(staffPath(shop, 'services', asha.id))
        .set(as(owner))
        .send({ serviceIds: [cut.id] });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'SCHEDULE_CONFLICTS', details: [conflictOf(booked.body)] });
      await t.http
        .put(staffPath(shop, 'services', ravi.id))
        .set(as(owner))
        .send({ serviceIds: null })
        .expect(200);
      expect(
        (await slots(shop, date, colour.id)).find((slot) => slot.startsAt === at(date, '12:00'))
          ?.availableStaff,
      ).toBe(2);
    });

    it('refuses a service of another shop (400) and non-uuids (400)', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const other = await givenBookableShop(t.http, owner, admin);
      const foreign = await t.http
        .put(staffPath(shop, 'services'))
        .set(as(owner))
        .send({ serviceIds: [other.services[0].id] });
      expect(foreign.status).toBe(400);
      expect(foreign.body.code).toBe('INVALID_SERVICE');
      await t.http
        .put(staffPath(shop, 'services'))
        .set(as(owner))
        .send({ serviceIds: ['nope'] })
        .expect(400);
      await t.http
        .put(staffPath(shop, 'services'))
        .set(as(otherOwner))
        .send({ serviceIds: null })
        .expect(403);
    });
  });

  describe('time off', () => {
    it('takes the staff member out of slots at once; listed for the owner and admins; deleting gives it back', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const created = await t.http
        .post(staffPath(shop, 'time-off'))
        .set(as(owner))
        .send({ startsAt: at(date, '10:00'), endsAt: at(date, '12:00'), reason: 'Dentist' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        staffId: shop.staff[0].id,
        startsAt: at(date, '10:00'),
        endsAt: at(date, '12:00'),
        reason: 'Dentist',
      });
      const offered = await starts(shop);
      expect(offered).toContain('09:30');
      expect(offered).not.toContain('09:45');
      expect(offered).not.toContain('11:45');
      expect(offered).toContain('12:00');
      await bookAt(shop, '10:30').expect(409);

      for (const user of [owner, admin]) {
        const list = await t.http.get(staffPath(shop, 'time-off')).set(as(user)).expect(200);
        expect(list.body).toEqual({ items: [created.body], nextCursor: null });
      }
      await t.http.get(staffPath(shop, 'time-off')).set(as(otherOwner)).expect(403);
      await t.http.get(staffPath(shop, 'time-off')).set(as(customer)).expect(403);
      const window = await t.http
        .get(staffPath(shop, 'time-off'))
        .query({ from: at(date, '12:00') })
        .set(as(owner))
        .expect(200);
      expect(window.body.items).toEqual([]);

      await t.http
        .delete(staffPath(shop, `time-off/${created.body.id}`))
        .set(as(otherOwner))
        .expect(403);
      await t.http
        .delete(staffPath(shop, `time-off/${created.body.id}`))
        .set(as(owner))
        .expect(204);
      await t.http
        .delete(staffPath(shop, `time-off/${created.body.id}`))
        .set(as(owner))
        .expect(404);
      expect(await starts(shop)).toContain('10:30');
      await bookAt(shop, '10:30').expect(201);
    });

    it('spans days: a week off empties every day of it', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      await t.http
        .post(staffPath(shop, 'time-off'))
        .set(as(owner))
        .send({ startsAt: at(date, '00:00'), endsAt: at(localDate(10), '00:00') })
        .expect(201);
      expect(await slots(shop, date)).toEqual([]);
      expect(await slots(shop, localDate(9))).toEqual([]);
      expect((await slots(shop, localDate(10))).length).toBeGreaterThan(0);
    });

    it('refuses time off over a live booking (409 listing it), and bad ranges with 400', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = (await bookAt(shop, '11:00').expect(201)).body;
      const refused = await t.http
        .post(staffPath(shop, 'time-off'))
        .set(as(owner))
        .send({ startsAt: at(date, '10:00'), endsAt: at(date, '11:15') });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'SCHEDULE_CONFLICTS', details: [conflictOf(booking)] });
      // Right after the booking is fine.
      await t.http
        .post(staffPath(shop, 'time-off'))
        .set(as(owner))
        .send({ startsAt: at(date, '11:30'), endsAt: at(date, '12:00') })
        .expect(201);
      for (const body of [
        { startsAt: at(date, '12:00'), endsAt: at(date, '12:00') },
        { startsAt: at(date, '13:00'), endsAt: at(date, '12:00') },
        { startsAt: at(localDate(-3), '10:00'), endsAt: at(localDate(-2), '10:00') },
        { startsAt: 'tomorrow', endsAt: at(date, '12:00') },
      ]) {
        const response = await t.http.post(staffPath(shop, 'time-off')).set(as(owner)).send(body);
        expect(response.status).toBe(400);
        expect(['INVALID_TIME_OFF', 'VALIDATION_FAILED']).toContain(response.body.code);
      }
      await t.http
        .post(staffPath(shop, 'time-off'))
        .set(as(otherOwner))
        .send({ startsAt: at(date, '15:00'), endsAt: at(date, '16:00') })
        .expect(403);
    });

    it('a booking racing a time-off entry: exactly one of them lands', async () => {
      for (let round = 0; round < 5; round++) {
        const shop = await givenBookableShop(t.http, owner, admin);
        const [booking, timeOff] = await Promise.all([
          bookAt(shop, '10:00'),
          t.http
            .post(staffPath(shop, 'time-off'))
            .set(as(owner))
            .send({ startsAt: at(date, '09:45'), endsAt: at(date, '10:15') }),
        ]);
        expect([booking.status, timeOff.status].sort()).toEqual([201, 409]);
        if (timeOff.status === 409) expect(timeOff.body.code).toBe('SCHEDULE_CONFLICTS');
      }
    });
  });

  describe('date overrides', () => {
    const overridesPath = (shop: GivenShop) => `/api/v1/shops/${shop.id}/date-overrides`;

    it('closes a day at once, shows it to anyone, refuses a second one, and deleting opens the day again', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const created = await t.http
        .post(overridesPath(shop))
        .set(as(owner))
        .send({ date, openingHours: [], reason: 'Diwali' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        shopId: shop.id,
        date,
        openingHours: [],
        reason: 'Diwali',
      });
      expect(await slots(shop)).toEqual([]);
      await bookAt(shop, '10:00').expect(400);
      expect((await t.http.get(overridesPath(shop)).expect(200)).body).toEqual({
        items: [created.body],
        nextCursor: null,
      });
      expect(
        (
          await t.http
            .get(overridesPath(shop))
            .query({ from: localDate(4) })
            .expect(200)
        ).body.items,
      ).toEqual([]);
      const second = await t.http
        .post(overridesPath(shop))
        .set(as(owner))
        .send({ date, openingHours: [{ opens: '10:00', closes: '12:00' }] });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('DATE_OVERRIDE_EXISTS');
      await t.http
        .delete(`${overridesPath(shop)}/${created.body.id}`)
        .set(as(otherOwner))
        .expect(403);
      await t.http
        .delete(`${overridesPath(shop)}/${created.body.id}`)
        .set(as(owner))
        .expect(204);
      expect((await slots(shop)).length).toBeGreaterThan(0);
    });

    it('gives special hours for one date only', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      await t.http
        .post(overridesPath(shop))
        .set(as(owner))
        .send({
          date,
          openingHours: [
            { opens: '14:00', closes: '15:00' },
            { opens: '10:00', closes: '11:00' },
          ],
        })
        .expect(201);
      expect(await starts(shop)).toEqual(['10:00', '10:15', '10:30', '14:00', '14:15', '14:30']);
      expect((await slots(shop, localDate(4))).length).toBeGreaterThan(6);
    });

    it('refuses an override that strands a live booking (409 listing it), and deleting special hours that would', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = (await bookAt(shop, '18:00').expect(201)).body;
      const refused = await t.http
        .post(overridesPath(shop))
        .set(as(owner))
        .send({ date, openingHours: [{ opens: '09:00', closes: '17:00' }] });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'SCHEDULE_CONFLICTS', details: [conflictOf(booking)] });

      // Special hours on a closed weekday, a booking in them: removing the override would strand it.
      const closedDay = await givenBookableShop(t.http, owner, admin, { overrides: { openingHours: [] } });
      const special = await t.http
        .post(overridesPath(closedDay))
        .set(as(owner))
        .send({ date, openingHours: [{ opens: '10:00', closes: '12:00' }] })
        .expect(201);
      const inSpecial = (await bookAt(closedDay, '10:00').expect(201)).body;
      const removal = await t.http.delete(`${overridesPath(closedDay)}/${special.body.id}`).set(as(owner));
      expect(removal.status).toBe(409);
      expect(removal.body.details).toEqual([conflictOf(inSpecial)]);
    });

    it('refuses a past date, an impossible date, overlapping or inverted intervals (400), other owners (403)', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ date: localDate(-1), openingHours: [] }, 'DATE_IN_PAST'],
        [{ date: '2027-02-30', openingHours: [] }, 'VALIDATION_FAILED'],
        [{ date: 'someday', openingHours: [] }, 'VALIDATION_FAILED'],
        [
          {
            date,
            openingHours: [
              { opens: '09:00', closes: '12:00' },
              { opens: '11:00', closes: '13:00' },
            ],
          },
          'VALIDATION_FAILED',
        ],
        [{ date, openingHours: [{ opens: '12:00', closes: '09:00' }] }, 'VALIDATION_FAILED'],
      ];
      for (const [body, code] of cases) {
        const response = await t.http.post(overridesPath(shop)).set(as(owner)).send(body);
        expect(response.status).toBe(400);
        expect(response.body.code).toBe(code);
      }
      await t.http.post(overridesPath(shop)).set(as(otherOwner)).send({ date, openingHours: [] }).expect(403);
      await t.http.post(overridesPath(shop)).set(as(customer)).send({ date, openingHours: [] }).expect(403);
    });

    it('a booking racing a day closing: exactly one of them lands', async () => {
      for (let round = 0; round < 5; round++) {
        const shop = await givenBookableShop(t.http, owner, admin);
        const [booking, closing] = await Promise.all([
          bookAt(shop, '10:00'),
          t.http.post(overridesPath(shop)).set(as(owner)).send({ date, openingHours: [] }),
        ]);
        // The booking first: the closing would strand it (409). The closing first: no hours that day (400).
        expect([booking.status, closing.status].filter((status) => status === 201)).toHaveLength(1);
        if (booking.status === 201) expect(closing.body.code).toBe('SCHEDULE_CONFLICTS');
        else expect(booking.status).toBe(400);
      }
    });

    it('on a DST transition day in Europe/London, an override is kept on the wall clock', async () => {
      const day = nextTransitionDay(LONDON);
      const shop = await givenBookableShop(t.http, owner, admin, {
        overrides: { timezone: LONDON, slotIntervalMinutes: 60 },
      });
      await t.http
        .post(overridesPath(shop))
        .set(as(owner))
        .send({ date: day, openingHours: [{ opens: '00:00', closes: '04:00' }] })
        .expect(201);
      const offered = await slots(shop, day);
      const local = offered.map((slot) => DateTime.fromISO(slot.startsAt, { zone: LONDON }));
      expect(local.length).toBeGreaterThan(0);
      expect(local.every((start) => start.toISODate() === day && start.hour < 4)).toBe(true);
      // Each slot is 30 real minutes (the instants, not the wall clock), and ends by the 04:00 closing.
      for (const slot of offered) {
        expect(Date.parse(slot.endsAt) - Date.parse(slot.startsAt)).toBe(30 * 60_000);
        expect(Date.parse(slot.endsAt)).toBeLessThanOrEqual(Date.parse(at(day, '04:00', LONDON)));
      }
      if (DateTime.fromISO(day, { zone: LONDON }).month === 3) {
        // Spring forward: 01:00 does not exist.
        expect(local.map((start) => start.toFormat('HH:mm'))).toEqual(['00:00', '02:00', '03:00']);
      }
      const booked = await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: offered[0].startsAt,
      }).expect(201);
      expect(booked.body.startsAt).toBe(offered[0].startsAt);
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(day, '10:00', LONDON),
      }).expect(400);
    });
  });

  describe('service buffers', () => {
    const bufferedShop = async (closes = '24:00') => {
      const shop = await givenBookableShop(t.http, owner, admin, {
        services: 0,
        overrides: { openingHours: ALL_DAY.map((day) => ({ ...day, opens: '09:00', closes })) },
      });
      const service = await t.http
        .post(`/api/v1/shops/${shop.id}/services`)
        .set(as(owner))
        .send({ name: 'Colour', durationMinutes: 30, pricePaise: 50_000, bufferMinutes: 15 })
        .expect(201);
      expect(service.body.bufferMinutes).toBe(15);
      return { ...shop, services: [service.body] };
    };

    it('blocks the staff member for the service plus its buffer; endsAt is the end of the service', async () => {
      const shop = await bufferedShop();
      const booking = (await bookAt(shop, '10:00').expect(201)).body;
      expect(booking.endsAt).toBe(at(date, '10:30'));
      const offered = await starts(shop);
      // 09:30 + 30 + 15 runs into 10:00; 10:15 and 10:30 fall in the booking or its buffer.
      expect(offered).toEqual(expect.arrayContaining(['09:00', '09:15', '10:45']));
      for (const time of ['09:30', '09:45', '10:00', '10:15', '10:30']) expect(offered).not.toContain(time);
      await bookAt(shop, '10:30').expect(409);
      await bookAt(shop, '10:45').expect(201);
      const [{ blocked }] = await t.app
        .get(DataSource)
        .query(
          "SELECT blocked_until = ends_at + interval '15 minutes' AS blocked FROM bookings WHERE id = $1",
          [booking.id],
        );
      expect(blocked).toBe(true);
      expect((await noOverlappingLiveBookings(t.app.get(DataSource))).pass).toBe(true);
    });

    it('the buffer must fit before closing', async () => {
      const shop = await bufferedShop('18:00');
      const offered = await starts(shop);
      expect(offered.at(-1)).toBe('17:15');
      await bookAt(shop, '17:30').expect(400);
    });

    it('the database refuses an overlap of a buffer even when the application is bypassed', async () => {
      const shop = await bufferedShop();
      const booking = (await bookAt(shop, '10:00').expect(201)).body;
      const db = t.app.get(DataSource);
      await expect(
        db.query(
          `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                                 payment_method, amount_paise, commission_bps, commission_paise)
           SELECT customer_id, shop_id, service_id, staff_id, ends_at + interval '5 minutes',
                  ends_at + interval '35 minutes', local_date, 'upcoming', 'PAY_AT_SHOP', 100, 1000, 10
             FROM bookings WHERE id = $1`,
          [booking.id],
        ),
      ).rejects.toMatchObject({ driverError: { code: '23P01' } });
    });

    it('refuses buffers outside 0..120 with 400', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      for (const bufferMinutes of [-1, 121, 7.5, '10', null]) {
        await t.http
          .post(`/api/v1/shops/${shop.id}/services`)
          .set(as(owner))
          .send({ name: 'X', durationMinutes: 30, pricePaise: 1000, bufferMinutes })
          .expect(400);
      }
    });

    it('a reschedule keeps the buffer it was booked with', async () => {
      const shop = await bufferedShop();
      const booking = (await bookAt(shop, '10:00').expect(201)).body;
      const moved = await t.http
        .post(`/api/v1/bookings/${booking.id}/reschedule`)
        .set(as(customer))
        .send({ startsAt: at(date, '12:00') })
        .expect(200);
      expect(moved.body.endsAt).toBe(at(date, '12:30'));
      expect(await starts(shop)).not.toContain('12:30');
      expect(await starts(shop)).toContain('12:45');
    });
  });

  describe('PATCH /shops/:id/services/:serviceId', () => {
    it('edits a service; a new length or buffer is refused while it has live bookings, then slots follow', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const path = `/api/v1/shops/${shop.id}/services/${shop.services[0].id}`;
      const renamed = await t.http
        .patch(path)
        .set(as(owner))
        .send({ name: 'Fade', pricePaise: 45_000 })
        .expect(200);
      expect(renamed.body).toMatchObject({
        name: 'Fade',
        pricePaise: 45_000,
        durationMinutes: 30,
        bufferMinutes: 0,
      });
      const booking = (await bookAt(shop, '10:00').expect(201)).body;
      const refused = await t.http.patch(path).set(as(owner)).send({ bufferMinutes: 15 });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'SCHEDULE_CONFLICTS', details: [conflictOf(booking)] });
      await t.http.patch(path).set(as(owner)).send({ durationMinutes: 45 }).expect(409);
      await t.http.post(`/api/v1/bookings/${booking.id}/cancel`).set(as(owner)).send({}).expect(200);
      await t.http.patch(path).set(as(owner)).send({ durationMinutes: 45, bufferMinutes: 15 }).expect(200);
      const first = (await slots(shop)).find((slot) => slot.startsAt === at(date, '10:00'));
      expect(first?.endsAt).toBe(at(date, '10:45'));
      const moved = (await bookAt(shop, '10:00').expect(201)).body;
      expect(moved.endsAt).toBe(at(date, '10:45'));
      expect(await starts(shop)).not.toContain('10:45');
      expect(await starts(shop)).toContain('11:00');

      await t.http.patch(path).set(as(otherOwner)).send({ name: 'X' }).expect(403);
      await t.http.patch(path).set(as(owner)).send({ bufferMinutes: 121 }).expect(400);
      await t.http.patch(path).set(as(owner)).send({ durationMinutes: null }).expect(400);
      const other = await givenBookableShop(t.http, owner, admin);
      await t.http
        .patch(`/api/v1/shops/${shop.id}/services/${other.services[0].id}`)
        .set(as(owner))
        .send({ name: 'X' })
        .expect(404);
    });
  });

  describe('PATCH /shops/:id: opening hours and time zone', () => {
    it('refuses hours or a time zone that would strand a live booking, with the bookings in details', async () => {
      const shop = await givenBookableShop(t.http, owner, admin);
      const booking = (await bookAt(shop, '20:00').expect(201)).body;
      const hours = ALL_DAY.map((day) => ({ ...day, opens: '09:00', closes: '18:00' }));
      const refused = await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({ openingHours: hours });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'SCHEDULE_CONFLICTS', details: [conflictOf(booking)] });
      // 20:00 in Kolkata is 04:30 the next day on Kiritimati (UTC+14): the booking would leave its shop-day.
      await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({ timezone: 'Pacific/Kiritimati' })
        .expect(409);
      await t.http.post(`/api/v1/bookings/${booking.id}/cancel`).set(as(owner)).send({}).expect(200);
      await t.http.patch(`/api/v1/shops/${shop.id}`).set(as(owner)).send({ openingHours: hours }).expect(200);
    });
  });
});
