import { DateTime } from 'luxon';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { compareKeys, SearchSort } from '../../libs/discovery/search-order';
import { matchesWords, queryWords } from '../../libs/discovery/search-words';
import { book } from '../support/bookings';
import { createScratchDatabase, ScratchDatabase } from '../support/database';
import { GivenUser, givenUser } from '../support/factories';
import { createTestApp, TestApp } from '../support/test-app';

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SHOP_WORDS = ['Sharp', 'Fade', 'Royal', 'Glow', 'Urban', 'Barber', 'Salon', 'Studio', 'Beardsley'];
const SERVICE_NAMES = ['Beard trim', 'Haircut', 'Hair colour', 'Shave', 'Facial', 'Kids cut', 'Head massage'];
const ZONES = ['Asia/Kolkata', 'Asia/Dubai', 'Europe/London'];
const ANY_ZONE_DATE_DAYS = 2;
const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '00:00', closes: '24:00' }));

interface ModelService {
  id: string;
  name: string;
  durationMinutes: number;
  pricePaise: number;
}

interface ModelShop {
  id: string;
  name: string;
  status: string;
  timezone: string;
  openingHours: Array<{ weekday: number; opens: string; closes: string }>;
  overrides: Map<string, Array<{ opens: string; closes: string }>>;
  rating: number | null;
  services: ModelService[];
  staffed: boolean;
}

interface Item {
  id: string;
  distanceMeters: number;
  ratingAverage: number | null;
  ratingCount: number;
  matchingServices?: Array<{ id: string; name: string; durationMinutes: number; pricePaise: number }>;
}

/**
 * GET /shops with every filter, against a brute-force model of the contract on random data: distance (PostGIS's
 * `<->`, read per shop), words, price, rating, opening (weekly hours and date overrides in three time zones, one
 * with DST), availability (the slots endpoint as the oracle), both orders, and every page size.
 */
describe('GET /shops with filters, against a brute-force model (integration, own database)', () => {
  let database: ScratchDatabase;
  let t: TestApp;
  let db: DataSource;
  let customer: GivenUser;
  const rand = random(20261201);
  const centre = { lat: 12.9716, lng: 77.5946 };
  const shops = new Map<string, ModelShop>();
  const availableOn = DateTime.now().setZone('Asia/Kolkata').plus({ days: ANY_ZONE_DATE_DAYS }).toISODate()!;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];

  beforeAll(async () => {
    database = await createScratchDatabase();
    // A small scan budget for words, so that a few hundred shops take the text-index path too.
    const admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(
      `ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET hairone.words_scan_budget = 100`,
    );
    await admin.end();
    t = await createTestApp({ DATABASE_URL: database.url });
    db = t.app.get(DataSource);
    const owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');

    for (let i = 0; i < 140; i++) {
      const hours = [];
      for (let weekday = 1; weekday <= 7; weekday++) {
        if (rand() < 0.2) continue;
        const opens = 6 + Math.floor(rand() * 6);
        const closes = opens + 4 + Math.floor(rand() * 10);
        hours.push({
          weekday,
          opens: `${String(opens).padStart(2, '0')}:00`,
          closes: closes >= 24 ? '24:00' : `${closes}:30`,
        });
      }
      const ratingCount = rand() < 0.3 ? 0 : 1 + Math.floor(rand() * 6);
      const ratingSum = ratingCount === 0 ? 0 : ratingCount + Math.floor(rand() * (4 * ratingCount + 1));
      const status = rand() < 0.1 ? 'suspended' : 'active';
      // Several shops share a spot, so ties in distance cross page boundaries.
      const spot =
        i % 10 === 0
          ? { lat: centre.lat + 0.02, lng: centre.lng }
          : {
              lat: centre.lat + (rand() - 0.5) * 0.3,
              lng: centre.lng + (rand() - 0.5) * 0.3,
            };
      const name = `${pick(SHOP_WORDS)} ${pick(SHOP_WORDS)}-${i}`;
      const timezone = pick(ZONES);
      const [row] = await db.query(
        `INSERT INTO shops (owner_id, name, address, location, timezone, opening_hours, slot_interval_minutes,
                            commission_bps, status, rating_sum, rating_count, rating_average)
         VALUES ($1, $2, 'Somewhere', ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography, $5, $6, 15, 1000, $7,
                 $8::integer, $9::integer, CASE WHEN $9::integer > 0 THEN round($8::integer::numeric / $9::integer, 1) END)
         RETURNING id`,
        [owner.id, name, spot.lng, spot.lat, timezone, JSON.stringify(hours), status, ratingSum, ratingCount],
      );
      const services: ModelService[] = [];
      for (let s = Math.floor(rand() * 4); s > 0; s--) {
        const service = {
          name: pick(SERVICE_NAMES),
          durationMinutes: 15 * (1 + Math.floor(rand() * 4)),
          pricePaise: 100 * (100 + Math.floor(rand() * 1500)),
        };
        const [created] = await db.query(
          'INSERT INTO services (shop_id, name, duration_minutes, price_paise) VALUES ($1, $2, $3, $4) RETURNING id',
          [row.id, service.name, service.durationMinutes, service.pricePaise],
        );
        services.push({ id: created.id, ...service });
      }
      const staffed = rand() < 0.8;
      if (staffed) await db.query("INSERT INTO staff (shop_id, name) VALUES ($1, 'Ravi')", [row.id]);
      const overrides = new Map<string, Array<{ opens: string; closes: string }>>();
      if (rand() < 0.25) {
        const intervals = rand() < 0.5 ? [] : [{ opens: '10:00', closes: '11:00' }];
        overrides.set(availableOn, intervals);
        await db.query(
          'INSERT INTO shop_date_overrides (shop_id, local_date, opening_hours) VALUES ($1, $2, $3)',
          [row.id, availableOn, JSON.stringify(intervals)],
        );
      }
      const rating = ratingCount === 0 ? null : Math.round((ratingSum * 10) / ratingCount) / 10;
      shops.set(row.id, {
        id: row.id,
        name,
        status,
        timezone,
        openingHours: hours,
        overrides,
        rating,
        services,
        staffed,
      });
    }

    // Many more shops without services, a few of them with a rare word: more than the nearest-first scan for words
    // reads before it turns to the text index (hairone.words_scan_budget, set above).
    const fillers = Array.from({ length: 300 }, (_, i) => ({
      name: i % 100 === 7 ? `Zulu Cuts ${i}` : `Filler Salon ${i}`,
      lat: centre.lat + (rand() - 0.5) * 0.16,
      lng: centre.lng + (rand() - 0.5) * 0.16,
      rated: rand() < 0.5,
    }));
    const inserted: Array<{ id: string; name: string; rating_average: string | null }> = await db.query(
      `INSERT INTO shops (owner_id, name, address, location, timezone, opening_hours, commission_bps, status,
                          rating_sum, rating_count, rating_average)
       SELECT $1, f.name, 'Elsewhere', ST_SetSRID(ST_MakePoint(f.lng, f.lat), 4326)::geography, 'Asia/Kolkata',
              $2, 1000, 'active', CASE WHEN f.rated THEN 4 ELSE 0 END, CASE WHEN f.rated THEN 1 ELSE 0 END,
              CASE WHEN f.rated THEN 4.0 END
         FROM jsonb_to_recordset($3::jsonb) AS f(name text, lat float8, lng float8, rated boolean)
       RETURNING id, name, rating_average`,
      [owner.id, JSON.stringify(ALL_WEEK), JSON.stringify(fillers)],
    );
    for (const row of inserted) {
      shops.set(row.id, {
        id: row.id,
        name: row.name,
        status: 'active',
        timezone: 'Asia/Kolkata',
        openingHours: ALL_WEEK,
        overrides: new Map(),
        rating: row.rating_average === null ? null : Number(row.rating_average),
        services: [],
        staffed: false,
      });
    }

    // Fill the one hour some shops have that day, so that they are open but have no free slot.
    for (const shop of shops.values()) {
      const hour = shop.overrides.get(availableOn);
      const service = shop.services.find((candidate) => candidate.durationMinutes === 60);
      if (shop.status !== 'active' || !shop.staffed || !hour || hour.length === 0 || !service) continue;
      const startsAt = DateTime.fromISO(`${availableOn}T10:00`, { zone: shop.timezone }).toISO()!;
      await book(t.http, customer, { shopId: shop.id, serviceId: service.id, startsAt }).expect(201);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  async function allPages(query: Record<string, unknown>, limit: number): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const response: { body: { items: Item[]; nextCursor: string | null } } = await t.http
        .get('/api/v1/shops')
        .query({ ...query, limit, ...(cursor ? { cursor } : {}) })
        .expect(200);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
    } while (cursor);
    return items;
  }

  const openAt = (shop: ModelShop, instant: string): boolean => {
    const local = DateTime.fromISO(instant).setZone(shop.timezone);
    const date = local.toISODate()!;
    const time = local.toFormat('HH:mm');
    const intervals =
      shop.overrides.get(date) ?? shop.openingHours.filter((interval) => interval.weekday === local.weekday);
    return intervals.some((interval) => interval.opens <= time && time < interval.closes);
  };

  const freeSlotCache = new Map<string, boolean>();
  const hasFreeSlot = async (shop: ModelShop, services: ModelService[]): Promise<boolean> => {
    for (const service of services) {
      if (!freeSlotCache.has(service.id)) {
        const response = await t.http
          .get(`/api/v1/shops/${shop.id}/slots`)
          .query({ date: availableOn, serviceId: service.id })
          .expect(200);
        freeSlotCache.set(service.id, response.body.slots.length > 0);
      }
      if (freeSlotCache.get(service.id)) return true;
    }
    return false;
  };

  /** The contract, by brute force over every shop. */
  async function model(query: {
    lat: number;
    lng: number;
    radiusKm: number;
    q?: string;
    maxPricePaise?: number;
    minRating?: number;
    openAt?: string;
    availableOn?: string;
    sort?: SearchSort;
  }) {
    const distances: Array<{ id: string; d: number }> = await db.query(
      'SELECT id, location <-> ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography AS d FROM shops',
      [query.lng, query.lat],
    );
    const words = query.q === undefined ? null : queryWords(query.q);
    const results = [];
    for (const { id, d } of distances) {
      const shop = shops.get(id)!;
      if (shop.status !== 'active' || d > query.radiusKm * 1000) continue;
      const matching = shop.services.filter(
        (service) =>
          (words === null || matchesWords(words, shop.name, service.name)) &&
          (query.maxPricePaise === undefined || service.pricePaise <= query.maxPricePaise),
      );
      if (query.maxPricePaise !== undefined && matching.length === 0) continue;
      if (words !== null && matching.length === 0 && !matchesWords(words, shop.name)) continue;
      if (query.minRating !== undefined && (shop.rating === null || shop.rating < query.minRating)) continue;
      if (query.openAt !== undefined && !openAt(shop, query.openAt)) continue;
      const filtered = words !== null || query.maxPricePaise !== undefined;
      if (query.availableOn !== undefined && !(await hasFreeSlot(shop, filtered ? matching : shop.services)))
        continue;
      results.push({ id, rating: shop.rating, distance: d, matching: filtered ? matching : undefined });
    }
    return results.sort((a, b) => compareKeys(query.sort ?? 'distance', a, b));
  }

  const instants = [
    DateTime.fromISO(`${availableOn}T10:30`, { zone: 'Asia/Kolkata' }).toISO()!,
    DateTime.fromISO(`${availableOn}T21:00`, { zone: 'Asia/Kolkata' }).toISO()!,
    // A Sunday morning in London just after the clocks go back (BST ends 2026-10-25).
    '2026-10-25T09:15:00Z',
    DateTime.fromISO(`${availableOn}T06:59`, { zone: 'Asia/Dubai' }).toUTC().toISO()!,
  ];

  const queries: Array<Record<string, unknown>> = [
    {},
    { q: 'bea' },
    { q: 'zulu' },
    { q: 'zul', sort: 'rating' },
    { q: 'filler salon', minRating: 3 },
    { q: 'BEARD trim' },
    { q: 'hair col' },
    { q: 'sharp' },
    { q: 'royal shave' },
    { q: 'studio', sort: 'rating' },
    { maxPricePaise: 40_000 },
    { q: 'cut', maxPricePaise: 80_000 },
    { minRating: 3.5 },
    { minRating: 4.4, sort: 'rating' },
    { sort: 'rating' },
    { openAt: instants[0] },
    { openAt: instants[1], sort: 'rating' },
    { openAt: instants[2] },
    { openAt: instants[3], q: 'ha' },
    { availableOn },
    { availableOn, q: 'hair', sort: 'rating' },
    { availableOn, maxPricePaise: 60_000, openAt: instants[0] },
    { q: 'fa', maxPricePaise: 120_000, minRating: 2, openAt: instants[0], availableOn, sort: 'rating' },
  ];

  it.each(queries.map((filters) => [JSON.stringify(filters), filters]))(
    'answers %s exactly as the model, on every page size',
    async (_label, filters) => {
      for (const point of [centre, { lat: centre.lat + 0.05, lng: centre.lng - 0.04 }]) {
        const query = { ...point, radiusKm: 12, ...filters };
        const expected = await model(query as Parameters<typeof model>[0]);
        for (const limit of [3, 100]) {
          const items = await allPages(query, limit);
          expect(items.map((item) => item.id)).toEqual(expected.map((shop) => shop.id));
          expect(items.map((item) => item.distanceMeters)).toEqual(expected.map((shop) => shop.distance));
          expect(items.map((item) => item.ratingAverage)).toEqual(expected.map((shop) => shop.rating));
          const withServices = 'q' in filters || 'maxPricePaise' in filters;
          for (const [index, item] of items.entries()) {
            if (!withServices) {
              expect(item).not.toHaveProperty('matchingServices');
              continue;
            }
            expect(item.matchingServices).toEqual(
              expected[index].matching!.map(({ id, name, durationMinutes, pricePaise }) => ({
                id,
                name,
                durationMinutes,
                pricePaise,
              })),
            );
          }
        }
      }
    },
    60_000,
  );

  it('finds results at all: the data exercises every filter', async () => {
    for (const filters of queries.slice(1)) {
      const expected = await model({ ...centre, radiusKm: 12, ...filters } as Parameters<typeof model>[0]);
      expect({ filters, found: expected.length > 0 }).toEqual({ filters, found: true });
    }
    // And availability differs from opening: some shops open that day have no free slot.
    const open = await model({ ...centre, radiusKm: 12, openAt: instants[0] });
    const free = await model({ ...centre, radiusKm: 12, availableOn, openAt: instants[0] });
    expect(free.length).toBeLessThan(open.length);
  });

  it.each([
    ['q of punctuation only', { q: '!!! ---' }],
    ['q of nine words', { q: 'a b c d e f g h i' }],
    ['q over 200 characters', { q: 'a'.repeat(201) }],
    ['a negative maxPricePaise', { maxPricePaise: -1 }],
    ['a fractional maxPricePaise', { maxPricePaise: 100.5 }],
    ['a text maxPricePaise', { maxPricePaise: 'cheap' }],
    ['minRating 0', { minRating: 0 }],
    ['minRating 5.5', { minRating: 5.5 }],
    ['openAt without an offset', { openAt: '2026-12-02T10:00:00' }],
    ['openAt not a date', { openAt: 'tonight' }],
    ['availableOn 2026-02-30', { availableOn: '2026-02-30' }],
    ['availableOn in another format', { availableOn: '02/12/2026' }],
    ['availableOn in the past', { availableOn: '2026-01-01' }],
    ['sort by name', { sort: 'name' }],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, filters) => {
    const response = await t.http
      .get('/api/v1/shops')
      .query({ ...centre, ...filters })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it('refuses a cursor of one search in another (other filters or order)', async () => {
    const first = await t.http
      .get('/api/v1/shops')
      .query({ ...centre, q: 'hair', limit: 2 })
      .expect(200);
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    await t.http
      .get('/api/v1/shops')
      .query({ ...centre, q: 'hair', limit: 2, cursor })
      .expect(200);
    for (const other of [{ q: 'hai' }, { q: 'hair', sort: 'rating' }, { q: 'hair', minRating: 1 }, {}]) {
      const response = await t.http
        .get('/api/v1/shops')
        .query({ ...centre, limit: 2, cursor, ...other })
        .expect(400);
      expect(response.body.code).toBe('INVALID_CURSOR');
    }
  });
});
