import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';

import { RedisThrottlerStorage } from '../../src/common/rate-limit/redis-throttler.storage';

/**
 * The rate limiter counts the requests of one budget that arrive in the same turn of the event loop with one call to
 * Redis: each must get exactly what a call of its own would have given it, and two processes (two storages, two
 * connections) must share the budget as before.
 */
describe('Rate-limit increments counted together (real Redis)', () => {
  const clients = [new Redis(process.env.REDIS_URL as string), new Redis(process.env.REDIS_URL as string)];
  const prefix = `hairone-test-batching-${randomUUID()}:`;

  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length > 0) await clients[0].del(...keys);
    for (const client of clients) client.disconnect();
  });

  it('numbers concurrent requests one by one and blocks those over the limit, across two instances', async () => {
    const [one, two] = clients.map((client) => new RedisThrottlerStorage(client, prefix));
    const all = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? one : two).increment('10.0.0.9', 60_000, 6, 30_000, 'search'),
      ),
    );
    const allowed = all.filter((record) => !record.isBlocked);
    // Six allowed with hits 1..6 (each exactly once), four blocked for the block's duration.
    expect(allowed.map((record) => record.totalHits).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.filter((record) => record.isBlocked)).toHaveLength(4);
    for (const record of all) expect(record.timeToExpire).toBeGreaterThan(0);
    for (const record of all.filter((r) => r.isBlocked)) expect(record.timeToBlockExpire).toBe(30);

    // Blocked afterwards too, from either instance; another budget is untouched.
    expect((await two.increment('10.0.0.9', 60_000, 6, 30_000, 'search')).isBlocked).toBe(true);
    const other = await one.increment('10.0.0.10', 60_000, 6, 30_000, 'search');
    expect([other.totalHits, other.isBlocked]).toEqual([1, false]);
  });
});
