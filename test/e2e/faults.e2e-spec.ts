import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { eventually } from '../support/payments';
import { GivenShop } from '../support/shops';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

/**
 * PostgreSQL and Redis going away and coming back, for this app alone: both are reached through TCP proxies that
 * the tests cut (every open connection is destroyed and new ones are refused, as when a server restarts).
 */
describe('Dependencies going away and coming back (e2e)', () => {
  const env = testEnv();
  const databaseUrl = new URL(env.DATABASE_URL as string);
  const redisUrl = new URL(env.REDIS_URL as string);
  const databaseProxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
  const redisProxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
  let t: TestApp;
  let db: DataSource;
  let customer: GivenUser;
  let shop: GivenShop;
  let slot = 0;

  beforeAll(async () => {
    await databaseProxy.start();
    await redisProxy.start();
    t = await createTestApp({
      DATABASE_URL: databaseProxy.url(env.DATABASE_URL as string),
      REDIS_URL: redisProxy.url(env.REDIS_URL as string),
      REDIS_KEY_PREFIX: `${process.env.REDIS_KEY_PREFIX}faults2:`,
    });
    db = t.app.get(DataSource);
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    shop = await givenBookableShop(t.http, owner, admin);
  });

  afterAll(() => db && assertInvariants(db));

  afterAll(async () => {
    await t?.close();
    await databaseProxy.stop();
    await redisProxy.stop();
  });

  const nextStart = () => {
    const n = slot++;
    const start = 60 + 30 * n;
    return at(
      localDate(5),
      `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`,
    );
  };

  const bookingBody = (startsAt: string, paymentMethod = 'PAY_AT_SHOP') => ({
    shopId: shop.id,
    serviceId: shop.services[0].id,
    startsAt,
    paymentMethod,
  });

  it('answers 503 while PostgreSQL is away, recovers by itself, and the retried booking is made once', async () => {
    const startsAt = nextStart();
    const key = `fault-${randomUUID()}`;
    await databaseProxy.stop();
    try {
      await eventually(
        async () => (await t.http.get('/health')).status,
        (status) => status === 503,
      );
      const refused = await book(t.http, customer, bookingBody(startsAt), key);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(refused.text).not.toMatch(/\n\s+at .+:\d+:\d+/);
      const search = await t.http.get('/api/v1/shops').query({ lat: 12.97, lng: 77.59 });
      expect(search.status).toBe(503);
    } finally {
      await databaseProxy.start();
    }

    await eventually(
      async () => (await t.http.get('/health')).status,
      (status) => status === 200,
      20_000,
    );
    const first = await book(t.http, customer, bookingBody(startsAt), key).expect(201);
    const again = await book(t.http, customer, bookingBody(startsAt), key).expect(201);
    expect(again.body.id).toBe(first.body.id);
    const [{ n }] = await db.query(
      "SELECT count(*)::int AS n FROM bookings WHERE customer_id = $1 AND starts_at = $2 AND status <> 'expired'",
      [customer.id, new Date(startsAt)],
    );
    expect(n).toBe(1);
  });

  it('keeps search, slots and booking working while Redis is away', async () => {
    await redisProxy.stop();
    try {
      await eventually(
        async () => (await t.http.get('/health')).status,
        (status) => status === 503,
      );
      await t.http.get('/api/v1/shops').query({ lat: 12.97, lng: 77.59 }).expect(200);
      const startsAt = nextStart();
      const slots = await t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date: localDate(5), serviceId: shop.services[0].id })
        .expect(200);
      expect(
        slots.body.slots.map((candidate: { startsAt: string }) => Date.parse(candidate.startsAt)),
      ).toContain(Date.parse(startsAt));
      await book(t.http, customer, bookingBody(startsAt)).expect(201);
      // The booked slot is gone from the next answer, cache or no cache.
      const after = await t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date: localDate(5), serviceId: shop.services[0].id })
        .expect(200);
      expect(
        after.body.slots.map((candidate: { startsAt: string }) => Date.parse(candidate.startsAt)),
      ).not.toContain(Date.parse(startsAt));
    } finally {
      await redisProxy.start();
    }
    await eventually(
      async () => (await t.http.get('/health')).status,
      (status) => status === 200,
      20_000,
    );
  });
});
