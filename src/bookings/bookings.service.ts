import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { commissionPaise } from '../../libs/money/money';
import { DayClock } from '../../libs/slots/day-clock';
import { DayPlan, localDateOf } from '../../libs/slots/slot-engine';
import { DayCreatedConcurrentlyError } from '../availability/availability.repository';
import { CLOCK, Clock } from '../common/clock/clock';
import { inSerializableTransaction, RetriesExhaustedError } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { decodeCursor, isTimeKey, Page, toKeyedPage } from '../common/pagination/pagination';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsOutbox } from '../notifications/outbox';
import { CheckoutService } from '../payments/checkout.service';
import { OnlinePaymentsDisabledError, PaymentProviderUnavailableError } from '../payments/payments.errors';
import { ScheduleRulesRepository } from '../scheduling/schedule-rules.repository';
import { Booking } from './booking';
import { actorFor, assertBookingWindow } from './booking-access';
import {
  BookingNotFoundError,
  BookingOverlapError,
  IdempotencyKeyReusedError,
  IdempotencyKeyTakenError,
  InvalidServiceError,
  InvalidStaffError,
  OutsideOpeningHoursError,
  ShopNotBookableError,
  SlotUnavailableError,
} from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import { BookingDto } from './dto/booking.dto';
import { CreateBookingDto } from './dto/create-booking.dto';
import { ListBookingsQueryDto } from './dto/list-bookings.query.dto';
import { isShopDayRace, SHOP_DAY_ATTEMPTS, ShopDays } from './shop-day';

function requestHash(dto: CreateBookingDto): string {
  const canonical = [
    dto.shopId,
    dto.serviceId,
    Date.parse(dto.startsAt),
    dto.staffId ?? null,
    dto.paymentMethod,
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

@Injectable()
export class BookingsService {
  private readonly logger = new Logger(BookingsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bookings: BookingsRepository,
    private readonly shopDays: ShopDays,
    private readonly scheduleRules: ScheduleRulesRepository,
    private readonly metrics: MetricsService,
    private readonly checkout: CheckoutService,
    private readonly outbox: NotificationsOutbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * One SERIALIZABLE transaction: lock the shop-day of the read model, expire its stale holds, check the request
   * against the shop as it is now, pick a free staff member, insert, update the read model. Serialization failures
   * and exclusion violations are retried a bounded number of times, then answered with 409 SLOT_UNAVAILABLE.
   */
  async create(
    customer: AuthenticatedUser,
    dto: CreateBookingDto,
    idempotencyKey?: string,
  ): Promise<BookingDto> {
    if (dto.paymentMethod === 'ONLINE' && !this.checkout.enabled) throw new OnlinePaymentsDisabledError();
    const hash = requestHash(dto);
    if (idempotencyKey) {
      const replay = await this.replay(customer.id, idempotencyKey, hash);
      if (replay) return replay;
    }

    const startsAt = Date.parse(dto.startsAt);
    let created: Booking;
    try {
      created = await inSerializableTransaction(
        this.dataSource,
        async (manager) => {
          const context = await this.bookings.context(manager, dto.shopId, dto.serviceId);
          if (!context || context.shopStatus !== 'active') throw new ShopNotBookableError();
          if (!context.service) throw new InvalidServiceError();
          if (dto.staffId && !context.staffIds.includes(dto.staffId)) throw new InvalidStaffError();
          const now = this.clock.now();
          assertBookingWindow(startsAt, now, this.config.bookings);

          const localDate = localDateOf(startsAt, context.timezone);
          const clock = DayClock.of(localDate, context.timezone);
          if (!clock) throw new OutsideOpeningHoursError();
          // The day's rules (its override, staff hours, skills and time off) as of this transaction.
          const rules = await this.scheduleRules.dayRules(manager, dto.shopId, localDate, {
            from: clock.start,
            to: clock.end,
          });
          const named = dto.staffId ? rules.staff.find((member) => member.id === dto.staffId) : undefined;
          if (named?.serviceIds && !named.serviceIds.includes(dto.serviceId)) throw new InvalidStaffError();
          const plan = DayPlan.of(
            localDate,
            { ...context, dateOverride: rules.dateOverride },
            context.service,
            rules.staff,
          );
          const slot = plan.candidateAt(startsAt);
          if (!slot) throw new OutsideOpeningHoursError();

          const day = await this.shopDays.open(manager, dto.shopId, localDate);
          await day.expireStale();
          // Those who perform the service and work then; without a named one, the least busy free one gets it.
          const working = plan.workingStaff(slot).filter((id) => !dto.staffId || id === dto.staffId);
          const blocked = { start: slot.start, end: slot.blockedUntil };
          const staffId = day.freeStaff(blocked, working)[0];
          if (!staffId) throw new SlotUnavailableError();

          const online = dto.paymentMethod === 'ONLINE';
          const amountPaise = context.service.pricePaise;
          const booking = await this.bookings.insert(
            manager,
            {
              customerId: customer.id,
              shopId: dto.shopId,
              serviceId: dto.serviceId,
              staffId,
              startsAt: slot.start,
              endsAt: slot.end,
              blockedUntil: slot.blockedUntil,
              localDate,
              status: online ? 'pending_payment' : 'upcoming',
              paymentMethod: dto.paymentMethod,
              amountPaise,
              commissionBps: context.commissionBps,
              commissionPaise: commissionPaise(amountPaise, context.commissionBps),
              // A hold costs nothing until it is paid; a pay-at-shop booking is confirmed at its price.
              chargedPaise: online ? 0 : amountPaise,
              policy: context.policy,
              expiresAt: online ? now + this.config.payments.pendingTtlSeconds * 1000 : null,
            },
            context,
          );
          day.take(staffId, booking.id, blocked);
          await day.save();
          if (!online) await this.outbox.bookingConfirmed(manager, booking.id);
          if (
            idempotencyKey &&
            !(await this.bookings.saveIdempotencyKey(manager, customer.id, idempotencyKey, hash, booking.id))
          ) {
            throw new IdempotencyKeyTakenError();
          }
          return booking;
        },
        {
          attempts: SHOP_DAY_ATTEMPTS,
          retryOn: (error) =>
            error instanceof BookingOverlapError || error instanceof DayCreatedConcurrentlyError,
          onRetry: (error) => this.countRetry('create_booking', error),
        },
      );
    } catch (error) {
      if (error instanceof RetriesExhaustedError || error instanceof SlotUnavailableError) {
        this.metrics.bookingConflicts.inc();
        throw new SlotUnavailableError();
      }
      if (error instanceof IdempotencyKeyTakenError && idempotencyKey) {
        const replay = await this.replay(customer.id, idempotencyKey, hash);
        if (replay) return replay;
      }
      throw error;
    }
    this.metrics.bookingsCreated.inc({ payment_method: created.paymentMethod });
    return this.withOrder(created);
  }

  /**
   * An unpaid ONLINE hold needs its provider order before the client can pay. The order is created after the
   * booking's transaction (no network call under locks); if the provider cannot be reached the hold is released
   * at once, so a failed checkout never blocks the slot for the whole hold time.
   */
  private async withOrder(booking: Booking): Promise<BookingDto> {
    if (booking.paymentMethod !== 'ONLINE' || booking.status !== 'pending_payment' || booking.payment) {
      return BookingDto.from(booking);
    }
    try {
      await this.checkout.openOrder(booking);
    } catch (error) {
      this.logger.error({
        msg: 'Could not open a payment order; releasing the hold',
        bookingId: booking.id,
        err: error,
      });
      if (await this.releaseHold(booking)) throw new PaymentProviderUnavailableError();
    }
    return BookingDto.from(await this.bookings.getById(booking.id));
  }

  /** Ends a hold that has no order (and forgets its idempotency key); false if an order appeared meanwhile. */
  private releaseHold(booking: Booking): Promise<boolean> {
    return inSerializableTransaction(
      this.dataSource,
      async (manager) => {
        const { day, booking: current } = await this.shopDays.openFor(manager, booking.id);
        if (current.payment) return false;
        const expired = await this.bookings.change(
          manager,
          current,
          { status: 'pending_payment' },
          { status: 'expired', chargedPaise: 0, commissionPaise: 0 },
        );
        if (expired) {
          day.release([booking.id]);
          await day.save();
        }
        await this.bookings.deleteIdempotencyKeysOf(manager, booking.id);
        return true;
      },
      {
        attempts: SHOP_DAY_ATTEMPTS,
        retryOn: isShopDayRace,
        onRetry: (error) => this.countRetry('release_hold', error),
      },
    );
  }

  async get(user: AuthenticatedUser, id: string): Promise<BookingDto> {
    return BookingDto.from(await this.findVisible(user, id));
  }

  async list(user: AuthenticatedUser, query: ListBookingsQueryDto): Promise<Page<BookingDto>> {
    const after = query.cursor ? decodeCursor(query.cursor, isTimeKey) : undefined;
    const rows = await this.bookings.list(
      {
        customerId: user.role === 'customer' ? user.id : undefined,
        shopOwnerId: user.role === 'shop_owner' ? user.id : undefined,
        shopId: query.shopId,
        status: query.status,
        from: query.from,
        to: query.to,
      },
      query.limit + 1,
      after,
    );
    return toKeyedPage(rows, query.limit, BookingDto.from);
  }

  /** The booking if `user` may see it (its customer, its shop's owner, an admin); others get 404. */
  async findVisible(user: AuthenticatedUser, id: string): Promise<Booking> {
    const booking = await this.bookings.findById(id);
    if (!booking || !actorFor(user, booking)) throw new BookingNotFoundError();
    return booking;
  }

  private countRetry(operation: string, error: unknown): void {
    this.metrics.countRetry(operation, error);
  }

  private async replay(customerId: string, key: string, hash: string): Promise<BookingDto | null> {
    const stored = await this.bookings.findIdempotencyKey(customerId, key);
    if (!stored) return null;
    if (stored.requestHash !== hash) throw new IdempotencyKeyReusedError();
    return this.withOrder(await this.bookings.getById(stored.bookingId));
  }
}
