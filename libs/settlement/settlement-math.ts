import { onlineCollectedPaise, SettleableBooking, shopNetPaise } from '../ledger/postings';
import { sumPaise } from '../money/money';

export interface SettlementTotals {
  bookingCount: number;
  onlineCollectedPaise: number;
  commissionPaise: number;
  /** onlineCollectedPaise - commissionPaise: positive, the platform owes the shop; negative, the shop owes it. */
  netPayablePaise: number;
}

/** The totals of one shop's settlement over the bookings it takes. */
export function settlementTotals(bookings: readonly SettleableBooking[]): SettlementTotals {
  const online = sumPaise(bookings.map(onlineCollectedPaise));
  const commission = sumPaise(bookings.map((booking) => booking.commissionPaise));
  const net = sumPaise(bookings.map(shopNetPaise));
  if (net !== online - commission) throw new Error('settlement net does not equal online less commission');
  return {
    bookingCount: bookings.length,
    onlineCollectedPaise: online,
    commissionPaise: commission,
    netPayablePaise: net,
  };
}

/** Razorpay refuses a transfer under INR 1.00: a smaller balance stays payable until it grows. */
export const MIN_PAYOUT_PAISE = 100;

/**
 * How much to pay a shop: its whole payable balance (`shop_payable`, after any settlement being made), which
 * includes the money of earlier failed payouts (reversed back to payable) and nets settled before the shop linked
 * its payout account. A pending payout's amount has already left the balance (its ledger entry is posted with it),
 * so paying the balance never pays the same money twice. A debt (negative balance) pays nothing and is recovered
 * from later nets; a balance under MIN_PAYOUT_PAISE waits.
 */
export function payoutAmountPaise(payableBalancePaise: number): number {
  if (!Number.isSafeInteger(payableBalancePaise))
    throw new Error('a payable balance is a whole number of paise');
  return payableBalancePaise >= MIN_PAYOUT_PAISE ? payableBalancePaise : 0;
}

/**
 * What a settlement takes: completed bookings, and no-shows and cancellations that kept a fee. The partial index
 * `bookings_settleable_idx` and the settlement's claim have the same condition.
 */
export function isSettleable(booking: { status: string; chargedPaise: number }): boolean {
  return (
    booking.status === 'completed' ||
    ((booking.status === 'no_show' || booking.status === 'cancelled') && booking.chargedPaise > 0)
  );
}
