/**
 * Razorpay webhooks reduced to what the platform acts on. Pure: the caller has already checked the signature
 * over the raw body, and these only decide which event it is and what it means, so a redelivery or a replay
 * from the inbox reads the same way every time.
 */
import { createHash } from 'node:crypto';

import * as Joi from 'joi';

import { PaymentEvent } from '../payment-provider';
import {
  paymentEventSchema,
  RazorpayPayment,
  RazorpayRefund,
  RazorpayTransfer,
  refundEventSchema,
  transferEventSchema,
  validated,
} from './razorpay.schemas';

const EVENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The event's id (deduplicates deliveries) and type (selects its interpretation). */
export function parseRazorpayWebhook(
  payload: unknown,
  eventIdHeader: string | undefined,
  rawBody: Buffer,
): { eventId: string; eventType: string } {
  const event = (payload ?? {}) as { event?: unknown };
  // Razorpay always sends X-Razorpay-Event-Id; without it, identical deliveries still dedupe by their content.
  const eventId =
    eventIdHeader && EVENT_ID.test(eventIdHeader)
      ? eventIdHeader
      : `sha256_${createHash('sha256').update(rawBody).digest('hex')}`;
  const eventType = typeof event.event === 'string' ? event.event.slice(0, 100) : 'unknown';
  return { eventId, eventType };
}

/** Throws ProviderRejectedError when an event of a known type does not carry a valid entity. */
export function interpretRazorpayEvent(eventType: string, payload: unknown): PaymentEvent {
  switch (eventType) {
    case 'payment.captured':
    case 'order.paid': {
      const payment = entity<RazorpayPayment>(paymentEventSchema, payload, 'payment');
      if (payment.status !== 'captured' || !payment.order_id) return { kind: 'ignored' };
      return {
        kind: 'captured',
        orderId: payment.order_id,
        paymentId: payment.id,
        amountPaise: payment.amount,
        currency: payment.currency,
      };
    }
    case 'payment.failed': {
      const payment = entity<RazorpayPayment>(paymentEventSchema, payload, 'payment');
      return payment.order_id
        ? { kind: 'failed', orderId: payment.order_id, paymentId: payment.id }
        : { kind: 'ignored' };
    }
    case 'refund.processed':
    case 'refund.failed': {
      const refund = entity<RazorpayRefund>(refundEventSchema, payload, 'refund');
      return {
        kind: eventType === 'refund.processed' ? 'refund_processed' : 'refund_failed',
        refundId: refund.id,
        paymentId: refund.payment_id,
        amountPaise: refund.amount,
      };
    }
    case 'transfer.processed':
    case 'transfer.failed': {
      const transfer = entity<RazorpayTransfer>(transferEventSchema, payload, 'transfer');
      return {
        kind: eventType === 'transfer.processed' ? 'transfer_processed' : 'transfer_failed',
        transferId: transfer.id,
        amountPaise: transfer.amount,
      };
    }
    default:
      return { kind: 'ignored' };
  }
}

function entity<T>(schema: Joi.Schema, payload: unknown, name: 'payment' | 'refund' | 'transfer'): T {
  const event = validated<{ payload: Record<string, { entity: T }> }>(schema, payload, `${name} event`);
  return event.payload[name].entity;
}
