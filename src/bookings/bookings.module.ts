import { Module } from '@nestjs/common';

import { AvailabilityModule } from '../availability/availability.module';
import { LedgerModule } from '../ledger/ledger.module';
import { NotificationsOutboxModule } from '../notifications/notifications-outbox.module';
import { PaymentGatewayModule } from '../payments/payment-gateway.module';
import { ScheduleRulesModule } from '../scheduling/schedule-rules.module';
import { BookingLifecycleService } from './booking-lifecycle.service';
import { BookingsController } from './bookings.controller';
import { BookingsRepository } from './bookings.repository';
import { BookingsService } from './bookings.service';
import { HoldsService } from './holds.service';
import { RescheduleService } from './reschedule.service';
import { ShopDays } from './shop-day';

@Module({
  imports: [
    AvailabilityModule,
    PaymentGatewayModule,
    LedgerModule,
    NotificationsOutboxModule,
    ScheduleRulesModule,
  ],
  controllers: [BookingsController],
  providers: [
    BookingsService,
    BookingLifecycleService,
    RescheduleService,
    BookingsRepository,
    HoldsService,
    ShopDays,
  ],
  exports: [
    BookingsService,
    BookingLifecycleService,
    HoldsService,
    BookingsRepository,
    ShopDays,
    AvailabilityModule,
    ScheduleRulesModule,
  ],
})
export class BookingsModule {}
