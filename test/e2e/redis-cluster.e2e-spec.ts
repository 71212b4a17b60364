import Bull from 'bull';
import type { Cluster } from 'ioredis';

import { RedisThrottlerStorage } from '../../src/common/rate-limit/redis-throttler.storage';
import { QUEUE_NAMES } from '../../src/queues/queues.constants';
import { bullPrefix } from '../../src/redis/redis-keys';
import { eventually } from '../support/payments';
import { LocalRedisCluster } from '../support/redis-cluster';

/**
 * The key layout on a real Redis Cluster of three masters: Bull's scripts and the rate limiter's script touch
 * several keys at once, which a cluster allows only within one hash slot. Bull and the rate limiter run here with
 * ioredis's cluster client and HairOne's key prefixes.
 */
describe('Redis Cluster readiness (real three-node cluster)', () => {
  const cluster = new LocalRedisCluster();
  const queues: Bull.Queue[] = [];
  /** Bull does not close connections it got from createClient. */
  const clients: Cluster[] = [];
  const client = () => {
    const created = cluster.client();
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    await cluster.start();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    for (const created of clients) created.disconnect();
    await cluster.stop();
  });

  const queueWithPrefix = (name: string, prefix: string) => {
    const queue = new Bull(name, { prefix, createClient: client });
    queues.push(queue);
    return queue;
  };

  it('runs every queue (jobs, delayed jobs, retried jobs) under its own hash tag', async () => {
    const done: string[] = [];
    for (const name of QUEUE_NAMES) {
      const queue = queueWithPrefix(name, bullPrefix('hairone-cluster-test:', name));
      let failedOnce = false;
      void queue.process(async (job) => {
        if (job.data.failFirst && !failedOnce) {
          failedOnce = true;
          throw new Error('first attempt fails');
        }
        done.push(`${name}:${job.id}`);
      });
      await queue.add({}, { jobId: `${name}-now` });
      await queue.add({}, { jobId: `${name}-later`, delay: 300 });
      await queue.add({ failFirst: true }, { jobId: `${name}-retried`, attempts: 2, backoff: 100 });
    }
    await eventually(
      async () => done.length,
      (count) => count === QUEUE_NAMES.length * 3,
      20_000,
    );
    expect(done.sort()).toEqual(
      QUEUE_NAMES.flatMap((name) => [
        `${name}:${name}-later`,
        `${name}:${name}-now`,
        `${name}:${name}-retried`,
      ]).sort(),
    );
  });

  it('would fail without the tags: a prefix without one makes Bull cross slots', async () => {
    const untagged = queueWithPrefix('payments', 'hairone-cluster-test:untagged');
    await expect(untagged.add({}, { jobId: 'x' })).rejects.toThrow(/CROSSSLOT/);
  });

  it('keeps a shared rate-limit budget on the cluster', async () => {
    const storage = new RedisThrottlerStorage(client(), 'hairone-cluster-test:');
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await storage.increment('10.0.0.1', 60_000, 3, 60_000, 'search'));
    expect(hits.map((hit) => [hit.totalHits, hit.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
  });
});
