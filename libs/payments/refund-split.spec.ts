import fc from 'fast-check';

import { JournalLine } from '../ledger/journal';
import { capturePosting, refundPosting, settleablePosting } from '../ledger/postings';
import { commissionPaise } from '../money/money';
import { RefundedBooking, RefundExceedsCaptureError, splitRefund } from './refund-split';

const SHOP = 'shop-1';
const balances = (lines: readonly JournalLine[]) => {
  const result = new Map<string, number>();
  for (const line of lines) {
    const key = `${line.account}:${line.shopId ?? ''}`;
    result.set(key, (result.get(key) ?? 0) + line.amountPaise);
  }
  return result;
};

const completed = (paidPaise: number, overrides: Partial<RefundedBooking> = {}): RefundedBooking => ({
  paidPaise,
  refundedBeforePaise: 0,
  chargedPaise: paidPaise,
  commissionPaise: commissionPaise(paidPaise, 1000),
  commissionBps: 1000,
  chargePosted: true,
  live: false,
  ...overrides,
});

describe('splitRefund', () => {
  it('gives back what the platform held for the customer first: the refund a late cancellation asks for', () => {
    // Paid 30,000, cancelled late: 7,500 kept (posted), 22,500 to give back.
    const booking = completed(30_000, { chargedPaise: 7_500, commissionPaise: 750 });
    expect(splitRefund(booking, 22_500)).toEqual({
      fromCustomerFundsPaise: 22_500,
      chargeReductionPaise: 0,
      commissionReductionPaise: 0,
      chargedAfterPaise: 7_500,
      commissionAfterPaise: 750,
    });
  });

  it('takes a goodwill refund of a completed booking off its charge, the shop share and the commission', () => {
    expect(splitRefund(completed(30_000), 10_000)).toEqual({
      fromCustomerFundsPaise: 0,
      chargeReductionPaise: 10_000,
      commissionReductionPaise: 1_000,
      chargedAfterPaise: 20_000,
      commissionAfterPaise: 2_000,
    });
  });

  it('lowers the future charge of a live booking, from customer funds', () => {
    const live = completed(30_000, { chargePosted: false, live: true });
    expect(splitRefund(live, 5_000)).toMatchObject({
      fromCustomerFundsPaise: 5_000,
      chargeReductionPaise: 0,
      chargedAfterPaise: 25_000,
      commissionAfterPaise: 2_500,
    });
  });

  it('refuses more than is left of the capture', () => {
    expect(() => splitRefund(completed(30_000, { refundedBeforePaise: 25_000 }), 5_001)).toThrow(
      RefundExceedsCaptureError,
    );
    expect(() => splitRefund(completed(30_000), 0)).toThrow(RangeError);
  });

  it('for any refunds of any booking: the ledger balances, customer funds never go below zero, and the books add up', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 5_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 1, max: 10_000 }), { maxLength: 5 }),
        (paid, keptBps, commissionBps, weights) => {
          // A booking paid online, ended keeping `keptBps` of it (posted), then refunded in several parts.
          const charged = commissionPaise(paid, keptBps);
          let booking: RefundedBooking = {
            paidPaise: paid,
            refundedBeforePaise: 0,
            chargedPaise: charged,
            commissionPaise: commissionPaise(charged, commissionBps),
            commissionBps,
            chargePosted: true,
            live: false,
          };
          const lines: JournalLine[] = [
            ...(capturePosting('p', SHOP, paid)?.lines ?? []),
            ...(settleablePosting({
              id: 'b',
              shopId: SHOP,
              paymentMethod: 'ONLINE',
              paymentStatus: 'paid',
              chargedPaise: booking.chargedPaise,
              commissionPaise: booking.commissionPaise,
            })?.lines ?? []),
          ];
          for (const [i, weight] of weights.entries()) {
            const left = paid - booking.refundedBeforePaise;
            const amount = Math.max(1, Math.min(left, Math.round((left * weight) / 10_000)));
            if (left <= 0) break;
            const split = splitRefund(booking, amount);
            expect(split.fromCustomerFundsPaise + split.chargeReductionPaise).toBe(amount);
            expect(split.chargedAfterPaise).toBeGreaterThanOrEqual(0);
            expect(split.commissionAfterPaise).toBe(commissionPaise(split.chargedAfterPaise, commissionBps));
            const entry = refundPosting(`r${i}`, SHOP, amount, split, false);
            if (entry) {
              expect(entry.lines.reduce((sum, line) => sum + line.amountPaise, 0)).toBe(0);
              lines.push(...entry.lines);
            }
            booking = {
              ...booking,
              refundedBeforePaise: booking.refundedBeforePaise + amount,
              chargedPaise: split.chargedAfterPaise,
              commissionPaise: split.commissionAfterPaise,
            };
            const funds = balances(lines).get('customer_funds:') ?? 0;
            expect(funds).toBeLessThanOrEqual(0);
          }
          const final = balances(lines);
          // The audit identity: captured = refunded + commission + owed to the shop (+ still held for the customer).
          const refunded = booking.refundedBeforePaise;
          const credit = (account: string) => 0 - (final.get(account) ?? 0);
          const commission = credit('commission_revenue:');
          const shop = credit(`shop_unsettled:${SHOP}`);
          const held = credit('customer_funds:');
          expect(paid).toBe(refunded + commission + shop + held);
          expect(commission).toBe(booking.commissionPaise);
          expect(shop).toBe(booking.chargedPaise - booking.commissionPaise);
          expect(held).toBe(paid - refunded - booking.chargedPaise);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
