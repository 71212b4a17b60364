/**
 * npm run bench:profile [-- --seconds 10 --connections 50 --what slots,bookings,search --bare]
 *
 * Where the API's own CPU goes per request: the built API runs under `node --cpu-prof` while wrk loads one path
 * (cached slots of 200 shop-days, all hits; booking creation over free slots), then the profile is summarised
 * (bench/cpu-profile.ts: inclusive by package, self and inclusive by function). Uses bench:slots' database
 * (run `npm run bench:slots` once first); its bookings from day 30 on are removed before and after. Profiles are
 * kept in bench-profiles/ (git-ignored) for a closer look in Chrome DevTools. `--what search` profiles the plain
 * nearby search (random points near the cities) on bench:geo's 1M-shop database (BENCH_GEO_DATABASE to change it;
 * run `npm run bench:geo` once first). With --bare, the bare baselines
 * (bench/bare.ts) are profiled under the same load instead, for comparison.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { sign } from 'jsonwebtoken';
import { DateTime } from 'luxon';
import { Pool } from 'pg';

import { printSummary, summarise } from './cpu-profile';
import {
  argument,
  benchDatabase,
  benchEnv,
  dropRedisKeys,
  nearbySearchPaths,
  startApi,
  startBare,
} from './support';
import { cpuMs, wrk, WrkRequest } from './wrk';

const SECONDS = argument('seconds', 10);
const CONNECTIONS = argument('connections', 50);
const what = (process.argv[process.argv.indexOf('--what') + 1] ?? '').includes(',')
  ? process.argv[process.argv.indexOf('--what') + 1].split(',')
  : process.argv.includes('--what')
    ? [process.argv[process.argv.indexOf('--what') + 1]]
    : ['slots', 'bookings'];
const ZONE = 'Asia/Kolkata';
const DIRECTORY = join(__dirname, '../bench-profiles');

/** With --bare, the bare baselines (bench/bare.ts) are profiled under the same load instead of the API. */
const BARE = process.argv.includes('--bare');

async function profiled(
  env: Record<string, string>,
  name: 'slots' | 'bookings' | 'search',
  load: (url: string, measured: () => () => void) => Promise<void>,
): Promise<void> {
  const directory = join(DIRECTORY, `${BARE ? 'bare-' : ''}${name}-${Date.now()}`);
  mkdirSync(directory, { recursive: true });
  const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${directory}`, '--cpu-prof-interval=500'];
  const api = BARE ? await startBare(name, env, nodeArgs) : await startApi(env, nodeArgs);
  // The measured load's start and end, to count only the samples taken under it.
  let from = 0;
  let to = 0;
  try {
    let cpuFrom = 0;
    await load(api.url, () => {
      from = performance.now();
      cpuFrom = cpuMs(api.pid);
      return () => {
        to = performance.now();
        console.log(`${name}: server CPU ${(cpuMs(api.pid) - cpuFrom).toFixed(0)} ms over the measured load`);
      };
    });
  } finally {
    await api.stop();
  }
  const exited = performance.now();
  const [file] = readdirSync(directory).filter((f) => f.endsWith('.cpuprofile'));
  console.log(`\n=== ${name}: ${join(directory, file)} (samples under load only)`);
  printSummary(
    summarise(JSON.parse(readFileSync(join(directory, file), 'utf8')), 30, {
      fromEndUs: (exited - from) * 1000,
      toEndUs: (exited - to) * 1000,
    }),
  );
}

/** The plain nearby search under wrk, on bench:geo's database. */
async function search(): Promise<void> {
  const databaseUrl = await benchDatabase(process.env.BENCH_GEO_DATABASE ?? 'hairone_bench_geo_1000000');
  const env = benchEnv(databaseUrl);
  const requests = nearbySearchPaths().map((path) => ({ path }));
  try {
    await profiled(env, 'search', async (url, measured) => {
      await wrk(url, { requests, connections: CONNECTIONS, seconds: 3 });
      const done = measured();
      const result = await wrk(url, { requests, connections: CONNECTIONS, seconds: SECONDS });
      done();
      if (result.non2xx > 0) throw new Error(`search: ${result.non2xx} non-2xx answers`);
      console.log(`search: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    });
  } finally {
    await dropRedisKeys(env);
  }
}

async function main(): Promise<void> {
  if (what.includes('search')) await search();
  if (!what.includes('slots') && !what.includes('bookings')) return;
  const databaseUrl = await benchDatabase(process.env.BENCH_SLOTS_DATABASE ?? 'hairone_bench_slots');
  const env = benchEnv(databaseUrl, { SLOTS_CACHE_TTL_SECONDS: '3600' });
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const { rows: shops } = await pool.query<{ id: string; service_id: string }>(
    `SELECT s.id, sv.id AS service_id FROM shops s JOIN services sv ON sv.shop_id = s.id
      WHERE s.name LIKE 'Bench shop %' ORDER BY s.name`,
  );
  if (shops.length === 0) throw new Error('Run npm run bench:slots first: its database has no bench shops');
  const { rows: customers } = await pool.query<{ id: string }>(
    `SELECT id FROM users WHERE role = 'customer'`,
  );
  const fromDay = DateTime.now().setZone(ZONE).plus({ days: 30 }).toISODate();
  const forget = async () => {
    await pool.query('DELETE FROM idempotency_keys');
    await pool.query('DELETE FROM bookings WHERE local_date >= $1', [fromDay]);
    await pool.query('DELETE FROM availability_days WHERE local_date >= $1', [fromDay]);
  };
  await forget();
  try {
    if (what.includes('slots')) {
      const paths = shops.map(
        (shop, i) =>
          `/api/v1/shops/${shop.id}/slots?date=${DateTime.now()
            .setZone(ZONE)
            .plus({ days: 1 + (i % 14) })
            .toISODate()}&serviceId=${shop.service_id}`,
      );
      const fill = async (url: string) => {
        for (const path of paths) {
          const response = await fetch(`${url}${path}`);
          if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
        }
      };
      if (BARE) {
        // The bare endpoint answers only hits: the API fills the cache first (storing after it answers).
        const api = await startApi(env);
        await fill(api.url);
        await new Promise((resolve) => setTimeout(resolve, 500));
        await api.stop();
      }
      await profiled(env, 'slots', async (url, measured) => {
        await fill(url);
        const requests = paths.map((path) => ({ path }));
        await wrk(url, { requests, connections: CONNECTIONS, seconds: 2 });
        const done = measured();
        const result = await wrk(url, { requests, connections: CONNECTIONS, seconds: SECONDS });
        done();
        console.log(`slots: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
      });
    }
    if (what.includes('bookings')) {
      const tokens = customers.map((c) =>
        sign({ role: 'customer' }, env.JWT_SECRET, {
          subject: c.id,
          issuer: 'hairone-api',
          audience: 'hairone-clients',
          expiresIn: 3600,
        }),
      );
      const requests: WrkRequest[] = [];
      for (let d = 30; d < 40; d++) {
        const day = DateTime.now().setZone(ZONE).plus({ days: d }).toISODate();
        for (const shop of shops) {
          for (let h = 0; h < 24; h++) {
            const startsAt = DateTime.fromISO(`${day}T09:00`, { zone: ZONE })
              .plus({ minutes: 30 * h })
              .toISO();
            requests.push({
              method: 'POST',
              path: '/api/v1/bookings',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${tokens[requests.length % tokens.length]}`,
              },
              body: JSON.stringify({
                shopId: shop.id,
                serviceId: shop.service_id,
                startsAt,
                paymentMethod: 'PAY_AT_SHOP',
              }),
            });
          }
        }
      }
      for (let i = requests.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [requests[i], requests[j]] = [requests[j], requests[i]];
      }
      await profiled(env, 'bookings', async (url) => {
        const result = await wrk(url, {
          requests,
          connections: CONNECTIONS,
          seconds: SECONDS,
          countStatuses: true,
        });
        console.log(
          `bookings: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ` +
            [...result.statuses].map(([s, n]) => `${s}: ${n}`).join(' '),
        );
      });
    }
  } finally {
    await forget();
    await pool.end();
    await dropRedisKeys(env);
  }
  if (process.argv.includes('--clean')) rmSync(DIRECTORY, { recursive: true, force: true });
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
