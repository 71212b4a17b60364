/**
 * npm run bench:partitions [-- --rows 10000000 --seconds 15 --connections 20 --rounds 2]
 *
 * The booking write path on a partitioned bookings table against an unpartitioned one, side by side: two bench
 * databases, one migrated up to the version before partitioning and one to the current schema, each holding the
 * same `rows` bookings (10 million by default, over 18 months of 20,000 staff members), then the same write load
 * against each in turn, alternating: `connections` clients each running, as fast as they can, the statements that
 * partitioning changes in the booking path, in one transaction: insert a booking into a free slot (the table's
 * indexes, the no-overlap constraint and, partitioned, the routing and the booking directory), read it back by id,
 * and change its status by id, as payment confirmation and cancellation do. The rest of the booking transaction
 * (the read model, the outbox) does not depend on the layout and is left out. Reports transactions/s and latency
 * (medians over the rounds), sizes, and `ratio: <partitioned / unpartitioned transactions/s>`.
 */
import { DateTime } from 'luxon';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';

import { buildAppConfig } from '../src/config/app.config';
import { buildDataSourceOptions } from '../src/database/data-source.options';
import { MIGRATIONS } from '../src/database/migrations';
import { argument, benchEnv, freshBenchDatabase, median, printTable, quantile } from './support';

const ROWS = argument('rows', 10_000_000);
const SECONDS = argument('seconds', 15);
const CONNECTIONS = argument('connections', 8);
const ROUNDS = argument('rounds', 2);
const ZONE = 'Asia/Kolkata';
const SEEDED_SHOPS = 10_000;
const STAFF_PER_SHOP = 2;
const BENCH_SHOPS = 200;
const HOURS = JSON.stringify(
  [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '00:00', closes: '24:00' })),
);

type Layout = 'unpartitioned' | 'partitioned';

interface Target {
  layout: Layout;
  databaseUrl: string;
  shops: Array<{ id: string; serviceId: string; staffIds: string[] }>;
  customerId: string;
}

/** Shops, services and staff, set-based. */
async function insertShops(ds: DataSource, ownerId: string, count: number, label: string, staff: number) {
  await ds.query(
    `WITH s AS (
       INSERT INTO shops (owner_id, name, address, location, timezone, opening_hours, slot_interval_minutes,
                          commission_bps, status)
       SELECT $1, $2 || ' ' || g, 'Bench', ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography, $3, $4, 15,
              1000, 'active'
         FROM generate_series(1, $5) g
       RETURNING id),
     sv AS (INSERT INTO services (shop_id, name, duration_minutes, price_paise)
            SELECT id, 'Cut', 30, 30000 FROM s RETURNING shop_id)
     INSERT INTO staff (shop_id, name) SELECT shop_id, 'Staff ' || k FROM sv, generate_series(1, $6) k`,
    [ownerId, label, ZONE, HOURS, count, staff],
  );
}

/**
 * `rows` bookings over the seeded shops' staff: one a day per staff member at a time of day that depends on the
 * row, over 18 months around today, so nothing overlaps; loaded in batches.
 */
async function seed(ds: DataSource, layout: Layout): Promise<Omit<Target, 'databaseUrl' | 'layout'>> {
  const [owner] = await ds.query(
    "INSERT INTO users (name, email, password_hash, role) VALUES ('Owner', 'owner@bench.test', 'x', 'shop_owner') RETURNING id",
  );
  const [customer] = await ds.query(
    "INSERT INTO users (name, email, password_hash, role) VALUES ('Customer', 'c@bench.test', 'x', 'customer') RETURNING id",
  );
  await insertShops(ds, owner.id, SEEDED_SHOPS, 'Seeded shop', STAFF_PER_SHOP);
  await insertShops(ds, owner.id, BENCH_SHOPS, 'Bench shop', 3);
  await ds.query(
    `CREATE TEMP TABLE seeded_staff AS
       SELECT row_number() OVER (ORDER BY st.id) - 1 AS n, st.id AS staff_id, st.shop_id, sv.id AS service_id
         FROM staff st JOIN services sv ON sv.shop_id = st.shop_id JOIN shops s ON s.id = st.shop_id
        WHERE s.name LIKE 'Seeded shop %'`,
  );
  const staffCount = SEEDED_SHOPS * STAFF_PER_SHOP;
  const started = Date.now();
  const batch = 500_000;
  for (let from = 0; from < ROWS; from += batch) {
    const to = Math.min(ROWS, from + batch) - 1;
    // Row g: staff g % staffCount, day (g / staffCount) % 540 from 12 months back, hour (g / (staffCount * 540)).
    await ds.query(
      `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                             payment_method, amount_paise, commission_bps, commission_paise)
       SELECT $1, ss.shop_id, ss.service_id, ss.staff_id, t.starts_at, t.starts_at + interval '30 minutes',
              (t.starts_at AT TIME ZONE $4)::date,
              CASE WHEN t.starts_at < now() THEN 'completed' ELSE 'upcoming' END, 'PAY_AT_SHOP', 30000, 1000, 3000
         FROM generate_series($2::bigint, $3::bigint) g
         JOIN seeded_staff ss ON ss.n = g % ${staffCount}
         CROSS JOIN LATERAL (
           SELECT ((date_trunc('day', now() AT TIME ZONE $4) - interval '12 months'
                    + ((g / ${staffCount}) % 540) * interval '1 day'
                    + (8 + (g / (${staffCount} * 540)) % 14) * interval '1 hour') AT TIME ZONE $4) AS starts_at
         ) t`,
      [customer.id, from, to, ZONE],
    );
    process.stdout.write(
      `  ${layout}: ${to + 1} bookings (${((Date.now() - started) / 1000).toFixed(0)} s)\n`,
    );
  }
  await ds.query('ANALYZE');
  const shops: Array<{ id: string; service_id: string; staff_ids: string[] }> = await ds.query(
    `SELECT s.id, sv.id AS service_id, array_agg(st.id) AS staff_ids
       FROM shops s JOIN services sv ON sv.shop_id = s.id JOIN staff st ON st.shop_id = s.id
      WHERE s.name LIKE 'Bench shop %' GROUP BY s.id, sv.id`,
  );
  return {
    shops: shops.map((shop) => ({ id: shop.id, serviceId: shop.service_id, staffIds: shop.staff_ids })),
    customerId: customer.id,
  };
}

async function prepare(layout: Layout): Promise<Target> {
  const name = `hairone_bench_partitions_${layout}`;
  const databaseUrl = await freshBenchDatabase(name);
  const env = benchEnv(databaseUrl);
  const migrations =
    layout === 'partitioned'
      ? MIGRATIONS
      : MIGRATIONS.filter((migration) => migration.name !== 'PartitionedBookings1796100000000');
  const ds = await new DataSource({
    ...buildDataSourceOptions(buildAppConfig(env), 'hairone-bench'),
    migrations,
  }).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    console.log(`Seeding ${ROWS} bookings into the ${layout} table...`);
    return { layout, databaseUrl, ...(await seed(ds, layout)) };
  } finally {
    await ds.destroy();
  }
}

/** Free 30-minute slots of the bench shops (never used twice), shuffled so that clients rarely share a shop-day. */
function freeSlots(target: Target, round: number) {
  const slots: Array<{ shopId: string; serviceId: string; staffId: string; day: string; startsAt: string }> =
    [];
  for (let d = 0; d < 10; d++) {
    const day = DateTime.now()
      .setZone(ZONE)
      .plus({ days: 20 + round * 10 + d });
    for (const shop of target.shops) {
      for (let slot = 0; slot < 48; slot++) {
        const startsAt = day
          .startOf('day')
          .plus({ minutes: 30 * slot })
          .toISO() as string;
        for (const staffId of shop.staffIds) {
          slots.push({
            shopId: shop.id,
            serviceId: shop.serviceId,
            staffId,
            day: day.toISODate() as string,
            startsAt,
          });
        }
      }
    }
  }
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots;
}

async function measure(target: Target, round: number) {
  const pool = new Pool({ connectionString: target.databaseUrl, max: CONNECTIONS });
  // A lookup by id in each layout: partitioned, the repositories read the local date from the directory first and
  // name it, so that only its partition is planned (src/bookings/booking-keys.ts).
  const partitioned = target.layout === 'partitioned';
  const byId = partitioned ? 'id = $1 AND local_date = $2' : 'id = $1';
  const slots = freeSlots(target, round);
  let next = 0;
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  const client = async () => {
    const connection = await pool.connect();
    try {
      while (Date.now() < deadline) {
        const slot = slots[next++ % slots.length];
        const started = process.hrtime.bigint();
        await connection.query('BEGIN');
        const [{ id }] = (
          await connection.query(
            `INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date,
                                   status, payment_method, amount_paise, commission_bps, commission_paise, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '30 minutes', $6, 'pending_payment', 'ONLINE',
                     30000, 1000, 3000, now() + interval '15 minutes')
             RETURNING id`,
            [target.customerId, slot.shopId, slot.serviceId, slot.staffId, slot.startsAt, slot.day],
          )
        ).rows;
        const parameters = partitioned
          ? [
              id,
              (
                await connection.query(
                  'SELECT local_date::text AS local_date FROM booking_keys WHERE id = $1',
                  [id],
                )
              ).rows[0].local_date,
            ]
          : [id];
        await connection.query(`SELECT * FROM bookings WHERE ${byId}`, parameters);
        await connection.query(
          `UPDATE bookings SET status = 'upcoming', payment_status = 'paid', updated_at = now() WHERE ${byId}`,
          parameters,
        );
        await connection.query('COMMIT');
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    } finally {
      connection.release();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, client));
  await pool.end();
  return {
    layout: target.layout,
    perSecond: latencies.length / SECONDS,
    p50: median(latencies),
    p99: quantile(latencies, 0.99),
    transactions: latencies.length,
  };
}

async function sizes(target: Target) {
  const ds = await new DataSource({ type: 'postgres', url: target.databaseUrl }).initialize();
  try {
    const [row] = await ds.query(
      `SELECT count(*) AS partitions,
              pg_size_pretty(coalesce(sum(pg_total_relation_size(c.oid)), pg_total_relation_size('bookings'))) AS size,
              (SELECT count(*) FROM bookings) AS rows
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'bookings'::regclass`,
    );
    return row as { partitions: string; size: string; rows: string };
  } finally {
    await ds.destroy();
  }
}

async function main(): Promise<void> {
  const targets = [await prepare('unpartitioned'), await prepare('partitioned')];
  const rounds: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      process.stdout.write(`Round ${round + 1}: ${target.layout}, ${CONNECTIONS} clients for ${SECONDS} s\n`);
      rounds.push(await measure(target, round));
    }
  }
  const summary = async (target: Target) => {
    const of = rounds.filter((round) => round.layout === target.layout);
    const size = await sizes(target);
    return {
      table: target.layout,
      rows: size.rows,
      partitions: size.partitions,
      'size with indexes': size.size,
      'transactions/s (median)': median(of.map((round) => round.perSecond)).toFixed(0),
      'p50 ms': median(of.map((round) => round.p50)).toFixed(2),
      'p99 ms': median(of.map((round) => round.p99)).toFixed(2),
      transactions: of.reduce((sum, round) => sum + round.transactions, 0),
    };
  };
  console.log(
    `\nBooking write path (insert, read by id, update by id) on a table of ${ROWS} bookings, ${CONNECTIONS} clients, ${ROUNDS} rounds, alternating`,
  );
  printTable([await summary(targets[0]), await summary(targets[1])]);
  const rate = (layout: Layout) =>
    median(rounds.filter((round) => round.layout === layout).map((round) => round.perSecond));
  console.log(`ratio: ${(rate('partitioned') / rate('unpartitioned')).toFixed(2)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
