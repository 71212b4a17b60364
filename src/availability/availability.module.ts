import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { Logger, Module } from '@nestjs/common';
import { Keyv } from 'keyv';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { ShopsModule } from '../shops/shops.module';
import { AvailabilityRepository } from './availability.repository';
import { SlotsController } from './slots.controller';
import { SlotsService } from './slots.service';
import { SlotsCacheInterceptor } from './slots-cache.interceptor';

@Module({
  imports: [
    ShopsModule,
    CacheModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        // Fail fast while Redis is unreachable (no offline queue), keep reconnecting in the background.
        const store = new KeyvRedis(
          { url: config.slots.cacheRedisUrl, disableOfflineQueue: true, socket: { connectTimeout: 1000 } },
          { throwOnConnectError: false, throwOnErrors: false },
        );
        const keyv = new Keyv({ store, useKeyPrefix: false });
        // Operations on a cache that is down resolve empty; say so in the log, at most every 30 seconds.
        const logger = new Logger('SlotCache');
        let lastWarning = 0;
        keyv.on('error', (error: Error) => {
          if (Date.now() - lastWarning < 30_000) return;
          lastWarning = Date.now();
          logger.warn(`Slot cache unavailable, computing slots without it: ${error.message}`);
        });
        return { stores: [keyv] };
      },
    }),
  ],
  controllers: [SlotsController],
  providers: [AvailabilityRepository, SlotsService, SlotsCacheInterceptor],
  exports: [AvailabilityRepository],
})
export class AvailabilityModule {}
