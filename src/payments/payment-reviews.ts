import { Inject, Injectable, Logger } from '@nestjs/common';

import { MetricsService } from '../metrics/metrics.service';
import { PaymentsRepository } from './payments.repository';
import { PAYMENT_PROVIDER, PaymentProvider } from './providers/payment-provider';

export interface ReviewFacts {
  bookingId?: string;
  orderId?: string;
  paymentId?: string;
  detail?: Record<string, unknown>;
}

/**
 * What money handling cannot decide by itself (a mismatched amount, a second payment, an event about nothing we
 * know) is kept in `payment_reviews` for a person, counted and logged, never silently dropped.
 */
@Injectable()
export class PaymentReviews {
  private readonly logger = new Logger(PaymentReviews.name);

  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** Records a review on its own (a decision taken inside a transaction records it there, with the decision). */
  async record(reason: string, facts: ReviewFacts): Promise<void> {
    await this.payments.recordReview({ provider: this.provider.name, reason, ...facts });
    this.metrics.paymentReviews.inc({ reason });
    this.logger.warn({ msg: 'Payment recorded for review', reason, ...facts });
  }
}
