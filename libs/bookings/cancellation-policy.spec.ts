import fc from 'fast-check';

import { commissionPaise } from '../money/money';
import {
  BookingOutcome,
  CancellationPolicy,
  DEFAULT_CANCELLATION_POLICY,
  freeCancellationDeadline,
  moneyOutcome,
  OutcomeInput,
} from './cancellation-policy';

const HOUR = 3_600_000;
const startsAt = Date.parse('2026-12-10T10:00:00+05:30');
const policy = (overrides: Partial<CancellationPolicy> = {}) => ({
  ...DEFAULT_CANCELLATION_POLICY,
  ...overrides,
});
const paidOnline = (amountPaise: number, p = policy()): OutcomeInput => ({
  amountPaise,
  paidOnline: true,
  paidOnlinePaise: amountPaise,
  startsAt,
  policy: p,
  commissionBps: 1000,
});

describe('cancellation policy: what a booking costs when it ends', () => {
  it('has the defaults of the contract', () => {
    expect(DEFAULT_CANCELLATION_POLICY).toEqual({
      freeCancellationHours: 24,
      lateCancellationFeeBps: 0,
      noShowFeeBps: 10_000,
    });
  });

  it('refunds in full a customer who cancels at least the free window before the start', () => {
    const input = paidOnline(50_000, policy({ lateCancellationFeeBps: 5000 }));
    const atDeadline = freeCancellationDeadline(startsAt, input.policy);
    expect(moneyOutcome(input, { kind: 'cancelled', by: 'customer', at: atDeadline })).toEqual({
      chargedPaise: 0,
      refundPaise: 50_000,
      commissionPaise: 0,
      fee: 'none',
    });
    expect(moneyOutcome(input, { kind: 'cancelled', by: 'customer', at: atDeadline + 1 })).toEqual({
      chargedPaise: 25_000,
      refundPaise: 25_000,
      commissionPaise: 2_500,
      fee: 'late_cancellation',
    });
  });

  it('refunds in full whatever the time when the shop or an admin cancels', () => {
    const input = paidOnline(50_000, policy({ lateCancellationFeeBps: 10_000 }));
    for (const by of ['shop_owner', 'admin'] as const) {
      expect(moneyOutcome(input, { kind: 'cancelled', by, at: startsAt + HOUR })).toMatchObject({
        chargedPaise: 0,
        refundPaise: 50_000,
      });
    }
  });

  it('keeps the no-show fee and refunds the rest; by default a no-show keeps everything', () => {
    expect(moneyOutcome(paidOnline(30_000), { kind: 'no_show' })).toEqual({
      chargedPaise: 30_000,
      refundPaise: 0,
      commissionPaise: 3_000,
      fee: 'no_show',
    });
    // Half a paisa rounds away from zero: 30,001 x 50 % = 15,000.5 -> 15,001 kept, 15,000 back.
    expect(moneyOutcome(paidOnline(30_001, policy({ noShowFeeBps: 5000 })), { kind: 'no_show' })).toEqual({
      chargedPaise: 15_001,
      refundPaise: 15_000,
      commissionPaise: 1_500,
      fee: 'no_show',
    });
  });

  it('keeps fees only from money paid online: an unpaid booking that ends late or not shown costs nothing', () => {
    const unpaid = {
      ...paidOnline(40_000, policy({ lateCancellationFeeBps: 5000 })),
      paidOnline: false,
      paidOnlinePaise: 0,
    };
    for (const outcome of [
      { kind: 'no_show' },
      { kind: 'cancelled', by: 'customer', at: startsAt - HOUR },
      { kind: 'expired' },
    ] as BookingOutcome[]) {
      expect(moneyOutcome(unpaid, outcome)).toEqual({
        chargedPaise: 0,
        refundPaise: 0,
        commissionPaise: 0,
        fee: 'none',
      });
    }
    // Paid at the shop and completed: the amount is charged (the shop collected it), nothing to refund.
    expect(moneyOutcome(unpaid, { kind: 'completed' })).toEqual({
      chargedPaise: 40_000,
      refundPaise: 0,
      commissionPaise: 4_000,
      fee: 'none',
    });
  });

  it('for any booking and ending: refunded + kept = paid, nothing negative, commission on what was kept', () => {
    const outcomes: fc.Arbitrary<BookingOutcome> = fc.oneof(
      fc.constant({ kind: 'completed' } as const),
      fc.constant({ kind: 'no_show' } as const),
      fc.constant({ kind: 'expired' } as const),
      fc.record({
        kind: fc.constant('cancelled' as const),
        by: fc.constantFrom('customer', 'shop_owner', 'admin') as fc.Arbitrary<
          'customer' | 'shop_owner' | 'admin'
        >,
        at: fc.integer({ min: startsAt - 200 * HOUR, max: startsAt + HOUR }),
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 10_000_000 }),
        fc.boolean(),
        fc.record({
          freeCancellationHours: fc.integer({ min: 0, max: 168 }),
          lateCancellationFeeBps: fc.integer({ min: 0, max: 10_000 }),
          noShowFeeBps: fc.integer({ min: 0, max: 10_000 }),
        }),
        fc.integer({ min: 0, max: 10_000 }),
        outcomes,
        (amountPaise, online, p, commissionBps, outcome) => {
          const paid = online ? amountPaise : 0;
          const input = {
            amountPaise,
            paidOnline: online,
            paidOnlinePaise: paid,
            startsAt,
            policy: p,
            commissionBps,
          };
          const result = moneyOutcome(input, outcome);
          expect(result.chargedPaise).toBeGreaterThanOrEqual(0);
          expect(result.refundPaise).toBeGreaterThanOrEqual(0);
          expect(Number.isSafeInteger(result.chargedPaise) && Number.isSafeInteger(result.refundPaise)).toBe(
            true,
          );
          if (outcome.kind === 'completed') {
            expect(result).toMatchObject({ chargedPaise: amountPaise, refundPaise: 0 });
          } else {
            expect(result.refundPaise + result.chargedPaise).toBe(paid);
          }
          expect(result.chargedPaise).toBeLessThanOrEqual(amountPaise);
          expect(result.commissionPaise).toBe(commissionPaise(result.chargedPaise, commissionBps));
          expect(result.commissionPaise).toBeLessThanOrEqual(result.chargedPaise);
          if (!online && outcome.kind !== 'completed') expect(result.chargedPaise).toBe(0);
          if (outcome.kind === 'cancelled' && outcome.by !== 'customer') expect(result.chargedPaise).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('charges nothing for a booking paid online, refunded in full, then completed', () => {
    const refunded = { ...paidOnline(30_000), paidOnlinePaise: 0 };
    expect(moneyOutcome(refunded, { kind: 'completed' })).toEqual({
      chargedPaise: 0,
      refundPaise: 0,
      commissionPaise: 0,
      fee: 'none',
    });
    expect(
      moneyOutcome({ ...paidOnline(30_000), paidOnlinePaise: 20_000 }, { kind: 'completed' }),
    ).toMatchObject({
      chargedPaise: 20_000,
      refundPaise: 0,
    });
  });

  it('refuses amounts that are not whole paise and paid amounts above the price', () => {
    expect(() => moneyOutcome({ ...paidOnline(100), amountPaise: 100.5 }, { kind: 'completed' })).toThrow(
      RangeError,
    );
    expect(() => moneyOutcome({ ...paidOnline(100), paidOnlinePaise: 101 }, { kind: 'no_show' })).toThrow(
      RangeError,
    );
  });
});
