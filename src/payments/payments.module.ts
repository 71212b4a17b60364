import { Module } from '@nestjs/common';

import { BookingsModule } from '../bookings/bookings.module';
import { LedgerModule } from '../ledger/ledger.module';
import { NotificationsOutboxModule } from '../notifications/notifications-outbox.module';
import { SettlementsModule } from '../settlements/settlements.module';
import { PaymentGatewayModule } from './payment-gateway.module';
import { PaymentsController } from './payments.controller';
import { PaymentsReconciler } from './payments.reconciler';
import { PaymentsService } from './payments.service';

/** Checkout verification, webhooks, refunds and reconciliation, on top of the provider gateway. */
@Module({
  imports: [BookingsModule, PaymentGatewayModule, LedgerModule, SettlementsModule, NotificationsOutboxModule],
  controllers: [PaymentsController],
  providers: [PaymentsService, PaymentsReconciler],
  exports: [PaymentsService, PaymentsReconciler],
})
export class PaymentsModule {}
