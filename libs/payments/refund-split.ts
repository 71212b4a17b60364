import { assertPaise, commissionPaise } from '../money/money';

/** Where a booking's money stands when one of its refunds is processed. */
export interface RefundedBooking {
  /** What was captured online. */
  paidPaise: number;
  /** What processed refunds gave back before this one. */
  refundedBeforePaise: number;
  chargedPaise: number;
  commissionPaise: number;
  commissionBps: number;
  /** Its charge was posted to the ledger as owed to the shop (a completed booking, or a kept fee). */
  chargePosted: boolean;
  /** Still pending or upcoming: what it will cost is not fixed yet. */
  live: boolean;
}

export interface RefundSplit {
  /** Given back from what the platform held for the customer (not yet anybody's). */
  fromCustomerFundsPaise: number;
  /** Taken off what the booking was charged: out of the shop's share and the commission on it. */
  chargeReductionPaise: number;
  commissionReductionPaise: number;
  /** What the booking costs afterwards, and its commission. */
  chargedAfterPaise: number;
  commissionAfterPaise: number;
}

export class RefundExceedsCaptureError extends RangeError {
  constructor(amountPaise: number, remainingPaise: number) {
    super(`A refund of ${amountPaise} paise exceeds the ${remainingPaise} paise left of the capture`);
  }
}

/**
 * What a refund of `amountPaise` takes from where. Whatever the platform still holds for the customer (paid, less
 * what was refunded and what was charged) goes back first: the refund a cancellation asks for is exactly that. A
 * refund beyond it (an admin's goodwill, one made in the provider's dashboard) lowers what the booking is charged,
 * and so the shop's share and the commission on it: recovered from the shop's next payouts if it was settled. A live
 * booking's charge is not posted yet: the refund comes out of customer funds and its future charge is lower.
 * Never more than was captured.
 */
export function splitRefund(booking: RefundedBooking, amountPaise: number): RefundSplit {
  assertPaise(amountPaise, 'amountPaise');
  if (amountPaise <= 0) throw new RangeError('A refund is of a positive amount');
  const remaining = booking.paidPaise - booking.refundedBeforePaise;
  if (amountPaise > remaining) throw new RefundExceedsCaptureError(amountPaise, remaining);

  if (!booking.chargePosted) {
    const chargedAfter = booking.live
      ? Math.max(0, booking.chargedPaise - amountPaise)
      : booking.chargedPaise;
    return {
      fromCustomerFundsPaise: amountPaise,
      chargeReductionPaise: 0,
      commissionReductionPaise: 0,
      chargedAfterPaise: chargedAfter,
      commissionAfterPaise: booking.live
        ? commissionPaise(chargedAfter, booking.commissionBps)
        : booking.commissionPaise,
    };
  }
  const heldForCustomer = Math.max(0, remaining - booking.chargedPaise);
  const fromCustomerFunds = Math.min(amountPaise, heldForCustomer);
  const chargeReduction = amountPaise - fromCustomerFunds;
  const chargedAfter = booking.chargedPaise - chargeReduction;
  const commissionAfter = commissionPaise(chargedAfter, booking.commissionBps);
  return {
    fromCustomerFundsPaise: fromCustomerFunds,
    chargeReductionPaise: chargeReduction,
    commissionReductionPaise: booking.commissionPaise - commissionAfter,
    chargedAfterPaise: chargedAfter,
    commissionAfterPaise: commissionAfter,
  };
}
