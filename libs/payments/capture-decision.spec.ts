import * as fc from 'fast-check';

import { BOOKING_STATUSES } from '../bookings/booking-state';
import { BookingPaymentState, Capture, decideCapture } from './capture-decision';

const pending: BookingPaymentState = {
  status: 'pending_payment',
  paymentStatus: 'unpaid',
  amountPaise: 50_000,
  currency: 'INR',
  paymentId: null,
};
const capture: Capture = { paymentId: 'pay_1', amountPaise: 50_000, currency: 'INR' };

describe('decideCapture', () => {
  it('confirms a pending hold paid in full', () => {
    expect(decideCapture(pending, capture, false)).toEqual({ kind: 'confirm', revive: false });
  });

  it('revives an expired hold whose slot is still free', () => {
    expect(decideCapture({ ...pending, status: 'expired' }, capture, true)).toEqual({
      kind: 'confirm',
      revive: true,
    });
  });

  it('refunds an expired hold whose slot was taken', () => {
    expect(decideCapture({ ...pending, status: 'expired' }, capture, false)).toEqual({
      kind: 'refund',
      reason: 'slot_taken',
    });
  });

  it('refunds money that arrives for a booking cancelled meanwhile', () => {
    expect(decideCapture({ ...pending, status: 'cancelled' }, capture, true)).toEqual({
      kind: 'refund',
      reason: 'booking_cancelled',
    });
  });

  it('sends amount and currency mismatches to review', () => {
    expect(decideCapture(pending, { ...capture, amountPaise: 49_999 }, true)).toEqual({
      kind: 'review',
      reason: 'amount_mismatch',
    });
    expect(decideCapture(pending, { ...capture, currency: 'USD' }, true)).toEqual({
      kind: 'review',
      reason: 'currency_mismatch',
    });
  });

  it('applies one payment once, and never a second payment over the first', () => {
    const paid: BookingPaymentState = {
      ...pending,
      status: 'upcoming',
      paymentStatus: 'paid',
      paymentId: 'pay_1',
    };
    expect(decideCapture(paid, capture, true)).toEqual({ kind: 'already_applied' });
    expect(decideCapture(paid, { ...capture, paymentId: 'pay_2' }, true)).toEqual({
      kind: 'review',
      reason: 'second_payment',
    });
  });

  it('only confirms a matching payment on an unpaid pending or expired booking', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BOOKING_STATUSES),
        fc.option(fc.constantFrom('pay_1', 'pay_2'), { nil: null }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom('INR', 'USD'),
        fc.boolean(),
        (status, paymentId, amountPaise, currency, slotFree) => {
          const decision = decideCapture(
            { ...pending, status, paymentId },
            { paymentId: 'pay_1', amountPaise, currency },
            slotFree,
          );
          if (decision.kind === 'confirm') {
            expect(paymentId).toBeNull();
            expect(amountPaise).toBe(pending.amountPaise);
            expect(currency).toBe('INR');
            expect(['pending_payment', 'expired']).toContain(status);
            expect(decision.revive).toBe(status === 'expired');
            if (status === 'expired') expect(slotFree).toBe(true);
          }
        },
      ),
    );
  });
});
