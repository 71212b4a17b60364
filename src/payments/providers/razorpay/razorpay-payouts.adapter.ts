/**
 * Razorpay in the payout-provider role: Route direct transfers to a shop's linked account. Settlement sees only
 * PayoutProvider; this is a separate class from the payments adapter so each role changes on its own.
 */
import { Injectable } from '@nestjs/common';

import { ProviderRejectedError } from '../payment-provider';
import { PayoutProvider, ProviderTransfer } from '../payout-provider';
import { RAZORPAY, RazorpayClient } from './razorpay.client';
import { RazorpayTransfer, transferSchema } from './razorpay.schemas';
import { TransferBody } from './razorpay.transport';

/** A reversed transfer's money is back with the platform: for a payout, that is a failure. */
const toTransfer = (transfer: RazorpayTransfer): ProviderTransfer => ({
  transferId: transfer.id,
  accountId: transfer.recipient,
  amountPaise: transfer.amount,
  status:
    transfer.status === 'processed'
      ? 'processed'
      : transfer.status === 'failed' || transfer.status === 'reversed'
        ? 'failed'
        : 'pending',
});

@Injectable()
export class RazorpayPayoutsAdapter implements PayoutProvider {
  readonly name = RAZORPAY;

  constructor(private readonly client: RazorpayClient) {}

  get enabled(): boolean {
    return this.client.enabled;
  }

  /** Route direct transfer to a linked account; `X-Transfer-Idempotency` makes a retry return the first one. */
  async transfer(input: {
    accountId: string;
    amountPaise: number;
    currency: string;
    idempotencyKey: string;
    settlementId: string;
    shopId: string;
  }): Promise<ProviderTransfer> {
    const body: TransferBody = {
      account: input.accountId,
      amount: input.amountPaise,
      currency: input.currency,
      notes: { settlement_id: input.settlementId, shop_id: input.shopId },
    };
    const answer = await this.client.request<RazorpayTransfer>(
      (api) => api.createTransfer(body, input.idempotencyKey),
      transferSchema,
      'transfer',
    );
    const transfer = toTransfer(answer);
    if (transfer.accountId !== input.accountId || transfer.amountPaise !== input.amountPaise) {
      throw new ProviderRejectedError(
        'Razorpay answered with a transfer to another account or of another amount',
      );
    }
    return transfer;
  }

  async fetchTransfer(transferId: string): Promise<ProviderTransfer> {
    return toTransfer(
      await this.client.request<RazorpayTransfer>(
        (api) => api.fetchTransfer(transferId),
        transferSchema,
        'transfer',
      ),
    );
  }
}
