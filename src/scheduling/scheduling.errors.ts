import { HttpStatus } from '@nestjs/common';

import { formatInstant } from '../../libs/slots/day-clock';
import { ScheduledBooking } from '../../libs/slots/slot-engine';
import { DomainError } from '../common/errors/domain-error';

/** A change of hours, staff, time off, overrides or time zone would leave live bookings outside the schedule. */
export class ScheduleConflictsError extends DomainError {
  constructor(bookings: readonly ScheduledBooking[], timezone: string) {
    super(
      HttpStatus.CONFLICT,
      'SCHEDULE_CONFLICTS',
      `This change would strand ${bookings.length} live booking(s); move or cancel them first`,
      bookings.map((booking) => ({
        id: booking.id,
        startsAt: formatInstant(booking.start, timezone),
        endsAt: formatInstant(booking.end, timezone),
        staffId: booking.staffId,
      })),
    );
  }
}

export class DateOverrideExistsError extends DomainError {
  constructor() {
    super(HttpStatus.CONFLICT, 'DATE_OVERRIDE_EXISTS', 'This date already has an override; delete it first');
  }
}

export class StaffNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'STAFF_NOT_FOUND', 'Staff member not found in this shop');
  }
}

export class TimeOffNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'TIME_OFF_NOT_FOUND', 'Time off not found');
  }
}

export class DateOverrideNotFoundError extends DomainError {
  constructor() {
    super(HttpStatus.NOT_FOUND, 'DATE_OVERRIDE_NOT_FOUND', 'Date override not found');
  }
}

/** A service id that is not one of this shop's. */
export class UnknownServiceError extends DomainError {
  constructor(ids: readonly string[]) {
    super(HttpStatus.BAD_REQUEST, 'INVALID_SERVICE', `Not services of this shop: ${ids.join(', ')}`);
  }
}

export class DateInPastError extends DomainError {
  constructor() {
    super(HttpStatus.BAD_REQUEST, 'DATE_IN_PAST', 'The date is in the past (shop-local)');
  }
}

export class InvalidTimeOffError extends DomainError {
  constructor(message: string) {
    super(HttpStatus.BAD_REQUEST, 'INVALID_TIME_OFF', message);
  }
}
