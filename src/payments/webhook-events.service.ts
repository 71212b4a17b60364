import { Inject, Injectable, Logger } from '@nestjs/common';

import { MetricsService } from '../metrics/metrics.service';
import { PayoutNotYetKnownError, PayoutsService } from '../settlements/payouts/payouts.service';
import { CapturesService } from './captures.service';
import { PaymentReviews } from './payment-reviews';
import { PaymentsQueue } from './payments.queue';
import { PaymentsRepository } from './payments.repository';
import { PAYMENT_PROVIDER, PaymentProvider, ProviderRejectedError } from './providers/payment-provider';
import { RefundsService } from './refunds.service';

/** The event cannot be applied yet (a refund reported before its payment was recorded): Bull retries it later. */
export class EventNotYetApplicableError extends Error {}

/** After this many attempts an event that still cannot be applied is recorded for review instead. */
const EVENT_ATTEMPTS_BEFORE_REVIEW = 6;

/**
 * Webhook intake: a signed event is stored durably once per event id before it is answered, then processed by
 * the worker, which hands it to the capture, refund or payout path.
 */
@Injectable()
export class WebhookEventsService {
  private readonly logger = new Logger(WebhookEventsService.name);

  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly queue: PaymentsQueue,
    private readonly metrics: MetricsService,
    private readonly captures: CapturesService,
    private readonly refunds: RefundsService,
    private readonly payouts: PayoutsService,
    private readonly reviews: PaymentReviews,
  ) {}

  /** Stores a signed webhook and enqueues it; false when the signature is not valid, and nothing is stored. */
  async receive(rawBody: Buffer, payload: unknown, signature: unknown, eventId?: string): Promise<boolean> {
    if (!this.provider.verifyWebhook(rawBody, signature)) {
      this.metrics.paymentSignatureRejections.inc({ source: 'webhook' });
      this.logger.warn({ msg: 'Rejected a webhook with an invalid signature', eventId });
      return false;
    }
    const event = this.provider.parseWebhook(payload, eventId, rawBody);
    const stored = await this.payments.storeEvent({ provider: this.provider.name, ...event, payload });
    this.metrics.paymentEvents.inc({ type: event.eventType, outcome: stored ? 'received' : 'duplicate' });
    if (stored) await this.queue.processEvent({ provider: this.provider.name, eventId: event.eventId });
    return true;
  }

  /** Applies one stored event; a repeated or concurrent run changes nothing more. */
  async process(provider: string, eventId: string): Promise<string | null> {
    const event = await this.payments.startEvent(provider, eventId);
    if (!event) return null;
    let outcome: string;
    try {
      outcome = await this.apply(event.eventType, event.payload, event.attempts);
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
      // Signed by the provider but not readable: nothing to apply; kept for a person to look at.
      await this.payments.recordReview({
        provider,
        reason: 'malformed_event',
        detail: { eventId, eventType: event.eventType, error: error.message },
      });
      this.metrics.paymentReviews.inc({ reason: 'malformed_event' });
      outcome = 'malformed';
    }
    await this.payments.finishEvent(provider, eventId, outcome);
    this.metrics.paymentEvents.inc({ type: event.eventType, outcome });
    return outcome;
  }

  private async apply(eventType: string, payload: unknown, attempts: number): Promise<string> {
    const event = this.provider.interpret(eventType, payload);
    switch (event.kind) {
      case 'captured': {
        const payment = await this.payments.findByOrder(this.provider.name, event.orderId);
        if (!payment) {
          await this.reviews.record('unknown_order', { orderId: event.orderId, paymentId: event.paymentId });
          return 'unknown_order';
        }
        return (await this.captures.applyCapture(payment, event, 'webhook')).kind;
      }
      case 'failed':
        // A failed attempt never changes a booking: the customer may still pay, or the hold expires.
        this.logger.log({
          msg: 'A payment attempt failed',
          orderId: event.orderId,
          paymentId: event.paymentId,
        });
        return 'noted';
      case 'refund_processed':
      case 'refund_failed': {
        const payment = await this.payments.findByProviderPayment(this.provider.name, event.paymentId);
        if (!payment) {
          if (attempts < EVENT_ATTEMPTS_BEFORE_REVIEW) {
            throw new EventNotYetApplicableError(`No booking has payment ${event.paymentId} yet`);
          }
          await this.reviews.record('unknown_payment', {
            paymentId: event.paymentId,
            detail: { refundId: event.refundId },
          });
          return 'unknown_payment';
        }
        const applied = await this.refunds.applyReported(payment, {
          refundId: event.refundId,
          paymentId: event.paymentId,
          status: event.kind === 'refund_processed' ? 'processed' : 'failed',
          amountPaise: event.amountPaise,
        });
        // One of ours is still being sent, and this may be it: never given up on (a refund made in the dashboard
        // meanwhile must still be applied); the event stays unprocessed and is tried again until it can be told.
        if (applied === 'not_yet') {
          throw new EventNotYetApplicableError(`A refund of payment ${event.paymentId} is still being sent`);
        }
        return event.kind;
      }
      case 'transfer_processed':
      case 'transfer_failed':
        try {
          return await this.payouts.applyTransferEvent(
            event.transferId,
            event.kind === 'transfer_processed' ? 'processed' : 'failed',
          );
        } catch (error) {
          if (!(error instanceof PayoutNotYetKnownError)) throw error;
          if (attempts < EVENT_ATTEMPTS_BEFORE_REVIEW) throw new EventNotYetApplicableError(error.message);
          await this.reviews.record('unknown_transfer', { detail: { transferId: event.transferId } });
          return 'unknown_transfer';
        }
      default:
        return 'ignored';
    }
  }
}
