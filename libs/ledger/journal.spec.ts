import * as fc from 'fast-check';

import { balances, journalEntry, JournalLine, UnbalancedEntryError } from './journal';
import {
  capturePosting,
  payoutPosting,
  payoutReversalPosting,
  refundPosting,
  SettleableBooking,
  settleablePosting,
  settlementPosting,
  shopNetPaise,
} from './postings';

const SHOP = '00000000-0000-4000-8000-000000000001';
const paise = fc.integer({ min: 0, max: 10_000_000 });
const sum = (lines: readonly JournalLine[]) => lines.reduce((total, line) => total + line.amountPaise, 0);

const booking = fc
  .record<SettleableBooking>({
    id: fc.uuid(),
    shopId: fc.constant(SHOP),
    paymentMethod: fc.constantFrom('ONLINE', 'PAY_AT_SHOP'),
    paymentStatus: fc.constantFrom('unpaid', 'paid', 'refund_pending', 'refunded', 'partially_refunded'),
    chargedPaise: fc.integer({ min: 100, max: 5_000_000 }),
    commissionPaise: fc.integer({ min: 0, max: 100 }),
  })
  .map((b) => ({ ...b, commissionPaise: Math.min(b.commissionPaise * 100, b.chargedPaise) }));

describe('journalEntry', () => {
  it('accepts balanced lines and drops zero lines', () => {
    const entry = journalEntry('capture', 'p1', null, [
      { account: 'provider_cash', shopId: null, amountPaise: 500 },
      { account: 'customer_funds', shopId: null, amountPaise: -500 },
      { account: 'commission_revenue', shopId: null, amountPaise: 0 },
    ]);
    expect(entry?.lines).toHaveLength(2);
    expect(Object.isFrozen(entry)).toBe(true);
  });

  it('returns null when every line is zero', () => {
    expect(
      journalEntry('settlement', 's1', SHOP, [
        { account: 'shop_unsettled', shopId: SHOP, amountPaise: 0 },
        { account: 'shop_payable', shopId: SHOP, amountPaise: 0 },
      ]),
    ).toBeNull();
  });

  it('refuses any set of lines that does not sum to zero', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 6 }),
        (amounts) => {
          fc.pre(amounts.reduce((a, b) => a + b, 0) !== 0);
          const lines = amounts.map((amountPaise) => ({
            account: 'provider_cash' as const,
            shopId: null,
            amountPaise,
          }));
          expect(() => journalEntry('capture', 'x', null, lines)).toThrow(UnbalancedEntryError);
        },
      ),
    );
  });

  it('refuses fractions of a paisa and unsafe integers', () => {
    for (const amountPaise of [0.5, Number.MAX_SAFE_INTEGER + 1, NaN]) {
      expect(() =>
        journalEntry('capture', 'x', null, [
          { account: 'provider_cash', shopId: null, amountPaise },
          { account: 'customer_funds', shopId: null, amountPaise: -amountPaise },
        ]),
      ).toThrow(RangeError);
    }
  });

  it('requires a shop on shop accounts and refuses one elsewhere', () => {
    expect(() =>
      journalEntry('settlement', 's', SHOP, [
        { account: 'shop_unsettled', shopId: null, amountPaise: 1 },
        { account: 'shop_payable', shopId: SHOP, amountPaise: -1 },
      ]),
    ).toThrow(/needs a shop/);
    expect(() =>
      journalEntry('capture', 'p', SHOP, [
        { account: 'provider_cash', shopId: SHOP, amountPaise: 1 },
        { account: 'customer_funds', shopId: null, amountPaise: -1 },
      ]),
    ).toThrow(/must not have a shop/);
  });
});

/** A refund of money the platform still held for the customer (before the booking was charged for it). */
const allFromCustomerFunds = (amount: number) => ({
  fromCustomerFundsPaise: amount,
  chargeReductionPaise: 0,
  commissionReductionPaise: 0,
});

describe('postings', () => {
  it('every posting balances, for any amounts', () => {
    fc.assert(
      fc.property(booking, paise, fc.integer({ min: -10_000_000, max: 10_000_000 }), (b, amount, net) => {
        for (const entry of [
          capturePosting('p', SHOP, amount),
          refundPosting('p', SHOP, amount, allFromCustomerFunds(amount), false),
          settleablePosting(b),
          settlementPosting('s', SHOP, net),
          payoutPosting('o', SHOP, amount),
          payoutReversalPosting('o', SHOP, amount),
        ]) {
          if (entry) expect(sum(entry.lines)).toBe(0);
        }
      }),
    );
  });

  it('a paid online booking owes the shop amount less commission; pay-at-shop makes the shop owe the commission', () => {
    const base = { id: 'b', shopId: SHOP, chargedPaise: 50_000, commissionPaise: 5_000 };
    expect(shopNetPaise({ ...base, paymentMethod: 'ONLINE', paymentStatus: 'paid' })).toBe(45_000);
    expect(shopNetPaise({ ...base, paymentMethod: 'PAY_AT_SHOP', paymentStatus: 'unpaid' })).toBe(-5_000);
    // A kept fee of a refunded-in-part booking: the shop gets the fee less its commission.
    const fee = { ...base, chargedPaise: 10_000, commissionPaise: 1_000 };
    expect(shopNetPaise({ ...fee, paymentMethod: 'ONLINE', paymentStatus: 'partially_refunded' })).toBe(
      9_000,
    );
    expect(shopNetPaise({ ...fee, paymentMethod: 'ONLINE', paymentStatus: 'refund_pending' })).toBe(9_000);
  });

  it('capture, settleable, settlement and payout leave the shop with nothing owed and the platform its commission', () => {
    fc.assert(
      fc.property(
        fc
          .array(booking, { minLength: 1, maxLength: 20 })
          .map((bookings) =>
            bookings.map((b) => ({ ...b, paymentMethod: 'ONLINE' as const, paymentStatus: 'paid' as const })),
          ),
        (bookings) => {
          const entries = [
            ...bookings.map((b) => capturePosting(`pay-${b.id}`, SHOP, b.chargedPaise)),
            ...bookings.map(settleablePosting),
          ];
          const net = bookings.reduce((total, b) => total + shopNetPaise(b), 0);
          const commission = bookings.reduce((total, b) => total + b.commissionPaise, 0);
          entries.push(settlementPosting('s', SHOP, net), payoutPosting('o', SHOP, net));
          const result = balances(entries.flatMap((entry) => entry?.lines ?? []));
          expect(result.get('customer_funds') ?? 0).toBe(0);
          expect(result.get(`shop_unsettled:${SHOP}`) ?? 0).toBe(0);
          expect(result.get(`shop_payable:${SHOP}`) ?? 0).toBe(0);
          // Revenue is a credit: its balance plus the commission is zero (avoiding -0 for a zero commission).
          expect((result.get('commission_revenue') ?? 0) + commission).toBe(0);
          expect(result.get('provider_cash') ?? 0).toBe(commission);
        },
      ),
    );
  });

  it('a refund reverses its capture exactly', () => {
    fc.assert(
      fc.property(paise, (amount) => {
        const lines = [
          capturePosting('p', SHOP, amount),
          refundPosting('p', SHOP, amount, allFromCustomerFunds(amount), false),
        ].flatMap((entry) => entry?.lines ?? []);
        for (const balance of balances(lines).values()) expect(balance).toBe(0);
      }),
    );
  });

  it('a payout reversal undoes its payout exactly', () => {
    const lines = [payoutPosting('o', SHOP, 12_345), payoutReversalPosting('o', SHOP, 12_345)].flatMap(
      (entry) => entry?.lines ?? [],
    );
    for (const balance of balances(lines).values()) expect(balance).toBe(0);
  });
});
