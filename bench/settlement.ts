/**
 * npm run bench:settlement [-- --bookings 100000 --shops 2000]
 *
 * The same settleable bookings (completed last week; half paid online, half at the shop) settled three ways, each on
 * its own copy of one seeded database: the legacy single loop (one booking at a time, one statement each), and the
 * queued set-based settlement (POST /settlements/runs on the built API, one Bull job per shop) with 1 and with 2
 * worker processes. Every variant is checked: all bookings settled, once, with the expected total net.
 * The last line is `ratio: <legacy time / queued time with 2 workers>`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { sign } from 'jsonwebtoken';
import { Client } from 'pg';

import { buildAppConfig } from '../src/config/app.config';
import { runMigrations } from '../src/database/migrate';
import { auditLedger } from '../src/ledger/ledger-audit';
import { argument, benchEnv, printTable, serverUrl, startApi } from './support';

const BOOKINGS = argument('bookings', 100_000);
const SHOPS = argument('shops', 2_000);
const TEMPLATE = 'hairone_bench_settlement_template';
const PRICE = 30_000;
const COMMISSION = 3_000;

function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function withDatabase<T>(name: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(name) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Seeds the template once per size: migrations, shops, and the bookings. */
async function seedTemplate(): Promise<void> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
    await client.query(`CREATE DATABASE ${TEMPLATE}`);
  });
  await runMigrations(buildAppConfig(benchEnv(databaseUrl(TEMPLATE))));
  await withDatabase(TEMPLATE, async (client) => {
    const perShop = Math.ceil(BOOKINGS / SHOPS);
    await client.query(`
      INSERT INTO users (name, email, password_hash, role) VALUES
        ('Owner', 'owner@bench.test', 'x', 'shop_owner'), ('Customer', 'customer@bench.test', 'x', 'customer'),
        ('Admin', 'admin@bench.test', 'x', 'admin')`);
    await client.query(
      `WITH s AS (
         INSERT INTO shops (owner_id, name, address, location, timezone, commission_bps, status)
         SELECT (SELECT id FROM users WHERE role = 'shop_owner'), 'Bench shop ' || g, 'Bench',
                ST_SetSRID(ST_MakePoint(77.59, 12.97), 4326)::geography, 'Asia/Kolkata', 1000, 'active'
           FROM generate_series(1, $1) g RETURNING id),
       sv AS (INSERT INTO services (shop_id, name, duration_minutes, price_paise)
              SELECT id, 'Cut', 30, ${PRICE} FROM s RETURNING id, shop_id),
       st AS (INSERT INTO staff (shop_id, name) SELECT id, 'Staff' FROM s RETURNING id, shop_id),
       numbered AS (
         SELECT sv.shop_id, sv.id AS service_id, st.id AS staff_id, g
           FROM sv JOIN st USING (shop_id) CROSS JOIN generate_series(1, $2) g)
       INSERT INTO bookings (customer_id, shop_id, service_id, staff_id, starts_at, ends_at, local_date, status,
                             payment_method, payment_status, amount_paise, commission_bps, commission_paise,
                             charged_paise)
       SELECT (SELECT id FROM users WHERE role = 'customer'), shop_id, service_id, staff_id,
              now() - interval '7 days' + g * interval '30 minutes',
              now() - interval '7 days' + g * interval '30 minutes' + interval '30 minutes',
              (now() - interval '7 days')::date, 'completed',
              CASE WHEN g % 2 = 0 THEN 'ONLINE' ELSE 'PAY_AT_SHOP' END,
              CASE WHEN g % 2 = 0 THEN 'paid' ELSE 'unpaid' END,
              ${PRICE}, 1000, ${COMMISSION}, ${PRICE}
         FROM numbered`,
      [SHOPS, perShop],
    );
    // Keep exactly BOOKINGS rows.
    await client.query(`DELETE FROM bookings WHERE id IN (SELECT id FROM bookings ORDER BY id OFFSET $1)`, [
      BOOKINGS,
    ]);
    await postSeededMoney(client);
    await client.query('VACUUM ANALYZE');
  });
}

/**
 * The money the seeded bookings stand for, as the application would have recorded it: each paid online booking's
 * captured payment with its capture entry, and every completed booking's settleable entry (the shop's share and the
 * commission), so that the money audit after a run checks real books.
 */
async function postSeededMoney(client: Client): Promise<void> {
  await client.query('BEGIN');
  await client.query(`
    WITH pay AS (
      INSERT INTO payments (booking_id, provider, key_id, provider_order_id, amount_paise, currency,
                            provider_payment_id, captured_at)
      SELECT id, 'razorpay', 'rzp_bench', 'order_' || replace(id::text, '-', ''), amount_paise, 'INR',
             'pay_' || replace(id::text, '-', ''), now()
        FROM bookings WHERE payment_method = 'ONLINE' AND payment_status = 'paid'
      RETURNING id, booking_id, amount_paise),
    cap AS (
      INSERT INTO journal_entries (kind, ref_id, shop_id)
      SELECT 'capture', pay.id, b.shop_id FROM pay JOIN bookings b ON b.id = pay.booking_id
      RETURNING id, ref_id)
    INSERT INTO journal_lines (entry_id, line_no, account, shop_id, amount_paise)
    SELECT cap.id, v.n, v.account, NULL, v.sign * pay.amount_paise
      FROM cap JOIN pay ON pay.id = cap.ref_id
     CROSS JOIN (VALUES (1, 'provider_cash', 1), (2, 'customer_funds', -1)) v (n, account, sign)`);
  await client.query(`
    WITH e AS (
      INSERT INTO journal_entries (kind, ref_id, shop_id)
      SELECT 'booking_settleable', id, shop_id FROM bookings WHERE status = 'completed'
      RETURNING id, ref_id, shop_id)
    INSERT INTO journal_lines (entry_id, line_no, account, shop_id, amount_paise)
    SELECT e.id, v.n, v.account, CASE WHEN v.account = 'shop_unsettled' THEN e.shop_id END, v.amount
      FROM e JOIN bookings b ON b.id = e.ref_id
     CROSS JOIN LATERAL (VALUES
       (1, 'customer_funds', CASE WHEN b.payment_method = 'ONLINE' THEN b.charged_paise ELSE 0 END),
       (2, 'shop_unsettled', CASE WHEN b.payment_method = 'ONLINE' THEN b.commission_paise - b.charged_paise
                                  ELSE b.commission_paise END),
       (3, 'commission_revenue', -b.commission_paise)) v (n, account, amount)
     WHERE v.amount <> 0`);
  await client.query('COMMIT');
}

async function freshCopy(name: string): Promise<string> {
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  });
  return databaseUrl(name);
}

async function expectedNet(client: Client): Promise<number> {
  const { rows } = await client.query(`
    SELECT sum(CASE WHEN payment_method = 'ONLINE' AND payment_status = 'paid'
                    THEN amount_paise - commission_paise ELSE -commission_paise END)::bigint AS net
      FROM bookings WHERE status = 'completed'`);
  return Number(rows[0].net);
}

/** Every booking settled, each by exactly one settlement, and the settlements' nets add up. */
async function verify(client: Client, net: number): Promise<void> {
  const { rows } = await client.query(`
    SELECT (SELECT count(*) FROM bookings WHERE settlement_status = 'unsettled')::int AS unsettled,
           (SELECT count(*) FROM bookings WHERE settlement_id IS NULL)::int AS without_settlement,
           (SELECT coalesce(sum(booking_count), 0) FROM settlements)::bigint AS counted,
           (SELECT coalesce(sum(net_payable_paise), 0) FROM settlements)::bigint AS net`);
  const result = rows[0];
  if (result.unsettled !== 0 || result.without_settlement !== 0) throw new Error('bookings left unsettled');
  if (Number(result.counted) !== BOOKINGS) throw new Error(`settlements count ${result.counted} bookings`);
  if (Number(result.net) !== net) throw new Error(`settled net ${result.net}, expected ${net}`);
}

/**
 * The legacy settlement: read every unsettled completed booking, then one statement per booking, and a settlement
 * row per shop. Autocommit, as the legacy cron did; a crash half-way leaves a half-settled night.
 */
async function legacy(): Promise<number> {
  const url = await freshCopy('hairone_bench_settlement_legacy');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const net = await expectedNet(client);
    const started = process.hrtime.bigint();
    const { rows: run } = await client.query(
      "INSERT INTO settlement_runs (cutoff, trigger, status) VALUES (now(), 'admin', 'running') RETURNING id",
    );
    const { rows: bookings } = await client.query(
      `SELECT id, shop_id, payment_method, payment_status, amount_paise, commission_paise FROM bookings
        WHERE settlement_status = 'unsettled' AND status = 'completed' ORDER BY shop_id`,
    );
    const byShop = new Map<string, typeof bookings>();
    for (const booking of bookings) {
      byShop.set(booking.shop_id, [...(byShop.get(booking.shop_id) ?? []), booking]);
    }
    for (const [shopId, shopBookings] of byShop) {
      let online = 0;
      let commission = 0;
      for (const booking of shopBookings) {
        if (booking.payment_method === 'ONLINE' && booking.payment_status === 'paid')
          online += booking.amount_paise;
        commission += booking.commission_paise;
      }
      const { rows: settlement } = await client.query(
        `INSERT INTO settlements (run_id, shop_id, cutoff, booking_count, online_collected_paise, commission_paise,
                                  net_payable_paise)
         VALUES ($1, $2, now(), $3, $4, $5, $6) RETURNING id`,
        [run[0].id, shopId, shopBookings.length, online, commission, online - commission],
      );
      for (const booking of shopBookings) {
        await client.query(
          "UPDATE bookings SET settlement_status = 'settled', settlement_id = $2 WHERE id = $1",
          [booking.id, settlement[0].id],
        );
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await verify(client, net);
    return seconds;
  } finally {
    await client.end();
  }
}

function startWorker(env: Record<string, string>): { stop: () => Promise<void>; ready: Promise<void> } {
  const child = spawn(process.execPath, [join(__dirname, '../dist/src/worker.js')], {
    env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Settlement schedule registered')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`A worker exited with ${code} during start-up`)));
  });
  return {
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The queued settlement: a run created over HTTP, settled by `workers` worker processes. */
async function queued(workers: number): Promise<number> {
  const url = await freshCopy(`hairone_bench_settlement_queued_${workers}`);
  const env = benchEnv(url, { SETTLEMENT_CONCURRENCY: '4' });
  const client = new Client({ connectionString: url });
  await client.connect();
  const api = await startApi(env);
  const processes = Array.from({ length: workers }, () => startWorker(env));
  try {
    await Promise.all(processes.map((worker) => worker.ready));
    const net = await expectedNet(client);
    const { rows } = await client.query("SELECT id FROM users WHERE role = 'admin'");
    const token = sign({ role: 'admin' }, env.JWT_SECRET, {
      subject: rows[0].id,
      issuer: 'hairone-api',
      audience: 'hairone-clients',
      expiresIn: 3600,
    });
    const started = process.hrtime.bigint();
    const response = await fetch(`${api.url}/api/v1/settlements/runs`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (response.status !== 202) throw new Error(`POST /settlements/runs answered ${response.status}`);
    const { runId } = (await response.json()) as { runId: string };
    for (;;) {
      const { rows: run } = await client.query('SELECT status FROM settlement_runs WHERE id = $1', [runId]);
      if (run[0].status === 'completed') break;
      if (run[0].status === 'failed') throw new Error('The settlement run failed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await verify(client, net);
    const audit = await auditLedger(async (sql) => (await client.query(sql)).rows);
    console.log(
      `  ${workers} worker(s): money audit ${audit.balanced ? 'balanced' : 'NOT BALANCED'}: captured ` +
        `${audit.capturedPaise} = commission ${audit.commissionPaise} + payable ${audit.payablePaise} - receivable ` +
        `${audit.receivablePaise} + held ${audit.heldForCustomersPaise}; ${audit.discrepancies.length} discrepancies`,
    );
    if (!audit.balanced)
      throw new Error(`The money audit found: ${JSON.stringify(audit.discrepancies.slice(0, 5))}`);
    return seconds;
  } finally {
    await Promise.all(processes.map((worker) => worker.stop()));
    await api.stop();
    await client.end();
  }
}

async function main(): Promise<void> {
  console.log(`Seeding ${BOOKINGS} settleable bookings over ${SHOPS} shops...`);
  await seedTemplate();
  const legacySeconds = await legacy();
  const one = await queued(1);
  const two = await queued(2);
  printTable([
    {
      variant: 'legacy loop (one booking at a time)',
      seconds: legacySeconds.toFixed(2),
      'bookings/s': Math.round(BOOKINGS / legacySeconds),
    },
    {
      variant: 'queued, 1 worker process',
      seconds: one.toFixed(2),
      'bookings/s': Math.round(BOOKINGS / one),
    },
    {
      variant: 'queued, 2 worker processes',
      seconds: two.toFixed(2),
      'bookings/s': Math.round(BOOKINGS / two),
    },
  ]);
  console.log(`ratio: ${(legacySeconds / two).toFixed(1)}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
