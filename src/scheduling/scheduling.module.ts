import { Module } from '@nestjs/common';

import { BookingsModule } from '../bookings/bookings.module';
import { ShopsModule } from '../shops/shops.module';
import { ScheduleRulesModule } from './schedule-rules.module';
import { SchedulingController } from './scheduling.controller';
import { SchedulingRepository } from './scheduling.repository';
import { SchedulingService } from './scheduling.service';

@Module({
  imports: [ShopsModule, BookingsModule, ScheduleRulesModule],
  controllers: [SchedulingController],
  providers: [SchedulingService, SchedulingRepository],
})
export class SchedulingModule {}
