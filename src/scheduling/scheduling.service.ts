import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';

import {
  normalizeOpeningHours,
  openingHoursProblems,
  OpeningInterval,
} from '../../libs/schedule/opening-hours';
import { formatInstant } from '../../libs/slots/day-clock';
import { DayInterval, localDateOf } from '../../libs/slots/slot-engine';
import { isShopDayRace, SHOP_DAY_ATTEMPTS, ShopDays } from '../bookings/shop-day';
import { CLOCK, Clock } from '../common/clock/clock';
import { isPgError } from '../common/database/pg-errors';
import { inSerializableTransaction } from '../common/database/serializable';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { ValidationFailedError } from '../common/errors/domain-error';
import { Page } from '../common/pagination/pagination';
import { MetricsService } from '../metrics/metrics.service';
import { StaffDto } from '../shops/dto/catalog.dto';
import { Shop } from '../shops/shop.entity';
import { ShopsService } from '../shops/shops.service';
import {
  CreateDateOverrideDto,
  CreateTimeOffDto,
  DateOverrideDto,
  StaffHoursDto,
  StaffServicesDto,
  TimeOffDto,
} from './dto/scheduling.dto';
import { ScheduleGuard } from './schedule-guard';
import {
  DateInPastError,
  DateOverrideExistsError,
  DateOverrideNotFoundError,
  InvalidTimeOffError,
  StaffNotFoundError,
  TimeOffNotFoundError,
  UnknownServiceError,
} from './scheduling.errors';
import { DateOverride, SchedulingRepository, StaffRecord, TimeOff } from './scheduling.repository';

/** Time off longer than this is refused (a leaving staff member is removed, not given years off). */
const MAX_TIME_OFF_DAYS = 366;
const DAY_MS = 86_400_000;
const PG_UNIQUE_VIOLATION = '23505';

const staffDto = (staff: StaffRecord): StaffDto => ({
  id: staff.id,
  shopId: staff.shopId,
  name: staff.name,
  workingHours: staff.workingHours,
  serviceIds: staff.serviceIds,
});

/**
 * Staff hours and skills, time off and date overrides. Each change is one SERIALIZABLE transaction that checks the
 * live bookings against the rules as they would be (ScheduleGuard: 409 SCHEDULE_CONFLICTS listing them), makes the
 * change and moves the shop's configuration version. Time off and date overrides also lock the shop-days they
 * touch, the locks every booking change takes, so a booking racing them is decided one way or the other.
 */
@Injectable()
export class SchedulingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: SchedulingRepository,
    private readonly shops: ShopsService,
    private readonly shopDays: ShopDays,
    private readonly guard: ScheduleGuard,
    private readonly metrics: MetricsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async setStaffHours(
    shopId: string,
    staffId: string,
    owner: AuthenticatedUser,
    dto: StaffHoursDto,
  ): Promise<StaffDto> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    const hours = dto.workingHours === null ? null : normalizeOpeningHours(dto.workingHours);
    return this.inTransaction('staff_hours', async (manager) => {
      await this.lockStaff(manager, shopId, staffId);
      await this.guard.assertFits(manager, shopId, (rules) => ({
        ...rules,
        staff: rules.staff.map((member) =>
          member.id === staffId ? { ...member, workingHours: hours } : member,
        ),
      }));
      const staff = await this.repository.updateStaff(manager, staffId, { workingHours: hours });
      await this.repository.bumpConfigVersion(manager, shopId);
      return staffDto(staff);
    });
  }

  async setStaffServices(
    shopId: string,
    staffId: string,
    owner: AuthenticatedUser,
    dto: StaffServicesDto,
  ): Promise<StaffDto> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    const serviceIds = dto.serviceIds === null ? null : [...new Set(dto.serviceIds)].sort();
    return this.inTransaction('staff_services', async (manager) => {
      await this.lockStaff(manager, shopId, staffId);
      const foreign = await this.repository.foreignServices(manager, shopId, serviceIds ?? []);
      if (foreign.length > 0) throw new UnknownServiceError(foreign);
      await this.guard.assertFits(manager, shopId, (rules) => ({
        ...rules,
        staff: rules.staff.map((member) => (member.id === staffId ? { ...member, serviceIds } : member)),
      }));
      const staff = await this.repository.updateStaff(manager, staffId, { serviceIds });
      await this.repository.bumpConfigVersion(manager, shopId);
      return staffDto(staff);
    });
  }

  async addTimeOff(
    shopId: string,
    staffId: string,
    owner: AuthenticatedUser,
    dto: CreateTimeOffDto,
  ): Promise<TimeOffDto> {
    const shop = await this.shops.findManaged(shopId, owner, { adminMay: false });
    const startsAt = Date.parse(dto.startsAt);
    const endsAt = Date.parse(dto.endsAt);
    if (!(endsAt > startsAt)) throw new InvalidTimeOffError('endsAt must be after startsAt');
    if (endsAt <= this.clock.now()) throw new InvalidTimeOffError('The time off is over already');
    if (endsAt - startsAt > MAX_TIME_OFF_DAYS * DAY_MS) {
      throw new InvalidTimeOffError(`Time off may last at most ${MAX_TIME_OFF_DAYS} days`);
    }
    return this.inTransaction('time_off', async (manager) => {
      await this.lockStaff(manager, shopId, staffId);
      const days = await this.shopDays.openAll(
        manager,
        shopId,
        localDatesBetween(Math.max(startsAt, this.clock.now()), endsAt, shop.timezone),
      );
      await this.guard.assertFits(manager, shopId, (rules) => ({
        ...rules,
        staff: rules.staff.map((member) =>
          member.id === staffId
            ? { ...member, timeOff: [...member.timeOff, { start: startsAt, end: endsAt }] }
            : member,
        ),
      }));
      const entry = await this.repository.insertTimeOff(manager, {
        staffId,
        shopId,
        startsAt,
        endsAt,
        reason: dto.reason ?? null,
      });
      for (const day of days.values()) {
        day.touch();
        await day.save();
      }
      await this.repository.bumpConfigVersion(manager, shopId);
      return timeOffDto(entry, shop.timezone);
    });
  }

  async listTimeOff(
    shopId: string,
    staffId: string,
    user: AuthenticatedUser,
    window: { from?: string; to?: string },
  ): Promise<Page<TimeOffDto>> {
    const shop = await this.shops.findManaged(shopId, user, { adminMay: true });
    if (!(await this.repository.findStaff(shopId, staffId))) throw new StaffNotFoundError();
    const items = (await this.repository.listTimeOff(staffId, window)).map((entry) =>
      timeOffDto(entry, shop.timezone),
    );
    return { items, nextCursor: null };
  }

  /** Giving time back strands nothing; slots move at once (the configuration version). */
  async deleteTimeOff(shopId: string, staffId: string, id: string, owner: AuthenticatedUser): Promise<void> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    await this.inTransaction('time_off', async (manager) => {
      await this.lockStaff(manager, shopId, staffId);
      if (!(await this.repository.deleteTimeOff(manager, staffId, id))) throw new TimeOffNotFoundError();
      await this.repository.bumpConfigVersion(manager, shopId);
    });
  }

  async addDateOverride(
    shopId: string,
    owner: AuthenticatedUser,
    dto: CreateDateOverrideDto,
  ): Promise<DateOverrideDto> {
    const shop = await this.shops.findManaged(shopId, owner, { adminMay: false });
    this.assertDate(dto.date, shop);
    const hours = normalizeDayIntervals(dto.openingHours);
    return this.inTransaction('date_override', async (manager) => {
      const day = await this.shopDays.open(manager, shopId, dto.date);
      if (await this.repository.findOverride(manager, shopId, dto.date)) throw new DateOverrideExistsError();
      await this.guard.assertFits(manager, shopId, (rules) => ({
        ...rules,
        dateOverrides: { ...rules.dateOverrides, [dto.date]: hours },
      }));
      let entry: DateOverride;
      try {
        entry = await this.repository.insertOverride(manager, {
          shopId,
          date: dto.date,
          openingHours: hours,
          reason: dto.reason ?? null,
        });
      } catch (error) {
        if (isPgError(error, PG_UNIQUE_VIOLATION)) throw new DateOverrideExistsError();
        throw error;
      }
      day.touch();
      await day.save();
      await this.repository.bumpConfigVersion(manager, shopId);
      return entry;
    });
  }

  async listDateOverrides(
    shopId: string,
    viewer: AuthenticatedUser | undefined,
    window: { from?: string; to?: string },
  ): Promise<Page<DateOverrideDto>> {
    await this.shops.findVisible(shopId, viewer);
    return { items: await this.repository.listOverrides(shopId, window), nextCursor: null };
  }

  /** Back to the weekly hours: refused when bookings made under the special hours would fall outside them. */
  async deleteDateOverride(shopId: string, id: string, owner: AuthenticatedUser): Promise<void> {
    await this.shops.findManaged(shopId, owner, { adminMay: false });
    await this.inTransaction('date_override', async (manager) => {
      const seen = await this.repository.findOverrideById(manager, shopId, id);
      if (!seen) throw new DateOverrideNotFoundError();
      const day = await this.shopDays.open(manager, shopId, seen.date);
      await this.guard.assertFits(manager, shopId, (rules) => {
        const dateOverrides = { ...rules.dateOverrides };
        delete dateOverrides[seen.date];
        return { ...rules, dateOverrides };
      });
      await this.repository.deleteOverride(manager, id);
      day.touch();
      await day.save();
      await this.repository.bumpConfigVersion(manager, shopId);
    });
  }

  private async lockStaff(manager: EntityManager, shopId: string, staffId: string): Promise<StaffRecord> {
    const staff = await this.repository.lockStaff(manager, shopId, staffId);
    if (!staff) throw new StaffNotFoundError();
    return staff;
  }

  private assertDate(date: string, shop: Shop): void {
    const parsed = DateTime.fromISO(date, { zone: shop.timezone });
    if (!parsed.isValid || parsed.toISODate() !== date) {
      throw new ValidationFailedError([`date must be a real date (YYYY-MM-DD): ${date}`]);
    }
    if (date < localDateOf(this.clock.now(), shop.timezone)) throw new DateInPastError();
  }

  private inTransaction<T>(operation: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inSerializableTransaction(this.dataSource, work, {
      attempts: SHOP_DAY_ATTEMPTS,
      retryOn: isShopDayRace,
      onRetry: (error) => this.metrics.countRetry(operation, error),
    });
  }
}

function timeOffDto(entry: TimeOff, timezone: string): TimeOffDto {
  return {
    id: entry.id,
    staffId: entry.staffId,
    startsAt: formatInstant(entry.startsAt.getTime(), timezone),
    endsAt: formatInstant(entry.endsAt.getTime(), timezone),
    reason: entry.reason,
  };
}

/** Sorted by opening; overlapping or inverted intervals are a 400 (VALIDATION_FAILED), like weekly hours. */
function normalizeDayIntervals(intervals: readonly DayInterval[]): DayInterval[] {
  const asWeekly: OpeningInterval[] = intervals.map(({ opens, closes }) => ({ weekday: 1, opens, closes }));
  const problems = openingHoursProblems(asWeekly);
  if (problems.length > 0) throw new ValidationFailedError(problems);
  return normalizeOpeningHours(asWeekly).map(({ opens, closes }) => ({ opens, closes }));
}

/** Every shop-local date that [from, to) touches, in order. */
function localDatesBetween(from: number, to: number, timezone: string): string[] {
  const dates: string[] = [];
  let day = DateTime.fromMillis(from, { zone: timezone }).startOf('day');
  while (day.toMillis() < to) {
    dates.push(day.toISODate() as string);
    day = day.plus({ days: 1 }).startOf('day');
  }
  return dates;
}
