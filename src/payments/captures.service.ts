import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { transition } from '../../libs/bookings/booking-state';
import { capturePosting } from '../../libs/ledger/postings';
import { commissionPaise } from '../../libs/money/money';
import { Capture, CaptureDecision, decideCapture } from '../../libs/payments/capture-decision';
import { bookingFits } from '../../libs/slots/slot-engine';
import { Booking } from '../bookings/booking';
import { BookingNotFoundError, BookingOverlapError } from '../bookings/bookings.errors';
import { BookingsRepository } from '../bookings/bookings.repository';
import { BookingDto } from '../bookings/dto/booking.dto';
import { isShopDayRace, SHOP_DAY_ATTEMPTS, ShopDay, ShopDays } from '../bookings/shop-day';
import { inSerializableTransaction } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsOutbox } from '../notifications/outbox';
import { ScheduleRulesRepository } from '../scheduling/schedule-rules.repository';
import { VerifyRazorpayPaymentDto } from './dto/verify-razorpay-payment.dto';
import { Payment } from './payment';
import { InvalidSignatureError, PaymentNeedsReviewError, PaymentTooLateError } from './payments.errors';
import { PaymentsQueue } from './payments.queue';
import { PaymentsRepository, ProviderPaymentTakenError } from './payments.repository';
import {
  PAYMENT_PROVIDER,
  PaymentProvider,
  ProviderPayment,
  ProviderRejectedError,
  ProviderUnavailableError,
} from './providers/payment-provider';
import { RefundsRepository } from './refunds.repository';

export type CaptureSource = 'checkout' | 'webhook' | 'reconciliation';

/**
 * The capture path: money the provider took for a booking's order, learnt from a verified checkout, a signed
 * webhook or reconciliation. Each capture is one SERIALIZABLE transaction under the shop-day lock (the same lock
 * booking takes), decided by the pure rules in libs/payments, so repeats and races are harmless.
 */
@Injectable()
export class CapturesService {
  private readonly logger = new Logger(CapturesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly bookings: BookingsRepository,
    private readonly shopDays: ShopDays,
    private readonly scheduleRules: ScheduleRulesRepository,
    private readonly queue: PaymentsQueue,
    private readonly metrics: MetricsService,
    private readonly ledger: LedgerRepository,
    private readonly outbox: NotificationsOutbox,
  ) {}

  /**
   * Razorpay Checkout's handler result. The signature is checked against the order stored for the booking (the
   * client's order id only finds it), and only that booking's customer may present it.
   */
  async verifyCheckout(
    customer: AuthenticatedUser,
    dto: VerifyRazorpayPaymentDto,
  ): Promise<{ confirmed: boolean; booking: BookingDto }> {
    const payment = await this.payments.findByOrder(this.provider.name, dto.razorpay_order_id);
    if (!payment) {
      this.metrics.paymentSignatureRejections.inc({ source: 'checkout' });
      throw new InvalidSignatureError();
    }
    if (payment.customerId !== customer.id) throw new BookingNotFoundError();
    if (
      !this.provider.verifyCheckout(payment.providerOrderId, dto.razorpay_payment_id, dto.razorpay_signature)
    ) {
      this.metrics.paymentSignatureRejections.inc({ source: 'checkout' });
      throw new InvalidSignatureError();
    }
    // Checkout's signature is issued when the payment is authorized, and an authorized payment that is never
    // captured goes back to the customer: only money the provider reports captured, for this order, confirms.
    const reported = await this.reportedPayment(dto.razorpay_payment_id);
    const captured =
      reported?.orderId === payment.providerOrderId &&
      reported.captured &&
      (reported.status === 'captured' || reported.status === 'refunded');
    if (!reported || !captured) {
      this.logger.log({
        msg: 'Checkout verified but the payment is not captured yet; the webhook or reconciliation confirms it',
        bookingId: payment.bookingId,
        status: reported?.status ?? 'unknown',
      });
      return { confirmed: false, booking: BookingDto.from(await this.bookings.getById(payment.bookingId)) };
    }
    const decision = await this.applyCapture(
      payment,
      { paymentId: reported.paymentId, amountPaise: reported.amountPaise, currency: reported.currency },
      'checkout',
    );
    if (decision.kind === 'refund') throw new PaymentTooLateError(decision.reason);
    if (decision.kind === 'review') throw new PaymentNeedsReviewError();
    // Applied already (by the webhook) is answered with the booking as it is: confirmed, or being refunded.
    return { confirmed: true, booking: BookingDto.from(await this.bookings.getById(payment.bookingId)) };
  }

  /** The payment as the provider reports it; null when it cannot be asked now (the webhook will tell). */
  private async reportedPayment(paymentId: string): Promise<ProviderPayment | null> {
    try {
      return await this.provider.fetchPayment(paymentId);
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError) && !(error instanceof ProviderRejectedError))
        throw error;
      this.logger.warn({ msg: 'Could not ask the provider about a verified payment', paymentId, err: error });
      return null;
    }
  }

  /**
   * Applies a captured payment to the booking of its order: confirm (reviving an expired hold whose slot is still
   * free), refund (slot taken or booking cancelled), nothing (already applied), or review (mismatch).
   */
  async applyCapture(payment: Payment, capture: Capture, source: CaptureSource): Promise<CaptureDecision> {
    let decision: CaptureDecision;
    try {
      decision = await this.captureInTransaction(payment, capture, false);
    } catch (error) {
      if (error instanceof ProviderPaymentTakenError) {
        // The provider payment is already attached to another booking: never confirm two bookings with it.
        decision = { kind: 'review', reason: 'second_payment' };
      } else if (error instanceof BookingOverlapError) {
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
        bookingId: payment.bookingId,
        source,
        revived: decision.revive,
      });
    } else if (decision.kind === 'refund') {
      this.logger.warn({
        msg: 'Payment arrived too late; refunding it',
        bookingId: payment.bookingId,
        reason: decision.reason,
      });
      const refund = await this.refunds.policyRefundOf(payment.id);
      if (refund) await this.queue.refund({ refundId: refund.id });
    } else if (decision.kind === 'review') {
      this.metrics.paymentReviews.inc({ reason: decision.reason });
      this.logger.warn({
        msg: 'Payment not applied; recorded for review',
        reason: decision.reason,
        bookingId: payment.bookingId,
        orderId: payment.providerOrderId,
        paymentId: capture.paymentId,
        amountPaise: capture.amountPaise,
        currency: capture.currency,
      });
    }
    return decision;
  }

  private captureInTransaction(
    payment: Payment,
    capture: Capture,
    slotTaken: boolean,
  ): Promise<CaptureDecision> {
    return inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const { day, booking } = await this.shopDays.openFor(manager, payment.bookingId);
        const current = await this.payments.lock(manager, payment.id);
        let slotFree = false;
        if (booking.status === 'expired' && !slotTaken) {
          await day.expireStale();
          // Free means: nothing else booked in its time and buffer, and it still fits the schedule (the staff
          // member may have taken time off, or the day been closed, since the hold expired).
          const rules = await this.scheduleRules.shopRules(
            manager,
            booking.shopId,
            booking.startsAt.getTime(),
          );
          slotFree =
            rules !== null &&
            bookingFits(
              {
                id: booking.id,
                staffId: booking.staffId,
                serviceId: booking.serviceId,
                start: booking.startsAt.getTime(),
                end: booking.endsAt.getTime(),
                blockedUntil: booking.blockedUntil.getTime(),
                localDate: booking.localDate,
              },
              rules,
            ) &&
            day.isFree(booking.staffId, {
              start: booking.startsAt.getTime(),
              end: booking.blockedUntil.getTime(),
            });
        }
        const decision = decideCapture(
          {
            status: booking.status,
            paymentStatus: booking.paymentStatus,
            amountPaise: current.amountPaise,
            currency: current.currency,
            paymentId: current.providerPaymentId,
          },
          capture,
          slotFree,
        );
        if (decision.kind === 'confirm') {
          await this.confirm(manager, booking, current, capture.paymentId, decision.revive ? day : null);
        } else if (decision.kind === 'refund') {
          await this.payments.recordCapture(manager, current.id, capture.paymentId);
          await this.ledger.post(manager, capturePosting(current.id, booking.shopId, current.amountPaise));
          await this.bookings.changePaymentState(
            manager,
            booking,
            { status: booking.status, paymentStatus: 'unpaid' },
            { status: booking.status, paymentStatus: 'refund_pending' },
          );
          await this.refunds.request(manager, {
            paymentId: current.id,
            provider: current.provider,
            amountPaise: current.amountPaise,
            reason: 'late_payment',
          });
        } else if (decision.kind === 'review') {
          await this.payments.recordReview(
            {
              provider: this.provider.name,
              reason: decision.reason,
              bookingId: booking.id,
              orderId: current.providerOrderId,
              paymentId: capture.paymentId,
              detail: { amountPaise: capture.amountPaise, currency: capture.currency },
            },
            manager,
          );
        }
        await day.save();
        return decision;
      },
      { attempts: SHOP_DAY_ATTEMPTS, retryOn: isShopDayRace },
    );
  }

  private async confirm(
    manager: EntityManager,
    booking: Booking,
    payment: Payment,
    providerPaymentId: string,
    reviveInto: ShopDay | null,
  ): Promise<void> {
    const next = transition(booking.status, 'confirm_payment', 'system');
    if (!next.allowed) throw new Error(`A ${booking.status} booking cannot be confirmed`);
    await this.payments.recordCapture(manager, payment.id, providerPaymentId);
    await this.ledger.post(manager, capturePosting(payment.id, booking.shopId, payment.amountPaise));
    await this.outbox.bookingConfirmed(manager, booking.id);
    // Confirmed: it costs its amount now (and its commission again, if an expiry had cleared it).
    await this.bookings.change(
      manager,
      booking,
      { status: booking.status, paymentStatus: 'unpaid' },
      {
        status: next.to,
        paymentStatus: 'paid',
        chargedPaise: booking.amountPaise,
        commissionPaise: commissionPaise(booking.amountPaise, booking.commissionBps),
      },
    );
    reviveInto?.take(booking.staffId, booking.id, {
      start: booking.startsAt.getTime(),
      end: booking.blockedUntil.getTime(),
    });
  }
}
