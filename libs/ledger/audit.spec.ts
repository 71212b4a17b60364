import fc from 'fast-check';

import { commissionPaise } from '../money/money';
import { splitRefund } from '../payments/refund-split';
import { AuditFigures, auditFigures, LedgerFigures } from './audit';
import { JournalEntry } from './journal';
import {
  capturePosting,
  payoutPosting,
  payoutReversalPosting,
  refundPosting,
  settleablePosting,
  settlementPosting,
} from './postings';

const SHOPS = ['shop-a', 'shop-b'];

/** The ledger's figures, as the audit's SQL reads them, from a list of entries. */
function figures(entries: readonly JournalEntry[]): LedgerFigures {
  const result: LedgerFigures = {
    cashIn: { capture: 0, payoutReversal: 0 },
    cashOut: { refund: 0, payout: 0 },
    commissionRevenueBalance: 0,
    customerFundsBalance: 0,
    shopBalances: [],
    entriesBalanced: true,
  };
  const shops = new Map<string, number>();
  for (const entry of entries) {
    if (entry.lines.reduce((sum, line) => sum + line.amountPaise, 0) !== 0) result.entriesBalanced = false;
    for (const line of entry.lines) {
      if (line.account === 'provider_cash') {
        if (entry.kind === 'capture') result.cashIn.capture += line.amountPaise;
        if (entry.kind === 'payout_reversal') result.cashIn.payoutReversal += line.amountPaise;
        if (entry.kind === 'refund') result.cashOut.refund += line.amountPaise;
        if (entry.kind === 'payout') result.cashOut.payout += line.amountPaise;
      }
      if (line.account === 'commission_revenue') result.commissionRevenueBalance += line.amountPaise;
      if (line.account === 'customer_funds') result.customerFundsBalance += line.amountPaise;
      if (line.shopId) shops.set(line.shopId, (shops.get(line.shopId) ?? 0) + line.amountPaise);
    }
  }
  return { ...result, shopBalances: [...shops.values()] };
}

interface Op {
  kind: 'book' | 'refund' | 'settle' | 'payout' | 'fail';
  online: boolean;
  amount: number;
  keptBps: number;
  refundBps: number;
  shop: number;
}

describe('the money audit identity', () => {
  it('closes on any history of captures, kept fees, refunds (before and after settlement), settlements and payouts', () => {
    const op: fc.Arbitrary<Op> = fc.record({
      kind: fc.constantFrom('book', 'book', 'refund', 'settle', 'payout', 'fail') as fc.Arbitrary<Op['kind']>,
      online: fc.boolean(),
      amount: fc.integer({ min: 100, max: 500_000 }),
      keptBps: fc.integer({ min: 0, max: 10_000 }),
      refundBps: fc.integer({ min: 1, max: 10_000 }),
      shop: fc.integer({ min: 0, max: 1 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const entries: JournalEntry[] = [];
        const provider = { capturedPaise: 0, refundedPaise: 0, paidOutPaise: 0 };
        const bookings: Array<{
          shop: string;
          paid: number;
          refunded: number;
          charged: number;
          commission: number;
          settled: boolean;
          online: boolean;
        }> = [];
        const payouts: Array<{ shop: string; amount: number; failed: boolean }> = [];
        const shopUnsettled = new Map<string, number>();
        const push = (entry: JournalEntry | null) => {
          if (entry) entries.push(entry);
        };
        for (const [i, o] of ops.entries()) {
          const shop = SHOPS[o.shop];
          if (o.kind === 'book') {
            // A booking that ends keeping keptBps of its amount (completed at 100 %), paid online or at the shop.
            const charged = o.online ? commissionPaise(o.amount, o.keptBps) : o.amount;
            const commission = commissionPaise(charged, 1000);
            if (o.online) {
              push(capturePosting(`p${i}`, shop, o.amount));
              provider.capturedPaise += o.amount;
            }
            push(
              settleablePosting({
                id: `b${i}`,
                shopId: shop,
                paymentMethod: o.online ? 'ONLINE' : 'PAY_AT_SHOP',
                paymentStatus: o.online ? 'paid' : 'unpaid',
                chargedPaise: charged,
                commissionPaise: commission,
              }),
            );
            const net = o.online ? charged - commission : -commission;
            shopUnsettled.set(shop, (shopUnsettled.get(shop) ?? 0) + net);
            bookings.push({
              shop,
              paid: o.online ? o.amount : 0,
              refunded: 0,
              charged,
              commission,
              settled: false,
              online: o.online,
            });
          } else if (o.kind === 'refund') {
            const booking = bookings.find((b) => b.online && b.paid > b.refunded);
            if (!booking) continue;
            const left = booking.paid - booking.refunded;
            const amount = Math.max(1, Math.min(left, Math.round((left * o.refundBps) / 10_000)));
            const split = splitRefund(
              {
                paidPaise: booking.paid,
                refundedBeforePaise: booking.refunded,
                chargedPaise: booking.charged,
                commissionPaise: booking.commission,
                commissionBps: 1000,
                chargePosted: true,
                live: false,
              },
              amount,
            );
            push(refundPosting(`r${i}`, booking.shop, amount, split, booking.settled));
            provider.refundedPaise += amount;
            if (!booking.settled) {
              const shopShare = split.chargeReductionPaise - split.commissionReductionPaise;
              shopUnsettled.set(booking.shop, (shopUnsettled.get(booking.shop) ?? 0) - shopShare);
            }
            booking.refunded += amount;
            booking.charged = split.chargedAfterPaise;
            booking.commission = split.commissionAfterPaise;
          } else if (o.kind === 'settle') {
            const net = shopUnsettled.get(shop) ?? 0;
            push(settlementPosting(`s${i}`, shop, net));
            shopUnsettled.set(shop, 0);
            for (const booking of bookings) if (booking.shop === shop) booking.settled = true;
          } else if (o.kind === 'payout') {
            push(payoutPosting(`o${i}`, shop, o.amount));
            payouts.push({ shop, amount: o.amount, failed: false });
            provider.paidOutPaise += o.amount;
          } else {
            const payout = payouts.find((p) => !p.failed);
            if (!payout) continue;
            payout.failed = true;
            push(payoutReversalPosting(`x${i}`, payout.shop, payout.amount));
            provider.paidOutPaise -= payout.amount;
          }
        }
        const audit: AuditFigures = auditFigures(figures(entries), provider);
        expect(audit.mismatches).toEqual([]);
        expect(audit.balanced).toBe(true);
        expect(audit.capturedPaise).toBe(provider.capturedPaise);
        expect(audit.capturedPaise).toBe(
          audit.refundedPaise +
            audit.paidOutPaise +
            audit.commissionPaise +
            audit.payablePaise -
            audit.receivablePaise +
            audit.heldForCustomersPaise,
        );
        expect(audit.heldForCustomersPaise).toBeGreaterThanOrEqual(0);

        // A refund the ledger never heard of is found.
        if (provider.refundedPaise > 0 || provider.capturedPaise > 0) {
          const missing = auditFigures(figures(entries), {
            ...provider,
            refundedPaise: provider.refundedPaise + 1,
          });
          expect(missing.balanced).toBe(false);
          expect(missing.mismatches.join()).toContain('refunded');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('names the figure that disagrees', () => {
    const audit = auditFigures(
      {
        cashIn: { capture: 30_000, payoutReversal: 0 },
        cashOut: { refund: 0, payout: 0 },
        commissionRevenueBalance: -3_000,
        customerFundsBalance: 0,
        shopBalances: [-27_000],
        entriesBalanced: true,
      },
      { capturedPaise: 30_000, refundedPaise: 500, paidOutPaise: 0 },
    );
    expect(audit).toMatchObject({
      balanced: false,
      capturedPaise: 30_000,
      commissionPaise: 3_000,
      payablePaise: 27_000,
    });
    expect(audit.mismatches).toEqual(["refunded: the ledger says 0 paise, the provider's records 500"]);
  });
});
