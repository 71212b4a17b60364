import { ProviderRejectedError } from '../payment-provider';
import {
  collectionOf,
  orderSchema,
  paymentSchema,
  RazorpayOrder,
  refundSchema,
  transferSchema,
  validated,
} from './razorpay.schemas';

const order = { id: 'order_Abc123', amount: 50000, currency: 'INR' };
const payment = { id: 'pay_A1', order_id: 'order_B2', status: 'captured', amount: 50000, currency: 'INR' };
const refund = { id: 'rfnd_C3', payment_id: 'pay_A1', status: 'pending', amount: 2500 };
const transfer = { id: 'trf_D4', recipient: 'acc_E5', status: 'partially_reversed', amount: 45000 };

describe('Razorpay wire schemas', () => {
  it('accepts what Razorpay answers, extra fields included, and returns it unchanged', () => {
    const answer = { ...order, receipt: 'b1', notes: { booking_id: 'b1' } };
    expect(validated<RazorpayOrder>(orderSchema, answer, 'order')).toEqual(answer);
    expect(validated(paymentSchema, { ...payment, order_id: null }, 'payment')).toEqual({
      ...payment,
      order_id: null,
    });
    expect(validated(refundSchema, refund, 'refund')).toEqual(refund);
    expect(validated(transferSchema, transfer, 'transfer')).toEqual(transfer);
    expect(
      validated(collectionOf(paymentSchema), { entity: 'collection', count: 1, items: [payment] }, 'list'),
    ).toEqual({ entity: 'collection', count: 1, items: [payment] });
  });

  it.each([
    ['an id of another kind', orderSchema, { ...order, id: 'pay_Abc123' }],
    ['an id with other characters', orderSchema, { ...order, id: 'order_abc-1' }],
    ['an id over 40 characters', orderSchema, { ...order, id: `order_${'a'.repeat(41)}` }],
    ['a fractional amount', orderSchema, { ...order, amount: 10.5 }],
    ['a negative amount', refundSchema, { ...refund, amount: -1 }],
    ['an amount past the safe integers', transferSchema, { ...transfer, amount: 2 ** 53 }],
    ['an amount as a string (no coercion)', paymentSchema, { ...payment, amount: '50000' }],
    ['a currency that is not 3 letters', paymentSchema, { ...payment, currency: 'RUPEE' }],
    ['an unknown payment status', paymentSchema, { ...payment, status: 'settled' }],
    ['an unknown refund status', refundSchema, { ...refund, status: 'reversed' }],
    ['an unknown transfer status', transferSchema, { ...transfer, status: 'on_hold' }],
    ['a missing order id on a payment', paymentSchema, { ...payment, order_id: undefined }],
    [
      'a transfer to something other than a linked account',
      transferSchema,
      { ...transfer, recipient: 'cust_E5' },
    ],
    ['a list without items', collectionOf(paymentSchema), { count: 0 }],
    ['a list with a malformed item', collectionOf(paymentSchema), { items: [payment, { id: 'pay_X' }] }],
    ['null', orderSchema, null],
  ])('refuses %s with a ProviderRejectedError', (_label, schema, value) => {
    expect(() => validated(schema, value, 'thing')).toThrow(ProviderRejectedError);
    expect(() => validated(schema, value, 'thing')).toThrow(/^Razorpay returned an unexpected thing: /);
  });
});
