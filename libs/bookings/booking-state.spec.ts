import {
  Actor,
  ACTORS,
  BOOKING_ACTIONS,
  BOOKING_STATUSES,
  BookingAction,
  BookingStatus,
  isLive,
  transition,
} from './booking-state';

/** The whole table, written out: every (status, action, actor) that is allowed, and where it leads. */
const ALLOWED: Array<[BookingStatus, BookingAction, Actor, BookingStatus]> = [
  ['pending_payment', 'confirm_payment', 'system', 'upcoming'],
  ['expired', 'confirm_payment', 'system', 'upcoming'],
  ['pending_payment', 'expire', 'system', 'expired'],
  ...(['customer', 'shop_owner', 'admin'] as const).flatMap((actor) => [
    ['pending_payment', 'cancel', actor, 'cancelled'] as [BookingStatus, BookingAction, Actor, BookingStatus],
    ['upcoming', 'cancel', actor, 'cancelled'] as [BookingStatus, BookingAction, Actor, BookingStatus],
  ]),
  ['upcoming', 'complete', 'shop_owner', 'completed'],
  ['upcoming', 'complete', 'admin', 'completed'],
  ['upcoming', 'no_show', 'shop_owner', 'no_show'],
  ['upcoming', 'no_show', 'admin', 'no_show'],
  // Issue 16 adds rescheduling: a live booking keeps its status at its new time.
  ...(['customer', 'shop_owner', 'admin'] as const).flatMap((actor) => [
    ['pending_payment', 'reschedule', actor, 'pending_payment'] as [
      BookingStatus,
      BookingAction,
      Actor,
      BookingStatus,
    ],
    ['upcoming', 'reschedule', actor, 'upcoming'] as [BookingStatus, BookingAction, Actor, BookingStatus],
  ]),
];

describe('booking state machine', () => {
  const combinations = BOOKING_STATUSES.flatMap((status) =>
    BOOKING_ACTIONS.flatMap((action) => ACTORS.map((actor) => [status, action, actor] as const)),
  );

  it.each(combinations)('%s --%s by %s', (status, action, actor) => {
    const rule = ALLOWED.find(([s, a, who]) => s === status && a === action && who === actor);
    const result = transition(status, action, actor);
    if (rule) {
      expect(result).toEqual({ allowed: true, to: rule[3] });
    } else {
      expect(result.allowed).toBe(false);
    }
  });

  it('says "forbidden" for the wrong actor before looking at the status', () => {
    expect(transition('upcoming', 'complete', 'customer')).toEqual({ allowed: false, reason: 'forbidden' });
    expect(transition('completed', 'confirm_payment', 'admin')).toEqual({
      allowed: false,
      reason: 'forbidden',
    });
    expect(transition('completed', 'cancel', 'customer')).toEqual({
      allowed: false,
      reason: 'invalid_transition',
    });
  });

  it('never leaves a final status except an expired hold revived by a payment', () => {
    for (const final of ['completed', 'cancelled', 'no_show'] as const) {
      for (const action of BOOKING_ACTIONS) {
        for (const actor of ACTORS) expect(transition(final, action, actor).allowed).toBe(false);
      }
    }
  });

  it('treats exactly the slot-holding statuses as live', () => {
    expect(BOOKING_STATUSES.filter(isLive)).toEqual(['pending_payment', 'upcoming']);
  });
});
