import * as fc from 'fast-check';

import { commissionPaise, sumPaise } from './money';

describe('commissionPaise', () => {
  it.each([
    [10_000, 1000, 1000],
    [12_345, 1000, 1235], // 1234.5 rounds half away from zero
    [12_344, 1000, 1234],
    [99, 1000, 10], // 9.9
    [5, 1000, 1], // 0.5
    [4, 1000, 0],
    [0, 1000, 0],
    [50_000, 0, 0],
    [50_000, 10_000, 50_000],
    [-12_345, 1000, -1235], // a reversal mirrors its posting
  ])('commission on %i paise at %i bps is %i', (amount, bps, expected) => {
    expect(commissionPaise(amount, bps)).toBe(expected);
  });

  it('equals the exact rational rounded half away from zero, for every amount and rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e11, max: 1e11 }),
        fc.integer({ min: 0, max: 10_000 }),
        (amount, bps) => {
          // Reference in exact integer arithmetic (|amount * bps| < 2^53): quotient and remainder by 10000.
          const product = amount * bps;
          const remainder = product % 10_000;
          const quotient = (product - remainder) / 10_000;
          const expected = quotient + (Math.abs(remainder) * 2 >= 10_000 ? Math.sign(product) : 0);
          expect(commissionPaise(amount, bps)).toBe(expected + 0);
        },
      ),
    );
  });

  it('never exceeds the amount and never goes negative for a positive amount', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 10_000 }),
        (a, b) => {
          const commission = commissionPaise(a, b);
          expect(commission).toBeGreaterThanOrEqual(0);
          expect(commission).toBeLessThanOrEqual(a);
          expect(Number.isSafeInteger(commission)).toBe(true);
        },
      ),
    );
  });

  it('is monotonic in the rate', () => {
    fc.assert(
      fc.property(fc.nat(1e9), fc.integer({ min: 0, max: 9_999 }), (amount, bps) => {
        expect(commissionPaise(amount, bps + 1)).toBeGreaterThanOrEqual(commissionPaise(amount, bps));
      }),
    );
  });

  it.each([
    [10.5, 1000],
    [Number.NaN, 1000],
    [Number.MAX_SAFE_INTEGER + 2, 1000],
    [100, -1],
    [100, 10_001],
    [100, 12.5],
  ])('refuses %p paise at %p bps', (amount, bps) => {
    expect(() => commissionPaise(amount, bps)).toThrow(RangeError);
  });
});

describe('sumPaise', () => {
  it('adds integer amounts exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e12, max: 1e12 }), { maxLength: 50 }), (amounts) => {
        expect(sumPaise(amounts)).toBe(amounts.reduce((a, b) => a + b, 0));
      }),
    );
  });

  it('refuses fractions and overflow', () => {
    expect(() => sumPaise([1, 2.5])).toThrow(RangeError);
    expect(() => sumPaise([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });
});
