import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';

import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';
import { REDIS_CLIENT } from '../../redis/redis.constants';
import { loginFailuresKey } from '../../redis/redis-keys';
import { withTimeout } from '../async/with-timeout';
import { RateLimitedError } from '../errors/domain-error';

/**
 * Takes one attempt from the account's budget for the window: [allowed (0|1), ms to the window's end]. A refused
 * attempt takes nothing (the count stays at the limit until the window ends).
 */
const ATTEMPT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return {0, ttl}
end
return {1, ttl}
`;

/** Gives a successful attempt back: only failures count. */
const SUCCEEDED_SCRIPT = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits > 0 then redis.call('DECR', KEYS[1]) end
return hits
`;

const REDIS_TIMEOUT_MS = 500;

/**
 * Failed logins per account (e-mail address) per window, counted in Redis so that every API instance shares the
 * count: the per-client limit alone lets someone who rotates addresses guess passwords. Each attempt is counted
 * before the password is checked (so parallel guesses cannot all slip under the limit) and given back when it
 * succeeds. Unknown addresses count like known ones, so the limit tells nobody which accounts exist. Over the limit
 * every attempt, the right password included, is answered 429 with Retry-After until the window ends.
 */
@Injectable()
export class LoginAttempts {
  private readonly logger = new Logger(LoginAttempts.name);

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis | Cluster,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Takes an attempt for `email`, or throws RateLimitedError when its failures fill the window. */
  async begin(email: string): Promise<void> {
    const { loginFailuresPerAccount: limit, loginFailureWindowSeconds: windowSeconds } =
      this.config.rateLimits;
    let allowed: number;
    let ttlMs: number;
    try {
      [allowed, ttlMs] = (await withTimeout(
        this.redis.eval(ATTEMPT_SCRIPT, 1, this.key(email), windowSeconds * 1000, limit),
        REDIS_TIMEOUT_MS,
      )) as [number, number];
    } catch (error) {
      // Like the per-client limits: without Redis, logins go through rather than the service going down.
      this.logger.warn(`Login limiter unavailable, allowing attempt: ${(error as Error).message}`);
      return;
    }
    if (allowed !== 1) throw new RateLimitedError(Math.max(1, Math.ceil(ttlMs / 1000)));
  }

  /** The attempt for `email` succeeded: it is not a failure. */
  async succeeded(email: string): Promise<void> {
    try {
      await withTimeout(this.redis.eval(SUCCEEDED_SCRIPT, 1, this.key(email)), REDIS_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn(`Login limiter unavailable: ${(error as Error).message}`);
    }
  }

  private key(email: string): string {
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
    return loginFailuresKey(this.config.redis.keyPrefix, account);
  }
}
