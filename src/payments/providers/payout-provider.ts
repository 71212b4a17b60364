/**
 * What settlement needs to pay a shop: a transfer to the shop's account at the provider. Razorpay Route direct
 * transfers are the adapter today (razorpay/razorpay-payouts.adapter.ts, sharing the payment adapter's client).
 */
export const PAYOUT_PROVIDER = Symbol('PAYOUT_PROVIDER');

export type ProviderTransferStatus = 'pending' | 'processed' | 'failed';

export interface ProviderTransfer {
  transferId: string;
  status: ProviderTransferStatus;
  amountPaise: number;
  accountId: string;
  /**
   * What the transfer says it pays (the notes sent with it), when the provider's record carries them: finds the
   * payout of a transfer whose id was never recorded (its answer was lost or unreadable). A hint, checked against
   * the payout's amount and account before it is believed.
   */
  reference?: { payoutId?: string; settlementId?: string };
}

export interface PayoutProvider {
  readonly name: string;
  readonly enabled: boolean;
  /**
   * Idempotent: a retry with the same key and the same body returns the first transfer and never pays twice.
   * Throws ProviderUnavailableError (worth retrying), ProviderAnswerUnreadableError (a success answer that could not
   * be read, or a transfer other than the one asked for: it may exist) or ProviderRejectedError (refused).
   * `settlementId` is null for a payout of a shop's balance that no settlement made (an admin's).
   */
  transfer(input: {
    accountId: string;
    amountPaise: number;
    currency: string;
    idempotencyKey: string;
    payoutId: string;
    settlementId: string | null;
    shopId: string;
  }): Promise<ProviderTransfer>;
  fetchTransfer(transferId: string): Promise<ProviderTransfer>;
}
