import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { refundPosting } from '../../libs/ledger/postings';
import { BookingsRepository } from '../bookings/bookings.repository';
import { inSerializableTransaction } from '../common/database/serializable';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MetricsService } from '../metrics/metrics.service';
import { Payment } from './payment';
import { PaymentReviews } from './payment-reviews';
import { PaymentsRepository } from './payments.repository';
import {
  PAYMENT_PROVIDER,
  PaymentProvider,
  ProviderRefund,
  ProviderRejectedError,
} from './providers/payment-provider';

/** Attempts of a refund's bookkeeping transaction (it locks one payment row; contention is rare). */
const REFUND_ATTEMPTS = 10;

/**
 * The refund path: a refund that was asked for (a cancellation, a capture that came too late) is sent to the
 * provider by the worker with an idempotency key, and what the provider says about it is applied to the payment,
 * the booking and the ledger.
 */
@Injectable()
export class RefundsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly bookings: BookingsRepository,
    private readonly ledger: LedgerRepository,
    private readonly metrics: MetricsService,
    private readonly reviews: PaymentReviews,
  ) {}

  /** Asks the provider for the refund of one payment (the worker's refund job). Idempotent by its key. */
  async send(paymentId: string): Promise<void> {
    const payment = await this.payments.findById(paymentId);
    if (!payment || payment.refundStatus !== 'requested' || !payment.providerPaymentId) return;
    let refund: ProviderRefund;
    try {
      refund = await this.provider.refund({
        paymentId: payment.providerPaymentId,
        amountPaise: payment.refundAmountPaise ?? payment.amountPaise,
        idempotencyKey: `refund-${payment.id}`,
        bookingId: payment.bookingId,
      });
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
      await this.reviews.record('refund_rejected', {
        bookingId: payment.bookingId,
        paymentId: payment.providerPaymentId,
        detail: { error: error.message },
      });
      await this.payments.failRefundRequest(payment.id);
      return;
    }
    await this.apply(payment, refund);
  }

  /**
   * Records a refund's state. A processed refund marks the booking refunded (in part, when less than was paid went
   * back) with the amount the provider reports, and posts that amount; a failed one goes to review.
   */
  async apply(payment: Payment, refund: ProviderRefund): Promise<void> {
    const status = refund.status;
    const changed = await inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const current = await this.payments.lock(manager, payment.id);
        if (!(await this.payments.recordRefund(manager, current.id, { refundId: refund.refundId, status }))) {
          return false;
        }
        if (status === 'processed') {
          const booking = await this.bookings.getById(current.bookingId, manager);
          // Never more than was captured, whatever an event says.
          const refunded = Math.min(refund.amountPaise, current.amountPaise);
          await this.ledger.post(manager, refundPosting(current.id, booking.shopId, refunded));
          if (booking.paymentStatus === 'refund_pending' || booking.paymentStatus === 'paid') {
            await this.bookings.change(
              manager,
              booking,
              { status: booking.status, paymentStatus: booking.paymentStatus },
              {
                paymentStatus: refunded < current.amountPaise ? 'partially_refunded' : 'refunded',
                refundedPaise: refunded,
              },
            );
          }
        }
        return true;
      },
      { attempts: REFUND_ATTEMPTS },
    );
    if (changed && status === 'failed') {
      await this.reviews.record('refund_failed', {
        bookingId: payment.bookingId,
        paymentId: refund.paymentId,
        detail: { refundId: refund.refundId },
      });
    }
    if (changed) this.metrics.paymentRefunds.inc({ status });
  }
}
