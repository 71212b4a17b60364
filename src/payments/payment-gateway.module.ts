import { Module } from '@nestjs/common';

import { QueuesModule } from '../queues/queues.module';
import { CheckoutService } from './checkout.service';
import { PaymentsQueue } from './payments.queue';
import { PaymentsRepository } from './payments.repository';
import { PAYMENT_PROVIDER } from './providers/payment-provider';
import { PAYOUT_PROVIDER } from './providers/payout-provider';
import { RazorpayClient } from './providers/razorpay/razorpay.client';
import { RazorpayPaymentsAdapter } from './providers/razorpay/razorpay-payments.adapter';
import { RazorpayPayoutsAdapter } from './providers/razorpay/razorpay-payouts.adapter';
import { RefundsRepository } from './refunds.repository';

/**
 * The payment provider and the payments table, without any booking logic: bookings use it to open orders and
 * to ask for refunds, and the payments feature module builds the webhooks and reconciliation on top of it.
 * Another provider is another class bound to PAYMENT_PROVIDER here.
 */
@Module({
  imports: [QueuesModule],
  providers: [
    RazorpayClient,
    { provide: PAYMENT_PROVIDER, useClass: RazorpayPaymentsAdapter },
    { provide: PAYOUT_PROVIDER, useClass: RazorpayPayoutsAdapter },
    PaymentsRepository,
    RefundsRepository,
    PaymentsQueue,
    CheckoutService,
  ],
  exports: [
    PAYMENT_PROVIDER,
    PAYOUT_PROVIDER,
    PaymentsRepository,
    RefundsRepository,
    PaymentsQueue,
    CheckoutService,
  ],
})
export class PaymentGatewayModule {}
