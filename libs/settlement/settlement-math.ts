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

/**
 * How much of a settlement to pay out. `payableBeforePaise` is the shop's payable balance before this settlement
 * (negative: a debt carried forward from earlier settlements). A debt is recovered from the next positive net
 * before anything is paid; a negative net pays nothing and stays as debt.
 */
export function payoutAmountPaise(netPaise: number, payableBeforePaise: number): number {
  if (netPaise <= 0) return 0;
  return Math.max(0, Math.min(netPaise, payableBeforePaise + netPaise));
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
