import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import * as Joi from 'joi';

import { verifyCheckoutSignature, verifyWebhookSignature } from '../../../libs/payments/signatures';
import { AppConfig } from '../../config/app.config';
import { APP_CONFIG } from '../../config/config.constants';
import {
  PaymentEvent,
  PaymentProvider,
  ProviderOrder,
  ProviderPayment,
  ProviderRefund,
  ProviderRejectedError,
  ProviderUnavailableError,
} from './payment-provider';
import { PayoutProvider, ProviderTransfer } from './payout-provider';

/** Razorpay's automatic capture window cannot be shorter than 12 minutes. */
const MIN_CAPTURE_EXPIRY_MINUTES = 12;
const EVENT_ID = /^[A-Za-z0-9_-]{1,128}$/;

const id = (prefix: string) => Joi.string().pattern(new RegExp(`^${prefix}_[A-Za-z0-9]{1,40}$`));
const paise = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER);

// What Razorpay promises to answer, checked before anything is believed (unknown fields are allowed).
const orderSchema = Joi.object({
  id: id('order').required(),
  amount: paise.required(),
  currency: Joi.string().length(3).required(),
}).unknown(true);
const paymentSchema = Joi.object({
  id: id('pay').required(),
  order_id: id('order').allow(null).required(),
  status: Joi.string().valid('created', 'authorized', 'captured', 'refunded', 'failed').required(),
  amount: paise.required(),
  currency: Joi.string().length(3).required(),
}).unknown(true);
const refundSchema = Joi.object({
  id: id('rfnd').required(),
  payment_id: id('pay').required(),
  status: Joi.string().valid('pending', 'processed', 'failed').required(),
  amount: paise.required(),
}).unknown(true);
const transferSchema = Joi.object({
  id: id('trf').required(),
  recipient: id('acc').required(),
  status: Joi.string()
    .valid('created', 'pending', 'processed', 'failed', 'reversed', 'partially_reversed')
    .required(),
  amount: paise.required(),
}).unknown(true);
const collectionOf = (item: Joi.ObjectSchema) =>
  Joi.object({ items: Joi.array().items(item).required() }).unknown(true);

const capturedEventSchema = Joi.object({
  payload: Joi.object({ payment: Joi.object({ entity: paymentSchema.required() }).unknown(true).required() })
    .unknown(true)
    .required(),
}).unknown(true);
const refundEventSchema = Joi.object({
  payload: Joi.object({ refund: Joi.object({ entity: refundSchema.required() }).unknown(true).required() })
    .unknown(true)
    .required(),
}).unknown(true);

type RazorpayPayment = {
  id: string;
  order_id: string | null;
  status: ProviderPayment['status'];
  amount: number;
  currency: string;
};
type RazorpayRefund = { id: string; payment_id: string; status: ProviderRefund['status']; amount: number };
type RazorpayTransfer = {
  id: string;
  recipient: string;
  status: 'created' | 'pending' | 'processed' | 'failed' | 'reversed' | 'partially_reversed';
  amount: number;
};
const transferEventSchema = Joi.object({
  payload: Joi.object({
    transfer: Joi.object({ entity: transferSchema.required() }).unknown(true).required(),
  })
    .unknown(true)
    .required(),
}).unknown(true);

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

function validated<T>(schema: Joi.Schema, value: unknown, what: string): T {
  const { error, value: checked } = schema.validate(value, { convert: false });
  if (error) throw new ProviderRejectedError(`Razorpay returned an unexpected ${what}: ${error.message}`);
  return checked as T;
}

const toPayment = (payment: RazorpayPayment): ProviderPayment => ({
  paymentId: payment.id,
  orderId: payment.order_id ?? '',
  status: payment.status,
  amountPaise: payment.amount,
  currency: payment.currency,
});
const toRefund = (refund: RazorpayRefund): ProviderRefund => ({
  refundId: refund.id,
  paymentId: refund.payment_id,
  status: refund.status,
  amountPaise: refund.amount,
});

/**
 * The Razorpay adapter: Orders, Payments and Refunds over HTTPS with basic auth, at a configurable base URL (tests
 * and the local demo use the stand-in). The official SDK is not used: its host is fixed to api.razorpay.com, it
 * has no request timeout, and its webhook check compares signatures with `===`.
 */
@Injectable()
export class RazorpayProvider implements PaymentProvider, PayoutProvider {
  readonly name = 'razorpay';
  private readonly logger = new Logger(RazorpayProvider.name);
  private readonly settings: AppConfig['payments']['razorpay'];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = config.payments.razorpay;
  }

  get enabled(): boolean {
    return Boolean(this.settings.keyId && this.settings.keySecret);
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
    const order = validated<{ id: string; amount: number; currency: string }>(
      orderSchema,
      await this.request('POST', '/v1/orders', {
        body: {
          amount: input.amountPaise,
          currency: input.currency,
          receipt: input.bookingId,
          notes: { booking_id: input.bookingId },
          payment: {
            capture: 'automatic',
            capture_options: {
              automatic_expiry_period: Math.max(
                MIN_CAPTURE_EXPIRY_MINUTES,
                Math.ceil(input.holdSeconds / 60),
              ),
              refund_speed: 'normal',
            },
          },
        },
      }),
      'order',
    );
    if (order.amount !== input.amountPaise || order.currency !== input.currency) {
      throw new ProviderRejectedError('Razorpay created an order for another amount or currency');
    }
    return { orderId: order.id, amountPaise: order.amount, currency: order.currency };
  }

  async paymentsOfOrder(orderId: string): Promise<ProviderPayment[]> {
    const collection = validated<{ items: RazorpayPayment[] }>(
      collectionOf(paymentSchema),
      await this.request('GET', `/v1/orders/${encodeURIComponent(orderId)}/payments`),
      'payment list',
    );
    return collection.items.map(toPayment);
  }

  async refund(input: {
    paymentId: string;
    amountPaise: number;
    idempotencyKey: string;
    bookingId: string;
  }): Promise<ProviderRefund> {
    const refund = validated<RazorpayRefund>(
      refundSchema,
      await this.request('POST', `/v1/payments/${encodeURIComponent(input.paymentId)}/refund`, {
        body: {
          amount: input.amountPaise,
          speed: 'normal',
          receipt: input.bookingId,
          notes: { booking_id: input.bookingId },
        },
        // Razorpay's idempotent refunds: a retry with the same key and body never refunds twice.
        headers: { 'X-Refund-Idempotency': input.idempotencyKey },
      }),
      'refund',
    );
    if (refund.payment_id !== input.paymentId) {
      throw new ProviderRejectedError('Razorpay answered with a refund of another payment');
    }
    return toRefund(refund);
  }

  async fetchRefund(refundId: string): Promise<ProviderRefund> {
    return toRefund(
      validated<RazorpayRefund>(
        refundSchema,
        await this.request('GET', `/v1/refunds/${encodeURIComponent(refundId)}`),
        'refund',
      ),
    );
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
    const transfer = toTransfer(
      validated<RazorpayTransfer>(
        transferSchema,
        await this.request('POST', '/v1/transfers', {
          body: {
            account: input.accountId,
            amount: input.amountPaise,
            currency: input.currency,
            notes: { settlement_id: input.settlementId, shop_id: input.shopId },
          },
          headers: { 'X-Transfer-Idempotency': input.idempotencyKey },
        }),
        'transfer',
      ),
    );
    if (transfer.accountId !== input.accountId || transfer.amountPaise !== input.amountPaise) {
      throw new ProviderRejectedError(
        'Razorpay answered with a transfer to another account or of another amount',
      );
    }
    return transfer;
  }

  async fetchTransfer(transferId: string): Promise<ProviderTransfer> {
    return toTransfer(
      validated<RazorpayTransfer>(
        transferSchema,
        await this.request('GET', `/v1/transfers/${encodeURIComponent(transferId)}`),
        'transfer',
      ),
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
    const event = (payload ?? {}) as { event?: unknown };
    // Razorpay always sends X-Razorpay-Event-Id; without it, identical deliveries still dedupe by their content.
    const eventId =
      eventIdHeader && EVENT_ID.test(eventIdHeader)
        ? eventIdHeader
        : `sha256_${createHash('sha256').update(rawBody).digest('hex')}`;
    const eventType = typeof event.event === 'string' ? event.event.slice(0, 100) : 'unknown';
    return { eventId, eventType };
  }

  interpret(eventType: string, payload: unknown): PaymentEvent {
    switch (eventType) {
      case 'payment.captured':
      case 'order.paid': {
        const payment = this.entity<RazorpayPayment>(capturedEventSchema, payload, 'payment');
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
        const payment = this.entity<RazorpayPayment>(capturedEventSchema, payload, 'payment');
        return payment.order_id
          ? { kind: 'failed', orderId: payment.order_id, paymentId: payment.id }
          : { kind: 'ignored' };
      }
      case 'refund.processed':
      case 'refund.failed': {
        const refund = this.entity<RazorpayRefund>(refundEventSchema, payload, 'refund');
        return {
          kind: eventType === 'refund.processed' ? 'refund_processed' : 'refund_failed',
          refundId: refund.id,
          paymentId: refund.payment_id,
          amountPaise: refund.amount,
        };
      }
      case 'transfer.processed':
      case 'transfer.failed': {
        const transfer = this.entity<RazorpayTransfer>(transferEventSchema, payload, 'transfer');
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

  private entity<T>(schema: Joi.Schema, payload: unknown, name: 'payment' | 'refund' | 'transfer'): T {
    const event = validated<{ payload: Record<string, { entity: T }> }>(schema, payload, `${name} event`);
    return event.payload[name].entity;
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<unknown> {
    if (!this.enabled) throw new ProviderRejectedError('Razorpay credentials are not configured');
    const url = new URL(path, this.settings.apiBaseUrl);
    const auth = Buffer.from(`${this.settings.keyId}:${this.settings.keySecret}`).toString('base64');
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: `Basic ${auth}`,
          Accept: 'application/json',
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw new ProviderUnavailableError(`Razorpay ${method} ${path} failed: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.status >= 500 || response.status === 429 || response.status === 409) {
      throw new ProviderUnavailableError(`Razorpay ${method} ${path} answered ${response.status}`);
    }
    if (!response.ok) {
      const description =
        (body as { error?: { description?: unknown } } | undefined)?.error?.description ?? text.slice(0, 200);
      this.logger.warn({
        msg: 'Razorpay refused a request',
        method,
        path,
        status: response.status,
        description,
      });
      throw new ProviderRejectedError(
        `Razorpay ${method} ${path} answered ${response.status}: ${String(description)}`,
        response.status,
      );
    }
    if (body === undefined)
      throw new ProviderRejectedError(`Razorpay ${method} ${path} answered without JSON`);
    return body;
  }
}
