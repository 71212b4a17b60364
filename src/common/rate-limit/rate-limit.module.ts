import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';

import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';
import { REDIS_CLIENT } from '../../redis/redis.constants';
import { RATE_LIMIT_GROUP, RateLimitGroup } from './rate-limit.decorator';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE_MS = 60_000;

function groupOf(context: ExecutionContext): RateLimitGroup | undefined {
  return (Reflect.getMetadata(RATE_LIMIT_GROUP, context.getHandler()) ??
    Reflect.getMetadata(RATE_LIMIT_GROUP, context.getClass())) as RateLimitGroup | undefined;
}

/** Per-client limits per minute, shared by all API instances through Redis; over a limit -> 429 + Retry-After. */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS_CLIENT],
      useFactory: (config: AppConfig, redis: Redis) => ({
        storage: new RedisThrottlerStorage(redis, config.redis.keyPrefix),
        throttlers: [
          {
            name: 'default',
            ttl: MINUTE_MS,
            limit: config.rateLimits.defaultPerMinute,
            skipIf: (context) => groupOf(context) !== undefined,
          },
          {
            name: 'auth',
            ttl: MINUTE_MS,
            limit: config.rateLimits.authPerMinute,
            skipIf: (context) => groupOf(context) !== 'auth',
          },
          {
            name: 'bookings',
            ttl: MINUTE_MS,
            limit: config.rateLimits.bookingsPerMinute,
            skipIf: (context) => groupOf(context) !== 'bookings',
          },
          {
            name: 'search',
            ttl: MINUTE_MS,
            limit: config.rateLimits.searchPerMinute,
            skipIf: (context) => groupOf(context) !== 'search',
          },
        ],
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
