import * as fc from 'fast-check';
import { DataSource } from 'typeorm';

import { at, givenBookableShop, localDate } from '../support/bookings';
import { givenAdmin, GivenUser, givenUser } from '../support/factories';
import { assertInvariants, readModelMatchesLiveBookings } from '../support/invariants';
import { GivenShop, shopBody } from '../support/shops';
import { createTestApp, TestApp } from '../support/test-app';

/** Each property sends dozens of requests: generous on a loaded two-core machine, where one may take seconds. */
const FUZZ_TIMEOUT_MS = 120_000;

/** Values a hostile or careless client might put anywhere. */
const junk = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'NaN',
    '-1',
    '1e309',
    '../../etc/passwd',
    "' OR 1=1 --",
    '<script>',
    '\u0000',
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e21, 2 ** 31, -(2 ** 31) - 1),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  fc.string({ minLength: 3000, maxLength: 5000 }),
);

/** A valid body with one field replaced, dropped, or an unexpected one added. */
function mutated(valid: Record<string, unknown>) {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc
      .record({ key: fc.constantFrom(...keys), value: junk })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc
      .constantFrom(...keys)
      .map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key))),
    fc.record({ key: fc.string({ minLength: 1, maxLength: 12 }), value: junk }).map(({ key, value }) => ({
      ...valid,
      [key]: value,
    })),
    // Prototype pollution: a computed key makes an own property, which JSON.stringify sends as such.
    fc
      .record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype'), value: junk })
      .map(({ key, value }) => ({
        ...valid,
        [key]: key === '__proto__' ? { isAdmin: true, role: 'admin' } : value,
      })),
    fc.anything({ maxDepth: 2 }),
  );
}

describe('Fuzzing every request body and query (e2e): no 5xx, no stack trace, the error shape', () => {
  let t: TestApp;
  let admin: GivenUser;
  let owner: GivenUser;
  let customer: GivenUser;
  let shop: GivenShop;
  const date = localDate(5);

  beforeAll(async () => {
    t = await createTestApp();
    admin = await givenAdmin(t);
    owner = await givenUser(t.http, 'shop_owner');
    customer = await givenUser(t.http, 'customer');
    shop = await givenBookableShop(t.http, owner, admin, { staff: 2 });
  });

  afterAll(() => t && assertInvariants(t.app.get(DataSource)));

  afterAll(async () => {
    await t.close();
  });

  function expectHandled(response: { status: number; text: string; body: Record<string, unknown> }) {
    expect(response.status).toBeLessThan(500);
    expect(response.text).not.toMatch(/\n\s+at .+:\d+:\d+/);
    if (response.status >= 400) {
      expect(response.body).toEqual(
        expect.objectContaining({
          statusCode: response.status,
          error: expect.any(String),
          code: expect.any(String),
        }),
      );
    }
  }

  const bodies: Array<[string, string, string, () => GivenUser | undefined, () => Record<string, unknown>]> =
    [
      [
        'POST',
        '/api/v1/auth/register',
        'register',
        () => undefined,
        () => ({ name: 'A', email: 'a@b.co', password: 'password1' }),
      ],
      [
        'POST',
        '/api/v1/auth/login',
        'login',
        () => undefined,
        () => ({ email: 'a@b.co', password: 'password1' }),
      ],
      ['POST', '/api/v1/auth/refresh', 'refresh', () => undefined, () => ({ refreshToken: 'x.y' })],
      ['POST', '/api/v1/shops', 'create shop', () => owner, () => shopBody()],
      [
        'PATCH',
        '/api/v1/shops/:shop',
        'edit shop',
        () => owner,
        () => ({ name: 'Renamed', slotIntervalMinutes: 30 }),
      ],
      [
        'POST',
        '/api/v1/shops/:shop/services',
        'add service',
        () => owner,
        () => ({ name: 'Cut', durationMinutes: 30, pricePaise: 20000 }),
      ],
      ['POST', '/api/v1/shops/:shop/staff', 'add staff', () => owner, () => ({ name: 'Ravi' })],
      [
        'POST',
        '/api/v1/bookings',
        'book',
        () => customer,
        () => ({
          shopId: shop.id,
          serviceId: shop.services[0].id,
          startsAt: at(date, '10:00'),
          paymentMethod: 'PAY_AT_SHOP',
        }),
      ],
      [
        'POST',
        '/api/v1/payments/razorpay/verify',
        'verify payment',
        () => customer,
        () => ({
          razorpay_order_id: 'order_NXt7Zq9Lr2Vb8K',
          razorpay_payment_id: 'pay_NXt7Zq9Lr2Vb8K',
          razorpay_signature: 'a'.repeat(64),
        }),
      ],
      [
        'POST',
        '/api/v1/settlements/runs',
        'settlement run',
        () => admin,
        () => ({ cutoff: '2026-01-01T00:00:00Z' }),
      ],
      [
        'PATCH',
        '/api/v1/shops/:shop',
        'admin edits shop',
        () => admin,
        () => ({ commissionBps: 1200, payoutAccountId: 'acc_CPRsN1LkFccllA' }),
      ],
    ];

  it.each(bodies)(
    '%s %s (%s)',
    async (method, path, _label, user, valid) => {
      const url = path.replace(':shop', shop.id);
      await fc.assert(
        fc.asyncProperty(mutated(valid()), async (body) => {
          const request = method === 'PATCH' ? t.http.patch(url) : t.http.post(url);
          const who = user();
          if (who) request.set('Authorization', `Bearer ${who.accessToken}`);
          // Sent as raw JSON text: bare numbers, strings and nulls are bodies too.
          const json = JSON.stringify(body);
          expectHandled(
            await (json === undefined ? request : request.set('Content-Type', 'application/json').send(json)),
          );
        }),
        { numRuns: 60 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'webhook bodies and signatures of any shape',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ maxLength: 300 }),
          fc.string({ maxLength: 80 }),
          async (raw, signature) => {
            const response = await t.http
              .post('/api/v1/payments/webhooks/razorpay')
              .set('Content-Type', 'application/json')
              .set('X-Razorpay-Signature', signature.replace(/[^\x20-\x7e]/g, ''))
              .send(raw);
            expectHandled(response);
            expect(response.status).toBe(400);
          },
        ),
        { numRuns: 60 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'raw bytes that are not JSON at all',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 200 }), async (raw) => {
          const response = await t.http
            .post('/api/v1/bookings')
            .set('Authorization', `Bearer ${customer.accessToken}`)
            .set('Content-Type', 'application/json')
            .send(raw);
          expectHandled(response);
        }),
        { numRuns: 60 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  const queries: Array<[string, () => GivenUser | undefined, () => Record<string, unknown>]> = [
    ['/api/v1/shops', () => undefined, () => ({ lat: 12.97, lng: 77.59, radiusKm: 5, limit: 10 })],
    ['/api/v1/shops/:shop/slots', () => undefined, () => ({ date, serviceId: shop.services[0].id })],
    ['/api/v1/shops/:shop/services', () => undefined, () => ({ limit: 5 })],
    [
      '/api/v1/bookings',
      () => admin,
      () => ({ status: 'upcoming', shopId: shop.id, from: '2026-01-01T00:00:00Z', limit: 5 }),
    ],
    ['/api/v1/admin/shops', () => admin, () => ({ status: 'active', limit: 5 })],
    ['/api/v1/settlements', () => admin, () => ({ shopId: shop.id, limit: 5 })],
    ['/api/v1/notifications', () => customer, () => ({ limit: 5 })],
    ['/api/v1/admin/notifications', () => admin, () => ({ status: 'failed', limit: 5 })],
  ];

  it.each(queries)(
    'GET %s with hostile query strings',
    async (path, user, valid) => {
      const url = path.replace(':shop', shop.id);
      const asQueryValue = junk.map((value) =>
        typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc
              .record({ key: fc.constantFrom(...Object.keys(valid())), value: asQueryValue })
              .map(({ key, value }) => ({
                ...valid(),
                [key]: value,
              })),
            fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), asQueryValue, { maxKeys: 3 }),
          ),
          async (query) => {
            const request = t.http.get(url).query(query);
            const who = user();
            if (who) request.set('Authorization', `Bearer ${who.accessToken}`);
            expectHandled(await request);
          },
        ),
        { numRuns: 60 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    'path ids that are not UUIDs, or unknown ones',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string({ minLength: 1, maxLength: 60 }), fc.uuid()),
          fc.constantFrom(
            '/api/v1/shops/%',
            '/api/v1/shops/%/slots',
            '/api/v1/shops/%/staff',
            '/api/v1/bookings/%',
            '/api/v1/bookings/%/cancel',
            '/api/v1/settlements/runs/%',
            '/api/v1/shops/%/balance',
            '/api/v1/admin/notifications/%/retry',
          ),
          async (id, template) => {
            const url = template.replace('%', encodeURIComponent(id));
            const request = /(cancel|retry)$/.test(template) ? t.http.post(url) : t.http.get(url);
            expectHandled(await request.set('Authorization', `Bearer ${admin.accessToken}`));
          },
        ),
        { numRuns: 80 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it('left no partial writes: every booking has its read-model entry and no shop lacks its owner', async () => {
    expect(await readModelMatchesLiveBookings(t.app.get(DataSource))).toMatchObject({ pass: true });
  });
});
