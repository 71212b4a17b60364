import { createHash } from 'node:crypto';

import { ProviderRejectedError } from '../payment-provider';
import { interpretRazorpayEvent, parseRazorpayWebhook } from './razorpay-events';

const payment = (overrides: Record<string, unknown> = {}) => ({
  payload: {
    payment: {
      entity: {
        id: 'pay_A1',
        order_id: 'order_B2',
        status: 'captured',
        amount: 50000,
        currency: 'INR',
        method: 'upi',
        ...overrides,
      },
    },
  },
});
const refund = {
  payload: { refund: { entity: { id: 'rfnd_C3', payment_id: 'pay_A1', status: 'processed', amount: 2500 } } },
};
const transfer = {
  payload: {
    transfer: { entity: { id: 'trf_D4', recipient: 'acc_E5', status: 'processed', amount: 45000 } },
  },
};

describe('parseRazorpayWebhook', () => {
  const rawBody = Buffer.from('{"event":"payment.captured"}');

  it('takes the event id from the header and the type from the payload', () => {
    expect(parseRazorpayWebhook({ event: 'payment.captured' }, 'evt_Abc-123', rawBody)).toEqual({
      eventId: 'evt_Abc-123',
      eventType: 'payment.captured',
    });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['with other characters', 'evt 1;drop'],
    ['too long', 'e'.repeat(129)],
  ])('falls back to the body hash when the event id header is %s', (_label, header) => {
    const hash = createHash('sha256').update(rawBody).digest('hex');
    expect(parseRazorpayWebhook({ event: 'x' }, header, rawBody).eventId).toBe(`sha256_${hash}`);
  });

  it('calls an event without a string type "unknown" and cuts a long one to 100 characters', () => {
    expect(parseRazorpayWebhook(null, 'e1', rawBody).eventType).toBe('unknown');
    expect(parseRazorpayWebhook({ event: 42 }, 'e1', rawBody).eventType).toBe('unknown');
    expect(parseRazorpayWebhook({ event: 'a'.repeat(300) }, 'e1', rawBody).eventType).toBe('a'.repeat(100));
  });
});

describe('interpretRazorpayEvent', () => {
  it.each(['payment.captured', 'order.paid'])('reads %s of a captured payment as captured', (type) => {
    expect(interpretRazorpayEvent(type, payment())).toEqual({
      kind: 'captured',
      orderId: 'order_B2',
      paymentId: 'pay_A1',
      amountPaise: 50000,
      currency: 'INR',
    });
  });

  it('ignores a capture event whose payment is not captured or has no order', () => {
    expect(interpretRazorpayEvent('payment.captured', payment({ status: 'authorized' }))).toEqual({
      kind: 'ignored',
    });
    expect(interpretRazorpayEvent('order.paid', payment({ order_id: null }))).toEqual({ kind: 'ignored' });
  });

  it('reads payment.failed of an order as failed, and ignores one without an order', () => {
    expect(interpretRazorpayEvent('payment.failed', payment({ status: 'failed' }))).toEqual({
      kind: 'failed',
      orderId: 'order_B2',
      paymentId: 'pay_A1',
    });
    expect(interpretRazorpayEvent('payment.failed', payment({ status: 'failed', order_id: null }))).toEqual({
      kind: 'ignored',
    });
  });

  it.each([
    ['refund.processed', 'refund_processed'],
    ['refund.failed', 'refund_failed'],
  ])('reads %s as %s', (type, kind) => {
    expect(interpretRazorpayEvent(type, refund)).toEqual({
      kind,
      refundId: 'rfnd_C3',
      paymentId: 'pay_A1',
      amountPaise: 2500,
    });
  });

  it.each([
    ['transfer.processed', 'transfer_processed'],
    ['transfer.failed', 'transfer_failed'],
  ])('reads %s as %s', (type, kind) => {
    expect(interpretRazorpayEvent(type, transfer)).toEqual({
      kind,
      transferId: 'trf_D4',
      amountPaise: 45000,
    });
  });

  it('ignores event types it does not act on, whatever their payload', () => {
    expect(interpretRazorpayEvent('payment.authorized', payment())).toEqual({ kind: 'ignored' });
    expect(interpretRazorpayEvent('unknown', undefined)).toEqual({ kind: 'ignored' });
  });

  it.each([
    ['payment.captured', null, /unexpected payment event: "value" must be of type object/],
    ['payment.captured', { payload: {} }, /unexpected payment event: "payload.payment" is required/],
    [
      'order.paid',
      payment({ amount: -1 }),
      /"payload.payment.entity.amount" must be greater than or equal to 0/,
    ],
    ['payment.failed', payment({ amount: '500' }), /"payload.payment.entity.amount" must be a number/],
    ['payment.captured', payment({ id: 'rfnd_A1' }), /"payload.payment.entity.id"/],
    ['payment.captured', payment({ status: 'settled' }), /"payload.payment.entity.status" must be one of/],
    ['refund.processed', payment(), /unexpected refund event: "payload.refund" is required/],
    ['transfer.failed', refund, /unexpected transfer event: "payload.transfer" is required/],
  ])('refuses %s with a malformed payload (%#)', (type, payload, message) => {
    expect(() => interpretRazorpayEvent(type, payload)).toThrow(ProviderRejectedError);
    expect(() => interpretRazorpayEvent(type, payload)).toThrow(message);
  });
});
