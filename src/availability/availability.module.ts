import { Module } from '@nestjs/common';

import { ShopsModule } from '../shops/shops.module';
import { AvailabilityRepository } from './availability.repository';
import { SlotsController } from './slots.controller';
import { SlotsService } from './slots.service';
import { SlotsCache } from './slots-cache';
import { SlotsCacheInterceptor } from './slots-cache.interceptor';

@Module({
  imports: [ShopsModule],
  controllers: [SlotsController],
  providers: [AvailabilityRepository, SlotsService, SlotsCache, SlotsCacheInterceptor],
  exports: [AvailabilityRepository],
})
export class AvailabilityModule {}
