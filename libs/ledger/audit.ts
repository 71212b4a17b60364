/**
 * The money audit's identity. From the ledger's accounts: provider cash is what was captured, less what was
 * refunded and paid out; and every line sums to zero, so
 *
 *   captured = refunded + paid out + commission + owed to shops - owed by shops + held for customers
 *
 * where "owed to shops" is every shop's positive share (unsettled and payable), "owed by shops" the negative ones
 * (a pay-at-shop booking's commission), and "held for customers" what the platform still holds of money paid for
 * bookings not finished yet. The provider's records (captures, processed refunds, transfers) must give the same
 * captured, refunded and paid-out totals as the ledger's own lines.
 */
export interface LedgerFigures {
  /** Provider cash lines, by the entry kind that wrote them. */
  cashIn: { capture: number; payoutReversal: number };
  cashOut: { refund: number; payout: number };
  commissionRevenueBalance: number;
  customerFundsBalance: number;
  /** Per shop: the balance of its unsettled and payable accounts together (negative: owed to the shop). */
  shopBalances: readonly number[];
  /** Every entry sums to zero (checked line by line by the caller). */
  entriesBalanced: boolean;
}

export interface ProviderFigures {
  capturedPaise: number;
  refundedPaise: number;
  paidOutPaise: number;
}

export interface AuditFigures {
  balanced: boolean;
  capturedPaise: number;
  refundedPaise: number;
  commissionPaise: number;
  paidOutPaise: number;
  payablePaise: number;
  receivablePaise: number;
  heldForCustomersPaise: number;
  /** Totals that disagree: the ledger's against the provider's records, or the identity. */
  mismatches: string[];
}

export function auditFigures(ledger: LedgerFigures, provider: ProviderFigures): AuditFigures {
  const captured = ledger.cashIn.capture;
  const refunded = -ledger.cashOut.refund;
  const paidOut = -ledger.cashOut.payout - ledger.cashIn.payoutReversal;
  const commission = -ledger.commissionRevenueBalance;
  const held = -ledger.customerFundsBalance;
  const payable = ledger.shopBalances.reduce((sum, balance) => sum + Math.max(0, -balance), 0);
  const receivable = ledger.shopBalances.reduce((sum, balance) => sum + Math.max(0, balance), 0);
  const mismatches: string[] = [];
  const expect = (name: string, ledgerValue: number, providerValue: number) => {
    if (ledgerValue !== providerValue) {
      mismatches.push(
        `${name}: the ledger says ${ledgerValue} paise, the provider's records ${providerValue}`,
      );
    }
  };
  expect('captured', captured, provider.capturedPaise);
  expect('refunded', refunded, provider.refundedPaise);
  expect('paid out', paidOut, provider.paidOutPaise);
  const accounted = refunded + paidOut + commission + payable - receivable + held;
  if (accounted !== captured) {
    mismatches.push(`captured ${captured} paise, accounted for ${accounted}: the ledger does not close`);
  }
  if (!ledger.entriesBalanced) mismatches.push('an entry of the ledger does not sum to zero');
  return {
    balanced: mismatches.length === 0,
    capturedPaise: captured,
    refundedPaise: refunded,
    commissionPaise: commission,
    paidOutPaise: paidOut,
    payablePaise: payable,
    receivablePaise: receivable,
    heldForCustomersPaise: held,
    mismatches,
  };
}
