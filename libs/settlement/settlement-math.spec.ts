import * as fc from 'fast-check';

import { SettleableBooking } from '../ledger/postings';
import { isSettleable, payoutAmountPaise, settlementTotals } from './settlement-math';

const booking = fc
  .record<SettleableBooking>({
    id: fc.uuid(),
    shopId: fc.constant('shop'),
    paymentMethod: fc.constantFrom('ONLINE', 'PAY_AT_SHOP'),
    paymentStatus: fc.constantFrom('unpaid', 'paid'),
    chargedPaise: fc.integer({ min: 100, max: 5_000_000 }),
    commissionPaise: fc.integer({ min: 0, max: 5_000_000 }),
  })
  .map((b) => ({
    ...b,
    paymentStatus: b.paymentMethod === 'PAY_AT_SHOP' ? ('unpaid' as const) : b.paymentStatus,
    commissionPaise: Math.min(b.commissionPaise, b.chargedPaise),
  }));

describe('settlementTotals', () => {
  it('computes a worked example', () => {
    const totals = settlementTotals([
      {
        id: 'a',
        shopId: 's',
        paymentMethod: 'ONLINE',
        paymentStatus: 'paid',
        chargedPaise: 50_000,
        commissionPaise: 5_000,
      },
      {
        id: 'b',
        shopId: 's',
        paymentMethod: 'ONLINE',
        paymentStatus: 'paid',
        chargedPaise: 30_000,
        commissionPaise: 3_000,
      },
      {
        id: 'c',
        shopId: 's',
        paymentMethod: 'PAY_AT_SHOP',
        paymentStatus: 'unpaid',
        chargedPaise: 40_000,
        commissionPaise: 4_000,
      },
    ]);
    expect(totals).toEqual({
      bookingCount: 3,
      onlineCollectedPaise: 80_000,
      commissionPaise: 12_000,
      netPayablePaise: 68_000,
    });
  });

  it('is zero for no bookings', () => {
    expect(settlementTotals([])).toEqual({
      bookingCount: 0,
      onlineCollectedPaise: 0,
      commissionPaise: 0,
      netPayablePaise: 0,
    });
  });

  it('net is always online collected less commission, and does not depend on order', () => {
    fc.assert(
      fc.property(fc.array(booking, { maxLength: 50 }), (bookings) => {
        const totals = settlementTotals(bookings);
        expect(totals.netPayablePaise).toBe(totals.onlineCollectedPaise - totals.commissionPaise);
        expect(settlementTotals([...bookings].reverse())).toEqual(totals);
        expect(totals.bookingCount).toBe(bookings.length);
      }),
    );
  });

  it('is additive: settling two batches separately gives the same totals as together', () => {
    fc.assert(
      fc.property(fc.array(booking, { maxLength: 30 }), fc.array(booking, { maxLength: 30 }), (a, b) => {
        const [x, y, both] = [settlementTotals(a), settlementTotals(b), settlementTotals([...a, ...b])];
        expect(both.netPayablePaise).toBe(x.netPayablePaise + y.netPayablePaise);
        expect(both.commissionPaise).toBe(x.commissionPaise + y.commissionPaise);
      }),
    );
  });
});

describe('payoutAmountPaise', () => {
  it('pays a positive net in full when there is no debt', () => {
    expect(payoutAmountPaise(10_000, 0)).toBe(10_000);
    expect(payoutAmountPaise(10_000, 2_500)).toBe(10_000);
  });

  it('pays nothing for a zero or negative net', () => {
    expect(payoutAmountPaise(0, 0)).toBe(0);
    expect(payoutAmountPaise(-4_000, 10_000)).toBe(0);
  });

  it('recovers a carried debt before paying', () => {
    expect(payoutAmountPaise(10_000, -4_000)).toBe(6_000);
    expect(payoutAmountPaise(10_000, -12_000)).toBe(0);
  });

  it('never pays more than the net, never less than zero, never more than what is payable', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        (net, before) => {
          const amount = payoutAmountPaise(net, before);
          expect(amount).toBeGreaterThanOrEqual(0);
          expect(amount).toBeLessThanOrEqual(Math.max(0, net));
          expect(amount).toBeLessThanOrEqual(Math.max(0, before + net));
        },
      ),
    );
  });
});

describe('isSettleable', () => {
  // Issue 16: no-shows and cancellations are settled when they kept a fee (chargedPaise > 0), whatever was paid.
  it.each([
    ['completed', 30_000, true],
    ['no_show', 30_000, true],
    ['no_show', 0, false],
    ['cancelled', 5_000, true],
    ['cancelled', 0, false],
    ['upcoming', 30_000, false],
    ['expired', 0, false],
    ['pending_payment', 0, false],
  ])('%s charged %i -> %s', (status, chargedPaise, expected) => {
    expect(isSettleable({ status, chargedPaise })).toBe(expected);
  });
});
