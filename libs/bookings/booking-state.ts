/**
 * The booking state machine: which actor may move a booking from which status to which. The service asks it
 * before every change, so the rules live in one small table instead of in conditionals across the code.
 */
export const BOOKING_STATUSES = [
  'pending_payment',
  'upcoming',
  'completed',
  'cancelled',
  'no_show',
  'expired',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Statuses that hold a staff member's time (the exclusion constraint covers exactly these). */
export const LIVE_STATUSES: readonly BookingStatus[] = ['pending_payment', 'upcoming'];

export const BOOKING_ACTIONS = [
  'confirm_payment',
  'expire',
  'cancel',
  'complete',
  'no_show',
  'reschedule',
] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/** Who acts: the booking's customer, the owner of its shop, an admin, or the system (payments, sweeper). */
export const ACTORS = ['customer', 'shop_owner', 'admin', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

interface Rule {
  from: readonly BookingStatus[];
  /** Where the action leads; null keeps the status (a reschedule moves a booking in time only). */
  to: BookingStatus | null;
  actors: readonly Actor[];
}

const RULES: Record<BookingAction, Rule> = {
  // Only the payment provider's word confirms a payment; a late capture may revive an expired hold.
  confirm_payment: { from: ['pending_payment', 'expired'], to: 'upcoming', actors: ['system'] },
  expire: { from: ['pending_payment'], to: 'expired', actors: ['system'] },
  cancel: {
    from: ['pending_payment', 'upcoming'],
    to: 'cancelled',
    actors: ['customer', 'shop_owner', 'admin'],
  },
  complete: { from: ['upcoming'], to: 'completed', actors: ['shop_owner', 'admin'] },
  no_show: { from: ['upcoming'], to: 'no_show', actors: ['shop_owner', 'admin'] },
  // A hold stays a hold at its new time, a paid booking stays paid.
  reschedule: {
    from: ['pending_payment', 'upcoming'],
    to: null,
    actors: ['customer', 'shop_owner', 'admin'],
  },
};

export type TransitionResult =
  { allowed: true; to: BookingStatus } | { allowed: false; reason: 'forbidden' | 'invalid_transition' };

export function transition(from: BookingStatus, action: BookingAction, actor: Actor): TransitionResult {
  const rule = RULES[action];
  if (!rule.actors.includes(actor)) return { allowed: false, reason: 'forbidden' };
  if (!rule.from.includes(from)) return { allowed: false, reason: 'invalid_transition' };
  return { allowed: true, to: rule.to ?? from };
}

export function isLive(status: BookingStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

/** When an action is asked for, relative to the booking's start and the cut-off of its policy. */
export interface Timing {
  now: number;
  startsAt: number;
  /** The last instant a customer may cancel for free or reschedule (the start less the free window). */
  freeCancellationDeadline: number;
}

export type TimeRefusal = 'not_started' | 'cancellation_closed' | 'reschedule_closed';

export type LifecycleResult = TransitionResult | { allowed: false; reason: TimeRefusal };

/**
 * The state machine with the time rules on top: a booking is completed or marked no-show only once it has started;
 * a customer cancels only before the start, and reschedules only until the free-cancellation deadline; the shop's
 * owner and admins reschedule until the start.
 */
export function decide(
  from: BookingStatus,
  action: BookingAction,
  actor: Actor,
  timing: Timing,
): LifecycleResult {
  const result = transition(from, action, actor);
  if (!result.allowed) return result;
  const { now, startsAt } = timing;
  if ((action === 'complete' || action === 'no_show') && now < startsAt) {
    return { allowed: false, reason: 'not_started' };
  }
  if (action === 'cancel' && actor === 'customer' && now >= startsAt) {
    return { allowed: false, reason: 'cancellation_closed' };
  }
  if (action === 'reschedule') {
    const closed = actor === 'customer' ? now > timing.freeCancellationDeadline : now >= startsAt;
    if (closed) return { allowed: false, reason: 'reschedule_closed' };
  }
  return result;
}
