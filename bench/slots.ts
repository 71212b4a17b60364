/**
 * npm run bench:slots [-- --samples 300 --legacy-samples 100 --seconds 10 --connections 50 --rounds 3]
 *
 * A busy shop (8 staff, a month of bookings) in a bookings table of ~200k rows. Side by side, for random days of
 * that shop: slots from the cache (versions + Redis), from the read model without the cache, and computed the legacy
 * way from the bookings table (with the legacy's missing index, and with today's index for reference).
 *
 * Then over HTTP with wrk (bench/wrk.ts; -t1, --connections, --seconds per round), each against a bare baseline of
 * its own in the same run (bench/bare.ts), in --rounds alternating rounds: cached slots of 200 shop-days (the bare
 * endpoint: the same versions query and Redis GET, same answers), and booking creation over many free slots (the
 * bare endpoint: the same SERIALIZABLE transaction). Then a contention run on 3 slots that ends by proving there is
 * no overlap, whoever booked. The last line is `ratio: <API req/s / bare req/s>` for cached slots, with both p99s;
 * the line before it gives booking creation's.
 *
 * Beside the plain busy shop, a scheduled one as busy (8 staff in two shifts, time off on several days, a date
 * override, a 10-minute buffer after each service): its cached and uncached figures are printed in the same table,
 * to compare with the plain shop's in the same run.
 */
import { sign } from 'jsonwebtoken';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';

import { availableSlots } from '../libs/slots/slot-engine';
import { createApiApp } from '../src/app.factory';
import { AvailabilityRepository } from '../src/availability/availability.repository';
import { SlotsService } from '../src/availability/slots.service';
import { SlotsCache } from '../src/availability/slots-cache';
import { createRootLogger } from '../src/common/logging/logger';
import { AppConfig, buildAppConfig } from '../src/config/app.config';
import { runMigrations } from '../src/database/migrate';
import {
  argument,
  benchDatabase,
  benchEnv,
  median,
  printTable,
  quantile,
  startApi,
  startBare,
  timed,
} from './support';
import { compare, comparedRows, wrk, WrkRequest } from './wrk';

const SAMPLES = argument('samples', 300);
const LEGACY_SAMPLES = argument('legacy-samples', 100);
const SECONDS = argument('seconds', 10);
const CONNECTIONS = argument('connections', 50);
const ROUNDS = argument('rounds', 3);
const ZONE = 'Asia/Kolkata';
const OTHER_SHOPS = 200;
const HOURS = JSON.stringify(
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '09:00', closes: '21:00' })),
);

/** The API's booking transaction retries so far (a counter of its /metrics). */
async function retriesOf(metrics: () => Promise<string>): Promise<number> {
  return (await metrics())
    .split('\n')
    .filter((line) => line.startsWith('db_transaction_retries_total{operation="create_booking"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

interface Fixture {
  busyShopId: string;
  busyServiceId: string;
  scheduledShopId: string;
  scheduledServiceId: string;
  customerIds: string[];
  otherShops: Array<{ id: string; serviceId: string }>;
  contentionShop: { id: string; serviceId: string };
}

async function createShop(ds: DataSource, ownerId: string, name: string, staff: number) {
  const [shop] = await ds.query(
    `INSERT INTO shops (owner_id, name, address, location, timezone, opening_hours, slot_interval_minutes,
                        commission_bps, status)
     VALUES ($1, $2, 'Bench', ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography, $3, $4, 15, 1000, 'active')
     RETURNING id`,
    [ownerId, name, ZONE, HOURS],
  );
  const [service] = await ds.query(
    `INSERT INTO services (shop_id, name, duration_minutes, price_paise) VALUES ($1, 'Haircut', 30, 30000) RETURNING id`,
    [shop.id],
  );
  await ds.query(`INSERT INTO staff (shop_id, name) SELECT $1, 'Staff ' || g FROM generate_series(1, $2) g`, [
    shop.id,
    staff,
  ]);
  return { id: shop.id as string, serviceId: service.id as string };
}

/** Bookings every 30 minutes for each staff member on days -15..+15, ~70 % of them taken; then the read model. */
async function seed(ds: DataSource): Promise<Fixture> {
  const existing = await ds.query(`SELECT id FROM shops WHERE name = 'Busy bench shop'`);
  if (existing.length === 0) {
    console.log('Seeding the bench database...');
    const [owner] = await ds.query(
      `INSERT INTO users (name, email, password_hash, role) VALUES ('Owner', 'owner@bench.test', 'x', 'shop_owner')
       RETURNING id`,
    );
    await ds.query(
      `INSERT INTO users (name, email, password_hash, role)
       SELECT 'Customer ' || g, 'customer' || g || '@bench.test', 'x', 'customer' FROM generate_series(1, 20) g`,
    );
    await createShop(ds, owner.id, 'Busy bench shop', 8);
    for (let i = 0; i < OTHER_SHOPS; i++) await createShop(ds, owner.id, `Bench shop ${i}`, 3);
    await createShop(ds, owner.id, 'Contention bench shop', 2);
    const [customer] = await ds.query(`SELECT id FROM users WHERE role = 'customer' LIMIT 1`);
    await ds.query(
      `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                             payment_method, amount_paise, commission_bps, commission_paise)
       SELECT $1, sh.id, sv.id, st.id, t.starts_at, t.starts_at + interval '30 minutes',
              (t.starts_at AT TIME ZONE $2)::date,
              CASE WHEN t.starts_at < now() THEN 'completed' ELSE 'upcoming' END,
              'PAY_AT_SHOP', 30000, 1000, 3000
         FROM shops sh
         JOIN services sv ON sv.shop_id = sh.id
         JOIN staff st ON st.shop_id = sh.id
         CROSS JOIN LATERAL (
           SELECT (date_trunc('day', now() AT TIME ZONE $2) + d * interval '1 day' + interval '9 hours'
                   + h * interval '30 minutes') AT TIME ZONE $2 AS starts_at
             FROM generate_series(-15, 15) d, generate_series(0, 23) h
         ) t
        WHERE sh.name <> 'Contention bench shop' AND random() < 0.7`,
      [customer.id, ZONE],
    );
    await ds.query(
      `INSERT INTO availability_days (shop_id, local_date, version, busy)
       SELECT shop_id, local_date, 1, jsonb_object_agg(staff_id, entries)
         FROM (SELECT shop_id, local_date, staff_id,
                      jsonb_agg(jsonb_build_object('b', id, 's', (extract(epoch FROM starts_at) * 1000)::bigint,
                                                   'e', (extract(epoch FROM ends_at) * 1000)::bigint)
                                ORDER BY starts_at) AS entries
                 FROM bookings WHERE status IN ('pending_payment', 'upcoming')
                GROUP BY shop_id, local_date, staff_id) per_staff
        GROUP BY shop_id, local_date`,
    );
    await ds.query('ANALYZE');
  }
  await seedScheduled(ds);
  const shops: Array<{ id: string; name: string; service_id: string }> = await ds.query(
    `SELECT s.id, s.name, sv.id AS service_id FROM shops s JOIN services sv ON sv.shop_id = s.id`,
  );
  const busy = shops.find((shop) => shop.name === 'Busy bench shop')!;
  const scheduled = shops.find((shop) => shop.name === 'Scheduled bench shop')!;
  const contention = shops.find((shop) => shop.name === 'Contention bench shop')!;
  const customers: Array<{ id: string }> = await ds.query(`SELECT id FROM users WHERE role = 'customer'`);
  const count = await ds.query('SELECT count(*) AS n FROM bookings');
  console.log(`${count[0].n} bookings in the table`);
  return {
    busyShopId: busy.id,
    busyServiceId: busy.service_id,
    scheduledShopId: scheduled.id,
    scheduledServiceId: scheduled.service_id,
    customerIds: customers.map((c) => c.id),
    otherShops: shops
      .filter((shop) => shop.name.startsWith('Bench shop'))
      .map((shop) => ({ id: shop.id, serviceId: shop.service_id })),
    contentionShop: { id: contention.id, serviceId: contention.service_id },
  };
}

/**
 * A shop as busy as the plain one, with everything scheduling adds: 8 staff in two shifts (09:00-15:00 and
 * 14:00-21:00), a 10-minute buffer after its 30-minute service, bookings every 40 minutes (~70 % taken) inside each
 * shift, two staff members off for days 2-4 and one off 12:00-13:00 every day, and special hours on day 5.
 */
async function seedScheduled(ds: DataSource): Promise<void> {
  if ((await ds.query(`SELECT id FROM shops WHERE name = 'Scheduled bench shop'`)).length > 0) return;
  console.log('Seeding the scheduled bench shop...');
  const [owner] = await ds.query(`SELECT id FROM users WHERE role = 'shop_owner' LIMIT 1`);
  const [customer] = await ds.query(`SELECT id FROM users WHERE role = 'customer' LIMIT 1`);
  const shop = await createShop(ds, owner.id, 'Scheduled bench shop', 8);
  await ds.query('UPDATE services SET buffer_minutes = 10 WHERE id = $1', [shop.serviceId]);
  const shift = (opens: string, closes: string) =>
    JSON.stringify([1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens, closes })));
  await ds.query(
    `UPDATE staff SET working_hours = CASE WHEN s.n % 2 = 0 THEN $2::jsonb ELSE $3::jsonb END
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM staff WHERE shop_id = $1) s
      WHERE staff.id = s.id`,
    [shop.id, shift('09:00', '15:00'), shift('14:00', '21:00')],
  );
  await ds.query(
    `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, blocked_until, local_date,
                           status, payment_method, amount_paise, commission_bps, commission_paise)
     SELECT $1, $2, $3, st.id, t.starts_at, t.starts_at + interval '30 minutes', t.starts_at + interval '40 minutes',
            (t.starts_at AT TIME ZONE $4)::date,
            CASE WHEN t.starts_at < now() THEN 'completed' ELSE 'upcoming' END, 'PAY_AT_SHOP', 30000, 1000, 3000
       FROM staff st
      CROSS JOIN LATERAL (
        SELECT (date_trunc('day', now() AT TIME ZONE $4) + d * interval '1 day'
                + (st.working_hours -> 0 ->> 'opens')::time + h * interval '40 minutes') AT TIME ZONE $4 AS starts_at
          FROM generate_series(-15, 15) d, generate_series(0, 8) h
      ) t
      WHERE st.shop_id = $2 AND random() < 0.7
        AND NOT ((t.starts_at AT TIME ZONE $4)::time >= '12:00' AND (t.starts_at AT TIME ZONE $4)::time < '13:00')`,
    [customer.id, shop.id, shop.serviceId, ZONE],
  );
  const staff: Array<{ id: string }> = await ds.query('SELECT id FROM staff WHERE shop_id = $1 ORDER BY id', [
    shop.id,
  ]);
  const day = (d: number, time: string) =>
    DateTime.now()
      .setZone(ZONE)
      .startOf('day')
      .plus({ days: d })
      .set({ hour: Number(time.slice(0, 2)) })
      .toJSDate();
  for (const member of staff.slice(0, 2)) {
    // Days 2-4 off: their bookings then are cancelled first, as an owner would.
    await ds.query(
      `UPDATE bookings SET status = 'cancelled' WHERE staff_id = $1 AND starts_at < $3 AND blocked_until > $2`,
      [member.id, day(2, '00'), day(5, '00')],
    );
    await ds.query(
      'INSERT INTO staff_time_off (staff_id, shop_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)',
      [member.id, shop.id, day(2, '00'), day(5, '00')],
    );
  }
  for (let d = -15; d <= 15; d++) {
    await ds.query(
      'INSERT INTO staff_time_off (staff_id, shop_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)',
      [staff[2].id, shop.id, day(d, '12'), day(d, '13')],
    );
  }
  await ds.query(`INSERT INTO shop_date_overrides (shop_id, local_date, opening_hours) VALUES ($1, $2, $3)`, [
    shop.id,
    DateTime.now().setZone(ZONE).plus({ days: 5 }).toISODate(),
    JSON.stringify([{ opens: '10:00', closes: '18:00' }]),
  ]);
  await ds.query(
    `UPDATE bookings SET status = 'cancelled'
      WHERE shop_id = $1 AND local_date = $2
        AND ((starts_at AT TIME ZONE $3)::time < '10:00' OR (blocked_until AT TIME ZONE $3)::time > '18:00')`,
    [shop.id, DateTime.now().setZone(ZONE).plus({ days: 5 }).toISODate(), ZONE],
  );
  // The read model holds blocked ranges: the service plus its buffer.
  await ds.query(
    `INSERT INTO availability_days (shop_id, local_date, version, busy)
     SELECT shop_id, local_date, 1, jsonb_object_agg(staff_id, entries)
       FROM (SELECT shop_id, local_date, staff_id,
                    jsonb_agg(jsonb_build_object('b', id, 's', (extract(epoch FROM starts_at) * 1000)::bigint,
                                                 'e', (extract(epoch FROM blocked_until) * 1000)::bigint)
                              ORDER BY starts_at) AS entries
               FROM bookings WHERE shop_id = $1 AND status IN ('pending_payment', 'upcoming')
              GROUP BY shop_id, local_date, staff_id) per_staff
      GROUP BY shop_id, local_date`,
    [shop.id],
  );
  await ds.query('ANALYZE');
}

/** The legacy way: the day's bookings straight from the bookings table, then the same engine. */
async function legacySlots(
  ds: DataSource,
  config: AppConfig,
  shopId: string,
  serviceId: string,
  date: string,
  indexed: boolean,
) {
  return ds.transaction(async (manager) => {
    if (!indexed) {
      // The legacy schema had no index for this query.
      await manager.query('SET LOCAL enable_indexscan = off');
      await manager.query('SET LOCAL enable_bitmapscan = off');
    }
    const [shop] = await manager.query(
      `SELECT s.timezone, s.opening_hours, s.slot_interval_minutes, sv.duration_minutes
         FROM shops s JOIN services sv ON sv.id = $2 WHERE s.id = $1`,
      [shopId, serviceId],
    );
    const staff: Array<{ id: string }> = await manager.query('SELECT id FROM staff WHERE shop_id = $1', [
      shopId,
    ]);
    const day = DateTime.fromISO(date, { zone: shop.timezone });
    const bookings: Array<{ staff_id: string; starts_at: Date; ends_at: Date }> = await manager.query(
      `SELECT staff_id, starts_at, ends_at FROM bookings
        WHERE shop_id = $1 AND status IN ('pending_payment', 'upcoming') AND starts_at >= $2 AND starts_at < $3`,
      [shopId, day.toJSDate(), day.plus({ days: 1 }).toJSDate()],
    );
    const busy: Record<string, Array<{ start: number; end: number }>> = {};
    for (const b of bookings)
      (busy[b.staff_id] ??= []).push({ start: b.starts_at.getTime(), end: b.ends_at.getTime() });
    return availableSlots(
      date,
      {
        timezone: shop.timezone,
        openingHours: shop.opening_hours,
        slotIntervalMinutes: shop.slot_interval_minutes,
      },
      shop.duration_minutes,
      staff.map((s) => s.id),
      busy,
      { now: Date.now(), ...config.bookings },
    );
  });
}

function row(approach: string, samples: number[]) {
  return {
    approach,
    samples: samples.length,
    'median ms': median(samples).toFixed(3),
    'p99 ms': quantile(samples, 0.99).toFixed(3),
  };
}

async function main(): Promise<void> {
  // BENCH_SLOTS_DATABASE: another database, e.g. to keep a branch's schema away from the shared bench one.
  const databaseUrl = await benchDatabase(process.env.BENCH_SLOTS_DATABASE ?? 'hairone_bench_slots');
  const env = benchEnv(databaseUrl, { SLOTS_CACHE_TTL_SECONDS: '3600' });
  const config = buildAppConfig(env);
  await runMigrations(config);

  const app = await createApiApp(config, createRootLogger({ level: 'warn', name: 'bench' }));
  await app.init();
  const ds = app.get(DataSource);
  const fixture = await seed(ds);
  const slots = app.get(SlotsService);
  const availability = app.get(AvailabilityRepository);
  const cache = app.get(SlotsCache);

  const days = Array.from({ length: 14 }, (_, i) =>
    DateTime.now()
      .setZone(ZONE)
      .plus({ days: i + 1 })
      .toISODate()!,
  );
  const keyOf = async (date: string, shopId = fixture.busyShopId, serviceId = fixture.busyServiceId) => {
    const v = await availability.versions(shopId, date);
    return `${config.redis.keyPrefix}slots:${shopId}:${date}:${serviceId}:c${v!.config}:d${v!.day}`;
  };
  const scheduledKey = (date: string) => keyOf(date, fixture.scheduledShopId, fixture.scheduledServiceId);
  for (const date of days) {
    await cache.set(
      await keyOf(date),
      await slots.slots(fixture.busyShopId, date, fixture.busyServiceId),
      600_000,
    );
    await cache.set(
      await scheduledKey(date),
      await slots.slots(fixture.scheduledShopId, date, fixture.scheduledServiceId),
      600_000,
    );
  }

  // Sanity: the read model and the bookings table agree.
  const agreeDate = days[3];
  const fromModel = (await slots.slots(fixture.busyShopId, agreeDate, fixture.busyServiceId)).slots.length;
  const fromTable = (
    await legacySlots(ds, config, fixture.busyShopId, fixture.busyServiceId, agreeDate, true)
  ).length;
  console.log(`slots on ${agreeDate}: read model ${fromModel}, bookings table ${fromTable}`);

  const cached: number[] = [];
  const readModel: number[] = [];
  const scheduledCached: number[] = [];
  const scheduledReadModel: number[] = [];
  const legacy: number[] = [];
  const legacyIndexed: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const date = days[i % days.length];
    cached.push((await timed(async () => cache.get(await keyOf(date))))[0]);
    readModel.push((await timed(() => slots.slots(fixture.busyShopId, date, fixture.busyServiceId)))[0]);
    scheduledCached.push((await timed(async () => cache.get(await scheduledKey(date))))[0]);
    scheduledReadModel.push(
      (await timed(() => slots.slots(fixture.scheduledShopId, date, fixture.scheduledServiceId)))[0],
    );
    if (i < LEGACY_SAMPLES) {
      legacy.push(
        (
          await timed(() => legacySlots(ds, config, fixture.busyShopId, fixture.busyServiceId, date, false))
        )[0],
      );
      legacyIndexed.push(
        (
          await timed(() => legacySlots(ds, config, fixture.busyShopId, fixture.busyServiceId, date, true))
        )[0],
      );
    }
  }
  // Every run books the same future days afresh: forget what earlier runs booked there.
  const horizonStart = DateTime.now().setZone(ZONE).plus({ days: 16 }).toISODate();
  await ds.query('DELETE FROM idempotency_keys');
  await ds.query('DELETE FROM bookings WHERE local_date >= $1', [horizonStart]);
  await ds.query('DELETE FROM availability_days WHERE local_date >= $1', [horizonStart]);
  await app.close();

  // Over HTTP with wrk: the API and its bare baselines side by side, alternating rounds.
  const api = await startApi(env);
  const bareSlots = await startBare('slots', env);
  const bareBookings = await startBare('bookings', env);

  // Cached slots: 200 shop-days (each of the 200 plain shops on one of the next 14 days), all hits after a warm-up.
  const slotPaths = fixture.otherShops.map(
    (shop, i) => `/api/v1/shops/${shop.id}/slots?date=${days[i % days.length]}&serviceId=${shop.serviceId}`,
  );
  for (const path of slotPaths)
    if (!(await fetch(`${api.url}${path}`)).ok) throw new Error(`GET ${path} failed`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const path of slotPaths) {
    const [fromApi, fromBare] = await Promise.all(
      [api.url, bareSlots.url].map(async (url) => (await fetch(`${url}${path}`)).json()),
    );
    // Same answer from both (the bare endpoint answers only hits): the comparison is of equals.
    if (JSON.stringify(fromApi) !== JSON.stringify(fromBare)) {
      throw new Error(
        `Different answers for ${path}: ${JSON.stringify(fromApi).slice(0, 300)} / ${JSON.stringify(fromBare).slice(0, 300)}`,
      );
    }
  }
  const slotRequests = slotPaths.map((path) => ({ path }));
  await wrk(api.url, { requests: slotRequests, connections: CONNECTIONS, seconds: 3 });
  await wrk(bareSlots.url, { requests: slotRequests, connections: CONNECTIONS, seconds: 3 });
  const slotsCompared = await compare(
    { name: 'API', url: api.url, pid: api.pid, requests: slotRequests },
    { name: 'bare', url: bareSlots.url, pid: bareSlots.pid, requests: slotRequests },
    { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS },
  );

  // Booking creation: every round books its own slice of free slots (days 16-25 of the 200 plain shops).
  const tokens = fixture.customerIds.map((id) =>
    sign({ role: 'customer' }, env.JWT_SECRET, {
      subject: id,
      issuer: 'hairone-api',
      audience: 'hairone-clients',
      expiresIn: 3600,
    }),
  );
  const bodies: string[] = [];
  for (let d = 16; d < 26; d++) {
    const day = DateTime.now().setZone(ZONE).plus({ days: d }).toISODate();
    for (const shop of fixture.otherShops) {
      for (let h = 0; h < 24; h++) {
        const startsAt = DateTime.fromISO(`${day}T09:00`, { zone: ZONE })
          .plus({ minutes: 30 * h })
          .toISO();
        const body = JSON.stringify({
          shopId: shop.id,
          serviceId: shop.serviceId,
          startsAt,
          paymentMethod: 'PAY_AT_SHOP',
        });
        for (let s = 0; s < 3; s++) bodies.push(body);
      }
    }
  }
  // Customers book all over the place: shuffle, so that concurrent requests rarely share a shop-day.
  for (let i = bodies.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [bodies[i], bodies[j]] = [bodies[j], bodies[i]];
  }
  const asRequest = (body: string, i: number): WrkRequest => ({
    method: 'POST',
    path: '/api/v1/bookings',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` },
    body,
  });
  const slice = Math.min(Math.floor(bodies.length / (2 * ROUNDS + 2)), 1000 * SECONDS);
  const sliceOf = (n: number) => bodies.slice(n * slice, (n + 1) * slice).map(asRequest);
  // Warm-up: both sides, on slices of their own.
  await wrk(api.url, { requests: sliceOf(2 * ROUNDS), connections: CONNECTIONS, seconds: 3 });
  await wrk(bareBookings.url, { requests: sliceOf(2 * ROUNDS + 1), connections: CONNECTIONS, seconds: 3 });
  const retriesBefore = await retriesOf(api.metrics);
  const bookingsCompared = await compare(
    { name: 'API', url: api.url, pid: api.pid, requests: (round) => sliceOf(2 * round) },
    {
      name: 'bare',
      url: bareBookings.url,
      pid: bareBookings.pid,
      requests: (round) => sliceOf(2 * round + 1),
    },
    { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, countStatuses: true },
  );
  const retries = (await retriesOf(api.metrics)) - retriesBefore;

  const contentionDay = DateTime.now().setZone(ZONE).plus({ days: 50 }).toISODate();
  const contentionSlots = ['10:00', '10:15', '10:30'].map((time, i) =>
    asRequest(
      JSON.stringify({
        shopId: fixture.contentionShop.id,
        serviceId: fixture.contentionShop.serviceId,
        startsAt: DateTime.fromISO(`${contentionDay}T${time}`, { zone: ZONE }).toISO(),
        paymentMethod: 'PAY_AT_SHOP',
      }),
      i,
    ),
  );
  const contention = await wrk(api.url, {
    requests: contentionSlots,
    connections: CONNECTIONS,
    seconds: 5,
    countStatuses: true,
  });
  const statuses = contention.statuses;
  await Promise.all([api.stop(), bareSlots.stop(), bareBookings.stop()]);

  const check = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  const [{ n: overlapsFound }] = await check.query(
    `SELECT count(*) AS n FROM bookings a JOIN bookings b
       ON a.staff_id = b.staff_id AND a.id < b.id
      AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)
      WHERE a.status IN ('pending_payment', 'upcoming') AND b.status IN ('pending_payment', 'upcoming')`,
  );
  const [{ n: contentionBooked }] = await check.query(
    `SELECT count(*) AS n FROM bookings WHERE shop_id = $1 AND status = 'upcoming'`,
    [fixture.contentionShop.id],
  );
  await check.destroy();

  console.log(`\nSlots of a busy shop (8 staff, ~70 % booked), one day, ${SAMPLES} samples over 14 days`);
  printTable([
    row('cache hit (versions + Redis)', cached),
    row('read model, no cache', readModel),
    row('scheduled shop: cache hit', scheduledCached),
    row('scheduled shop: read model, no cache', scheduledReadModel),
    row('legacy: bookings table, no index', legacy),
    row('bookings table with index', legacyIndexed),
  ]);
  console.log(
    `\nCached slots over HTTP, GET /api/v1/shops/:id/slots, 200 shop-days, all cache hits: the API and a bare ` +
      `Fastify endpoint with the same never-stale semantics (versions from PostgreSQL, then Redis), wrk -t1 ` +
      `-c${CONNECTIONS} -d${SECONDS}s, ${ROUNDS} alternating rounds`,
  );
  printTable(comparedRows(slotsCompared, 'API', 'bare'));
  console.log(
    `\nBooking creation over HTTP, POST /api/v1/bookings (PAY_AT_SHOP, many free slots): the API and a bare ` +
      `Fastify endpoint running the same SERIALIZABLE transaction, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, ` +
      `${ROUNDS} alternating rounds`,
  );
  printTable(comparedRows(bookingsCompared, 'API', 'bare'));
  console.log(
    `API booking transactions retried after a serialization failure during those rounds: ${retries}`,
  );
  console.log(`\nContention: ${CONNECTIONS} connections for 5 s on 3 overlapping slots of a 2-staff shop`);
  printTable([
    {
      requests: contention.requests,
      '201': statuses.get(201) ?? 0,
      '409': statuses.get(409) ?? 0,
      other: [...statuses.entries()].filter(([s]) => s !== 201 && s !== 409).reduce((a, [, n]) => a + n, 0),
      'live bookings': Number(contentionBooked),
      'overlapping pairs (whole table)': Number(overlapsFound),
    },
  ]);
  if (Number(overlapsFound) !== 0) throw new Error('Overlapping bookings found');
  console.log(
    `scheduled / plain shop, medians: cached ${(median(scheduledCached) / median(cached)).toFixed(2)}x, ` +
      `no cache ${(median(scheduledReadModel) / median(readModel)).toFixed(2)}x`,
  );
  console.log(`legacy / cached slots, medians: ${(median(legacy) / median(cached)).toFixed(1)}x`);
  console.log(
    `booking creation: ratio ${bookingsCompared.ratio.toFixed(2)} (API ${Math.round(bookingsCompared.api.rps)} ` +
      `req/s p99 ${bookingsCompared.api.p99.toFixed(1)} ms, bare ${Math.round(bookingsCompared.bare.rps)} req/s ` +
      `p99 ${bookingsCompared.bare.p99.toFixed(1)} ms)`,
  );
  console.log(
    `ratio: ${slotsCompared.ratio.toFixed(2)} (cached slots, API req/s / bare req/s; API ` +
      `${Math.round(slotsCompared.api.rps)} req/s p99 ${slotsCompared.api.p99.toFixed(1)} ms, bare ` +
      `${Math.round(slotsCompared.bare.rps)} req/s p99 ${slotsCompared.bare.p99.toFixed(1)} ms)`,
  );
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
