import { PayoutStatus } from '../../../libs/settlement/settlement-status';

/** A payout (one transfer per settlement) as the services see it, in camelCase. */
export interface Payout {
  id: string;
  settlementId: string;
  shopId: string;
  provider: string;
  accountId: string;
  /** One payout's paise, well within a safe integer. */
  amountPaise: number;
  /** The settlement id: every retry sends the same request. */
  idempotencyKey: string;
  status: PayoutStatus;
  providerTransferId: string | null;
  failureReason: string | null;
}
