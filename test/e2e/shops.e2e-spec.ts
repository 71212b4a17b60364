import { DataSource } from 'typeorm';

import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { givenShop, shopBody } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

describe('Shops, services and staff (e2e)', () => {
  let t: TestApp;
  let admin: GivenUser;
  let owner: GivenUser;
  let otherOwner: GivenUser;
  let customer: GivenUser;
  const as = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    otherOwner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /shops', () => {
    it('creates a pending shop owned by the caller with the default commission', async () => {
      const body = shopBody({ timezone: undefined, slotIntervalMinutes: undefined });
      const response = await t.http.post('/api/v1/shops').set(as(owner)).send(body).expect(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        ownerId: owner.id,
        name: body.name,
        address: body.address,
        location: { lat: 12.9716, lng: 77.5946 },
        timezone: 'Asia/Kolkata',
        openingHours: body.openingHours,
        slotIntervalMinutes: 15,
        commissionBps: 1000,
        // Issue 16: every shop has a cancellation policy, with the contract's defaults.
        cancellationPolicy: { freeCancellationHours: 24, lateCancellationFeeBps: 0, noShowFeeBps: 10_000 },
        status: 'pending_approval',
        // Issue 19: every shop carries its rating, none yet.
        ratingAverage: null,
        ratingCount: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('accepts several intervals a day, closed days, and stores them in a canonical order', async () => {
      const openingHours = [
        { weekday: 2, opens: '14:00', closes: '19:00' },
        { weekday: 2, opens: '09:00', closes: '13:00' },
        { weekday: 6, opens: '10:00', closes: '24:00' },
      ];
      const response = await t.http
        .post('/api/v1/shops')
        .set(as(owner))
        .send(shopBody({ openingHours }))
        .expect(201);
      expect(response.body.openingHours).toEqual([openingHours[1], openingHours[0], openingHours[2]]);
    });

    it('is for shop owners only', async () => {
      await t.http.post('/api/v1/shops').send(shopBody()).expect(401);
      await t.http.post('/api/v1/shops').set(as(customer)).send(shopBody()).expect(403);
      await t.http.post('/api/v1/shops').set(as(admin)).send(shopBody()).expect(403);
    });

    it.each([
      ['no name', { name: undefined }],
      ['a NUL character in the name', { name: 'Bad\u0000Name' }],
      ['an empty address', { address: ' ' }],
      ['no location', { location: undefined }],
      ['latitude 91', { location: { lat: 91, lng: 0 } }],
      ['longitude -180.5', { location: { lat: 0, lng: -180.5 } }],
      ['a string latitude', { location: { lat: '12.9', lng: 77.5 } }],
      ['an extra location field', { location: { lat: 1, lng: 1, alt: 3 } }],
      ['a lower-case time zone', { timezone: 'asia/kolkata' }],
      ['an offset instead of a zone', { timezone: '+05:30' }],
      ['an unknown zone', { timezone: 'Mars/Olympus_Mons' }],
      ['no opening hours', { openingHours: undefined }],
      ['weekday 0', { openingHours: [{ weekday: 0, opens: '09:00', closes: '17:00' }] }],
      ['weekday 8', { openingHours: [{ weekday: 8, opens: '09:00', closes: '17:00' }] }],
      ['a malformed time', { openingHours: [{ weekday: 1, opens: '9:00', closes: '17:00' }] }],
      ['closing before opening', { openingHours: [{ weekday: 1, opens: '17:00', closes: '09:00' }] }],
      ['opening equal to closing', { openingHours: [{ weekday: 1, opens: '09:00', closes: '09:00' }] }],
      [
        'overlapping intervals',
        {
          openingHours: [
            { weekday: 1, opens: '09:00', closes: '13:00' },
            { weekday: 1, opens: '12:30', closes: '17:00' },
          ],
        },
      ],
      [
        'an interval with extra fields',
        { openingHours: [{ weekday: 1, opens: '09:00', closes: '17:00', x: 1 }] },
      ],
      ['slot interval 4', { slotIntervalMinutes: 4 }],
      ['slot interval 61', { slotIntervalMinutes: 61 }],
      ['slot interval 7.5', { slotIntervalMinutes: 7.5 }],
      ['a status', { status: 'active' }],
      ['a commission', { commissionBps: 0 }],
      ['an owner id', { ownerId: '00000000-0000-0000-0000-000000000000' }],
    ])('refuses %s with 400', async (_label, patch) => {
      const response = await t.http.post('/api/v1/shops').set(as(owner)).send(shopBody(patch)).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('visibility and approval', () => {
    it('keeps a pending shop from the public and other owners, shows it to its owner and admins', async () => {
      const shop = await givenShop(t.http, owner, admin, { approved: false });
      await t.http.get(`/api/v1/shops/${shop.id}`).expect(404);
      await t.http.get(`/api/v1/shops/${shop.id}`).set(as(otherOwner)).expect(404);
      await t.http.get(`/api/v1/shops/${shop.id}`).set(as(customer)).expect(404);
      await t.http.get(`/api/v1/shops/${shop.id}/services`).expect(404);
      await t.http.get(`/api/v1/shops/${shop.id}/staff`).expect(404);
      expect((await t.http.get(`/api/v1/shops/${shop.id}`).set(as(owner)).expect(200)).body.status).toBe(
        'pending_approval',
      );
      await t.http.get(`/api/v1/shops/${shop.id}`).set(as(admin)).expect(200);
    });

    it('lets only admins approve and suspend; active shops are public, suspended ones are not', async () => {
      const shop = await givenShop(t.http, owner, admin, { approved: false });
      await t.http.post(`/api/v1/shops/${shop.id}/approve`).set(as(owner)).expect(403);
      await t.http.post(`/api/v1/shops/${shop.id}/approve`).set(as(customer)).expect(403);
      await t.http.post(`/api/v1/shops/${shop.id}/approve`).expect(401);

      const approved = await t.http.post(`/api/v1/shops/${shop.id}/approve`).set(as(admin)).expect(200);
      expect(approved.body.status).toBe('active');
      await t.http.post(`/api/v1/shops/${shop.id}/approve`).set(as(admin)).expect(200);
      expect((await t.http.get(`/api/v1/shops/${shop.id}`).expect(200)).body.status).toBe('active');

      await t.http.post(`/api/v1/shops/${shop.id}/suspend`).set(as(owner)).expect(403);
      const suspended = await t.http.post(`/api/v1/shops/${shop.id}/suspend`).set(as(admin)).expect(200);
      expect(suspended.body.status).toBe('suspended');
      await t.http.get(`/api/v1/shops/${shop.id}`).expect(404);
    });

    it('answers 404 for an unknown shop and 400 for a malformed id', async () => {
      await t.http.get('/api/v1/shops/00000000-0000-4000-8000-000000000000').expect(404);
      await t.http
        .post('/api/v1/shops/00000000-0000-4000-8000-000000000000/approve')
        .set(as(admin))
        .expect(404);
      const bad = await t.http.get('/api/v1/shops/not-a-uuid').expect(400);
      expect(bad.body.statusCode).toBe(400);
    });

    it('ignores an invalid token on a public route instead of failing', async () => {
      const shop = await givenShop(t.http, owner, admin);
      await t.http.get(`/api/v1/shops/${shop.id}`).set('Authorization', 'Bearer nonsense').expect(200);
    });
  });

  describe('PATCH /shops/:id', () => {
    it('lets the owner edit any field of the POST body', async () => {
      const shop = await givenShop(t.http, owner, admin);
      const response = await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({
          name: 'Renamed',
          location: { lat: 19.076, lng: 72.8777 },
          timezone: 'Asia/Dubai',
          slotIntervalMinutes: 30,
        })
        .expect(200);
      expect(response.body).toMatchObject({
        name: 'Renamed',
        location: { lat: 19.076, lng: 72.8777 },
        timezone: 'Asia/Dubai',
        slotIntervalMinutes: 30,
        status: 'active',
      });
    });

    it('bumps the configuration version when something that shapes slots changes, and only then', async () => {
      const shop = await givenShop(t.http, owner, admin);
      const version = async () =>
        (await t.app.get(DataSource).query('SELECT config_version FROM shops WHERE id = $1', [shop.id]))[0]
          .config_version as number;
      const before = await version();
      await t.http.patch(`/api/v1/shops/${shop.id}`).set(as(owner)).send({ name: 'Only a name' }).expect(200);
      expect(await version()).toBe(before);
      await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({ openingHours: [{ weekday: 1, opens: '10:00', closes: '18:00' }] })
        .expect(200);
      expect(await version()).toBe(before + 1);
      await t.http
        .post(`/api/v1/shops/${shop.id}/staff`)
        .set(as(owner))
        .send({ name: 'New hand' })
        .expect(201);
      expect(await version()).toBe(before + 2);
    });

    it('refuses other owners (403 on an active shop, 404 on one they cannot see) and customers', async () => {
      const active = await givenShop(t.http, owner, admin);
      const pending = await givenShop(t.http, owner, admin, { approved: false });
      await t.http
        .patch(`/api/v1/shops/${active.id}`)
        .set(as(otherOwner))
        .send({ name: 'Mine now' })
        .expect(403);
      await t.http
        .patch(`/api/v1/shops/${pending.id}`)
        .set(as(otherOwner))
        .send({ name: 'Mine now' })
        .expect(404);
      await t.http
        .patch(`/api/v1/shops/${active.id}`)
        .set(as(customer))
        .send({ name: 'Mine now' })
        .expect(403);
      expect((await t.http.get(`/api/v1/shops/${active.id}`).expect(200)).body.name).not.toBe('Mine now');
    });

    it('lets only an admin change the commission', async () => {
      const shop = await givenShop(t.http, owner, admin);
      const refused = await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(owner))
        .send({ commissionBps: 0 })
        .expect(403);
      expect(refused.body.code).toBe('COMMISSION_ADMIN_ONLY');
      const changed = await t.http
        .patch(`/api/v1/shops/${shop.id}`)
        .set(as(admin))
        .send({ commissionBps: 750 })
        .expect(200);
      expect(changed.body.commissionBps).toBe(750);
    });

    it.each([
      ['a status', { status: 'active' }],
      ['an owner', { ownerId: '00000000-0000-0000-0000-000000000000' }],
      ['an invalid time zone', { timezone: 'Nowhere' }],
      ['a commission over 100 %', { commissionBps: 10_001 }],
      ['a null name', { name: null }],
      ['a null commission', { commissionBps: null }],
      ['null opening hours', { openingHours: null }],
      ['a null slot interval', { slotIntervalMinutes: null }],
      ['a null time zone', { timezone: null }],
      [
        'overlapping hours',
        {
          openingHours: [
            { weekday: 3, opens: '09:00', closes: '12:00' },
            { weekday: 3, opens: '11:00', closes: '13:00' },
          ],
        },
      ],
    ])('refuses %s with 400', async (_label, patch) => {
      const shop = await givenShop(t.http, owner, admin);
      await t.http.patch(`/api/v1/shops/${shop.id}`).set(as(admin)).send(patch).expect(400);
    });
  });

  describe('services and staff', () => {
    it('lets the owner add them, and anyone list those of an active shop', async () => {
      const shop = await givenShop(t.http, owner, admin, { services: 0, staff: 0 });
      const service = await t.http
        .post(`/api/v1/shops/${shop.id}/services`)
        .set(as(owner))
        .send({ name: 'Beard trim', durationMinutes: 20, pricePaise: 19_900 })
        .expect(201);
      expect(service.body).toEqual({
        id: expect.any(String),
        shopId: shop.id,
        name: 'Beard trim',
        durationMinutes: 20,
        pricePaise: 19_900,
        bufferMinutes: 0,
      });
      const staff = await t.http
        .post(`/api/v1/shops/${shop.id}/staff`)
        .set(as(owner))
        .send({ name: 'Ravi' })
        .expect(201);
      expect(staff.body).toEqual({
        id: expect.any(String),
        shopId: shop.id,
        name: 'Ravi',
        workingHours: null,
        serviceIds: null,
      });

      const services = await t.http.get(`/api/v1/shops/${shop.id}/services`).expect(200);
      expect(services.body).toEqual({ items: [service.body], nextCursor: null });
      const team = await t.http.get(`/api/v1/shops/${shop.id}/staff`).expect(200);
      // Anyone sees who performs what; only the owner (and admins) see when they work.
      const { workingHours: _hours, ...visible } = staff.body;
      expect(team.body).toEqual({ items: [visible], nextCursor: null });
      const own = await t.http.get(`/api/v1/shops/${shop.id}/staff`).set(as(owner)).expect(200);
      expect(own.body).toEqual({ items: [staff.body], nextCursor: null });
    });

    it('refuses other owners, admins and customers', async () => {
      const shop = await givenShop(t.http, owner, admin);
      const service = { name: 'Cut', durationMinutes: 30, pricePaise: 20_000 };
      await t.http.post(`/api/v1/shops/${shop.id}/services`).set(as(otherOwner)).send(service).expect(403);
      await t.http.post(`/api/v1/shops/${shop.id}/services`).set(as(customer)).send(service).expect(403);
      await t.http
        .post(`/api/v1/shops/${shop.id}/staff`)
        .set(as(otherOwner))
        .send({ name: 'Spy' })
        .expect(403);
      await t.http.post(`/api/v1/shops/${shop.id}/staff`).set(as(admin)).send({ name: 'Admin' }).expect(403);
      await t.http.post(`/api/v1/shops/${shop.id}/staff`).send({ name: 'Anon' }).expect(401);
    });

    it.each([
      ['duration 4', { durationMinutes: 4 }],
      ['duration 481', { durationMinutes: 481 }],
      ['a fractional duration', { durationMinutes: 30.5 }],
      ['price 99 paise', { pricePaise: 99 }],
      ['a fractional price', { pricePaise: 100.5 }],
      ['a price in rupees as a string', { pricePaise: '499' }],
      ['no name', { name: undefined }],
      ['a shop id in the body', { shopId: '00000000-0000-0000-0000-000000000000' }],
    ])('refuses a service with %s', async (_label, patch) => {
      const shop = await givenShop(t.http, owner, admin);
      await t.http
        .post(`/api/v1/shops/${shop.id}/services`)
        .set(as(owner))
        .send({ name: 'Cut', durationMinutes: 30, pricePaise: 20_000, ...patch })
        .expect(400);
    });

    it('pages through a long list without gaps or repeats', async () => {
      const shop = await givenShop(t.http, owner, admin, { staff: 0 });
      for (let i = 0; i < 7; i++) {
        await t.http
          .post(`/api/v1/shops/${shop.id}/staff`)
          .set(as(owner))
          .send({ name: `S${i}` })
          .expect(201);
      }
      const names: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ name: string }>; nextCursor: string | null } } = await t.http
          .get(`/api/v1/shops/${shop.id}/staff`)
          .query({ limit: 3, ...(cursor ? { cursor } : {}) })
          .expect(200);
        names.push(...page.body.items.map((item) => item.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(names).toEqual(['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6']);
    });

    it('refuses page sizes out of range and forged cursors', async () => {
      const shop = await givenShop(t.http, owner, admin);
      await t.http.get(`/api/v1/shops/${shop.id}/staff`).query({ limit: 0 }).expect(400);
      await t.http.get(`/api/v1/shops/${shop.id}/staff`).query({ limit: 101 }).expect(400);
      const forged = await t.http
        .get(`/api/v1/shops/${shop.id}/staff`)
        .query({ cursor: 'bm9wZQ' })
        .expect(400);
      expect(forged.body.code).toBe('INVALID_CURSOR');
    });
  });

  describe('listings for owners and admins', () => {
    it('GET /shops/mine lists only the caller’s shops, in every status', async () => {
      const someOwner = await givenUser(t.http, 'shop_owner');
      const pending = await givenShop(t.http, someOwner, admin, { approved: false });
      const active = await givenShop(t.http, someOwner, admin);
      await givenShop(t.http, otherOwner, admin);
      const response = await t.http.get('/api/v1/shops/mine').set(as(someOwner)).expect(200);
      expect(response.body.items.map((shop: { id: string }) => shop.id)).toEqual([pending.id, active.id]);
      await t.http.get('/api/v1/shops/mine').set(as(customer)).expect(403);
    });

    it('GET /admin/shops?status=pending_approval is the approval queue, for admins only', async () => {
      const pending = await givenShop(t.http, owner, admin, { approved: false });
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Array<{ id: string; status: string }>; nextCursor: string | null } } =
          await t.http
            .get('/api/v1/admin/shops')
            .set(as(admin))
            .query({ status: 'pending_approval', limit: 100, ...(cursor ? { cursor } : {}) })
            .expect(200);
        expect(page.body.items.every((shop) => shop.status === 'pending_approval')).toBe(true);
        ids.push(...page.body.items.map((shop) => shop.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(ids).toContain(pending.id);
      await t.http.get('/api/v1/admin/shops').set(as(owner)).expect(403);
      await t.http.get('/api/v1/admin/shops').set(as(admin)).query({ status: 'open' }).expect(400);
    });
  });
});
