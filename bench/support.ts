import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

import autocannon from 'autocannon';
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

/**
 * `count` shops around the demo cities (85 % clustered, denser towards the centres; 15 % spread over the country;
 * 90 % active), with the partial GiST index built after loading. Kept when the database already holds that many.
 */
export async function seedShops(pool: Pool, count: number): Promise<void> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM shops`);
  if (Number(rows[0].n) === count) {
    console.log(`Reusing ${count} shops already in the bench database`);
    return;
  }
  console.log(`Seeding ${count} shops around ${CITIES.length} cities...`);
  const started = Date.now();
  await pool.query('TRUNCATE shops CASCADE');
  await pool.query('DROP INDEX IF EXISTS shops_active_location_gist');
  const { rows: owners } = await pool.query<{ id: string }>(
    `INSERT INTO users (name, email, password_hash, role) VALUES ('Bench owner', $1, 'x', 'shop_owner')
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    ['bench-owner@hairone.bench'],
  );
  const lats = CITIES.map((c) => c.lat);
  const lngs = CITIES.map((c) => c.lng);
  for (let from = 1; from <= count; from += 200_000) {
    const to = Math.min(count, from + 199_999);
    // 85 % clustered around city centres (denser towards the centre), 15 % spread over the country.
    await pool.query(
      `INSERT INTO shops (owner_id, name, address, location, timezone, commission_bps, status)
       SELECT $1, 'Bench shop ' || g, 'Bench address ' || g,
              CASE WHEN random() < 0.85
                THEN ST_SetSRID(ST_MakePoint(($5::float8[])[1 + g % $6] + (random() - 0.5) * 0.6 * random(),
                                             ($4::float8[])[1 + g % $6] + (random() - 0.5) * 0.6 * random()), 4326)
                ELSE ST_SetSRID(ST_MakePoint(70 + random() * 18, 8 + random() * 22), 4326)
              END::geography,
              'Asia/Kolkata', 1000,
              CASE WHEN random() < 0.9 THEN 'active' ELSE 'pending_approval' END
         FROM generate_series($2::int, $3::int) AS g`,
      [owners[0].id, from, to, lats, lngs, CITIES.length],
    );
    process.stdout.write(`  ${to} shops\n`);
  }
  await pool.query(
    "CREATE INDEX shops_active_location_gist ON shops USING gist (location) WHERE status = 'active'",
  );
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

/** autocannon GET requests cycling through `paths`. */
export function cyclingGets(
  url: string,
  paths: string[],
  connections: number,
  duration: number,
): Promise<autocannon.Result> {
  let next = 0;
  return autocannon({
    url,
    connections,
    duration,
    requests: [
      { method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }) },
    ],
  });
}

/**
 * Starts a bare baseline (bench/bare.ts: `slots` or `bookings`) as a child process like the API, with the bench's
 * environment, and resolves once it listens.
 */
export async function startBare(
  mode: 'slots' | 'bookings',
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
