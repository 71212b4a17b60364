/**
 * What Razorpay promises to answer and to send, in its own words. Nothing it says is believed until it passes
 * these schemas: a wrong id, a negative amount or an unknown status would otherwise reach the ledger as a fact.
 * Unknown fields are allowed, so Razorpay adding one is not an outage.
 */
import * as Joi from 'joi';

import { ProviderPaymentStatus, ProviderRefundStatus, ProviderRejectedError } from '../payment-provider';

const id = (prefix: string) => Joi.string().pattern(new RegExp(`^${prefix}_[A-Za-z0-9]{1,40}$`));
const paise = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER);

export type RazorpayOrder = { id: string; amount: number; currency: string };
export type RazorpayPayment = {
  id: string;
  order_id: string | null;
  status: ProviderPaymentStatus;
  captured?: boolean;
  amount: number;
  currency: string;
};
export type RazorpayRefund = { id: string; payment_id: string; status: ProviderRefundStatus; amount: number };
export type RazorpayTransfer = {
  id: string;
  recipient: string;
  status: 'created' | 'pending' | 'processed' | 'failed' | 'reversed' | 'partially_reversed';
  amount: number;
  /** Free-form and not validated (Razorpay sends `[]` when empty): read as a hint only. */
  notes?: unknown;
};
export type RazorpayCollection<T> = { items: T[] };

export const orderSchema = Joi.object({
  id: id('order').required(),
  amount: paise.required(),
  currency: Joi.string().length(3).required(),
}).unknown(true);
export const paymentSchema = Joi.object({
  id: id('pay').required(),
  order_id: id('order').allow(null).required(),
  status: Joi.string().valid('created', 'authorized', 'captured', 'refunded', 'failed').required(),
  // Razorpay always sends it; a payment auto-refunded after authorization says `refunded` with captured false.
  captured: Joi.boolean(),
  amount: paise.required(),
  currency: Joi.string().length(3).required(),
}).unknown(true);
export const refundSchema = Joi.object({
  id: id('rfnd').required(),
  payment_id: id('pay').required(),
  status: Joi.string().valid('pending', 'processed', 'failed').required(),
  amount: paise.required(),
}).unknown(true);
export const transferSchema = Joi.object({
  id: id('trf').required(),
  recipient: id('acc').required(),
  status: Joi.string()
    .valid('created', 'pending', 'processed', 'failed', 'reversed', 'partially_reversed')
    .required(),
  amount: paise.required(),
}).unknown(true);
export const collectionOf = (item: Joi.ObjectSchema) =>
  Joi.object({ items: Joi.array().items(item).required() }).unknown(true);

/** A webhook carries its entity at `payload.<name>.entity`. */
const eventOf = (name: string, entity: Joi.ObjectSchema) =>
  Joi.object({
    payload: Joi.object({ [name]: Joi.object({ entity: entity.required() }).unknown(true).required() })
      .unknown(true)
      .required(),
  }).unknown(true);

export const paymentEventSchema = eventOf('payment', paymentSchema);
export const refundEventSchema = eventOf('refund', refundSchema);
export const transferEventSchema = eventOf('transfer', transferSchema);

/** The value, if it is what `schema` describes (no type coercion); otherwise a ProviderRejectedError. */
export function validated<T>(schema: Joi.Schema, value: unknown, what: string): T {
  const { error, value: checked } = schema.validate(value, { convert: false });
  if (error) throw new ProviderRejectedError(`Razorpay returned an unexpected ${what}: ${error.message}`);
  return checked as T;
}
