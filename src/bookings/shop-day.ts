import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

import { BusyMap, toIntervals, withBooking, withoutBookings } from '../../libs/slots/busy-map';
import { freeStaff, Interval } from '../../libs/slots/slot-engine';
import { AvailabilityRepository, DayCreatedConcurrentlyError } from '../availability/availability.repository';
import { NotificationsOutbox } from '../notifications/outbox';
import { Booking } from './booking';
import { BookingsRepository } from './bookings.repository';

/** Attempts of a transaction over shop-days before it gives up (serialization failures under contention). */
export const SHOP_DAY_ATTEMPTS = 10;

/**
 * The booking moved to another day (a reschedule committed) between reading it and locking its day: the
 * transaction starts again and locks the day it is on now.
 */
export class BookingMovedConcurrentlyError extends Error {
  constructor() {
    super('The booking moved to another day while its day was being locked');
  }
}

/** What a transaction over shop-days retries besides serialization failures. */
export const isShopDayRace = (error: unknown): boolean =>
  error instanceof DayCreatedConcurrentlyError || error instanceof BookingMovedConcurrentlyError;

const entryCount = (busy: BusyMap) => Object.values(busy).reduce((sum, entries) => sum + entries.length, 0);

/**
 * One shop-day inside one transaction: the unit of work every booking change goes through. Opening it locks the
 * day's read-model row, so changes of one shop-day go one at a time; the changes are made to its busy map and
 * written back by `save()` (which moves the day's version, so cached slots are never stale). The invariant it
 * keeps: the busy map holds exactly the day's live bookings, because every status change that makes a booking
 * live or not live is paired here with `take` or `release` before the transaction commits.
 */
export class ShopDay {
  private changed = false;

  constructor(
    private readonly manager: EntityManager,
    private readonly repositories: { availability: AvailabilityRepository; bookings: BookingsRepository },
    private readonly outbox: NotificationsOutbox,
    readonly shopId: string,
    readonly date: string,
    private busy: BusyMap,
  ) {}

  /** Expires the day's unpaid holds whose time is up, tells their customers, and frees their time. */
  async expireStale(): Promise<string[]> {
    const ids = await this.repositories.bookings.expireStaleHolds(this.manager, this.shopId, this.date);
    await this.outbox.bookingsExpired(this.manager, ids);
    this.release(ids);
    return ids;
  }

  /** Those of `candidates` who are free for the whole of `slot`, the least busy that day first. */
  freeStaff(slot: Interval, candidates: readonly string[]): string[] {
    const load = (staffId: string) => this.busy[staffId]?.length ?? 0;
    return freeStaff(slot, candidates, toIntervals(this.busy)).sort((a, b) => load(a) - load(b));
  }

  isFree(staffId: string, slot: Interval): boolean {
    return this.freeStaff(slot, [staffId]).length === 1;
  }

  /** Blocks `slot` of the staff member's day for the booking (replacing any time it held before). */
  take(staffId: string, bookingId: string, slot: Interval): void {
    this.busy = withBooking(this.busy, staffId, bookingId, slot);
    this.changed = true;
  }

  /** Frees the time of bookings that are no longer live. */
  release(bookingIds: readonly string[]): void {
    if (bookingIds.length === 0) return;
    const before = entryCount(this.busy);
    this.busy = withoutBookings(this.busy, bookingIds);
    if (entryCount(this.busy) !== before) this.changed = true;
  }

  /**
   * Marks the day changed though no booking moved (its rules did: time off, a date override), so `save()` moves its
   * version: a booking transaction that read the day before waits on the lock and then fails to serialize, and is
   * retried against the new rules.
   */
  touch(): void {
    this.changed = true;
  }

  /** Writes the busy map back if anything changed. */
  async save(): Promise<void> {
    if (!this.changed) return;
    await this.repositories.availability.saveDay(this.manager, this.shopId, this.date, this.busy);
    this.changed = false;
  }
}

/** Opens shop-days for a transaction; see `ShopDay`. */
@Injectable()
export class ShopDays {
  constructor(
    private readonly availability: AvailabilityRepository,
    private readonly bookings: BookingsRepository,
    private readonly outbox: NotificationsOutbox,
  ) {}

  /**
   * Locks the shop-day for the rest of the transaction. The first booking of a day creates its row; when a
   * concurrent transaction created it first this throws `DayCreatedConcurrentlyError`, worth a retry.
   */
  async open(manager: EntityManager, shopId: string, date: string): Promise<ShopDay> {
    const busy = await this.availability.lockDay(manager, shopId, date);
    return new ShopDay(
      manager,
      { availability: this.availability, bookings: this.bookings },
      this.outbox,
      shopId,
      date,
      busy,
    );
  }

  /**
   * Locks the day a booking is on and reads the booking under that lock. Retry on `isShopDayRace`: a reschedule may
   * move the booking to another day between the two reads.
   */
  async openFor(manager: EntityManager, bookingId: string): Promise<{ day: ShopDay; booking: Booking }> {
    const seen = await this.bookings.getById(bookingId, manager);
    const day = await this.open(manager, seen.shopId, seen.localDate);
    const booking = await this.bookings.getById(bookingId, manager);
    if (booking.localDate !== seen.localDate) throw new BookingMovedConcurrentlyError();
    return { day, booking };
  }

  /**
   * Locks several days of one shop in date order (so two transactions over the same days never wait on each other
   * crosswise); one day given twice is opened once.
   */
  async openAll(
    manager: EntityManager,
    shopId: string,
    dates: readonly string[],
  ): Promise<Map<string, ShopDay>> {
    const days = new Map<string, ShopDay>();
    for (const date of [...new Set(dates)].sort()) days.set(date, await this.open(manager, shopId, date));
    return days;
  }
}
