import { Module } from '@nestjs/common';

import { AvailabilityModule } from '../availability/availability.module';
import { LedgerModule } from '../ledger/ledger.module';
import { NotificationsOutboxModule } from '../notifications/notifications-outbox.module';
import { PaymentGatewayModule } from '../payments/payment-gateway.module';
import { BookingsController } from './bookings.controller';
import { BookingsRepository } from './bookings.repository';
import { BookingsService } from './bookings.service';
import { HoldsService } from './holds.service';

@Module({
  imports: [AvailabilityModule, PaymentGatewayModule, LedgerModule, NotificationsOutboxModule],
  controllers: [BookingsController],
  providers: [BookingsService, BookingsRepository, HoldsService],
  exports: [BookingsService, HoldsService, BookingsRepository, AvailabilityModule],
})
export class BookingsModule {}
