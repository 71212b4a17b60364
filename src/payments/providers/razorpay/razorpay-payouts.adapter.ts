/**
 * Razorpay in the payout-provider role: Route direct transfers to a shop's linked account. Settlement sees only
 * PayoutProvider; this is a separate class from the payments adapter so each role changes on its own.
 */
import { Injectable } from '@nestjs/common';

import { ProviderAnswerUnreadableError } from '../payment-provider';
import { PayoutProvider, ProviderTransfer } from '../payout-provider';
import { RAZORPAY, RazorpayClient } from './razorpay.client';
import { RazorpayTransfer, transferSchema } from './razorpay.schemas';
import { TransferBody } from './razorpay.transport';

/** A note's value, when the transfer's notes (free-form, `[]` when empty) carry it as a string. */
function note(transfer: RazorpayTransfer, key: string): string | undefined {
  const notes: unknown = transfer.notes;
  if (typeof notes !== 'object' || notes === null || Array.isArray(notes)) return undefined;
  const value: unknown = (notes as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

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
  reference: { payoutId: note(transfer, 'payout_id'), settlementId: note(transfer, 'settlement_id') },
});

@Injectable()
export class RazorpayPayoutsAdapter implements PayoutProvider {
  readonly name = RAZORPAY;

  constructor(private readonly client: RazorpayClient) {}

  get enabled(): boolean {
    return this.client.enabled;
  }

  /**
   * Route direct transfer to a linked account; `X-Transfer-Idempotency` makes a retry return the first one. A
   * settlement's payout is noted by its settlement, as it always was (a payout pending across a deploy must send
   * the same body again); a payout of a shop's balance by its own id.
   */
  async transfer(input: {
    accountId: string;
    amountPaise: number;
    currency: string;
    idempotencyKey: string;
    payoutId: string;
    settlementId: string | null;
    shopId: string;
  }): Promise<ProviderTransfer> {
    const body: TransferBody = {
      account: input.accountId,
      amount: input.amountPaise,
      currency: input.currency,
      notes: input.settlementId
        ? { settlement_id: input.settlementId, shop_id: input.shopId }
        : { payout_id: input.payoutId, shop_id: input.shopId },
    };
    const answer = await this.client.request<RazorpayTransfer>(
      (api) => api.createTransfer(body, input.idempotencyKey),
      transferSchema,
      'transfer',
    );
    const transfer = toTransfer(answer);
    if (transfer.accountId !== input.accountId || transfer.amountPaise !== input.amountPaise) {
      // Not what was asked, but a transfer that exists: nothing about it may be undone by a guess.
      throw new ProviderAnswerUnreadableError(
        `Razorpay answered with a transfer (${transfer.transferId}) to another account or of another amount`,
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
