import { createHash } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { decide } from '../../libs/bookings/booking-state';
import { DayClock } from '../../libs/slots/day-clock';
import { DayPlan, localDateOf } from '../../libs/slots/slot-engine';
import { CLOCK, Clock } from '../common/clock/clock';
import { inSerializableTransaction, RetriesExhaustedError } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsOutbox } from '../notifications/outbox';
import { ScheduleRulesRepository } from '../scheduling/schedule-rules.repository';
import { actorAllowedTo, assertBookingWindow, PAST_TENSE, refusalError, timingOf } from './booking-access';
import {
  BookingOverlapError,
  IdempotencyKeyReusedError,
  IdempotencyKeyTakenError,
  InvalidBookingTransitionError,
  InvalidStaffError,
  OutsideOpeningHoursError,
  ShopNotBookableError,
  SlotUnavailableError,
} from './bookings.errors';
import { BookingsRepository } from './bookings.repository';
import { BookingDto } from './dto/booking.dto';
import { RescheduleBookingDto } from './dto/reschedule-booking.dto';
import { isShopDayRace, SHOP_DAY_ATTEMPTS, ShopDays } from './shop-day';

function requestHash(bookingId: string, dto: RescheduleBookingDto): string {
  const canonical = ['reschedule', bookingId, Date.parse(dto.startsAt), dto.staffId ?? null];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * Moves a live booking to another time: one SERIALIZABLE transaction that locks the shop-days of the old and the
 * new time (in date order), frees the old time and takes the new one, so two bookings never end up on one staff
 * member's time, however many reschedules and bookings race (the exclusion constraint of the target partition stays
 * the last line of defence). The booking keeps its payment, its hold expiry and its policy; the customer and the
 * owner are told.
 */
@Injectable()
export class RescheduleService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bookings: BookingsRepository,
    private readonly shopDays: ShopDays,
    private readonly scheduleRules: ScheduleRulesRepository,
    private readonly outbox: NotificationsOutbox,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async reschedule(
    user: AuthenticatedUser,
    id: string,
    dto: RescheduleBookingDto,
    idempotencyKey?: string,
  ): Promise<BookingDto> {
    const { actor } = actorAllowedTo(await this.bookings.findById(id), user, 'reschedule');

    const hash = requestHash(id, dto);
    if (idempotencyKey) {
      const replay = await this.replay(user.id, idempotencyKey, hash);
      if (replay) return replay;
    }

    const startsAt = Date.parse(dto.startsAt);
    try {
      await inSerializableTransaction(
        this.dataSource,
        async (manager) => {
          const current = await this.bookings.getById(id, manager);
          const context = await this.bookings.context(manager, current.shopId, current.serviceId);
          if (!context || context.shopStatus !== 'active') throw new ShopNotBookableError();
          if (dto.staffId && !context.staffIds.includes(dto.staffId)) throw new InvalidStaffError();
          const now = this.clock.now();
          const result = decide(current.status, 'reschedule', actor, timingOf(current, now));
          if (!result.allowed) throw refusalError(result, current, 'reschedule', actor);
          assertBookingWindow(startsAt, now, this.config.bookings);

          // The same service, as long as it was booked and with the buffer it was booked with, on the shop's grid
          // of the new day, under that day's rules (override, staff hours, skills, time off).
          const localDate = localDateOf(startsAt, context.timezone);
          const clock = DayClock.of(localDate, context.timezone);
          if (!clock) throw new OutsideOpeningHoursError();
          const rules = await this.scheduleRules.dayRules(manager, current.shopId, localDate, {
            from: clock.start,
            to: clock.end,
          });
          const named = dto.staffId ? rules.staff.find((member) => member.id === dto.staffId) : undefined;
          if (named?.serviceIds && !named.serviceIds.includes(current.serviceId))
            throw new InvalidStaffError();
          const durationMinutes = (current.endsAt.getTime() - current.startsAt.getTime()) / 60_000;
          const bufferMinutes = (current.blockedUntil.getTime() - current.endsAt.getTime()) / 60_000;
          const plan = DayPlan.of(
            localDate,
            { ...context, dateOverride: rules.dateOverride },
            { id: current.serviceId, durationMinutes, bufferMinutes },
            rules.staff,
          );
          const slot = plan.candidateAt(startsAt);
          if (!slot) throw new OutsideOpeningHoursError();

          const days = await this.shopDays.openAll(manager, current.shopId, [current.localDate, localDate]);
          const booking = await this.bookings.getById(id, manager);
          if (booking.localDate !== current.localDate || booking.status !== current.status) {
            throw new InvalidBookingTransitionError(booking.status, PAST_TENSE.reschedule);
          }
          const from = days.get(booking.localDate)!;
          const to = days.get(localDate)!;
          // A hold whose time ran out is over, here as anywhere.
          if ((await from.expireStale()).includes(booking.id)) {
            throw new InvalidBookingTransitionError('expired', PAST_TENSE.reschedule);
          }
          if (to !== from) await to.expireStale();
          from.release([booking.id]);

          const candidates = plan.workingStaff(slot).filter((staff) => !dto.staffId || staff === dto.staffId);
          const blocked = { start: slot.start, end: slot.blockedUntil };
          const free = to.freeStaff(blocked, candidates);
          // Without a named staff member the customer keeps theirs if they are free, else the least busy free one.
          const staffId = free.includes(booking.staffId) ? booking.staffId : free[0];
          if (!staffId) throw new SlotUnavailableError();

          const target = {
            staffId,
            startsAt: slot.start,
            endsAt: slot.end,
            blockedUntil: slot.blockedUntil,
            localDate,
          };
          if (!(await this.bookings.move(manager, booking, target))) {
            throw new InvalidBookingTransitionError(booking.status, PAST_TENSE.reschedule);
          }
          to.take(staffId, booking.id, blocked);
          for (const day of days.values()) await day.save();
          await this.outbox.bookingRescheduled(manager, booking.id);
          if (
            idempotencyKey &&
            !(await this.bookings.saveIdempotencyKey(manager, user.id, idempotencyKey, hash, booking.id))
          ) {
            throw new IdempotencyKeyTakenError();
          }
        },
        {
          attempts: SHOP_DAY_ATTEMPTS,
          retryOn: (error) => error instanceof BookingOverlapError || isShopDayRace(error),
          onRetry: (error) => this.metrics.countRetry('reschedule', error),
        },
      );
    } catch (error) {
      if (error instanceof RetriesExhaustedError || error instanceof SlotUnavailableError) {
        this.metrics.bookingConflicts.inc();
        throw new SlotUnavailableError();
      }
      if (error instanceof IdempotencyKeyTakenError && idempotencyKey) {
        const replay = await this.replay(user.id, idempotencyKey, hash);
        if (replay) return replay;
      }
      throw error;
    }
    return BookingDto.from(await this.bookings.getById(id));
  }

  /** The booking as it is now, when this key already moved it; 422 when the key was used for something else. */
  private async replay(userId: string, key: string, hash: string): Promise<BookingDto | null> {
    const stored = await this.bookings.findIdempotencyKey(userId, key);
    if (!stored) return null;
    if (stored.requestHash !== hash) throw new IdempotencyKeyReusedError();
    return BookingDto.from(await this.bookings.getById(stored.bookingId));
  }
}
