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

export const BOOKING_ACTIONS = ['confirm_payment', 'expire', 'cancel', 'complete', 'no_show'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/** Who acts: the booking's customer, the owner of its shop, an admin, or the system (payments, sweeper). */
export const ACTORS = ['customer', 'shop_owner', 'admin', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

interface Rule {
  from: readonly BookingStatus[];
  to: BookingStatus;
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
};

export type TransitionResult =
  { allowed: true; to: BookingStatus } | { allowed: false; reason: 'forbidden' | 'invalid_transition' };

export function transition(from: BookingStatus, action: BookingAction, actor: Actor): TransitionResult {
  const rule = RULES[action];
  if (!rule.actors.includes(actor)) return { allowed: false, reason: 'forbidden' };
  if (!rule.from.includes(from)) return { allowed: false, reason: 'invalid_transition' };
  return { allowed: true, to: rule.to };
}

export function isLive(status: BookingStatus): boolean {
  return LIVE_STATUSES.includes(status);
}
