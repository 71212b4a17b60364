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
});
