import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { DEFAULT_JOB_OPTIONS, PAYMENTS_QUEUE } from './queues.constants';

/**
 * Bull on the shared Redis, under this deployment's key prefix. Bull's blocking and subscriber connections must
 * retry forever (Bull refuses them otherwise); the command connection fails requests after a few retries so a
 * producer never hangs on a Redis outage.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        prefix: `${config.redis.keyPrefix}bull`,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        createClient: (type) => {
          const options: RedisOptions =
            type === 'client'
              ? { maxRetriesPerRequest: 3, connectionName: 'hairone-bull' }
              : {
                  maxRetriesPerRequest: null,
                  enableReadyCheck: false,
                  connectionName: `hairone-bull-${type}`,
                };
          return new Redis(config.redis.url, {
            ...options,
            retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
          });
        },
      }),
    }),
    BullModule.registerQueue({ name: PAYMENTS_QUEUE }),
  ],
  exports: [BullModule],
})
export class QueuesModule {}
