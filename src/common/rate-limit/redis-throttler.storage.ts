import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { Cluster, Redis } from 'ioredis';

import { rateLimitKeys } from '../../redis/redis-keys';

/**
 * Fixed-window counter and block flag, updated atomically in Redis so that every API instance shares the same
 * budget per client. Returns [hits, msToWindowEnd, blocked (0|1), msToBlockEnd].
 */
const INCREMENT_SCRIPT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), 1, blockTtl}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}
`;

const COMMAND = 'haironeRateLimitIncrement';

type WithIncrement = (Redis | Cluster) & {
  [COMMAND]: (...args: Array<string | number>) => Promise<[number, number, number, number]>;
};

/**
 * The script as a command of the client: sent by its SHA1 (EVALSHA, the script's text only once, when Redis does
 * not know it yet), not as the whole text with every request.
 */
function withIncrement(redis: Redis | Cluster): WithIncrement {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
  return redis as WithIncrement;
}

export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: WithIncrement;

  constructor(
    /** One Redis or a Redis Cluster: the two keys of a budget share a hash slot. */
    redis: Redis | Cluster,
    private readonly keyPrefix: string,
  ) {
    this.redis = withIncrement(redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const [counter, blockFlag] = rateLimitKeys(this.keyPrefix, throttlerName, key);
    try {
      const [hits, windowMs, blocked, blockMs] = await this.redis[COMMAND](
        counter,
        blockFlag,
        ttl,
        limit,
        blockDuration,
      );
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(windowMs / 1000)),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
      };
    } catch (error) {
      // Rate limiting protects the service; it must not take it down. Without Redis, requests go through.
      this.logger.warn(`Rate limiter unavailable, allowing request: ${(error as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
