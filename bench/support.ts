import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

import Redis from 'ioredis';
import { Client, Pool } from 'pg';

import { CITIES } from '../src/database/demo-shops';

/** Shared plumbing for the benchmarks: argument parsing, statistics, a bench database and the API as a child process. */
export function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const median = (samples: number[]) => quantile(samples, 0.5);

export async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e6, result];
}

export function serverUrl(): string {
  return process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A database of the bench's own (never the app's or a test's), created if missing. */
export async function benchDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export function benchEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_KEY_PREFIX: `hairone-bench-${randomBytes(3).toString('hex')}:`,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    // Production requires it; startApi's metrics() sends it.
    METRICS_TOKEN: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_DEFAULT_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '1000000',
    RATE_LIMIT_BOOKINGS_PER_MINUTE: '1000000',
    RATE_LIMIT_SEARCH_PER_MINUTE: '1000000',
    ...extra,
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Children of the bench (API, worker, bare endpoints): never left running when the bench exits, even on an error. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});

function tracked<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Starts the built API (`npm run build` first) and resolves once /health answers. */
export async function startApi(
  env: Record<string, string>,
  /** Options for node itself, e.g. --cpu-prof (bench/profile.ts). */
  nodeArgs: string[] = [],
): Promise<{ url: string; pid: number; metrics: () => Promise<string>; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = tracked(
    spawn(process.execPath, [...nodeArgs, join(__dirname, '../dist/src/main.js')], {
      env: { PATH: process.env.PATH, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error('The API exited during start-up');
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      if (attempt > 150) throw new Error('The API did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid as number,
    metrics: async () =>
      (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${env.METRICS_TOKEN}` } })).text(),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function printTable(rows: Array<Record<string, string | number>>): void {
  const headers = Object.keys(rows[0]);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((row) => String(row[h]).length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ');
  console.log(line(headers));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(headers.map((h) => String(row[h]))));
}

/** A new, empty bench database: any earlier one of that name is dropped first. */
export async function freshBenchDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  return benchDatabase(name);
}

/** Stops a child process and resolves once it has exited. */
export function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/**
 * Starts the built worker (`npm run build` first) and resolves once it has started. It logs at info level so that
 * its start can be seen; of its log, only warnings and errors are passed on (to stderr).
 */
export async function startWorker(env: Record<string, string>): Promise<{ stop: () => Promise<void> }> {
  const child = tracked(
    spawn(process.execPath, [join(__dirname, '../dist/src/worker.js')], {
      env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await new Promise<void>((resolve, reject) => {
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('"msg":"HairOne worker started"')) resolve();
        else if (/"level":"(warn|error|fatal)"/.test(line)) process.stderr.write(`worker: ${line}\n`);
      }
    });
    child.once('exit', (code) => reject(new Error(`The worker exited with ${code} during start-up`)));
  });
  return { stop: stopper(child) };
}

/** Deletes every Redis key under a bench run's prefix (queues, slot cache, rate-limit counters). */
export async function dropRedisKeys(env: Record<string, string>): Promise<void> {
  const redis = new Redis(env.REDIS_URL);
  try {
    for await (const keys of redis.scanStream({ match: `${env.REDIS_KEY_PREFIX}*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

const SHOP_NAME_WORDS = ['Sharp', 'Royal', 'Urban', 'Glow', 'Fade', 'Classic', 'Style', 'Trendz', 'Looks'];
const SERVICE_NAMES = [
  'Haircut',
  'Beard trim',
  'Hair colour',
  'Shave',
  'Facial',
  'Kids cut',
  'Head massage',
  'Hair spa',
];

/**
 * `count` shops around the demo cities (85 % clustered, denser towards the centres; 15 % spread over the country;
 * 90 % active), with services, a barber, weekly hours and ratings, and the partial GiST index built after loading.
 * Kept when the database already holds that many.
 */
export async function seedShops(pool: Pool, count: number): Promise<void> {
  const { rows } = await pool.query<{ n: string; services: boolean }>(
    'SELECT count(*) AS n, EXISTS (SELECT 1 FROM services) AS services FROM shops',
  );
  if (Number(rows[0].n) === count && rows[0].services) {
    console.log(`Reusing ${count} shops already in the bench database`);
    return;
  }
  console.log(`Seeding ${count} shops around ${CITIES.length} cities...`);
  const started = Date.now();
  await pool.query('TRUNCATE shops CASCADE');
  // The search indexes of the migrations, dropped for the bulk load and built once over the seeded rows.
  const { rows: indexes } = await pool.query<{ indexdef: string }>(
    "SELECT indexdef FROM pg_indexes WHERE tablename = 'shops' AND indexname LIKE 'shops_active_%'",
  );
  if (indexes.length === 0) {
    throw new Error(
      'The shop search indexes are missing (an interrupted seed?): drop the bench database and rerun',
    );
  }
  for (const { indexdef } of indexes) {
    await pool.query(`DROP INDEX ${/^CREATE INDEX (\S+)/.exec(indexdef)![1]}`);
  }
  const { rows: owners } = await pool.query<{ id: string }>(
    `INSERT INTO users (name, email, password_hash, role) VALUES ('Bench owner', $1, 'x', 'shop_owner')
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    ['bench-owner@hairone.bench'],
  );
  const lats = CITIES.map((c) => c.lat);
  const lngs = CITIES.map((c) => c.lng);
  // Bulk load without the per-row triggers that keep search words and the cheapest price: computed once below.
  await pool.query('ALTER TABLE shops DISABLE TRIGGER USER');
  await pool.query('ALTER TABLE services DISABLE TRIGGER USER');
  for (let from = 1; from <= count; from += 200_000) {
    const to = Math.min(count, from + 199_999);
    // 85 % clustered around city centres (denser towards the centre), 15 % spread over the country. Names from a
    // few words (one shop in a thousand has the rare word "Zulu"), weekly hours of three kinds, 70 % rated.
    await pool.query(
      `INSERT INTO shops (owner_id, name, address, location, timezone, opening_hours, commission_bps, status,
                          rating_count, rating_sum, rating_average)
       SELECT $1, ($7::text[])[1 + abs(hashtext('n' || g)) % 9] || ' Salon ' || g
                || CASE WHEN abs(hashtext('z' || g)) % 1000 = 0 THEN ' Zulu' ELSE '' END,
              'Bench address ' || g,
              CASE WHEN random() < 0.85
                THEN ST_SetSRID(ST_MakePoint(($5::float8[])[1 + g % $6] + (random() - 0.5) * 0.6 * random(),
                                             ($4::float8[])[1 + g % $6] + (random() - 0.5) * 0.6 * random()), 4326)
                ELSE ST_SetSRID(ST_MakePoint(70 + random() * 18, 8 + random() * 22), 4326)
              END::geography,
              'Asia/Kolkata',
              (SELECT jsonb_agg(jsonb_build_object('weekday', d, 'opens', h.opens, 'closes', h.closes))
                 FROM generate_series(1, h.days) AS d),
              1000,
              CASE WHEN random() < 0.9 THEN 'active' ELSE 'pending_approval' END,
              r.n, t.total, CASE WHEN r.n > 0 THEN round(t.total::numeric / r.n, 1) END
         FROM generate_series($2::int, $3::int) AS g,
              LATERAL (SELECT abs(hashtext('h' || g)) % 10 AS kind) AS c,
              LATERAL (SELECT CASE c.kind WHEN 0 THEN 5 WHEN 1 THEN 6 ELSE 7 END AS days,
                              CASE c.kind WHEN 0 THEN '11:00' WHEN 1 THEN '10:00' ELSE '09:00' END AS opens,
                              CASE c.kind WHEN 0 THEN '19:00' WHEN 1 THEN '20:00' ELSE '21:00' END AS closes) AS h,
              LATERAL (SELECT CASE WHEN abs(hashtext('r' || g)) % 10 < 3 THEN 0
                                   ELSE 1 + abs(hashtext('c' || g)) % 40 END AS n) AS r,
              LATERAL (SELECT round(r.n * (1 + 4 * sqrt(random())))::int AS total) AS t`,
      [owners[0].id, from, to, lats, lngs, CITIES.length, SHOP_NAME_WORDS],
    );
    process.stdout.write(`  ${to} shops\n`);
  }
  // One to three services a shop (names from a short list, prices from 100 to 2,000 rupees), one barber each.
  await pool.query(
    `INSERT INTO services (shop_id, name, duration_minutes, price_paise)
     SELECT s.id, ($1::text[])[1 + abs(hashtext(s.id::text || j)) % 8], 30,
            10000 + (abs(hashtext(s.id::text || 'p' || j)) % 191) * 1000
       FROM shops s, generate_series(1, 1 + abs(hashtext(s.id::text)) % 3) AS j`,
    [SERVICE_NAMES],
  );
  await pool.query("INSERT INTO staff (shop_id, name) SELECT id, 'Bench barber' FROM shops");
  await pool.query(`
    UPDATE shops s SET search_words = array_to_tsvector(search_words(s.name) || x.words), min_price_paise = x.price,
                       open_minutes = s.weekly_minutes
      FROM (SELECT sv.shop_id, array_agg(w) AS words, min(sv.price_paise) AS price
              FROM services sv, unnest(search_words(sv.name)) AS w GROUP BY sv.shop_id) AS x
     WHERE x.shop_id = s.id`);
  await pool.query('ALTER TABLE shops ENABLE TRIGGER USER');
  await pool.query('ALTER TABLE services ENABLE TRIGGER USER');
  await pool.query('VACUUM shops');
  for (const { indexdef } of indexes) await pool.query(indexdef);
  await pool.query('ANALYZE shops');
  console.log(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** A query point near a random demo city (where people search). */
export function randomCityPoint(): { lat: number; lng: number } {
  const city = CITIES[Math.floor(Math.random() * CITIES.length)];
  return { lat: city.lat + (Math.random() - 0.5) * 0.3, lng: city.lng + (Math.random() - 0.5) * 0.3 };
}

/** Nearby-search paths at random points near the cities, for HTTP load. */
export function nearbySearchPaths(count = 2000): string[] {
  return Array.from({ length: count }, () => {
    const point = randomCityPoint();
    return `/api/v1/shops?lat=${point.lat.toFixed(5)}&lng=${point.lng.toFixed(5)}`;
  });
}

/**
 * Starts a bare baseline (bench/bare.ts: `slots`, `bookings` or `search`) as a child process like the API, with the bench's
 * environment, and resolves once it listens.
 */
export async function startBare(
  mode: 'slots' | 'bookings' | 'search',
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = tracked(
    spawn(
      process.execPath,
      [...nodeArgs, '-r', 'ts-node/register/transpile-only', join(__dirname, 'bare.ts'), mode],
      {
        cwd: join(__dirname, '..'),
        env: { PATH: process.env.PATH, ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    ),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`The bare ${mode} endpoint exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child) };
}
