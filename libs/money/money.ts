/**
 * Money is an integer number of paise everywhere in HairOne. These helpers refuse anything else, so a float or
 * a rupee amount can never slip into a price, a commission or a settlement.
 */
export const BASIS_POINTS_PER_UNIT = 10_000;

export function assertPaise(value: number, name = 'amount'): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a whole number of paise, got ${value}`);
  }
}

export function assertBasisPoints(value: number, name = 'basis points'): void {
  if (!Number.isInteger(value) || value < 0 || value > BASIS_POINTS_PER_UNIT) {
    throw new RangeError(`${name} must be an integer from 0 to ${BASIS_POINTS_PER_UNIT}, got ${value}`);
  }
}

/**
 * The platform's commission on an amount: round(amountPaise * bps / 10000), halves rounded away from zero,
 * computed in integers (BigInt) so that no amount is large enough to lose precision.
 */
export function commissionPaise(amountPaise: number, commissionBps: number): number {
  assertPaise(amountPaise, 'amountPaise');
  assertBasisPoints(commissionBps, 'commissionBps');
  const product = BigInt(amountPaise) * BigInt(commissionBps);
  const divisor = BigInt(BASIS_POINTS_PER_UNIT);
  const magnitude = product < 0n ? -product : product;
  const rounded = (magnitude * 2n + divisor) / (divisor * 2n);
  return Number(product < 0n ? -rounded : rounded);
}

/** Sums paise amounts, refusing non-integers and totals beyond the safe integer range. */
export function sumPaise(amounts: readonly number[]): number {
  let total = 0n;
  for (const amount of amounts) {
    assertPaise(amount);
    total += BigInt(amount);
  }
  const result = Number(total);
  assertPaise(result, 'total');
  return result;
}

/** HairOne charges in one currency. */
export const PLATFORM_CURRENCY = 'INR';
