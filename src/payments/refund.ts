import { RefundReason, RefundStatus } from '../../libs/payments/payment-status';

/** One refund of a payment, as asked for (or reported by the provider) and as the provider has answered. */
export interface Refund {
  id: string;
  paymentId: string;
  provider: string;
  amountPaise: number;
  reason: RefundReason;
  status: RefundStatus;
  providerRefundId: string | null;
  /** Sent to the provider with every try, so a retried request never refunds twice. */
  idempotencyKey: string;
  note: string | null;
  requestedBy: string | null;
  requestKey: string | null;
  requestedAt: Date;
  processedAt: Date | null;
}
