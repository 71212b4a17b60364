/**
 * Razorpay in the payment-provider role: Orders, the payments of an order, Refunds, and proof that a checkout
 * result or a webhook really came from Razorpay. The booking and payment code sees only PaymentProvider.
 */
import { Inject, Injectable } from '@nestjs/common';

import { verifyCheckoutSignature, verifyWebhookSignature } from '../../../../libs/payments/signatures';
import { AppConfig } from '../../../config/app.config';
import { APP_CONFIG } from '../../../config/config.constants';
import {
  PaymentEvent,
  PaymentProvider,
  ProviderOrder,
  ProviderPayment,
  ProviderRefund,
  ProviderRejectedError,
} from '../payment-provider';
import { RAZORPAY, RazorpayClient } from './razorpay.client';
import {
  collectionOf,
  orderSchema,
  paymentSchema,
  RazorpayCollection,
  RazorpayOrder,
  RazorpayPayment,
  RazorpayRefund,
  refundSchema,
} from './razorpay.schemas';
import { OrderBody, RefundBody } from './razorpay.transport';
import { interpretRazorpayEvent, parseRazorpayWebhook } from './razorpay-events';

/** Razorpay's automatic capture window cannot be shorter than 12 minutes. */
const MIN_CAPTURE_EXPIRY_MINUTES = 12;

const toPayment = (payment: RazorpayPayment): ProviderPayment => ({
  paymentId: payment.id,
  orderId: payment.order_id ?? '',
  status: payment.status,
  captured: payment.captured ?? payment.status === 'captured',
  amountPaise: payment.amount,
  currency: payment.currency,
});
const toRefund = (refund: RazorpayRefund): ProviderRefund => ({
  refundId: refund.id,
  paymentId: refund.payment_id,
  status: refund.status,
  amountPaise: refund.amount,
});

@Injectable()
export class RazorpayPaymentsAdapter implements PaymentProvider {
  readonly name = RAZORPAY;
  private readonly settings: AppConfig['payments']['razorpay'];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RazorpayClient,
  ) {
    this.settings = config.payments.razorpay;
  }

  get enabled(): boolean {
    return this.client.enabled;
  }

  get keyId(): string {
    return this.settings.keyId ?? '';
  }

  async createOrder(input: {
    bookingId: string;
    amountPaise: number;
    currency: string;
    holdSeconds: number;
  }): Promise<ProviderOrder> {
    const body: OrderBody = {
      amount: input.amountPaise,
      currency: input.currency,
      receipt: input.bookingId,
      notes: { booking_id: input.bookingId },
      payment: {
        capture: 'automatic',
        capture_options: {
          automatic_expiry_period: Math.max(MIN_CAPTURE_EXPIRY_MINUTES, Math.ceil(input.holdSeconds / 60)),
          refund_speed: 'normal',
        },
      },
    };
    const order = await this.client.request<RazorpayOrder>(
      (api) => api.createOrder(body),
      orderSchema,
      'order',
    );
    if (order.amount !== input.amountPaise || order.currency !== input.currency) {
      throw new ProviderRejectedError('Razorpay created an order for another amount or currency');
    }
    return { orderId: order.id, amountPaise: order.amount, currency: order.currency };
  }

  async paymentsOfOrder(orderId: string): Promise<ProviderPayment[]> {
    const collection = await this.client.request<RazorpayCollection<RazorpayPayment>>(
      (api) => api.paymentsOfOrder(orderId),
      collectionOf(paymentSchema),
      'payment list',
    );
    return collection.items.map(toPayment);
  }

  async fetchPayment(paymentId: string): Promise<ProviderPayment> {
    return toPayment(
      await this.client.request<RazorpayPayment>(
        (api) => api.fetchPayment(paymentId),
        paymentSchema,
        'payment',
      ),
    );
  }

  async refund(input: {
    paymentId: string;
    amountPaise: number;
    idempotencyKey: string;
    bookingId: string;
  }): Promise<ProviderRefund> {
    const body: RefundBody = {
      amount: input.amountPaise,
      speed: 'normal',
      receipt: input.bookingId,
      notes: { booking_id: input.bookingId },
    };
    // Razorpay's idempotent refunds: a retry with the same key (X-Refund-Idempotency) and body never refunds twice.
    const refund = await this.client.request<RazorpayRefund>(
      (api) => api.refund(input.paymentId, body, input.idempotencyKey),
      refundSchema,
      'refund',
    );
    if (refund.payment_id !== input.paymentId) {
      throw new ProviderRejectedError('Razorpay answered with a refund of another payment');
    }
    return toRefund(refund);
  }

  async fetchRefund(refundId: string): Promise<ProviderRefund> {
    return toRefund(
      await this.client.request<RazorpayRefund>((api) => api.fetchRefund(refundId), refundSchema, 'refund'),
    );
  }

  verifyCheckout(orderId: string, paymentId: string, signature: unknown): boolean {
    return (
      Boolean(this.settings.keySecret) &&
      verifyCheckoutSignature(orderId, paymentId, signature, this.settings.keySecret as string)
    );
  }

  /** The current webhook secret, or during a rotation the previous one (RAZORPAY_WEBHOOK_SECRET_PREVIOUS). */
  verifyWebhook(rawBody: Buffer, signature: unknown): boolean {
    const secrets = [this.settings.webhookSecret, this.settings.previousWebhookSecret].filter(
      (secret): secret is string => Boolean(secret),
    );
    // Both are always checked (no early exit), so the time taken does not tell which one matched.
    return secrets.map((secret) => verifyWebhookSignature(rawBody, signature, secret)).includes(true);
  }

  parseWebhook(
    payload: unknown,
    eventIdHeader: string | undefined,
    rawBody: Buffer,
  ): { eventId: string; eventType: string } {
    return parseRazorpayWebhook(payload, eventIdHeader, rawBody);
  }

  interpret(eventType: string, payload: unknown): PaymentEvent {
    return interpretRazorpayEvent(eventType, payload);
  }
}
