import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

import { DatabaseReader } from '../../src/database/replicas/database-reader';
import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { GivenShop, insertShops } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

const bearer = (user: GivenUser) => ({ Authorization: `Bearer ${user.accessToken}` });
const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

/**
 * Every list pages exactly: walking it one row at a time gives the full list, no row skipped, none twice, also
 * over rows written by one statement (one creation time) or within one millisecond (timestamps that differ only in
 * their microseconds). Its own database, so that the admin's lists hold only this suite's rows.
 */
describe('Keyset pagination of every list (e2e, own database)', () => {
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;
  let admin: GivenUser;
  let owner: GivenUser;
  let shop: GivenShop;

  beforeAll(async () => {
    database = await createScratchDatabase();
    t = await createTestApp({ DATABASE_URL: database.url });
    db = t.app.get(DataSource);
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    shop = await givenBookableShop(t.http, owner, admin, { staff: 2 });
  });

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  /** Every item of a list, read `limit` at a time by following nextCursor. */
  async function walk(
    path: string,
    as: GivenUser | undefined,
    query: Record<string, unknown>,
    limit: number,
  ) {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const request = t.http.get(path).query({ ...query, limit, ...(cursor ? { cursor } : {}) });
      if (as) request.set(bearer(as));
      const { body } = await request.expect(200);
      ids.push(...(body.items as Array<{ id: string }>).map((item) => item.id));
      if (body.nextCursor === null) return ids;
      cursor = body.nextCursor as string;
    }
    throw new Error(`${path} never ended`);
  }

  /** Paged one by one (and three by three) it is the full list, and the list holds at least `atLeast` rows. */
  async function expectExactPaging(
    path: string,
    as: GivenUser | undefined,
    atLeast: number,
    query: Record<string, unknown> = {},
  ) {
    const full = await walk(path, as, query, 100);
    expect(full.length).toBeGreaterThanOrEqual(atLeast);
    expect(new Set(full).size).toBe(full.length);
    expect(await walk(path, as, query, 1)).toEqual(full);
    expect(await walk(path, as, query, 3)).toEqual(full);
    return full;
  }

  /** A tampered or foreign cursor is refused with 400, never a 500. */
  async function expectTamperedRefused(path: string, as: GivenUser | undefined) {
    for (const cursor of [
      'not-base64-json!',
      cursorOf(['2030-02-30T10:00:00.000000Z', randomUUID()]),
      cursorOf(['2030-01-01 10:00:00', randomUUID()]),
      cursorOf(['2030-01-01T10:00:00.1234567Z', randomUUID()]),
      cursorOf(['2030-01-01T25:00:00Z', randomUUID()]),
      cursorOf(['2030-01-01T10:00:00Z', 'not-a-uuid']),
      cursorOf(['2030-01-01T10:00:00Z']),
    ]) {
      const request = t.http.get(path).query({ cursor });
      if (as) request.set(bearer(as));
      const response = await request.expect(400);
      expect(response.body.code).toMatch(/INVALID_CURSOR|VALIDATION/);
    }
  }

  it('pages notifications exactly (one booking writes several in one transaction)', async () => {
    const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const registered = await t.http
      .post('/api/v1/auth/register')
      .send({
        name: 'Asha Rao',
        email: `c-${randomUUID()}@example.test`,
        password: `pw-${randomUUID()}`,
        phone,
      })
      .expect(201);
    const customer = {
      id: registered.body.user.id,
      accessToken: registered.body.accessToken,
    } as GivenUser;
    for (const time of ['10:00', '11:00', '12:00'])
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(localDate(4), time),
      }).expect(201);
    // Rows of one millisecond that differ in microseconds, as concurrent transactions write them.
    const [{ booking_id: bookingId }] = await db.query(
      'SELECT booking_id FROM notifications WHERE user_id = $1 LIMIT 1',
      [customer.id],
    );
    await db.query(
      `INSERT INTO notifications (user_id, channel, template, booking_id, dedupe_key, created_at)
       SELECT $1, 'email', 'booking_reminder', $2, 'pagination-' || i, date_trunc('milliseconds', now()) + i * interval '1 microsecond'
         FROM generate_series(1, 5) AS i`,
      [customer.id, bookingId],
    );
    const mine = await expectExactPaging('/api/v1/notifications', customer, 3 + 5);
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM notifications WHERE user_id = $1', [
      customer.id,
    ]);
    expect(mine).toHaveLength(n);

    await expectExactPaging('/api/v1/admin/notifications', admin, n);
    await expectExactPaging('/api/v1/admin/notifications', admin, 5, { status: 'pending' });
    await expectTamperedRefused('/api/v1/notifications', customer);
    await expectTamperedRefused('/api/v1/admin/notifications', admin);
  });

  it('pages settlements exactly (a run writes its settlements in one statement)', async () => {
    const shopIds = await insertShops(
      t,
      owner.id,
      Array.from({ length: 4 }, () => ({ lat: 12.9, lng: 77.6 })),
    );
    await db.query(
      `WITH runs AS (
         INSERT INTO settlement_runs (cutoff, trigger, status) SELECT now(), 'admin', 'completed'
           FROM generate_series(1, 3) RETURNING id)
       INSERT INTO settlements (run_id, shop_id, cutoff, booking_count, online_collected_paise, commission_paise,
                                net_payable_paise, created_at)
       SELECT runs.id, shop_id, now(), 1, 1000, 100, 900,
              date_trunc('milliseconds', now()) + (row_number() OVER ()) * interval '1 microsecond'
         FROM runs, unnest($1::uuid[]) AS shop_id`,
      [shopIds],
    );
    await db.query(
      `INSERT INTO settlements (run_id, shop_id, cutoff, booking_count, online_collected_paise, commission_paise,
                                net_payable_paise)
       SELECT (SELECT id FROM settlement_runs ORDER BY created_at LIMIT 1), $1, now(), 1, 1000, 100, 900`,
      [shop.id],
    );
    await expectExactPaging('/api/v1/settlements', admin, 13);
    await expectExactPaging('/api/v1/settlements', owner, 13);
    await expectExactPaging('/api/v1/settlements', owner, 3, { shopId: shopIds[0] });
    const [{ run_id: runId }] = await db.query('SELECT run_id FROM settlements LIMIT 1');
    await expectExactPaging('/api/v1/settlements', admin, 4, { runId });
    await expectTamperedRefused('/api/v1/settlements', admin);
  });

  it('pages bookings exactly, also over starts that tie or differ in microseconds', async () => {
    const customer = await givenUser(t.http, 'customer');
    for (const time of ['09:00', '09:30'])
      await book(t.http, customer, {
        shopId: shop.id,
        serviceId: shop.services[0].id,
        startsAt: at(localDate(5), time),
      }).expect(201);
    // Past bookings straight into the table: two staff at one start, and starts a microsecond apart.
    await db.query(
      `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                             payment_method, amount_paise, commission_bps, commission_paise)
       SELECT $1, $2, $3, st, t, t + interval '30 minutes', (t AT TIME ZONE 'Asia/Kolkata')::date, 'completed',
              'PAY_AT_SHOP', 1000, 1000, 100
         FROM unnest($4::uuid[]) AS st,
              (SELECT date_trunc('second', now()) - interval '2 days' + i * interval '1 microsecond' AS t
                 FROM generate_series(0, 2) AS i) AS starts`,
      [customer.id, shop.id, shop.services[0].id, shop.staff.map((member) => member.id)],
    );
    await expectExactPaging('/api/v1/bookings', customer, 8);
    await expectExactPaging('/api/v1/bookings', owner, 8);
    await expectExactPaging('/api/v1/bookings', admin, 8);
    await expectExactPaging('/api/v1/bookings', admin, 6, { status: 'completed' });
    await expectTamperedRefused('/api/v1/bookings', admin);
  });

  it('pages shops, services and staff exactly (rows of one statement share their creation time)', async () => {
    const other = await givenUser(t.http, 'shop_owner');
    await insertShops(
      t,
      other.id,
      Array.from({ length: 7 }, () => ({ lat: 12.9, lng: 77.6, status: 'pending_approval' })),
    );
    await expectExactPaging('/api/v1/shops/mine', other, 7);
    await expectExactPaging('/api/v1/admin/shops', admin, 1 + 4 + 7);
    await expectExactPaging('/api/v1/admin/shops', admin, 7, { status: 'pending_approval' });
    await expectTamperedRefused('/api/v1/shops/mine', other);
    await expectTamperedRefused('/api/v1/admin/shops', admin);

    await db.query(
      `INSERT INTO services (shop_id, name, duration_minutes, price_paise)
       SELECT $1, 'Bulk service ' || i, 30, 10000 FROM generate_series(1, 6) AS i`,
      [shop.id],
    );
    await db.query(
      `INSERT INTO staff (shop_id, name) SELECT $1, 'Bulk staff ' || i FROM generate_series(1, 6) AS i`,
      [shop.id],
    );
    await expectExactPaging(`/api/v1/shops/${shop.id}/services`, undefined, 7);
    await expectExactPaging(`/api/v1/shops/${shop.id}/staff`, undefined, 8);
    await expectTamperedRefused(`/api/v1/shops/${shop.id}/services`, undefined);
    await expectTamperedRefused(`/api/v1/shops/${shop.id}/staff`, undefined);
  });

  describe('plans (EXPLAIN of the queries the lists send)', () => {
    beforeAll(async () => {
      // Enough rows that sorting a whole table would cost something: the plans must not.
      const [{ customer_id: customerId }] = await db.query('SELECT customer_id FROM bookings LIMIT 1');
      await db.query(
        `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                               payment_method, amount_paise, commission_bps, commission_paise)
         SELECT $1, $2, $3, $4, t, t + interval '10 minutes', (t AT TIME ZONE 'Asia/Kolkata')::date, 'completed',
                'PAY_AT_SHOP', 1000, 1000, 100
           FROM generate_series(now() - interval '300 days', now() - interval '3 days', interval '20 minutes') AS t`,
        [customerId, shop.id, shop.services[0].id, shop.staff[0].id],
      );
      await db.query(
        `INSERT INTO notifications (user_id, channel, template, booking_id, dedupe_key, status)
         SELECT customer_id, 'email', 'booking_reminder', id, 'bulk-' || id, 'sent'
           FROM bookings WHERE status = 'completed'`,
      );
      await insertShops(
        t,
        owner.id,
        Array.from({ length: 5000 }, (_, i) => ({ lat: 12 + i / 10000, lng: 77, status: 'suspended' })),
      );
      await db.query('ANALYZE bookings; ANALYZE notifications; ANALYZE shops');
    });

    /** The SQL and parameters of the reads a request sends through the reader. */
    async function readsOf(send: () => PromiseLike<unknown>): Promise<Array<[string, unknown[]]>> {
      const reader = t.app.get(DatabaseReader);
      const spy = jest.spyOn(reader, 'query');
      try {
        await send();
        return spy.mock.calls.map(([sql, params]) => [sql, params ?? []]);
      } finally {
        spy.mockRestore();
      }
    }

    /** Every node of a JSON plan. */
    function nodes(plan: Record<string, unknown>): Array<Record<string, unknown>> {
      const children = (plan.Plans as Array<Record<string, unknown>> | undefined) ?? [];
      return [plan, ...children.flatMap(nodes)];
    }

    async function planOf(sql: string, params: unknown[]) {
      const [
        {
          'QUERY PLAN': [{ Plan: plan }],
        },
      ] = await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
      return nodes(plan as Record<string, unknown>);
    }

    /** TypeORM's SQL for a request, for the lists that build it with TypeORM's query builder. */
    async function typeormReadsOf(send: () => PromiseLike<unknown>): Promise<Array<[string, unknown[]]>> {
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
      try {
        await send();
        return spy.mock.calls.map(([sql, params]) => [sql, (params as unknown[] | undefined) ?? []]);
      } finally {
        spy.mockRestore();
      }
    }

    it('reads the admin bookings list from a (starts_at, id) index, per partition, without sorting', async () => {
      const [[sql, params]] = (
        await readsOf(() => t.http.get('/api/v1/bookings').set(bearer(admin)).expect(200))
      ).filter(([text]) => text.includes('FROM bookings b'));
      expect(sql).toContain('ORDER BY b.starts_at, b.id');
      const plan = await planOf(sql, params);
      expect(plan.map((node) => node['Node Type'])).not.toContain('Sort');
      const scans = plan.filter((node) => String(node['Node Type']).startsWith('Index'));
      expect(scans.length).toBeGreaterThan(0);
      for (const scan of scans.filter((node) => String(node['Relation Name']).startsWith('bookings_')))
        expect(scan['Index Name']).toMatch(/starts_at_id_idx$/);
    });

    it('reads the admin notifications list from the (created_at, id) index, without sorting', async () => {
      const [[sql, params]] = (
        await readsOf(() => t.http.get('/api/v1/admin/notifications').set(bearer(admin)).expect(200))
      ).filter(([text]) => text.includes('FROM notifications'));
      const plan = await planOf(sql, params);
      expect(plan.map((node) => node['Node Type'])).not.toContain('Sort');
      expect(plan.map((node) => node['Index Name'])).toContain('notifications_created_idx');
    });

    it('reads the admin shops list from the (created_at, id) index, without sorting', async () => {
      const reads = (
        await typeormReadsOf(() => t.http.get('/api/v1/admin/shops').set(bearer(admin)).expect(200))
      ).filter(([text]) => text.includes('ORDER BY') && text.includes('"shops"'));
      expect(reads).toHaveLength(1);
      const plan = await planOf(reads[0][0], reads[0][1]);
      expect(plan.map((node) => node['Node Type'])).not.toContain('Sort');
      expect(plan.map((node) => node['Index Name'])).toContain('shops_created_idx');
    });
  });
});
