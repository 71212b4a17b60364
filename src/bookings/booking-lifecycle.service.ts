import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { Actor, BookingAction, decide } from '../../libs/bookings/booking-state';
import { BookingOutcome, moneyOutcome } from '../../libs/bookings/cancellation-policy';
import { settleablePosting } from '../../libs/ledger/postings';
import { isSettleable } from '../../libs/settlement/settlement-math';
import { CLOCK, Clock } from '../common/clock/clock';
import { inSerializableTransaction, RetriesExhaustedError } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsOutbox } from '../notifications/outbox';
import { PaymentsQueue } from '../payments/payments.queue';
import { RefundsRepository } from '../payments/refunds.repository';
import { Booking } from './booking';
import { actorAllowedTo, PAST_TENSE, refusalError, timingOf } from './booking-access';
import { InvalidBookingTransitionError } from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import { BookingDto } from './dto/booking.dto';
import { isShopDayRace, SHOP_DAY_ATTEMPTS, ShopDays } from './shop-day';

type FinalAction = Extract<BookingAction, 'cancel' | 'complete' | 'no_show'>;

function outcomeOf(action: FinalAction, actor: Actor, now: number): BookingOutcome {
  if (action === 'cancel') return { kind: 'cancelled', by: actor, at: now };
  return action === 'complete' ? { kind: 'completed' } : { kind: 'no_show' };
}

/**
 * How a booking ends: cancelled, completed or not shown up for. Each is one SERIALIZABLE transaction under the
 * booking's shop-day lock that asks the lifecycle rules (libs/bookings) whether the actor may do it now, fixes what
 * the booking finally costs under its cancellation policy, frees its time, posts what the shop is owed, writes the
 * customer's message and opens the refund of whatever is not kept (sent by the worker after the commit).
 */
@Injectable()
export class BookingLifecycleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bookings: BookingsRepository,
    private readonly shopDays: ShopDays,
    private readonly refunds: RefundsRepository,
    private readonly paymentsQueue: PaymentsQueue,
    private readonly ledger: LedgerRepository,
    private readonly outbox: NotificationsOutbox,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  cancel(user: AuthenticatedUser, id: string, reason?: string): Promise<BookingDto> {
    return this.finish(user, id, 'cancel', reason);
  }

  complete(user: AuthenticatedUser, id: string): Promise<BookingDto> {
    return this.finish(user, id, 'complete');
  }

  noShow(user: AuthenticatedUser, id: string): Promise<BookingDto> {
    return this.finish(user, id, 'no_show');
  }

  private async finish(
    user: AuthenticatedUser,
    id: string,
    action: FinalAction,
    reason?: string,
  ): Promise<BookingDto> {
    const { booking: seen, actor } = actorAllowedTo(await this.bookings.findById(id), user, action);

    const refundOf = await inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const { day, booking } = await this.shopDays.openFor(manager, id);
        const now = this.clock.now();
        const result = decide(booking.status, action, actor, timingOf(booking, now));
        if (!result.allowed) throw refusalError(result, booking, action, actor);

        // What the platform holds of the customer's money: captured, less what was refunded already.
        const paidOnline = booking.paymentMethod === 'ONLINE' && booking.paymentStatus !== 'unpaid';
        const paidOnlinePaise = paidOnline ? booking.amountPaise - booking.refundedPaise : 0;
        const money = moneyOutcome(
          {
            amountPaise: booking.amountPaise,
            paidOnline,
            paidOnlinePaise,
            startsAt: booking.startsAt.getTime(),
            policy: booking.policy,
            commissionBps: booking.commissionBps,
          },
          outcomeOf(action, actor, now),
        );
        const refundPayment = money.refundPaise > 0 ? booking.payment : null;
        const after: Booking = {
          ...booking,
          status: result.to,
          chargedPaise: money.chargedPaise,
          commissionPaise: money.commissionPaise,
          paymentStatus: refundPayment ? 'refund_pending' : booking.paymentStatus,
        };
        const changed = await this.bookings.change(
          manager,
          booking,
          { status: booking.status, paymentStatus: booking.paymentStatus },
          {
            status: after.status,
            chargedPaise: after.chargedPaise,
            commissionPaise: after.commissionPaise,
            paymentStatus: after.paymentStatus,
            cancelReason: reason,
          },
        );
        if (!changed) throw new InvalidBookingTransitionError(booking.status, PAST_TENSE[action]);

        // A cancellation frees the time at once. A booking completed or not shown up for keeps what is left of its
        // time until its end, so finishing early never hands out time that is still to come.
        if (action === 'cancel' || now >= booking.endsAt.getTime()) day.release([id]);
        await day.save();

        // What a shop is owed (a completed booking, a kept fee) accrues now; the nightly settlement pays it.
        if (isSettleable(after)) await this.ledger.post(manager, settleablePosting(after));
        if (action === 'cancel') await this.outbox.bookingCancelled(manager, id);
        // Whatever is not kept goes back: one refund per payment, sent by the worker after the commit.
        if (!refundPayment) return null;
        // A refund already on its way (an admin's) counts towards what goes back: never more than was paid.
        const open = (await this.refunds.totals(manager, refundPayment.id)).openPaise;
        if (money.refundPaise <= open) return null;
        const refund = await this.refunds.request(manager, {
          paymentId: refundPayment.id,
          provider: refundPayment.provider,
          amountPaise: money.refundPaise - open,
          reason: 'cancellation',
        });
        return refund?.id ?? null;
      },
      {
        attempts: SHOP_DAY_ATTEMPTS,
        retryOn: isShopDayRace,
        onRetry: (error) => this.metrics.countRetry(action, error),
      },
    ).catch((error: unknown) => {
      if (error instanceof RetriesExhaustedError) {
        throw new InvalidBookingTransitionError(seen.status, PAST_TENSE[action]);
      }
      throw error;
    });
    if (refundOf) await this.paymentsQueue.refund({ refundId: refundOf });
    return BookingDto.from(await this.bookings.getById(id));
  }
}
