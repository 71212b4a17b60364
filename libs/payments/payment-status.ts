/** How a booking is paid: online through the payment provider, or to the shop in person. */
export const PAYMENT_METHODS = ['ONLINE', 'PAY_AT_SHOP'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * Where a booking's money stands; only the provider's word moves it past `unpaid`. `partially_refunded`: a refund of
 * less than was paid (a kept fee) was processed.
 */
export const PAYMENT_STATUSES = [
  'unpaid',
  'paid',
  'refund_pending',
  'refunded',
  'partially_refunded',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A refund's state at the provider, as recorded on the payment. */
export type RefundStatus = 'requested' | 'pending' | 'processed' | 'failed';

/**
 * Why money went back: `cancellation`, what a cancellation or a no-show refunds under the policy; `late_payment`, a
 * capture that came after its booking was gone; `admin`, a goodwill refund; `provider`, one made outside the API
 * (the Razorpay dashboard).
 */
export const REFUND_REASONS = ['cancellation', 'late_payment', 'admin', 'provider'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];
