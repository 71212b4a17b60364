import { Module } from '@nestjs/common';

import { BookingsModule } from '../bookings/bookings.module';
import { LedgerModule } from '../ledger/ledger.module';
import { NotificationsOutboxModule } from '../notifications/notifications-outbox.module';
import { SettlementsModule } from '../settlements/settlements.module';
import { CapturesService } from './captures.service';
import { PaymentGatewayModule } from './payment-gateway.module';
import { PaymentReviews } from './payment-reviews';
import { PaymentsController } from './payments.controller';
import { PaymentsReconciler } from './payments.reconciler';
import { RefundsController } from './refunds.controller';
import { RefundsService } from './refunds.service';
import { WebhookEventsService } from './webhook-events.service';

/** Checkout verification, webhooks, refunds and reconciliation, on top of the provider gateway. */
@Module({
  imports: [BookingsModule, PaymentGatewayModule, LedgerModule, SettlementsModule, NotificationsOutboxModule],
  controllers: [PaymentsController, RefundsController],
  providers: [CapturesService, RefundsService, WebhookEventsService, PaymentReviews, PaymentsReconciler],
  exports: [CapturesService, RefundsService, WebhookEventsService, PaymentsReconciler],
})
export class PaymentsModule {}
