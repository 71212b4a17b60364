import { DataSource } from 'typeorm';

import { at, book, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, givenUser } from '../support/factories';
import { assertInvariants } from '../support/invariants';
import { freePort } from '../support/ports';
import { ThrowawayRedis } from '../support/redis-server';
import { createTestApp, TestApp } from '../support/test-app';

describe('Slot cache on its own Redis, which goes down and comes back (e2e)', () => {
  let cache: ThrowawayRedis;
  let t: TestApp;

  beforeAll(async () => {
    cache = new ThrowawayRedis(await freePort());
    await cache.start();
    t = await createTestApp({ CACHE_REDIS_URL: cache.url });
  });

  afterAll(() => t && assertInvariants(t.app.get(DataSource)));

  afterAll(async () => {
    await t.close();
    await cache.stop();
  });

  it('caches slots, keeps answering without the cache, and uses it again once it is back', async () => {
    const admin = await givenAdmin(t);
    const owner = await givenUser(t.http, 'shop_owner');
    const customer = await givenUser(t.http, 'customer');
    const shop = await givenBookableShop(t.http, owner, admin);
    const date = localDate(3);
    const get = () =>
      t.http
        .get(`/api/v1/shops/${shop.id}/slots`)
        .query({ date, serviceId: shop.services[0].id })
        .expect(200);
    const has = (body: { slots: Array<{ startsAt: string }> }, time: string) =>
      body.slots.some((slot) => slot.startsAt === at(date, time));

    expect(has((await get()).body, '10:00')).toBe(true);
    expect(await cache.keys(`*slots:${shop.id}:*`)).toHaveLength(1);

    await cache.stop();
    expect(has((await get()).body, '10:00')).toBe(true);
    await book(t.http, customer, {
      shopId: shop.id,
      serviceId: shop.services[0].id,
      startsAt: at(date, '10:00'),
    }).expect(201);
    expect(has((await get()).body, '10:00')).toBe(false);

    await cache.start();
    // The client reconnects in the background; once it has, answers are cached again under the new version.
    for (let attempt = 0; attempt < 50 && (await cache.keys(`*slots:${shop.id}:*`)).length === 0; attempt++) {
      expect(has((await get()).body, '10:00')).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const keys = await cache.keys(`*slots:${shop.id}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/:d1$/);
  });
});
