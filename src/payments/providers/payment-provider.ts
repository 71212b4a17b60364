/**
 * What HairOne needs from a payment provider. Razorpay is the adapter today; Stripe or PhonePe would be one more
 * class implementing this interface, selected by configuration, with the rest of the payments code unchanged.
 */
export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

export interface ProviderOrder {
  orderId: string;
  amountPaise: number;
  currency: string;
}

export type ProviderPaymentStatus = 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';

export interface ProviderPayment {
  paymentId: string;
  orderId: string;
  status: ProviderPaymentStatus;
  /**
   * Whether the money was ever captured: an authorized payment that was never captured is refunded by the provider
   * and reported `refunded` too, so the status alone does not say.
   */
  captured: boolean;
  amountPaise: number;
  currency: string;
}

export type ProviderRefundStatus = 'pending' | 'processed' | 'failed';

export interface ProviderRefund {
  refundId: string;
  paymentId: string;
  status: ProviderRefundStatus;
  amountPaise: number;
}

/** A webhook event reduced to what the platform acts on. */
export type PaymentEvent =
  | { kind: 'captured'; orderId: string; paymentId: string; amountPaise: number; currency: string }
  | { kind: 'failed'; orderId: string; paymentId: string }
  | { kind: 'refund_processed' | 'refund_failed'; refundId: string; paymentId: string; amountPaise: number }
  | { kind: 'transfer_processed' | 'transfer_failed'; transferId: string; amountPaise: number }
  | { kind: 'ignored' };

/** What a client needs to open the provider's checkout for an order. */
export interface CheckoutDetails {
  provider: string;
  keyId: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** False when the provider's credentials are not configured: ONLINE bookings are then refused. */
  readonly enabled: boolean;
  readonly keyId: string;

  createOrder(input: {
    bookingId: string;
    amountPaise: number;
    currency: string;
    holdSeconds: number;
  }): Promise<ProviderOrder>;
  paymentsOfOrder(orderId: string): Promise<ProviderPayment[]>;
  /** One payment as the provider knows it now (authorized, captured, ...). */
  fetchPayment(paymentId: string): Promise<ProviderPayment>;
  /** Idempotent: the same key and amount never refund twice. */
  refund(input: {
    paymentId: string;
    amountPaise: number;
    idempotencyKey: string;
    bookingId: string;
  }): Promise<ProviderRefund>;
  fetchRefund(refundId: string): Promise<ProviderRefund>;

  /** True only when the client's checkout signature proves `paymentId` paid `orderId`. */
  verifyCheckout(orderId: string, paymentId: string, signature: unknown): boolean;
  /** True only when the signature was made over exactly these bytes with the webhook secret. */
  verifyWebhook(rawBody: Buffer, signature: unknown): boolean;
  /** The event's id and type, and what it means; throws MalformedEventError for an event it cannot read. */
  parseWebhook(
    payload: unknown,
    eventIdHeader: string | undefined,
    rawBody: Buffer,
  ): {
    eventId: string;
    eventType: string;
  };
  interpret(eventType: string, payload: unknown): PaymentEvent;
}

/** The provider could not be reached, timed out, or answered with a server error: worth retrying. */
export class ProviderUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderUnavailableError';
  }
}

/** The provider refused the request or answered with something that is not what its API promises. */
export class ProviderRejectedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderRejectedError';
  }
}

/**
 * The provider answered with success but with something that cannot be read (not JSON, not what its API promises, or
 * not what was asked): the request may well have taken effect. A ProviderRejectedError, so callers that treat every
 * unusable answer alike keep doing so; callers that must not undo what may have happened (a payout whose transfer
 * may exist) tell it apart and leave the outcome to the provider's own record.
 */
export class ProviderAnswerUnreadableError extends ProviderRejectedError {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderAnswerUnreadableError';
  }
}
