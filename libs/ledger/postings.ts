import { PaymentMethod, PaymentStatus } from '../payments/payment-status';
import { JournalEntry, journalEntry } from './journal';

/** What the ledger needs to know about a booking that has become settleable. */
export interface SettleableBooking {
  id: string;
  shopId: string;
  paymentMethod: PaymentMethod;
  paymentStatus: PaymentStatus;
  /** What the customer finally pays: the amount of a completed booking, or a kept fee. */
  chargedPaise: number;
  commissionPaise: number;
}

/** Money a customer paid arrived at the provider. */
export function capturePosting(paymentId: string, shopId: string, amountPaise: number): JournalEntry | null {
  return journalEntry('capture', paymentId, shopId, [
    { account: 'provider_cash', shopId: null, amountPaise },
    { account: 'customer_funds', shopId: null, amountPaise: -amountPaise },
  ]);
}

/**
 * A refund left the provider account: what the platform held for the customer goes back first; the rest comes off
 * the booking's charge, out of the shop's share (still unsettled, or already payable and so recovered from the next
 * payouts) and the commission on it (see splitRefund in libs/payments).
 */
export function refundPosting(
  refundId: string,
  shopId: string,
  amountPaise: number,
  split: { fromCustomerFundsPaise: number; chargeReductionPaise: number; commissionReductionPaise: number },
  settled: boolean,
): JournalEntry | null {
  const shopShare = split.chargeReductionPaise - split.commissionReductionPaise;
  return journalEntry('refund', refundId, shopId, [
    { account: 'customer_funds', shopId: null, amountPaise: split.fromCustomerFundsPaise },
    { account: 'provider_cash', shopId: null, amountPaise: -amountPaise },
    { account: 'commission_revenue', shopId: null, amountPaise: split.commissionReductionPaise },
    { account: settled ? 'shop_payable' : 'shop_unsettled', shopId, amountPaise: shopShare },
  ]);
}

/**
 * What a settleable booking is worth to its shop: paid online, what was charged less commission (the platform
 * holds the money; a refund of the rest went back to the customer); paid at the shop, minus the commission (the
 * shop holds the money and owes it).
 */
export function shopNetPaise(booking: SettleableBooking): number {
  return paidOnline(booking) ? booking.chargedPaise - booking.commissionPaise : -booking.commissionPaise;
}

/** The money a booking brought in through the provider and kept (0 when paid at the shop). */
export function onlineCollectedPaise(booking: SettleableBooking): number {
  return paidOnline(booking) ? booking.chargedPaise : 0;
}

/** Paid online: the capture happened; what is not charged of it is (being) refunded. */
function paidOnline(booking: SettleableBooking): boolean {
  return booking.paymentMethod === 'ONLINE' && booking.paymentStatus !== 'unpaid';
}

/** A booking became settleable (completed, or a paid no-show): the shop's share and the commission accrue. */
export function settleablePosting(booking: SettleableBooking): JournalEntry | null {
  const online = onlineCollectedPaise(booking);
  return journalEntry('booking_settleable', booking.id, booking.shopId, [
    { account: 'customer_funds', shopId: null, amountPaise: online },
    { account: 'shop_unsettled', shopId: booking.shopId, amountPaise: -shopNetPaise(booking) },
    { account: 'commission_revenue', shopId: null, amountPaise: -booking.commissionPaise },
  ]);
}

/** A settlement took a shop's unsettled net: it moves to what is payable (or owed, when negative). */
export function settlementPosting(
  settlementId: string,
  shopId: string,
  netPaise: number,
): JournalEntry | null {
  return journalEntry('settlement', settlementId, shopId, [
    { account: 'shop_unsettled', shopId, amountPaise: netPaise },
    { account: 'shop_payable', shopId, amountPaise: -netPaise },
  ]);
}

/** A payout left the provider account for the shop. */
export function payoutPosting(payoutId: string, shopId: string, amountPaise: number): JournalEntry | null {
  return journalEntry('payout', payoutId, shopId, [
    { account: 'shop_payable', shopId, amountPaise },
    { account: 'provider_cash', shopId: null, amountPaise: -amountPaise },
  ]);
}

/** A payout failed: the money is back at the provider and payable again. */
export function payoutReversalPosting(
  payoutId: string,
  shopId: string,
  amountPaise: number,
): JournalEntry | null {
  return journalEntry('payout_reversal', payoutId, shopId, [
    { account: 'provider_cash', shopId: null, amountPaise },
    { account: 'shop_payable', shopId, amountPaise: -amountPaise },
  ]);
}
