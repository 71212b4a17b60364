import { assertBasisPoints, assertPaise, commissionPaise } from '../money/money';
import { Actor } from './booking-state';

/** A shop's rules for late cancellations and no-shows; each booking keeps the policy in force when it was made. */
export interface CancellationPolicy {
  /** A customer who cancels at least this long before the start gets everything back. */
  freeCancellationHours: number;
  /** Of the amount, what the shop keeps when a customer cancels later than that. */
  lateCancellationFeeBps: number;
  /** Of the amount, what the shop keeps when the customer does not come. */
  noShowFeeBps: number;
}

export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = {
  freeCancellationHours: 24,
  lateCancellationFeeBps: 0,
  noShowFeeBps: 10_000,
};

export const MAX_FREE_CANCELLATION_HOURS = 168;
const HOUR_MS = 3_600_000;

/** The last instant a customer may cancel for free (and reschedule at all). */
export function freeCancellationDeadline(startsAt: number, policy: CancellationPolicy): number {
  return startsAt - policy.freeCancellationHours * HOUR_MS;
}

/** How a booking ends, as far as money is concerned. */
export type BookingOutcome =
  | { kind: 'completed' }
  | { kind: 'cancelled'; by: Actor; at: number }
  | { kind: 'no_show' }
  | { kind: 'expired' };

export interface MoneyOutcome {
  /** What the customer finally pays: the amount, a fee, or nothing. */
  chargedPaise: number;
  /** What goes back of the money paid online. */
  refundPaise: number;
  /** The platform's commission on what was charged. */
  commissionPaise: number;
  /** Why something was kept that was not a service given: a late cancellation or a no-show fee. */
  fee: 'none' | 'late_cancellation' | 'no_show';
}

export interface OutcomeInput {
  amountPaise: number;
  /** Paid online (captured), even if refunded since; false for pay-at-shop and an unpaid hold. */
  paidOnline: boolean;
  /** What the customer paid online, was captured and not refunded yet (0 for pay-at-shop or an unpaid hold). */
  paidOnlinePaise: number;
  startsAt: number;
  policy: CancellationPolicy;
  commissionBps: number;
}

/**
 * What a booking costs once it reaches a final status. A completed booking costs its amount (collected online or
 * at the shop). A fee is kept only from money paid online: a late cancellation by the customer keeps
 * `lateCancellationFeeBps` of the amount, a no-show `noShowFeeBps`; an unpaid booking that ends so costs nothing.
 * A cancellation by the shop or an admin, or in time, refunds everything. Whatever was paid and not kept is refunded,
 * so refunded + kept = paid; the commission is on what was kept.
 */
export function moneyOutcome(input: OutcomeInput, outcome: BookingOutcome): MoneyOutcome {
  assertPaise(input.amountPaise, 'amountPaise');
  assertPaise(input.paidOnlinePaise, 'paidOnlinePaise');
  assertBasisPoints(input.policy.lateCancellationFeeBps, 'lateCancellationFeeBps');
  assertBasisPoints(input.policy.noShowFeeBps, 'noShowFeeBps');
  if (input.paidOnlinePaise < 0 || input.paidOnlinePaise > input.amountPaise) {
    throw new RangeError('paidOnlinePaise must be between 0 and the amount');
  }
  if (!input.paidOnline && input.paidOnlinePaise > 0)
    throw new RangeError('paidOnlinePaise of an unpaid booking');
  const paid = input.paidOnlinePaise;
  const keep = (chargedPaise: number, fee: MoneyOutcome['fee']): MoneyOutcome => ({
    chargedPaise,
    refundPaise: paid > 0 ? paid - chargedPaise : 0,
    commissionPaise: commissionPaise(chargedPaise, input.commissionBps),
    fee: chargedPaise > 0 ? fee : 'none',
  });
  const feeOf = (bps: number) => (paid > 0 ? Math.min(paid, commissionPaise(input.amountPaise, bps)) : 0);

  switch (outcome.kind) {
    case 'completed':
      // Paid online: what was paid and not refunded before (a goodwill refund lowers it, to nothing if it gave
      // everything back); at the shop: the shop's price.
      return keep(input.paidOnline ? paid : input.amountPaise, 'none');
    case 'expired':
      return keep(0, 'none');
    case 'no_show':
      return keep(feeOf(input.policy.noShowFeeBps), 'no_show');
    case 'cancelled': {
      const late =
        outcome.by === 'customer' && outcome.at > freeCancellationDeadline(input.startsAt, input.policy);
      return keep(late ? feeOf(input.policy.lateCancellationFeeBps) : 0, 'late_cancellation');
    }
  }
}
