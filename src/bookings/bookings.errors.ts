import { HttpStatus } from '@nestjs/common';

import { PG_EXCLUSION_VIOLATION } from '../common/database/pg-errors';
import { DomainError } from '../common/errors/domain-error';

export class SlotUnavailableError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'SLOT_UNAVAILABLE', 'This slot is no longer available');
  }
}

export class ShopNotBookableError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'SHOP_NOT_BOOKABLE', 'This shop is not taking bookings');
  }
}

export class InvalidServiceError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'INVALID_SERVICE', 'serviceId is not a service of this shop');
  }
}

export class InvalidStaffError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'INVALID_STAFF', 'staffId is not a staff member of this shop');
  }
}

export class OutsideOpeningHoursError extends DomainError {
  constructor() {
    super(
      HttpStatus.BAD_REQUEST,
      'OUTSIDE_OPENING_HOURS',
      "startsAt is not a start on the shop's slot grid where the service fits inside opening hours",
    );
  }
}

export class StartInPastError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'START_IN_PAST', 'startsAt is in the past');
  }
}

export class NoticeTooShortError extends DomainError {
  constructor(minutes: number) {
    super(
      HttpStatus.BAD_REQUEST,
      'NOTICE_TOO_SHORT',
      `Bookings must start at least ${minutes} minutes from now`,
    );
  }
}

export class BeyondHorizonError extends DomainError {
  constructor(days: number) {
    super(
      HttpStatus.BAD_REQUEST,
      'BEYOND_BOOKING_HORIZON',
      `Bookings can be made at most ${days} days ahead`,
    );
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      HttpStatus.UNPROCESSABLE_ENTITY,
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request',
    );
  }
}

export class BookingNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'BOOKING_NOT_FOUND', 'Booking not found');
  }
}

export class InvalidBookingTransitionError extends DomainError {
  constructor(from: string, action: string) {
    super(HttpStatus.CONFLICT, 'INVALID_BOOKING_TRANSITION', `A booking that is ${from} cannot be ${action}`);
  }
}

export class BookingActionForbiddenError extends DomainError {
  constructor(action: string) {
    super(HttpStatus.FORBIDDEN, 'FORBIDDEN', `You may not ${action} this booking`);
  }
}

/**
 * The database's no-overlap constraint refused a write: another live booking of the same staff member overlaps.
 * Not an answer by itself; the caller retries with a fresh look or treats the time as taken.
 */
export class BookingOverlapError extends Error {
  readonly sqlstate = PG_EXCLUSION_VIOLATION;

  constructor() {
    super('A live booking of the same staff member overlaps');
  }
}

export class BookingNotStartedError extends DomainError {
  constructor(action: string) {
    super(HttpStatus.CONFLICT, 'BOOKING_NOT_STARTED', `A booking can be ${action} only once it has started`);
  }
}

export class CancellationClosedError extends DomainError {
  constructor() {
    super(
      HttpStatus.CONFLICT,
      'CANCELLATION_CLOSED',
      'This booking has started; only the shop can cancel it now',
    );
  }
}

export class RescheduleClosedError extends DomainError {
  constructor(detail: string) {
    super(HttpStatus.CONFLICT, 'RESCHEDULE_CLOSED', `This booking can no longer be rescheduled: ${detail}`);
  }
}

/** Raised inside a transaction when a concurrent request with the same Idempotency-Key won; its result is replayed. */
export class IdempotencyKeyTakenError extends Error {}
