import { PayoutStatus } from '../../../libs/settlement/settlement-status';

/** A payout (one transfer of a shop's payable balance) as the services see it, in camelCase. */
export interface Payout {
  id: string;
  /** The settlement whose run made it; null for a payout of the balance an admin asked for. */
  settlementId: string | null;
  shopId: string;
  provider: string;
  accountId: string;
  /** One payout's paise, well within a safe integer. */
  amountPaise: number;
  /** The settlement id, or the payout's own id when it has no settlement: every retry sends the same request. */
  idempotencyKey: string;
  /** The admin's Idempotency-Key, if one came with the request (unique per shop). */
  requestKey: string | null;
  status: PayoutStatus;
  providerTransferId: string | null;
  failureReason: string | null;
}
