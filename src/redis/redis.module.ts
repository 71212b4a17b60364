import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { REDIS_CLIENT } from './redis.constants';

const STARTUP_WAIT_MS = 3000;

/**
 * The options of the API's Redis connections (this one, and the slot cache's when it has its own Redis). Commands
 * issued in the same tick of the event loop go out as one pipeline (auto-pipelining: under load, one write for the
 * rate limiter's and the slot cache's calls of many requests instead of one each); each command keeps its own
 * answer, order and timeout.
 */
export function redisClientOptions(): RedisOptions {
  return {
    // While Redis is unreachable, commands fail at once instead of queueing: the rate limiter then lets
    // requests through without delay and health answers 503 straight away.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    enableAutoPipelining: true,
  };
}

/**
 * One shared ioredis connection for rate limiting, health and (on the same Redis) the slot cache. Commands time out quickly and are not queued while
 * disconnected, so a Redis outage degrades the features that can live without it instead of hanging requests.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Redis');
        const client = new Redis(config.redis.url, redisClientOptions());
        let reported = false;
        client.on('error', (error: Error) => {
          if (!reported) logger.warn(`Redis unavailable: ${error.message}`);
          reported = true;
        });
        client.on('ready', () => {
          if (reported) logger.log('Redis connection restored');
          reported = false;
        });
        // Start with a connection when Redis is there (commands are not queued), but never wait long for it:
        // the process must come up, and report Redis as down, when it is not.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, STARTUP_WAIT_MS);
          client.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return client;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
