import { createHmac, timingSafeEqual } from 'node:crypto';

/** A hex HMAC-SHA256 is exactly 64 hex digits; anything else is rejected before any comparison. */
const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function hmacSha256Hex(secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/**
 * Compares a received hex signature with the expected one in constant time. Malformed input (missing, not hex,
 * wrong length) is refused up front: Buffer.from(hex) would silently drop bad digits, and timingSafeEqual throws
 * on a length mismatch.
 */
export function signatureMatches(expectedHex: string, received: unknown): boolean {
  if (typeof received !== 'string' || !HEX_SHA256.test(received)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(received, 'hex'));
}

/** Razorpay Checkout: HMAC-SHA256 of `order_id|payment_id` with the key secret. */
export function checkoutSignature(orderId: string, paymentId: string, keySecret: string): string {
  return hmacSha256Hex(keySecret, `${orderId}|${paymentId}`);
}

export function verifyCheckoutSignature(
  orderId: string,
  paymentId: string,
  signature: unknown,
  keySecret: string,
): boolean {
  return signatureMatches(checkoutSignature(orderId, paymentId, keySecret), signature);
}

/** Razorpay webhooks: HMAC-SHA256 of the raw request body, exactly as received, with the webhook secret. */
export function verifyWebhookSignature(rawBody: Buffer, signature: unknown, webhookSecret: string): boolean {
  return signatureMatches(hmacSha256Hex(webhookSecret, rawBody), signature);
}
