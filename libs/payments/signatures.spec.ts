import { createHmac } from 'node:crypto';

import * as fc from 'fast-check';

import {
  checkoutSignature,
  hmacSha256Hex,
  signatureMatches,
  verifyCheckoutSignature,
  verifyWebhookSignature,
} from './signatures';

const SECRET = 'webhook-secret-for-tests';

describe('signatures', () => {
  it('computes the checkout signature as Razorpay documents it', () => {
    const expected = createHmac('sha256', 'key-secret').update('order_A|pay_B').digest('hex');
    expect(checkoutSignature('order_A', 'pay_B', 'key-secret')).toBe(expected);
    expect(verifyCheckoutSignature('order_A', 'pay_B', expected, 'key-secret')).toBe(true);
  });

  it('accepts the signature of the exact raw body only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 256 }), (bytes) => {
        const body = Buffer.from(bytes);
        expect(verifyWebhookSignature(body, hmacSha256Hex(SECRET, body), SECRET)).toBe(true);
      }),
    );
  });

  it('rejects a signature made with another secret', () => {
    const body = Buffer.from('{"event":"payment.captured"}');
    expect(verifyWebhookSignature(body, hmacSha256Hex('other-secret', body), SECRET)).toBe(false);
  });

  it('rejects any single changed hex digit', () => {
    const body = Buffer.from('{"a":1}');
    const good = hmacSha256Hex(SECRET, body);
    fc.assert(
      fc.property(fc.nat({ max: 63 }), fc.constantFrom(...'0123456789abcdef'), (index, digit) => {
        fc.pre(good[index] !== digit);
        const forged = good.slice(0, index) + digit + good.slice(index + 1);
        expect(verifyWebhookSignature(body, forged, SECRET)).toBe(false);
      }),
    );
  });

  it('rejects a body changed by re-serialisation', () => {
    const raw = Buffer.from('{ "event": "payment.captured", "amount": 100 }');
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(verifyWebhookSignature(raw, hmacSha256Hex(SECRET, reserialised), SECRET)).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['a number', 12345],
    ['an array', ['a'.repeat(64)]],
    ['empty', ''],
    ['too short', 'a'.repeat(63)],
    ['too long', 'a'.repeat(65)],
    ['not hex', 'g'.repeat(64)],
    ['hex with trailing junk', `${'a'.repeat(64)}\n`],
  ])('rejects a %s signature without throwing', (_label, signature) => {
    expect(verifyWebhookSignature(Buffer.from('x'), signature, SECRET)).toBe(false);
    expect(signatureMatches('a'.repeat(64), signature)).toBe(false);
  });

  it('accepts upper-case hex of the right digest', () => {
    const body = Buffer.from('y');
    expect(verifyWebhookSignature(body, hmacSha256Hex(SECRET, body).toUpperCase(), SECRET)).toBe(true);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (signature) => {
        expect(typeof verifyWebhookSignature(Buffer.from('z'), signature, SECRET)).toBe('boolean');
      }),
    );
  });
});
