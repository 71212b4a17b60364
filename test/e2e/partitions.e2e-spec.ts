import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { buildDataSourceOptions } from '../../src/database/data-source.options';
import { MIGRATIONS } from '../../src/database/migrations';
import { at, book, givenBookableShop, localDate } from '../support/bookings';
import {
  createScratchDatabase,
  createTestDatabase,
  dropTestDatabase,
  ScratchDatabase,
} from '../support/database';
import { givenAdmin, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { eventually } from '../support/payments';
import { spawnEntry, waitForOutput } from '../support/processes';
import { createTestApp, TestApp } from '../support/test-app';
import { testConfig, testEnv } from '../support/test-env';

const partitionOf = (date: string) => `bookings_${date.slice(0, 4)}_${date.slice(5, 7)}`;
const monthsFromNow = (months: number) => {
  const date = new Date();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  return date.toISOString().slice(0, 10);
};

/** Bookings partitioned by month of their local date (own database: the suite creates and drops partitions). */
describe('Partitioned bookings (own database)', () => {
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    database = await createScratchDatabase();
    t = await createTestApp({ DATABASE_URL: database.url });
    db = t.app.get(DataSource);
  });

  // The no-overlap test inserts bookings straight into their partitions, without their read model.
  afterAll(
    () =>
      db &&
      assertInvariants(db, {
        skip: { 'read-model-matches-live-bookings': 'bookings inserted straight into partitions' },
      }),
  );

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  const explain = async (sql: string, parameters: unknown[]) =>
    (
      await db.query<Array<{ 'QUERY PLAN': string }>>(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${sql}`,
        parameters,
      )
    )
      .map((row) => row['QUERY PLAN'])
      .join('\n');
  /** The partitions a plan actually read (pruned ones are absent or marked never executed). */
  const partitionsRead = (plan: string) =>
    new Set(
      plan
        .split('\n')
        .filter((line) => !line.includes('never executed'))
        .flatMap((line) => line.match(/bookings_\d{4}_\d{2}/g) ?? []),
    );

  it('keeps each booking in the partition of its local month, and lookups read that one partition', async () => {
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(3);
    const booking = await book(t.http, customer, {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(date, '10:00'),
    }).expect(201);

    const [{ partition }] = await db.query<Array<{ partition: string }>>(
      'SELECT tableoid::regclass::text AS partition FROM bookings WHERE id = $1',
      [booking.body.id],
    );
    expect(partition).toBe(partitionOf(date));

    // By id, as the repositories do it: the directory gives the local date, which the planner prunes with.
    const [{ local_date: localDateOfBooking }] = await db.query(
      "SELECT to_char(local_date, 'YYYY-MM-DD') AS local_date FROM booking_keys WHERE id = $1",
      [booking.body.id],
    );
    expect(localDateOfBooking).toBe(date);
    const byId = await explain('SELECT * FROM bookings b WHERE b.id = $1 AND b.local_date = $2', [
      booking.body.id,
      localDateOfBooking,
    ]);
    expect([...partitionsRead(byId)]).toEqual([partitionOf(date)]);
    // By shop-day (the booking path, lazy expiry): pruned when planned.
    const byShopDay = await explain(
      "SELECT id FROM bookings WHERE shop_id = $1 AND local_date = $2::date AND status = 'pending_payment'",
      [shop.id, date],
    );
    expect([...partitionsRead(byShopDay)]).toEqual([partitionOf(date)]);
    // The API answers as before.
    await t.http
      .get(`/api/v1/bookings/${booking.body.id}`)
      .set('Authorization', `Bearer ${customer.accessToken}`)
      .expect(200);
  });

  it('keeps the no-overlap constraint in every partition, this month and months ahead', async () => {
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const shop = await givenBookableShop(t.http, owner, admin);
    const insert = (day: string, from: string, to: string) =>
      db.query(
        `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                               payment_method, amount_paise, commission_bps, commission_paise)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'upcoming', 'PAY_AT_SHOP', 100, 1000, 10)`,
        [customer.id, shop.id, shop.services[0].id, shop.staff[0].id, at(day, from), at(day, to), day],
      );
    for (const day of [localDate(2), monthsFromNow(6).slice(0, 8) + '15']) {
      await insert(day, '10:00', '10:30');
      await expect(insert(day, '10:15', '10:45')).rejects.toMatchObject({ driverError: { code: '23P01' } });
    }
  });

  it('lets the worker create the partitions ahead of the booking horizon, however many workers try at once', async () => {
    // The migration made partitions 13 months ahead; 365 days of horizon plus the 2-month margin reach month 14.
    const farMonth = monthsFromNow(14);
    expect((await db.query('SELECT to_regclass($1) AS p', [partitionOf(farMonth)]))[0].p).toBeNull();
    const env = testEnv({
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}partitions:`,
      BOOKING_HORIZON_DAYS: '365',
    });
    const workers = [spawnEntry('worker', env), spawnEntry('worker', env)];
    try {
      await Promise.all(workers.map((worker) => waitForOutput(worker, /HairOne worker started/)));
      await eventually(
        async () => (await db.query('SELECT to_regclass($1) AS p', [partitionOf(farMonth)]))[0].p,
        (partition) => partition !== null,
      );
      expect(workers.map((worker) => worker.output()).join('\n')).toMatch(/Booking partitions created/);
      expect(workers.map((worker) => worker.output()).join('\n')).not.toMatch(
        /Could not create booking partitions/,
      );
    } finally {
      for (const worker of workers) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
    // Concurrent calls create each month once.
    const far = [monthsFromNow(30), monthsFromNow(32)];
    const created = await Promise.all(
      Array.from({ length: 4 }, () => db.query('SELECT ensure_booking_partitions($1, $2) AS n', far)),
    );
    expect(created.reduce((sum, [row]) => sum + Number(row.n), 0)).toBe(3);
  });
});

describe('Converting an existing bookings table to partitions (the migration path)', () => {
  const name = `${process.env.HAIRONE_TEST_DATABASE}_m${randomUUID().slice(0, 6)}`;
  let db: DataSource;

  // Its bookings are inserted before the conversion, straight into the table, without their read model.
  afterAll(
    () =>
      db &&
      assertInvariants(db, {
        skip: { 'read-model-matches-live-bookings': 'bookings inserted straight into the table' },
      }),
  );

  afterAll(async () => {
    await db?.destroy();
    await dropTestDatabase(name);
  });

  it('moves every booking, keeps every reference and the no-overlap rule', async () => {
    const url = await createTestDatabase(name);
    const options = buildDataSourceOptions(testConfig({ DATABASE_URL: url }), 'hairone-test');
    // Every migration before the conversion; the later ones (which expect partitions) run after it, as on upgrade.
    const conversion = MIGRATIONS.findIndex(
      (migration) => migration.name === 'PartitionedBookings1796100000000',
    );
    const before = MIGRATIONS.slice(0, conversion);
    db = await new DataSource({ ...options, migrations: before }).initialize();
    await db.runMigrations({ transaction: 'each' });

    // An unpartitioned table with history: one booking two years back, one last week, one next week.
    const [{ id: owner }] = await db.query(
      "INSERT INTO users (name, email, password_hash, role) VALUES ('O', 'o@x.test', 'x', 'shop_owner') RETURNING id",
    );
    const [{ id: customer }] = await db.query(
      "INSERT INTO users (name, email, password_hash, role) VALUES ('C', 'c@x.test', 'x', 'customer') RETURNING id",
    );
    const [{ id: shop }] = await db.query(
      `INSERT INTO shops (owner_id, name, address, location, timezone, commission_bps, status)
       VALUES ($1, 'S', 'A', ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography, 'Asia/Kolkata', 1000, 'active')
       RETURNING id`,
      [owner],
    );
    const [{ id: service }] = await db.query(
      "INSERT INTO services (shop_id, name, duration_minutes, price_paise) VALUES ($1, 'Cut', 30, 100) RETURNING id",
      [shop],
    );
    const [{ id: staff }] = await db.query(
      "INSERT INTO staff (shop_id, name) VALUES ($1, 'X') RETURNING id",
      [shop],
    );
    const days = [monthsFromNow(-24).slice(0, 8) + '10', localDate(-7), localDate(7)];
    const ids: string[] = [];
    for (const day of days) {
      const [{ id }] = await db.query(
        `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                               payment_method, amount_paise, commission_bps, commission_paise)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'upcoming', 'ONLINE', 100, 1000, 10) RETURNING id`,
        [customer, shop, service, staff, at(day, '10:00'), at(day, '10:30'), day],
      );
      await db.query(
        `INSERT INTO payments (booking_id, provider, key_id, provider_order_id, amount_paise, currency)
         VALUES ($1, 'razorpay', 'k', $2, 100, 'INR')`,
        [id, `order_${id.slice(0, 8)}`],
      );
      ids.push(id);
    }

    await db.destroy();
    db = await new DataSource({ ...options, migrations: MIGRATIONS }).initialize();
    expect((await db.runMigrations({ transaction: 'each' })).map((migration) => migration.name)).toEqual(
      MIGRATIONS.slice(conversion).map((migration) => migration.name),
    );

    const moved = await db.query<Array<{ id: string; partition: string }>>(
      'SELECT id, tableoid::regclass::text AS partition FROM bookings ORDER BY local_date',
    );
    expect(moved).toEqual(ids.map((id, i) => ({ id, partition: partitionOf(days[i]) })));
    const [{ partitioned }] = await db.query(
      "SELECT relkind = 'p' AS partitioned FROM pg_class WHERE relname = 'bookings'",
    );
    expect(partitioned).toBe(true);
    // References now go through the booking directory, and still hold.
    expect(
      await db.query('SELECT count(*)::int AS n FROM payments p JOIN booking_keys k ON k.id = p.booking_id'),
    ).toEqual([{ n: 3 }]);
    await expect(
      db.query(
        "INSERT INTO payments (booking_id, provider, key_id, provider_order_id, amount_paise, currency) VALUES ($1, 'razorpay', 'k', 'order_x', 1, 'INR')",
        [randomUUID()],
      ),
    ).rejects.toMatchObject({ driverError: { code: '23503' } });
    // The no-overlap rule holds in the converted partitions.
    await expect(
      db.query(
        `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                               payment_method, amount_paise, commission_bps, commission_paise)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'upcoming', 'PAY_AT_SHOP', 100, 1000, 10)`,
        [customer, shop, service, staff, at(days[2], '10:15'), at(days[2], '10:45'), days[2]],
      ),
    ).rejects.toMatchObject({ driverError: { code: '23P01' } });
  });
});
