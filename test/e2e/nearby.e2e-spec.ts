import { DataSource } from 'typeorm';

import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { givenUser } from '../support/factories';
import { insertShops } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

/** PostGIS measures great-circle (`<->` on geography) on a sphere of the WGS 84 mean radius. */
const EARTH_RADIUS_M = 6_371_008.7714;
const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

function greatCircleMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLng = toRadians(b.lng - a.lng);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface NearbyItem {
  id: string;
  location: { lat: number; lng: number };
  distanceMeters: number;
  status: string;
}

describe('GET /shops: nearest active shops (integration, own database)', () => {
  let database: ScratchDatabase;
  let t: TestApp;
  const centre = { lat: 12.9716, lng: 77.5946 };
  const rand = random(20261125);
  let shops: Array<{ id: string; lat: number; lng: number; status: string }>;

  beforeAll(async () => {
    database = await createScratchDatabase();
    t = await createTestApp({ DATABASE_URL: database.url });
    const owner = await givenUser(t.http, 'shop_owner');
    const points = Array.from({ length: 600 }, () => ({
      // Up to ~0.4 degrees (about 45 km) from the centre, denser near it.
      lat: centre.lat + (rand() - 0.5) * 0.8 * rand(),
      lng: centre.lng + (rand() - 0.5) * 0.8 * rand(),
      status: rand() < 0.15 ? (rand() < 0.5 ? 'pending_approval' : 'suspended') : 'active',
    }));
    // Ties: several shops at exactly the same spot, to exercise the id tie-break across pages.
    for (let i = 0; i < 12; i++)
      points.push({ lat: centre.lat + 0.01, lng: centre.lng + 0.01, status: 'active' });
    await insertShops(t, owner.id, points);
    shops = await t.app
      .get(DataSource)
      .query(
        `SELECT id, ST_Y(location::geometry) AS lat, ST_X(location::geometry) AS lng, status FROM shops`,
      );
  });

  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  async function allPages(query: Record<string, unknown>): Promise<{ items: NearbyItem[]; pages: number }> {
    const items: NearbyItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: { body: { items: NearbyItem[]; nextCursor: string | null } } = await t.http
        .get('/api/v1/shops')
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .expect(200);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
      pages++;
    } while (cursor);
    return { items, pages };
  }

  it('orders shops exactly as a brute-force great-circle ordering, ties broken by id', async () => {
    for (const point of [centre, { lat: 13.05, lng: 77.5 }, { lat: 12.8, lng: 77.7 }]) {
      const { items } = await allPages({ ...point, radiusKm: 50, limit: 100 });
      const expected = shops
        .filter((shop) => shop.status === 'active')
        .map((shop) => ({ id: shop.id, distance: greatCircleMeters(point, shop) }))
        .filter((shop) => shop.distance <= 49_500)
        .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1));
      const returned = items.map((item) => item.id).filter((id) => expected.some((shop) => shop.id === id));
      // Distances computed in JavaScript and in PostGIS may differ in the last bits, so equal-distance groups
      // are compared as sets; everything else must be in the same order.
      const rank = (ids: string[]) =>
        ids.map((id) =>
          Math.round(
            greatCircleMeters(
              point,
              shops.find((shop) => shop.id === id)!,
            ) * 1000,
          ),
        );
      expect(rank(returned)).toEqual(rank(expected.map((shop) => shop.id)));
      expect(new Set(returned)).toEqual(new Set(expected.map((shop) => shop.id)));
    }
  });

  // Issue 19 made one metric of the radius, the order, the cursor and the reported value: the great circle of
  // `<->` (these two tests pinned the spheroid for the radius and the value, while the order was the great circle).
  it('returns the radius exactly: all active shops inside on the great circle and none outside', async () => {
    for (const radiusKm of [0.5, 3, 10, 25]) {
      const { items } = await allPages({ ...centre, radiusKm, limit: 100 });
      const inside: Array<{ id: string }> = await t.app.get(DataSource).query(
        `SELECT id FROM shops
          WHERE status = 'active'
            AND location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography <= $3`,
        [centre.lng, centre.lat, radiusKm * 1000],
      );
      expect(new Set(items.map((item) => item.id))).toEqual(new Set(inside.map((row) => row.id)));
      for (const item of items) {
        expect(item.distanceMeters).toBeLessThanOrEqual(radiusKm * 1000);
        expect(item.status).toBe('active');
      }
    }
  });

  it('reports exactly the great-circle distance it orders by, within 0.6 % of the geodesic (the flattening)', async () => {
    const { items } = await allPages({ ...centre, radiusKm: 20, limit: 100 });
    expect(items.length).toBeGreaterThan(50);
    const measured: Array<{ id: string; sphere: number; spheroid: number }> = await t.app
      .get(DataSource)
      .query(
        `SELECT id, location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS sphere,
              ST_Distance(location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS spheroid
         FROM shops WHERE id = ANY ($3::uuid[])`,
        [centre.lng, centre.lat, items.map((item) => item.id)],
      );
    const byId = new Map(measured.map((row) => [row.id, row]));
    for (const [index, item] of items.entries()) {
      const { sphere, spheroid } = byId.get(item.id)!;
      expect(item.distanceMeters).toBe(sphere);
      expect(Math.abs(item.distanceMeters - spheroid)).toBeLessThanOrEqual(spheroid * 0.006);
      expect(Math.abs(item.distanceMeters - greatCircleMeters(centre, item.location))).toBeLessThan(0.01);
      if (index > 0) expect(item.distanceMeters).toBeGreaterThanOrEqual(items[index - 1].distanceMeters);
    }
  });

  it('pages with no gaps and no duplicates, whatever the page size', async () => {
    const { items: reference } = await allPages({ ...centre, radiusKm: 15, limit: 100 });
    for (const limit of [1, 7, 13, 50]) {
      const { items, pages } = await allPages({ ...centre, radiusKm: 15, limit });
      expect(items.map((item) => item.id)).toEqual(reference.map((item) => item.id));
      expect(pages).toBe(Math.max(1, Math.ceil(reference.length / limit)));
    }
  });

  it('puts shops at the same distance in id order, across page boundaries too', async () => {
    const spot = { lat: centre.lat + 0.01, lng: centre.lng + 0.01 };
    const tied = shops
      .filter((shop) => shop.lat === spot.lat && shop.lng === spot.lng)
      .map((shop) => shop.id)
      .sort();
    expect(tied).toHaveLength(12);
    for (const limit of [1, 5, 100]) {
      const { items } = await allPages({ ...spot, radiusKm: 1, limit });
      expect(items.slice(0, 12).map((item) => item.id)).toEqual(tied);
      expect(items.slice(0, 12).every((item) => item.distanceMeters === 0)).toBe(true);
    }
  });

  it('defaults to a 10 km radius and pages of 20', async () => {
    const response = await t.http.get('/api/v1/shops').query(centre).expect(200);
    expect(response.body.items).toHaveLength(20);
    expect(response.body.nextCursor).toEqual(expect.any(String));
    const { items } = await allPages({ ...centre, limit: 100 });
    expect(Math.max(...items.map((item) => item.distanceMeters))).toBeLessThanOrEqual(10_000);
  });

  it('streams the nearest shops from the GiST index: KNN order with the radius as index condition', async () => {
    const dataSource = t.app.get(DataSource);
    // search_active_shops carries the planner settings that make PostgreSQL choose this plan...
    const [fn] = await dataSource.query(
      "SELECT proconfig FROM pg_proc WHERE proname = 'search_active_shops'",
    );
    expect(fn.proconfig).toEqual(expect.arrayContaining(['enable_bitmapscan=off', 'jit=off']));
    // ...and under them its query is an ordered index scan that stops after the rows asked for.
    const plan: Array<{ 'QUERY PLAN': unknown }> = await dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL enable_bitmapscan = off');
      return manager.query(
        `EXPLAIN (ANALYZE, FORMAT JSON)
           SELECT s.id FROM shops s
            WHERE s.status = 'active'
              AND ST_DWithin(s.location, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3 + 1, false)
              AND s.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography <= $3
            ORDER BY s.location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography
            LIMIT 21`,
        [centre.lng, centre.lat, 10_000],
      );
    });
    const scan = JSON.stringify(plan[0]['QUERY PLAN']);
    expect(scan).toContain('"Index Name":"shops_active_search_gist"');
    expect(scan).toContain('"Order By"');
    expect(scan).toContain('"Index Cond"');
    expect(scan).not.toContain('"Sort Key"');
  });

  it.each([
    ['no coordinates', {}],
    ['no longitude', { lat: 12.9 }],
    ['latitude 90.5', { lat: 90.5, lng: 77 }],
    ['latitude -91', { lat: -91, lng: 77 }],
    ['longitude 181', { lat: 12, lng: 181 }],
    ['an empty latitude', { lat: '', lng: 77 }],
    ['a text latitude', { lat: 'north', lng: 77 }],
    ['NaN', { lat: 'NaN', lng: 77 }],
    ['Infinity', { lat: 12, lng: 'Infinity' }],
    ['radius 0', { lat: 12, lng: 77, radiusKm: 0 }],
    ['radius 51 km', { lat: 12, lng: 77, radiusKm: 51 }],
    ['limit 0', { lat: 12, lng: 77, limit: 0 }],
    ['limit 101', { lat: 12, lng: 77, limit: 101 }],
    ['an unknown parameter', { lat: 12, lng: 77, sort: 'name' }],
  ])('refuses %s with 400', async (_label, query) => {
    const response = await t.http.get('/api/v1/shops').query(query).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400 });
  });

  it('refuses a cursor from another search, or a forged one', async () => {
    const first = await t.http
      .get('/api/v1/shops')
      .query({ ...centre, limit: 5 })
      .expect(200);
    const cursor = first.body.nextCursor;
    await t.http
      .get('/api/v1/shops')
      .query({ ...centre, limit: 5, cursor })
      .expect(200);
    const moved = await t.http
      .get('/api/v1/shops')
      .query({ lat: 13, lng: 77.5, limit: 5, cursor })
      .expect(400);
    expect(moved.body.code).toBe('INVALID_CURSOR');
    await t.http
      .get('/api/v1/shops')
      .query({ ...centre, radiusKm: 5, cursor })
      .expect(400);
    const forged = Buffer.from(JSON.stringify([centre.lat, centre.lng, 10, 1, "x' OR 1=1"])).toString(
      'base64url',
    );
    await t.http
      .get('/api/v1/shops')
      .query({ ...centre, cursor: forged })
      .expect(400);
  });
});
