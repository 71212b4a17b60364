import { Module } from '@nestjs/common';

import { BookingsModule } from '../bookings/bookings.module';
import { PaymentsModule } from './payments.module';
import { PaymentsProcessor } from './payments.processor';

/** The payments queue's processor: imported by the worker (and by e2e tests that run the worker in-process). */
@Module({
  imports: [PaymentsModule, BookingsModule],
  providers: [PaymentsProcessor],
})
export class PaymentsWorkerModule {}
