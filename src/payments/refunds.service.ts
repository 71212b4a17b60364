import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { isLive } from '../../libs/bookings/booking-state';
import { refundPosting } from '../../libs/ledger/postings';
import { PaymentStatus, RefundReason } from '../../libs/payments/payment-status';
import { RefundExceedsCaptureError, splitRefund } from '../../libs/payments/refund-split';
import { isSettleable } from '../../libs/settlement/settlement-math';
import {
  BookingNotFoundError,
  IdempotencyKeyReusedError,
  IdempotencyKeyTakenError,
} from '../bookings/bookings.errors';
import { BookingsRepository } from '../bookings/bookings.repository';
import { inSerializableTransaction } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MetricsService } from '../metrics/metrics.service';
import { RefundBookingDto, RefundDto } from './dto/refund.dto';
import { Payment } from './payment';
import { PaymentReviews } from './payment-reviews';
import { NothingToRefundError, RefundTooLargeError } from './payments.errors';
import { PaymentsQueue } from './payments.queue';
import { PaymentsRepository } from './payments.repository';
import {
  PAYMENT_PROVIDER,
  PaymentProvider,
  ProviderRefund,
  ProviderRejectedError,
} from './providers/payment-provider';
import { Refund } from './refund';
import { RefundsRepository } from './refunds.repository';

/** Attempts of a refund's bookkeeping transaction (it locks one payment row; contention is rare). */
const REFUND_ATTEMPTS = 10;

/** What is refunded and still open decides the booking's payment status. */
function paymentStatusAfter(paidPaise: number, refundedPaise: number, openCount: number): PaymentStatus {
  if (refundedPaise >= paidPaise) return 'refunded';
  if (openCount > 0) return 'refund_pending';
  return refundedPaise > 0 ? 'partially_refunded' : 'paid';
}

/**
 * The refund path. A refund is asked for (by a cancellation, a capture that came too late, an admin) in the
 * transaction of its cause, sent to the provider by the worker with its own idempotency key, and applied when the
 * provider says it is processed: to the booking (refundedPaise, chargedPaise, paymentStatus), and to the ledger with
 * its real amount, split between what the platform held for the customer and what comes off the booking's charge
 * (recovered from the shop's next payouts when it was settled). Refunds made outside the API arrive as provider
 * events and take the same path.
 */
@Injectable()
export class RefundsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly refunds: RefundsRepository,
    private readonly bookings: BookingsRepository,
    private readonly ledger: LedgerRepository,
    private readonly metrics: MetricsService,
    private readonly reviews: PaymentReviews,
    private readonly queue: PaymentsQueue,
  ) {}

  /**
   * In the caller's transaction: asks for a refund of a captured payment (the worker sends it once the caller has
   * enqueued its id after the commit). Null when the payment's policy refund was asked for already.
   */
  request(
    manager: EntityManager,
    payment: Pick<Payment, 'id' | 'provider'>,
    amountPaise: number,
    reason: Exclude<RefundReason, 'provider'>,
    admin?: { userId: string; requestKey?: string; note: string },
  ): Promise<Refund | null> {
    return this.refunds.request(manager, {
      paymentId: payment.id,
      provider: payment.provider,
      amountPaise,
      reason,
      note: admin?.note,
      requestedBy: admin?.userId,
      requestKey: admin?.requestKey,
    });
  }

  /**
   * An admin's refund (goodwill, in part or in full; by default all that is left): one SERIALIZABLE transaction
   * under the payment's lock checks what is left of the capture, records the refund and marks the booking's payment
   * refund pending; the worker sends it after the commit. The same Idempotency-Key returns the same refund.
   */
  async refundByAdmin(
    admin: AuthenticatedUser,
    bookingId: string,
    dto: RefundBookingDto,
    requestKey?: string,
  ): Promise<RefundDto> {
    if (!(await this.bookings.findById(bookingId))) throw new BookingNotFoundError();
    if (requestKey) {
      const replay = await this.replayAdminRefund(admin.id, requestKey, bookingId, dto);
      if (replay) return replay;
    }
    let refund: Refund;
    try {
      refund = await inSerializableTransaction(
        this.dataSource,
        async (manager) => {
          const found = await this.payments.findByBooking(bookingId, manager);
          if (!found?.providerPaymentId) throw new NothingToRefundError();
          const payment = await this.payments.lock(manager, found.id);
          const totals = await this.refunds.totals(manager, payment.id);
          const remaining = payment.amountPaise - totals.processedPaise - totals.openPaise;
          if (remaining <= 0) throw new NothingToRefundError();
          const amountPaise = dto.amountPaise ?? remaining;
          if (amountPaise > remaining) throw new RefundTooLargeError(remaining);
          const requested = await this.request(manager, payment, amountPaise, 'admin', {
            userId: admin.id,
            requestKey,
            note: dto.reason,
          });
          if (!requested) throw new IdempotencyKeyTakenError();
          const booking = await this.bookings.getById(bookingId, manager);
          await this.bookings.change(
            manager,
            booking,
            { status: booking.status, paymentStatus: booking.paymentStatus },
            { paymentStatus: 'refund_pending' },
          );
          return requested;
        },
        { attempts: REFUND_ATTEMPTS },
      );
    } catch (error) {
      // A retry racing its first attempt sees the first one's refund (nothing left, or the key taken): the same.
      if (requestKey) {
        const replay = await this.replayAdminRefund(admin.id, requestKey, bookingId, dto);
        if (replay) return replay;
      }
      throw error;
    }
    await this.queue.refund({ refundId: refund.id });
    return RefundDto.from(refund, bookingId);
  }

  private async replayAdminRefund(
    adminId: string,
    requestKey: string,
    bookingId: string,
    dto: RefundBookingDto,
  ): Promise<RefundDto | null> {
    const refund = await this.refunds.findByRequestKey(adminId, requestKey);
    if (!refund) return null;
    const payment = await this.payments.findById(refund.paymentId);
    const same =
      payment?.bookingId === bookingId &&
      (dto.amountPaise === undefined || dto.amountPaise === refund.amountPaise) &&
      dto.reason === refund.note;
    if (!same) throw new IdempotencyKeyReusedError();
    return RefundDto.from(refund, bookingId);
  }

  /** Asks the provider for one refund (the worker's refund job). Idempotent by the refund's key. */
  async send(refundId: string): Promise<void> {
    const refund = await this.refunds.findById(refundId);
    if (!refund || refund.status !== 'requested') return;
    const payment = await this.payments.findById(refund.paymentId);
    if (!payment?.providerPaymentId) return;
    let answer: ProviderRefund;
    try {
      answer = await this.provider.refund({
        paymentId: payment.providerPaymentId,
        amountPaise: refund.amountPaise,
        idempotencyKey: refund.idempotencyKey,
        bookingId: payment.bookingId,
      });
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
      await this.reviews.record('refund_rejected', {
        bookingId: payment.bookingId,
        paymentId: payment.providerPaymentId,
        detail: { error: error.message },
      });
      await this.refunds.fail(refund.id);
      return;
    }
    await this.apply(refund, answer);
  }

  /**
   * A refund event from the provider: one of ours (found by its provider id), or one made outside the API, recorded
   * now. False when it cannot be told apart yet: one of ours is still being sent (its provider id is not recorded),
   * so the event is tried again later.
   */
  async applyReported(payment: Payment, answer: ProviderRefund): Promise<'applied' | 'not_yet'> {
    const known = await this.refunds.findByProviderRefund(this.provider.name, answer.refundId);
    if (known) {
      await this.apply(known, answer);
      return 'applied';
    }
    if (await this.refunds.hasUnsent(payment.id)) return 'not_yet';
    if (answer.status === 'failed') return 'applied';
    const recorded =
      (await this.refunds.recordFromProvider(this.dataSource.manager, {
        paymentId: payment.id,
        provider: this.provider.name,
        providerRefundId: answer.refundId,
        amountPaise: answer.amountPaise,
      })) ?? (await this.refunds.findByProviderRefund(this.provider.name, answer.refundId));
    if (recorded) await this.apply(recorded, answer);
    return 'applied';
  }

  /**
   * Records a refund's state. Processed: its real amount is posted and applied to the booking, once; failed: a
   * person looks at it.
   */
  async apply(refund: Refund, answer: ProviderRefund): Promise<void> {
    const status = answer.status;
    const outcome = await inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const payment = await this.payments.lock(manager, refund.paymentId);
        const current = await this.refunds.lock(manager, refund.id);
        if (
          !(await this.refunds.record(manager, current.id, { providerRefundId: answer.refundId, status }))
        ) {
          return 'unchanged' as const;
        }
        if (status !== 'processed') return 'recorded' as const;

        const booking = await this.bookings.getById(payment.bookingId, manager);
        const totals = await this.refunds.totals(manager, payment.id);
        // The provider's amount is the truth: a refund made for less (or more) than asked is applied as it is.
        const amountPaise = answer.amountPaise;
        const refundedBefore = totals.processedPaise - current.amountPaise;
        let split;
        try {
          split = splitRefund(
            {
              paidPaise: payment.amountPaise,
              refundedBeforePaise: refundedBefore,
              chargedPaise: booking.chargedPaise,
              commissionPaise: booking.commissionPaise,
              commissionBps: booking.commissionBps,
              chargePosted: isSettleable(booking),
              live: isLive(booking.status),
            },
            amountPaise,
          );
        } catch (error) {
          if (!(error instanceof RefundExceedsCaptureError)) throw error;
          return {
            exceeds: error.message,
            bookingId: booking.id,
            paymentId: payment.providerPaymentId,
          } as const;
        }
        if (amountPaise !== current.amountPaise) {
          await this.refunds.correctAmount(manager, current.id, amountPaise);
        }
        const settled = booking.settlementStatus === 'settled';
        await this.ledger.post(
          manager,
          refundPosting(current.id, booking.shopId, amountPaise, split, settled),
        );
        await this.refunds.recordSplit(manager, current.id, split, settled);
        const refunded = refundedBefore + amountPaise;
        await this.bookings.change(
          manager,
          booking,
          { status: booking.status, paymentStatus: booking.paymentStatus },
          {
            refundedPaise: refunded,
            chargedPaise: split.chargedAfterPaise,
            commissionPaise: split.commissionAfterPaise,
            paymentStatus: paymentStatusAfter(payment.amountPaise, refunded, totals.openCount),
          },
        );
        return 'recorded' as const;
      },
      { attempts: REFUND_ATTEMPTS },
    );
    if (typeof outcome === 'object') {
      // Money left that the capture does not cover: nothing is posted; the audit shows it until a person acts.
      await this.reviews.record('refund_exceeds_capture', {
        bookingId: outcome.bookingId,
        paymentId: outcome.paymentId ?? undefined,
        detail: { refundId: refund.id, providerRefundId: answer.refundId, error: outcome.exceeds },
      });
      return;
    }
    if (outcome === 'recorded' && status === 'failed') {
      await this.reviews.record('refund_failed', {
        bookingId: undefined,
        paymentId: answer.paymentId,
        detail: { refundId: refund.id, providerRefundId: answer.refundId },
      });
    }
    if (outcome === 'recorded') this.metrics.paymentRefunds.inc({ status });
  }
}
