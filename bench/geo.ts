/**
 * npm run bench:geo [-- --shops 1000000 --points 300 --legacy-points 30 --seconds 10 --connections 50]
 *
 * Nearby search, side by side on the same data: the indexed PostGIS query the API runs vs the legacy approach
 * (load every active shop, haversine in JavaScript, sort), then HTTP load on GET /api/v1/shops with autocannon.
 * The last line is `ratio: <legacy median / indexed median>`.
 */
import { Pool } from 'pg';

import { buildAppConfig } from '../src/config/app.config';
import { runMigrations } from '../src/database/migrate';
import {
  argument,
  benchDatabase,
  benchEnv,
  cyclingGets,
  median,
  nearbySearchPaths,
  printTable,
  quantile,
  randomCityPoint,
  seedShops,
  startApi,
  timed,
} from './support';

const SHOPS = argument('shops', 100_000);
const POINTS = argument('points', 300);
const LEGACY_POINTS = argument('legacy-points', SHOPS >= 500_000 ? 10 : 30);
const SECONDS = argument('seconds', 10);
const CONNECTIONS = argument('connections', 50);
const RADIUS_M = 10_000;
const PAGE = 20;

const EARTH_RADIUS_M = 6_371_008.7714;
const rad = (d: number) => (d * Math.PI) / 180;
function haversine(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const h =
    Math.sin(rad(lat2 - lat1) / 2) ** 2 +
    Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lng2 - lng1) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The API's plain search (src/discovery/search.repository.ts): nearest first, no filters. */
const NEARBY_SQL = `
  SELECT * FROM search_active_shops($1, $2, $3, NULL, NULL, NULL, NULL, false, NULL, NULL, $4, $5, $6)`;

async function indexed(pool: Pool, point: { lat: number; lng: number }): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(NEARBY_SQL, [
    point.lng,
    point.lat,
    RADIUS_M,
    null,
    null,
    PAGE + 1,
  ]);
  return rows.slice(0, PAGE).map((row) => row.id);
}

/** What the legacy service did: every active shop into memory, distance in a loop, sort. */
async function legacy(pool: Pool, point: { lat: number; lng: number }): Promise<string[]> {
  const { rows } = await pool.query<{ id: string; lat: number; lng: number }>(
    `SELECT id, owner_id, name, address, ST_Y(location::geometry) AS lat, ST_X(location::geometry) AS lng,
            timezone, opening_hours, slot_interval_minutes, commission_bps, status
       FROM shops WHERE status = 'active'`,
  );
  return rows
    .map((shop) => ({ id: shop.id, distance: haversine(point.lat, point.lng, shop.lat, shop.lng) }))
    .filter((shop) => shop.distance <= RADIUS_M)
    .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1))
    .slice(0, PAGE)
    .map((shop) => shop.id);
}

async function main(): Promise<void> {
  const databaseUrl = await benchDatabase('hairone_bench_geo');
  const env = benchEnv(databaseUrl);
  await runMigrations(buildAppConfig(env));
  // The same session settings as the app's connections (src/database/data-source.options.ts).
  const pool = new Pool({ connectionString: databaseUrl, max: 1, options: '-c jit=off' });
  await seedShops(pool, SHOPS);

  // Warm the connection and the buffer cache, as a running service would be.
  for (let i = 0; i < 200; i++) await indexed(pool, randomCityPoint());
  const indexedMs: number[] = [];
  const legacyMs: number[] = [];
  let agree = 0;
  for (let i = 0; i < POINTS; i++) {
    const point = randomCityPoint();
    const [ms, fast] = await timed(() => indexed(pool, point));
    indexedMs.push(ms);
    if (i < LEGACY_POINTS) {
      const [slowMs, slow] = await timed(() => legacy(pool, point));
      legacyMs.push(slowMs);
      if (slow.length === fast.length && slow.every((id, k) => id === fast[k])) agree++;
    }
  }
  await pool.end();

  const api = await startApi(env);
  const paths = nearbySearchPaths();
  const load = (duration: number) => cyclingGets(api.url, paths, CONNECTIONS, duration);
  await load(2);
  const http = await load(SECONDS);
  await api.stop();

  console.log(`\nNearby search, ${SHOPS} shops, radius ${RADIUS_M / 1000} km, first page of ${PAGE}`);
  printTable([
    {
      approach: 'indexed (PostGIS KNN + GiST)',
      samples: indexedMs.length,
      'median ms': median(indexedMs).toFixed(3),
      'p99 ms': quantile(indexedMs, 0.99).toFixed(3),
    },
    {
      approach: 'legacy (load all, haversine in JS)',
      samples: legacyMs.length,
      'median ms': median(legacyMs).toFixed(3),
      'p99 ms': quantile(legacyMs, 0.99).toFixed(3),
    },
  ]);
  console.log(`same first page from both: ${agree}/${legacyMs.length}`);
  console.log(`\nHTTP GET /api/v1/shops, ${CONNECTIONS} connections, ${SECONDS} s`);
  printTable([
    {
      'requests/s': Math.round(http.requests.average),
      'p50 ms': http.latency.p50,
      'p99 ms': http.latency.p99,
      requests: http.requests.total,
      'non-2xx': http.non2xx,
      errors: http.errors,
    },
  ]);
  console.log(`ratio: ${(median(legacyMs) / median(indexedMs)).toFixed(1)}`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
