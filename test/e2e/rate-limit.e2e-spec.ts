import { randomUUID } from 'node:crypto';

import { createTestApp, TestApp } from '../support/test-app';

describe('Rate limiting (e2e)', () => {
  // Two API instances sharing Redis, as behind a load balancer; a fresh key prefix isolates this suite.
  const limits = {
    REDIS_KEY_PREFIX: `hairone-test-ratelimit-${randomUUID()}:`,
    RATE_LIMIT_AUTH_PER_MINUTE: '4',
    RATE_LIMIT_SEARCH_PER_MINUTE: '3',
    RATE_LIMIT_BOOKINGS_PER_MINUTE: '2',
    RATE_LIMIT_DEFAULT_PER_MINUTE: '1000',
  };
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await createTestApp(limits);
    second = await createTestApp(limits);
  });

  afterAll(async () => {
    await first.close();
    await second.close();
  });

  const login = (t: TestApp) =>
    t.http.post('/api/v1/auth/login').send({ email: 'nobody@example.test', password: 'wrong password' });

  it('holds the auth limit per client across instances and answers 429 with Retry-After', async () => {
    const statuses = [
      (await login(first)).status,
      (await login(second)).status,
      (await first.http.post('/api/v1/auth/refresh').send({ refreshToken: 'x' })).status,
      (await second.http.post('/api/v1/auth/register').send({})).status,
    ];
    expect(statuses).toEqual([401, 401, 401, 400]);

    const limited = await login(first).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await login(second).expect(429);
  });

  it('limits nearby search and slots together, per client, across instances', async () => {
    const search = (t: TestApp) => t.http.get('/api/v1/shops').query({ lat: 12.97, lng: 77.59 });
    expect((await search(first)).status).toBe(200);
    expect((await search(second)).status).toBe(200);
    const slots = await first.http
      .get(`/api/v1/shops/${randomUUID()}/slots`)
      .query({ date: '2030-01-01', serviceId: randomUUID() });
    expect(slots.status).not.toBe(429);
    const limited = await search(second).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    // Other routes keep their own budget.
    expect((await first.http.get('/api/v1/shops/mine')).status).toBe(401);
  });

  it('limits booking creation per client across instances, before authentication is even looked at', async () => {
    const create = (t: TestApp) => t.http.post('/api/v1/bookings').send({});
    expect((await create(first)).status).toBe(401);
    expect((await create(second)).status).toBe(401);
    const limited = await create(first).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Reading bookings is not booking: it keeps the default budget.
    expect((await second.http.get('/api/v1/bookings')).status).toBe(401);
  });

  it('does not count other routes against the auth budget', async () => {
    const response = await first.http.get('/api/v1/auth/me');
    expect(response.status).toBe(401);
  });

  describe('behind a proxy (TRUST_PROXY=1)', () => {
    let proxied: TestApp;
    let proxiedToo: TestApp;

    beforeAll(async () => {
      const behindOneProxy = {
        REDIS_KEY_PREFIX: `hairone-test-ratelimit-proxy-${randomUUID()}:`,
        TRUST_PROXY: '1',
        RATE_LIMIT_AUTH_PER_MINUTE: '3',
        LOGIN_FAILURES_PER_ACCOUNT: '3',
        LOGIN_FAILURE_WINDOW_SECONDS: '600',
      };
      proxied = await createTestApp(behindOneProxy);
      proxiedToo = await createTestApp(behindOneProxy);
    });

    afterAll(async () => {
      await proxied?.close();
      await proxiedToo?.close();
    });

    /** A login as the load balancer forwards it: whatever the client sent, then the address the proxy saw. */
    const loginVia = (
      t: TestApp,
      forwardedFor: string,
      email = uniqueAccount(),
      password = 'wrong password',
    ) => t.http.post('/api/v1/auth/login').set('X-Forwarded-For', forwardedFor).send({ email, password });
    const uniqueAccount = () => `nobody-${randomUUID()}@example.test`;
    /** A customer registered from an address of its own (registering counts against the auth budget too). */
    const register = async (from: string) => {
      const email = uniqueAccount().replace('nobody', 'customer');
      const password = `pw-${randomUUID()}`;
      await proxied.http
        .post('/api/v1/auth/register')
        .set('X-Forwarded-For', from)
        .send({ name: 'Test customer', email, password })
        .expect(201);
      return { email, password };
    };

    it('keys the limit on the address the proxy saw: a spoofed left-most X-Forwarded-For changes nothing', async () => {
      const client = '203.0.113.7';
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await loginVia(i % 2 ? proxied : proxiedToo, `198.18.0.${i + 1}, ${client}`)).status);
      expect(statuses).toEqual([401, 401, 401]);
      // A fourth spoofed address, and several at once: the same client, so the same budget.
      const limited = await loginVia(proxied, `10.9.8.7, 198.18.0.99, ${client}`).expect(429);
      expect(limited.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
      await loginVia(proxiedToo, client).expect(429);
      // Another client behind the same proxy has a budget of its own.
      await loginVia(proxied, `198.18.0.1, 203.0.113.8`).expect(401);
    });

    it('limits failed logins per account across client addresses and instances, with Retry-After', async () => {
      const user = await register('198.51.100.1');
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await loginVia(i % 2 ? proxied : proxiedToo, `192.0.2.${10 + i}`, user.email)).status);
      expect(statuses).toEqual([401, 401, 401]);

      // A fresh address, another instance, even the right password: the account's failures are spent.
      const limited = await loginVia(proxiedToo, '192.0.2.50', user.email, user.password).expect(429);
      expect(limited.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'RATE_LIMITED',
      });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      // The address does not matter, nor does the case of the e-mail.
      await loginVia(proxied, '192.0.2.51', user.email.toUpperCase()).expect(429);

      // Other accounts are not affected.
      const other = await register('198.51.100.2');
      await loginVia(proxied, '192.0.2.52', other.email, other.password).expect(200);
    });

    it('does not count successful logins', async () => {
      const user = await register('198.51.100.3');
      for (let i = 0; i < 5; i++)
        await loginVia(i % 2 ? proxied : proxiedToo, `192.0.2.${100 + i}`, user.email, user.password).expect(
          200,
        );
      // Failures still count up to the limit, and no further.
      for (let i = 0; i < 3; i++) await loginVia(proxied, `192.0.2.${110 + i}`, user.email).expect(401);
      await loginVia(proxied, '192.0.2.120', user.email, user.password).expect(429);
    });
  });
});
