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
}

export interface PayoutProvider {
  readonly name: string;
  readonly enabled: boolean;
  /**
   * Idempotent: a retry with the same key and the same body returns the first transfer and never pays twice.
   * Throws ProviderUnavailableError (worth retrying) or ProviderRejectedError (not).
   */
  transfer(input: {
    accountId: string;
    amountPaise: number;
    currency: string;
    idempotencyKey: string;
    settlementId: string;
    shopId: string;
  }): Promise<ProviderTransfer>;
  fetchTransfer(transferId: string): Promise<ProviderTransfer>;
}
