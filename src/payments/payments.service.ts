import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { transition } from '../../libs/bookings/booking-state';
import { capturePosting, refundPosting } from '../../libs/ledger/postings';
import { Capture, CaptureDecision, decideCapture } from '../../libs/payments/capture-decision';
import { toIntervals, withBooking, withoutBookings } from '../../libs/slots/busy-map';
import { freeStaff } from '../../libs/slots/slot-engine';
import { AvailabilityRepository } from '../availability/availability.repository';
import { BookingNotFoundError } from '../bookings/bookings.errors';
import { BookingRow, BookingsRepository } from '../bookings/bookings.repository';
import { BookingDto } from '../bookings/dto/booking.dto';
import { isPgError, PG_EXCLUSION_VIOLATION, PG_UNIQUE_VIOLATION } from '../common/database/pg-errors';
import { inSerializableTransaction } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsOutbox } from '../notifications/outbox';
import { PayoutNotYetKnownError, PayoutsService } from '../settlements/payouts/payouts.service';
import { VerifyRazorpayPaymentDto } from './dto/verify-razorpay-payment.dto';
import { InvalidSignatureError, PaymentNeedsReviewError, PaymentTooLateError } from './payments.errors';
import { PaymentsQueue } from './payments.queue';
import { PaymentRow, PaymentsRepository } from './payments.repository';
import {
  PAYMENT_PROVIDER,
  PaymentProvider,
  ProviderRefund,
  ProviderRejectedError,
} from './providers/payment-provider';

export type CaptureSource = 'checkout' | 'webhook' | 'reconciliation';

/** The event cannot be applied yet (a refund reported before its payment was recorded): Bull retries it later. */
export class EventNotYetApplicableError extends Error {}

/** After this many attempts an event that still cannot be applied is recorded for review instead. */
const EVENT_ATTEMPTS_BEFORE_REVIEW = 6;

/**
 * Everything that changes a booking because of money: a verified checkout, a signed webhook, a refund, or what
 * reconciliation learns from the provider. Each change is one SERIALIZABLE transaction under the shop-day lock
 * (the same lock booking takes), decided by the pure rules in libs/payments, so repeats and races are harmless.
 */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly bookings: BookingsRepository,
    private readonly availability: AvailabilityRepository,
    private readonly queue: PaymentsQueue,
    private readonly metrics: MetricsService,
    private readonly ledger: LedgerRepository,
    private readonly payouts: PayoutsService,
    private readonly outbox: NotificationsOutbox,
  ) {}

  /**
   * Razorpay Checkout's handler result. The signature is checked against the order stored for the booking (the
   * client's order id only finds it), and only that booking's customer may present it.
   */
  async verifyCheckout(customer: AuthenticatedUser, dto: VerifyRazorpayPaymentDto): Promise<BookingDto> {
    const payment = await this.payments.findByOrder(this.provider.name, dto.razorpay_order_id);
    if (!payment) {
      this.metrics.paymentSignatureRejections.inc({ source: 'checkout' });
      throw new InvalidSignatureError();
    }
    if (payment.customer_id !== customer.id) throw new BookingNotFoundError();
    if (
      !this.provider.verifyCheckout(
        payment.provider_order_id,
        dto.razorpay_payment_id,
        dto.razorpay_signature,
      )
    ) {
      this.metrics.paymentSignatureRejections.inc({ source: 'checkout' });
      throw new InvalidSignatureError();
    }
    // A valid checkout signature proves this payment paid this order, and the order's amount is ours.
    const decision = await this.applyCapture(
      payment,
      { paymentId: dto.razorpay_payment_id, amountPaise: payment.amount_paise, currency: payment.currency },
      'checkout',
    );
    if (decision.kind === 'refund') throw new PaymentTooLateError(decision.reason);
    if (decision.kind === 'review') throw new PaymentNeedsReviewError();
    return BookingDto.from((await this.bookings.findById(payment.booking_id)) as BookingRow);
  }

  /**
   * A signed webhook: stored durably (once per event id) before it is answered, then processed by the worker.
   * Returns false when the signature is not valid, and nothing is stored.
   */
  async receiveWebhook(
    rawBody: Buffer,
    payload: unknown,
    signature: unknown,
    eventId?: string,
  ): Promise<boolean> {
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
  async processEvent(provider: string, eventId: string): Promise<string | null> {
    const event = await this.payments.startEvent(provider, eventId);
    if (!event) return null;
    let outcome: string;
    try {
      outcome = await this.applyEvent(event.event_type, event.payload, event.attempts);
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
      // Signed by the provider but not readable: nothing to apply; kept for a person to look at.
      await this.payments.recordReview({
        provider,
        reason: 'malformed_event',
        detail: { eventId, eventType: event.event_type, error: error.message },
      });
      this.metrics.paymentReviews.inc({ reason: 'malformed_event' });
      outcome = 'malformed';
    }
    await this.payments.finishEvent(provider, eventId, outcome);
    this.metrics.paymentEvents.inc({ type: event.event_type, outcome });
    return outcome;
  }

  private async applyEvent(eventType: string, payload: unknown, attempts: number): Promise<string> {
    const event = this.provider.interpret(eventType, payload);
    switch (event.kind) {
      case 'captured': {
        const payment = await this.payments.findByOrder(this.provider.name, event.orderId);
        if (!payment) {
          await this.review('unknown_order', { orderId: event.orderId, paymentId: event.paymentId });
          return 'unknown_order';
        }
        return (await this.applyCapture(payment, event, 'webhook')).kind;
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
          await this.review('unknown_payment', {
            paymentId: event.paymentId,
            detail: { refundId: event.refundId },
          });
          return 'unknown_payment';
        }
        const status = event.kind === 'refund_processed' ? 'processed' : 'failed';
        await this.applyRefund(payment, {
          refundId: event.refundId,
          paymentId: event.paymentId,
          status,
          amountPaise: event.amountPaise,
        });
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
          await this.review('unknown_transfer', { detail: { transferId: event.transferId } });
          return 'unknown_transfer';
        }
      default:
        return 'ignored';
    }
  }

  /**
   * Applies a captured payment to the booking of its order: confirm (reviving an expired hold whose slot is still
   * free), refund (slot taken or booking cancelled), nothing (already applied), or review (mismatch).
   */
  async applyCapture(payment: PaymentRow, capture: Capture, source: CaptureSource): Promise<CaptureDecision> {
    let decision: CaptureDecision;
    try {
      decision = await this.captureInTransaction(payment, capture, false);
    } catch (error) {
      if (isPgError(error, PG_UNIQUE_VIOLATION)) {
        // The provider payment is already attached to another booking: never confirm two bookings with it.
        decision = { kind: 'review', reason: 'second_payment' };
      } else if (isPgError(error, PG_EXCLUSION_VIOLATION)) {
        // The read model said the slot was free but a live booking overlaps: treat the slot as taken.
        decision = await this.captureInTransaction(payment, capture, true);
      } else {
        throw error;
      }
    }

    this.metrics.paymentCaptures.inc({ source, decision: decision.kind });
    if (decision.kind === 'confirm') {
      this.logger.log({
        msg: 'Payment confirmed a booking',
        bookingId: payment.booking_id,
        source,
        revived: decision.revive,
      });
    } else if (decision.kind === 'refund') {
      this.logger.warn({
        msg: 'Payment arrived too late; refunding it',
        bookingId: payment.booking_id,
        reason: decision.reason,
      });
      await this.queue.refund({ paymentId: payment.id });
    } else if (decision.kind === 'review') {
      this.metrics.paymentReviews.inc({ reason: decision.reason });
      this.logger.warn({
        msg: 'Payment not applied; recorded for review',
        reason: decision.reason,
        bookingId: payment.booking_id,
        orderId: payment.provider_order_id,
        paymentId: capture.paymentId,
        amountPaise: capture.amountPaise,
        currency: capture.currency,
      });
    }
    return decision;
  }

  private captureInTransaction(
    payment: PaymentRow,
    capture: Capture,
    slotTaken: boolean,
  ): Promise<CaptureDecision> {
    return inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        let busy = await this.availability.lockDay(manager, payment.shop_id, payment.local_date);
        const current = await this.payments.lock(manager, payment.id);
        const booking = (await this.bookings.findById(payment.booking_id, manager)) as BookingRow;
        let slotFree = false;
        if (booking.status === 'expired' && !slotTaken) {
          const stale = await this.bookings.expireStaleHolds(manager, payment.shop_id, payment.local_date);
          await this.outbox.bookingsExpired(manager, stale);
          if (stale.length > 0) busy = withoutBookings(busy, stale);
          const slot = { start: booking.starts_at.getTime(), end: booking.ends_at.getTime() };
          slotFree = freeStaff(slot, [booking.staff_id], toIntervals(busy)).length === 1;
          if (stale.length > 0 && !slotFree) {
            await this.availability.saveDay(manager, payment.shop_id, payment.local_date, busy);
          }
        }
        const decision = decideCapture(
          {
            status: booking.status,
            paymentStatus: booking.payment_status,
            amountPaise: current.amount_paise,
            currency: current.currency,
            paymentId: current.provider_payment_id,
          },
          capture,
          slotFree,
        );
        if (decision.kind === 'confirm') {
          await this.confirm(manager, booking, current, capture.paymentId, decision.revive ? busy : null);
        } else if (decision.kind === 'refund') {
          await this.payments.recordCapture(manager, current.id, capture.paymentId);
          await this.ledger.post(manager, capturePosting(current.id, booking.shop_id, current.amount_paise));
          await this.bookings.changePaymentState(
            manager,
            booking,
            { status: booking.status, paymentStatus: 'unpaid' },
            { status: booking.status, paymentStatus: 'refund_pending' },
          );
          await this.payments.requestRefund(manager, current.id);
        } else if (decision.kind === 'review') {
          await this.payments.recordReview(
            {
              provider: this.provider.name,
              reason: decision.reason,
              bookingId: booking.id,
              orderId: current.provider_order_id,
              paymentId: capture.paymentId,
              detail: { amountPaise: capture.amountPaise, currency: capture.currency },
            },
            manager,
          );
        }
        return decision;
      },
      { attempts: 10 },
    );
  }

  private async confirm(
    manager: EntityManager,
    booking: BookingRow,
    payment: PaymentRow,
    providerPaymentId: string,
    reviveInto: ReturnType<typeof withoutBookings> | null,
  ): Promise<void> {
    const next = transition(booking.status, 'confirm_payment', 'system');
    if (!next.allowed) throw new Error(`A ${booking.status} booking cannot be confirmed`);
    await this.payments.recordCapture(manager, payment.id, providerPaymentId);
    await this.ledger.post(manager, capturePosting(payment.id, booking.shop_id, payment.amount_paise));
    await this.outbox.bookingConfirmed(manager, booking.id);
    await this.bookings.changePaymentState(
      manager,
      booking,
      { status: booking.status, paymentStatus: 'unpaid' },
      { status: next.to, paymentStatus: 'paid' },
    );
    if (reviveInto) {
      const slot = { start: booking.starts_at.getTime(), end: booking.ends_at.getTime() };
      await this.availability.saveDay(
        manager,
        booking.shop_id,
        booking.local_date,
        withBooking(reviveInto, booking.staff_id, booking.id, slot),
      );
    }
  }

  /** Asks the provider for the refund of one payment (the worker's refund job). Idempotent by its key. */
  async sendRefund(paymentId: string): Promise<void> {
    const payment = await this.payments.findById(paymentId);
    if (!payment || payment.refund_status !== 'requested' || !payment.provider_payment_id) return;
    let refund: ProviderRefund;
    try {
      refund = await this.provider.refund({
        paymentId: payment.provider_payment_id,
        amountPaise: payment.amount_paise,
        idempotencyKey: `refund-${payment.id}`,
        bookingId: payment.booking_id,
      });
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
      await this.review('refund_rejected', {
        bookingId: payment.booking_id,
        paymentId: payment.provider_payment_id,
        detail: { error: error.message },
      });
      await this.payments.failRefundRequest(payment.id);
      return;
    }
    await this.applyRefund(payment, refund);
  }

  /** Records a refund's state; a processed refund marks the booking refunded, a failed one goes to review. */
  async applyRefund(payment: PaymentRow, refund: ProviderRefund): Promise<void> {
    const status = refund.status;
    const changed = await inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const current = await this.payments.lock(manager, payment.id);
        if (!(await this.payments.recordRefund(manager, current.id, { refundId: refund.refundId, status }))) {
          return false;
        }
        if (status === 'processed') {
          const booking = (await this.bookings.findById(current.booking_id, manager)) as BookingRow;
          await this.ledger.post(manager, refundPosting(current.id, booking.shop_id, current.amount_paise));
          for (const from of ['refund_pending', 'paid'] as const) {
            if (booking.payment_status === from) {
              await this.bookings.changePaymentState(
                manager,
                booking,
                { status: booking.status, paymentStatus: from },
                { status: booking.status, paymentStatus: 'refunded' },
              );
            }
          }
        }
        return true;
      },
      { attempts: 10 },
    );
    if (changed && status === 'failed') {
      await this.review('refund_failed', {
        bookingId: payment.booking_id,
        paymentId: refund.paymentId,
        detail: { refundId: refund.refundId },
      });
    }
    if (changed) this.metrics.paymentRefunds.inc({ status });
  }

  private async review(
    reason: string,
    facts: { bookingId?: string; orderId?: string; paymentId?: string; detail?: Record<string, unknown> },
  ): Promise<void> {
    await this.payments.recordReview({ provider: this.provider.name, reason, ...facts });
    this.metrics.paymentReviews.inc({ reason });
    this.logger.warn({ msg: 'Payment recorded for review', reason, ...facts });
  }
}
