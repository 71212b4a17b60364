import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { Cluster, Redis } from 'ioredis';

import { rateLimitKeys } from '../../redis/redis-keys';

/**
 * Fixed-window counter and block flag, updated atomically in Redis so that every API instance shares the same
 * budget per client. ARGV[4] requests of one budget are counted in one call, one after the other exactly as that
 * many calls of one request each would count them (the loop's body is the one-request script): for each,
 * [hits, msToWindowEnd, blocked (0|1), msToBlockEnd].
 */
const INCREMENT_SCRIPT = `
local result = {}
for i = 1, tonumber(ARGV[4]) do
  local blockTtl = redis.call('PTTL', KEYS[2])
  if blockTtl > 0 then
    table.insert(result, tonumber(redis.call('GET', KEYS[1]) or '0'))
    table.insert(result, redis.call('PTTL', KEYS[1]))
    table.insert(result, 1)
    table.insert(result, blockTtl)
  else
    local hits = redis.call('INCR', KEYS[1])
    if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
    local ttl = redis.call('PTTL', KEYS[1])
    table.insert(result, hits)
    table.insert(result, ttl)
    if hits > tonumber(ARGV[2]) then
      redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
      table.insert(result, 1)
      table.insert(result, tonumber(ARGV[3]))
    else
      table.insert(result, 0)
      table.insert(result, 0)
    end
  end
end
return result
`;

const COMMAND = 'haironeRateLimitIncrement';

type WithIncrement = (Redis | Cluster) & {
  [COMMAND]: (...args: Array<string | number>) => Promise<number[]>;
};

/**
 * The script as a command of the client: sent by its SHA1 (EVALSHA, the script's text only once, when Redis does
 * not know it yet), not as the whole text with every request.
 */
function withIncrement(redis: Redis | Cluster): WithIncrement {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
  return redis as WithIncrement;
}

/** Requests of one budget waiting for the next call to Redis. */
interface Batch {
  counter: string;
  blockFlag: string;
  ttl: number;
  limit: number;
  blockDuration: number;
  waiting: Array<(record: ThrottlerStorageRecord) => void>;
}

const ALLOW: ThrottlerStorageRecord = {
  totalHits: 0,
  timeToExpire: 0,
  isBlocked: false,
  timeToBlockExpire: 0,
};

/**
 * The budgets in Redis, shared by every API instance. The requests of one budget (one client and group) that arrive
 * in the same turn of the event loop are counted with one call (at the end of the turn, setImmediate): the script
 * counts them one by one, so each gets the hits, window and block it would have got from a call of its own, and
 * the limits are exactly those of one call per request, across processes. A client sending many requests at once
 * costs one round trip per turn instead of one per request; one request alone waits for the end of its turn only.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: WithIncrement;
  private readonly batches = new Map<string, Batch>();
  private flushing = false;

  constructor(
    /** One Redis or a Redis Cluster: the two keys of a budget share a hash slot. */
    redis: Redis | Cluster,
    private readonly keyPrefix: string,
  ) {
    this.redis = withIncrement(redis);
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const [counter, blockFlag] = rateLimitKeys(this.keyPrefix, throttlerName, key);
    const id = `${counter}\n${ttl}\n${limit}\n${blockDuration}`;
    return new Promise((resolve) => {
      let batch = this.batches.get(id);
      if (!batch) {
        batch = { counter, blockFlag, ttl, limit, blockDuration, waiting: [] };
        this.batches.set(id, batch);
      }
      batch.waiting.push(resolve);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushing = false;
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const batch of batches) void this.send(batch);
  }

  private async send(batch: Batch): Promise<void> {
    const { counter, blockFlag, ttl, limit, blockDuration, waiting } = batch;
    let results: number[];
    try {
      results = await this.redis[COMMAND](counter, blockFlag, ttl, limit, blockDuration, waiting.length);
    } catch (error) {
      // Rate limiting protects the service; it must not take it down. Without Redis, requests go through.
      this.logger.warn(`Rate limiter unavailable, allowing request: ${(error as Error).message}`);
      for (const resolve of waiting) resolve(ALLOW);
      return;
    }
    waiting.forEach((resolve, i) => {
      const [hits, windowMs, blocked, blockMs] = results.slice(4 * i, 4 * i + 4);
      resolve({
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(windowMs / 1000)),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)),
      });
    });
  }
}
