import { Actor, BookingAction, LifecycleResult, Timing, transition } from '../../libs/bookings/booking-state';
import { freeCancellationDeadline } from '../../libs/bookings/cancellation-policy';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { Booking } from './booking';
import {
  BeyondHorizonError,
  BookingActionForbiddenError,
  BookingNotFoundError,
  BookingNotStartedError,
  CancellationClosedError,
  InvalidBookingTransitionError,
  NoticeTooShortError,
  RescheduleClosedError,
  StartInPastError,
} from './bookings.errors';

const MINUTE_MS = 60_000;

/** How `user` relates to the booking (its customer, its shop's owner, an admin), or null when not at all. */
export function actorFor(user: AuthenticatedUser, booking: Booking): Actor | null {
  if (user.role === 'admin') return 'admin';
  if (user.role === 'shop_owner' && booking.shopOwnerId === user.id) return 'shop_owner';
  if (user.role === 'customer' && booking.customerId === user.id) return 'customer';
  return null;
}

/** A new start (of a booking or a reschedule) must be in the future, far enough ahead, and not too far. */
export function assertBookingWindow(
  startsAt: number,
  now: number,
  rules: { minNoticeMinutes: number; horizonDays: number },
): void {
  if (startsAt < now) throw new StartInPastError();
  if (startsAt < now + rules.minNoticeMinutes * MINUTE_MS)
    throw new NoticeTooShortError(rules.minNoticeMinutes);
  if (startsAt > now + rules.horizonDays * 24 * 60 * MINUTE_MS)
    throw new BeyondHorizonError(rules.horizonDays);
}

/** The past tense of an action, for messages ("A booking that is completed cannot be cancelled"). */
export const PAST_TENSE = {
  confirm_payment: 'confirmed',
  expire: 'expired',
  cancel: 'cancelled',
  complete: 'completed',
  no_show: 'marked no-show',
  reschedule: 'rescheduled',
} as const;

/**
 * The actor `user` is for `booking`, checked before any lock is taken: 404 when the booking is not theirs to see,
 * 403 when their role may never do `action` (the time and status rules are decided under the lock).
 */
export function actorAllowedTo(
  booking: Booking | null,
  user: AuthenticatedUser,
  action: BookingAction,
): { booking: Booking; actor: Actor } {
  const actor = booking && actorFor(user, booking);
  if (!booking || !actor) throw new BookingNotFoundError();
  const allowed = transition(booking.status, action, actor);
  if (!allowed.allowed && allowed.reason === 'forbidden') {
    throw new BookingActionForbiddenError(action.replace('_', '-'));
  }
  return { booking, actor };
}

/** When an action on `booking` is asked for at `now`, in the terms of the state machine's time rules. */
export function timingOf(booking: Booking, now: number): Timing {
  const startsAt = booking.startsAt.getTime();
  return { now, startsAt, freeCancellationDeadline: freeCancellationDeadline(startsAt, booking.policy) };
}

/** The answer for an action the lifecycle refused. */
export function refusalError(
  result: Extract<LifecycleResult, { allowed: false }>,
  booking: Booking,
  action: BookingAction,
  actor: Actor,
): Error {
  switch (result.reason) {
    case 'forbidden':
      return new BookingActionForbiddenError(action.replace('_', '-'));
    case 'not_started':
      return new BookingNotStartedError(PAST_TENSE[action]);
    case 'cancellation_closed':
      return new CancellationClosedError();
    case 'reschedule_closed':
      return new RescheduleClosedError(
        actor === 'customer'
          ? `customers may move it until ${booking.policy.freeCancellationHours} hours before the start`
          : 'it has started',
      );
    case 'invalid_transition':
      return new InvalidBookingTransitionError(booking.status, PAST_TENSE[action]);
  }
}
