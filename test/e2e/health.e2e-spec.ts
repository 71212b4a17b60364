import { TcpProxy } from '../support/tcp-proxy';
import { createTestApp, TestApp } from '../support/test-app';
import { testEnv } from '../support/test-env';

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('GET /health (e2e)', () => {
  const env = testEnv();
  const databaseUrl = new URL(env.DATABASE_URL as string);
  const redisUrl = new URL(env.REDIS_URL as string);
  const databaseProxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
  const redisProxy = new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
  let t: TestApp;

  beforeAll(async () => {
    await databaseProxy.start();
    await redisProxy.start();
    t = await createTestApp({
      DATABASE_URL: databaseProxy.url(env.DATABASE_URL as string),
      REDIS_URL: redisProxy.url(env.REDIS_URL as string),
    });
  });

  afterAll(async () => {
    await t.close();
    await databaseProxy.stop();
    await redisProxy.stop();
  });

  it('is 200 when PostgreSQL and Redis answer', async () => {
    const response = await t.http.get('/health').expect(200);
    expect(response.body).toMatchObject({
      status: 'ok',
      details: { database: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('is 503 naming the database while PostgreSQL is unreachable, and 200 again once it is back', async () => {
    await databaseProxy.stop();
    const response = await t.http.get('/health').expect(503);
    expect(response.body).toMatchObject({ statusCode: 503, code: 'UNHEALTHY' });
    expect(response.body.message).toContain('database');
    expect(response.body.message).not.toContain('redis');

    await databaseProxy.start();
    await eventually(async () => {
      await t.http.get('/health').expect(200);
    });
  });

  it('is 503 naming Redis while Redis is unreachable, and 200 again once it is back', async () => {
    await redisProxy.stop();
    await eventually(async () => {
      const response = await t.http.get('/health').expect(503);
      expect(response.body.message).toContain('redis');
      expect(response.body.message).not.toContain('database');
    });

    await redisProxy.start();
    await eventually(async () => {
      await t.http.get('/health').expect(200);
    });
  });

  it('keeps accounts working while Redis is down (the rate limiter fails open)', async () => {
    await redisProxy.stop();
    try {
      await t.http
        .post('/api/v1/auth/register')
        .send({
          name: 'No Redis',
          email: `noredis-${Date.now()}@example.test`,
          password: 'password during outage',
        })
        .expect(201);
    } finally {
      await redisProxy.start();
    }
  });
});
