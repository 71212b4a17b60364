import * as fc from 'fast-check';

import { SettleableBooking } from '../ledger/postings';
import { isSettleable, MIN_PAYOUT_PAISE, payoutAmountPaise, settlementTotals } from './settlement-math';

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
  it('pays the whole payable balance', () => {
    expect(payoutAmountPaise(10_000)).toBe(10_000);
    // A failed payout's 27000 reversed back to payable, plus a new net of 13500.
    expect(payoutAmountPaise(27_000 + 13_500)).toBe(40_500);
    expect(payoutAmountPaise(MIN_PAYOUT_PAISE)).toBe(MIN_PAYOUT_PAISE);
  });

  it('pays nothing for a debt, a zero balance, or one under the provider minimum', () => {
    expect(payoutAmountPaise(0)).toBe(0);
    expect(payoutAmountPaise(-4_000)).toBe(0);
    expect(payoutAmountPaise(MIN_PAYOUT_PAISE - 1)).toBe(0);
  });

  it('refuses a balance that is not a whole number of paise', () => {
    expect(() => payoutAmountPaise(10.5)).toThrow();
    expect(() => payoutAmountPaise(Number.NaN)).toThrow();
  });

  it('never pays more than the payable balance, never a negative amount, and all of it once it is payable', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }), (balance) => {
        const amount = payoutAmountPaise(balance);
        expect(amount).toBeGreaterThanOrEqual(0);
        expect(amount).toBeLessThanOrEqual(Math.max(0, balance));
        expect(amount === 0 || amount === balance).toBe(true);
        if (balance >= MIN_PAYOUT_PAISE) expect(amount).toBe(balance);
      }),
    );
  });

  it('over any history of nets and payout outcomes, pays each paisa owed once: in flight never exceeds what is owed', () => {
    // Each step settles a net (positive or a debt) and pays the balance; earlier payouts fail or succeed meanwhile.
    const step = fc.record({
      net: fc.integer({ min: -50_000, max: 200_000 }),
      outcomes: fc.array(fc.constantFrom('paid', 'failed', 'pending'), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let payable = 0;
        let settled = 0;
        let paid = 0;
        const pending: number[] = [];
        for (const { net, outcomes } of steps) {
          for (const outcome of outcomes) {
            const amount = pending.shift();
            if (amount === undefined) break;
            if (outcome === 'paid') paid += amount;
            else if (outcome === 'failed') payable += amount;
            else pending.push(amount);
          }
          settled += net;
          payable += net;
          const amount = payoutAmountPaise(payable);
          expect(amount).toBeLessThanOrEqual(Math.max(0, payable));
          if (amount > 0) {
            pending.push(amount);
            payable -= amount;
          }
          const inFlight = pending.reduce((sum, a) => sum + a, 0);
          // What is owed is settled less what was paid; in flight plus what is still payable is exactly that.
          expect(inFlight + payable).toBe(settled - paid);
          // After a run, nothing payable is left behind but a debt or less than the minimum.
          expect(payable).toBeLessThan(MIN_PAYOUT_PAISE);
        }
      }),
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
