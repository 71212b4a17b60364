/**
 * npm run bench:geo [-- --sizes 100000,1000000 --samples 200 --legacy-points 10 --seconds 10 --connections 50
 *                      --rounds 3 --bare-all --explain]
 *
 * Shop search at each size, side by side in one run, on the same seeded data (bench/support.ts seedShops: shops
 * around the demo cities with services, a barber, weekly hours and ratings):
 * - every search kind through the API, one request at a time at random points near the cities: median and p99;
 * - the plain search's query straight on the database vs the legacy approach (every active shop into memory,
 *   haversine, sort), and whether they agree;
 * - HTTP load on GET /api/v1/shops with the plain search and with a mix of filtered searches (wrk, bench/wrk.ts);
 * - at the largest size (every size with --bare-all): the plain search through the API beside a bare Fastify + `pg`
 *   endpoint answering the same question (bench/bare.ts search: the plain query, same JSON), first checked to give
 *   the same bodies, then --rounds alternating wrk rounds, with req/s, p50/p99 and each process's CPU per request.
 * `--explain` prints each kind's plan (auto_explain of the queries the search functions run) at the first size.
 * Then `legacy / indexed: <legacy median / indexed median>` at the first size; the last line is
 * `ratio: <API req/s / bare req/s>` for the plain search at the largest size compared, with both p99s.
 */
import { Client, Pool } from 'pg';

import { buildAppConfig } from '../src/config/app.config';
import { runMigrations } from '../src/database/migrate';
import {
  argument,
  benchDatabase,
  benchEnv,
  median,
  printTable,
  quantile,
  randomCityPoint,
  seedShops,
  startApi,
  startBare,
  timed,
} from './support';
import { compare, Compared, comparedRows, wrk, WrkResult } from './wrk';

const SIZES = (
  process.argv.includes('--sizes') ? process.argv[process.argv.indexOf('--sizes') + 1] : '100000,1000000'
)
  .split(',')
  .map(Number);
const SAMPLES = argument('samples', 200);
const LEGACY_POINTS = argument('legacy-points', 10);
const SECONDS = argument('seconds', 10);
const CONNECTIONS = argument('connections', 50);
const ROUNDS = argument('rounds', 3);
const EXPLAIN = process.argv.includes('--explain');
const BARE_ALL = process.argv.includes('--bare-all');
const RADIUS_M = 10_000;
const PAGE = 20;

/** Shop-local (Asia/Kolkata) instants and dates the searches ask about, from today. */
function kolkata(daysAhead: number, time: string): string {
  const date = new Date(Date.now() + 5.5 * 3_600_000 + daysAhead * 86_400_000).toISOString().slice(0, 10);
  return `${date}T${time}:00+05:30`;
}
const TOMORROW = kolkata(1, '00:00').slice(0, 10);

/** The searches measured: [label, query parameters]. */
const KINDS: Array<[string, Record<string, string | number>]> = [
  ['nearest (no filter)', {}],
  ['q=hair (common words)', { q: 'hair' }],
  ['q=beard trim', { q: 'beard trim' }],
  ['q=zulu (1 shop in 1000)', { q: 'zulu' }],
  ['maxPricePaise=20000', { maxPricePaise: 20_000 }],
  ['minRating=4.5', { minRating: 4.5 }],
  ['openAt=tomorrow 19:30', { openAt: kolkata(1, '19:30') }],
  ['openAt=tomorrow 03:00 (all closed)', { openAt: kolkata(1, '03:00') }],
  ['availableOn=tomorrow', { availableOn: TOMORROW }],
  ['sort=rating', { sort: 'rating' }],
  ['sort=rating&minRating=4', { sort: 'rating', minRating: 4 }],
  [
    'q=hair&maxPricePaise=50000&minRating=3.5&openAt&availableOn',
    { q: 'hair', maxPricePaise: 50_000, minRating: 3.5, openAt: kolkata(1, '12:00'), availableOn: TOMORROW },
  ],
];

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
  SELECT id FROM search_active_shops($1, $2, $3, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, $4)`;

async function indexed(pool: Pool, point: { lat: number; lng: number }): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(NEARBY_SQL, [point.lng, point.lat, RADIUS_M, PAGE + 1]);
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

const searchPath = (query: Record<string, string | number>, point = randomCityPoint()) =>
  `/api/v1/shops?${new URLSearchParams({
    lat: point.lat.toFixed(5),
    lng: point.lng.toFixed(5),
    ...Object.fromEntries(Object.entries(query).map(([key, value]) => [key, String(value)])),
  })}`;

/** The plans of the statements each kind runs inside the search functions, from auto_explain. */
async function explainAll(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const plans: string[] = [];
  client.on('notice', (notice) => plans.push(notice.message ?? ''));
  await client.query("LOAD 'auto_explain'");
  await client.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
    SET auto_explain.log_buffers = on; SET auto_explain.log_nested_statements = on;
    SET auto_explain.log_timing = on; SET client_min_messages = log`);
  const point = { lat: 12.9716, lng: 77.5946 };
  for (const [label, query] of KINDS) {
    if (query.availableOn !== undefined) continue; // decided by the slot engine in the API, on these rows
    plans.length = 0;
    const words = query.q === undefined ? null : String(query.q).toLowerCase().split(/\s+/);
    const args = [
      point.lng,
      point.lat,
      RADIUS_M,
      words,
      query.maxPricePaise ?? null,
      query.minRating ?? null,
      query.openAt ?? null,
    ];
    if (query.sort === 'rating') {
      await client.query(
        `SELECT id FROM search_active_shops_by_rating($1, $2, $3, $4::text[], $5::integer, $6::numeric,
           $7::timestamptz, NULL, NULL, NULL, NULL, ${PAGE + 1})`,
        args,
      );
    } else {
      await client.query(
        `SELECT id FROM search_active_shops($1, $2, $3, $4::text[], $5::integer, $6::numeric, $7::timestamptz,
           false, NULL, NULL, NULL, NULL, ${PAGE + 1})`,
        args,
      );
    }
    console.log(`\n--- plan: ${label}`);
    // The innermost statements (the index scans), not the function calls around them.
    for (const plan of plans.filter((text) => text.includes('FROM shops s'))) console.log(plan);
  }
  await client.end();
}

interface SizeResult {
  size: number;
  kinds: Array<{ label: string; median: number; p99: number; results: number }>;
  indexedMs: number[];
  legacyMs: number[];
  agree: number;
  http: Array<{ label: string; result: WrkResult }>;
  /** The plain search through the API beside the bare endpoint (at the largest size, or every one with --bare-all). */
  bare?: { compared: Compared; sameBodies: number; checked: number };
}

/** The same bodies from the API and the bare endpoint for the same plain searches (ids, distances, every field). */
async function sameBodies(apiUrl: string, bareUrl: string, paths: string[]): Promise<number> {
  let same = 0;
  for (const path of paths) {
    const [a, b] = await Promise.all([fetch(`${apiUrl}${path}`), fetch(`${bareUrl}${path}`)]);
    if (a.ok && b.ok && (await a.text()) === (await b.text())) same++;
  }
  return same;
}

async function measure(size: number, first: boolean, withBare: boolean): Promise<SizeResult> {
  const databaseUrl = await benchDatabase(`hairone_bench_geo_${size}`);
  const env = benchEnv(databaseUrl);
  await runMigrations(buildAppConfig(env));
  // The same session settings as the app's connections (src/database/data-source.options.ts).
  const pool = new Pool({ connectionString: databaseUrl, max: 1, options: '-c jit=off' });
  await seedShops(pool, size);
  if (EXPLAIN && first) await explainAll(databaseUrl);

  for (let i = 0; i < 100; i++) await indexed(pool, randomCityPoint());
  const indexedMs: number[] = [];
  const legacyMs: number[] = [];
  let agree = 0;
  for (let i = 0; i < SAMPLES; i++) {
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
  const kinds: SizeResult['kinds'] = [];
  for (const [label, query] of KINDS) {
    for (let i = 0; i < 20; i++) await fetch(`${api.url}${searchPath(query)}`);
    const samples: number[] = [];
    let results = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const [ms, response] = await timed(() => fetch(`${api.url}${searchPath(query)}`));
      const body = (await response.json()) as { items?: unknown[] };
      if (!response.ok || !body.items) throw new Error(`${label}: HTTP ${response.status}`);
      results += body.items.length;
      samples.push(ms);
    }
    kinds.push({ label, median: median(samples), p99: quantile(samples, 0.99), results: results / SAMPLES });
  }
  const plainPaths = Array.from({ length: 2000 }, () => searchPath({}));
  const mixedPaths = Array.from({ length: 2000 }, (_, i) =>
    searchPath(KINDS[1 + (i % (KINDS.length - 1))][1]),
  );
  const http: SizeResult['http'] = [];
  for (const [label, paths] of [
    ['nearest (no filter)', plainPaths],
    ['mix of the filtered kinds', mixedPaths],
  ] as const) {
    const requests = paths.map((path) => ({ path }));
    await wrk(api.url, { requests, connections: CONNECTIONS, seconds: 2 });
    http.push({
      label,
      result: await wrk(api.url, { requests, connections: CONNECTIONS, seconds: SECONDS }),
    });
  }
  let bare: SizeResult['bare'];
  if (withBare) {
    const baseline = await startBare('search', env);
    try {
      const checked = 100;
      const same = await sameBodies(api.url, baseline.url, plainPaths.slice(0, checked));
      const requests = plainPaths.map((path) => ({ path }));
      for (const side of [api.url, baseline.url]) {
        await wrk(side, { requests, connections: CONNECTIONS, seconds: 3 });
      }
      const compared = await compare(
        { name: 'API', url: api.url, pid: api.pid, requests },
        { name: 'bare', url: baseline.url, pid: baseline.pid, requests },
        { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS },
      );
      bare = { compared, sameBodies: same, checked };
    } finally {
      await baseline.stop();
    }
  }
  await api.stop();
  return { size, kinds, indexedMs, legacyMs, agree, http, bare };
}

async function main(): Promise<void> {
  const results: SizeResult[] = [];
  const largest = Math.max(...SIZES);
  for (const [index, size] of SIZES.entries()) {
    results.push(await measure(size, index === 0, BARE_ALL || size === largest));
  }

  console.log(
    `\nShop search through the API, one request at a time, radius ${RADIUS_M / 1000} km, page of ${PAGE}`,
  );
  printTable(
    KINDS.map(([label], k) => ({
      search: label,
      ...Object.fromEntries(
        results.flatMap((result) => [
          [`${result.size} median ms`, result.kinds[k].median.toFixed(2)],
          [`${result.size} p99 ms`, result.kinds[k].p99.toFixed(2)],
          [`${result.size} results`, result.kinds[k].results.toFixed(1)],
        ]),
      ),
    })),
  );
  console.log(
    '\nPlain search on the database: indexed (search_active_shops) vs legacy (load all, haversine in JS)',
  );
  printTable(
    results.flatMap((result) => [
      {
        shops: result.size,
        approach: 'indexed',
        samples: result.indexedMs.length,
        'median ms': median(result.indexedMs).toFixed(3),
        'p99 ms': quantile(result.indexedMs, 0.99).toFixed(3),
        'same first page': '',
      },
      {
        shops: result.size,
        approach: 'legacy',
        samples: result.legacyMs.length,
        'median ms': median(result.legacyMs).toFixed(3),
        'p99 ms': quantile(result.legacyMs, 0.99).toFixed(3),
        'same first page': `${result.agree}/${result.legacyMs.length}`,
      },
    ]),
  );
  console.log(`\nHTTP GET /api/v1/shops, ${CONNECTIONS} connections, ${SECONDS} s`);
  printTable(
    results.flatMap((result) =>
      result.http.map(({ label, result: run }) => ({
        shops: result.size,
        searches: label,
        'requests/s': Math.round(run.rps),
        'p50 ms': run.p50.toFixed(2),
        'p99 ms': run.p99.toFixed(2),
        'non-2xx': run.non2xx,
        errors: run.socketErrors,
      })),
    ),
  );
  const compared = results.filter((result) => result.bare);
  for (const result of compared) {
    const { compared: c, sameBodies: same, checked } = result.bare!;
    console.log(
      `\nPlain search over HTTP at ${result.size} shops: the API and a bare Fastify + pg endpoint (the plain query, ` +
        `same JSON: ${same}/${checked} bodies identical), wrk -c${CONNECTIONS}, ${ROUNDS} x ${SECONDS} s alternating`,
    );
    printTable(comparedRows(c, 'API', 'bare'));
  }
  console.log(
    `legacy / indexed: ${(median(results[0].legacyMs) / median(results[0].indexedMs)).toFixed(1)} ` +
      `(plain search on the database at ${results[0].size} shops, medians)`,
  );
  const last = compared[compared.length - 1];
  if (last) {
    const c = last.bare!.compared;
    console.log(
      `ratio: ${c.ratio.toFixed(2)} (plain search at ${last.size} shops, API req/s / bare req/s; API ` +
        `${Math.round(c.api.rps)} req/s p99 ${c.api.p99.toFixed(1)} ms, bare ${Math.round(c.bare.rps)} req/s ` +
        `p99 ${c.bare.p99.toFixed(1)} ms; p99 ratio ${(c.api.p99 / c.bare.p99).toFixed(2)})`,
    );
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
