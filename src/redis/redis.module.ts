import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { REDIS_CLIENT } from './redis.constants';

const STARTUP_WAIT_MS = 3000;

/**
 * One shared ioredis connection for rate limiting and health. Commands time out quickly and are not queued while
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
        const client = new Redis(config.redis.url, {
          // While Redis is unreachable, commands fail at once instead of queueing: the rate limiter then lets
          // requests through without delay and health answers 503 straight away.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: 1000,
          connectTimeout: 2000,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
        });
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
