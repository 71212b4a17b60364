import { randomBytes } from 'node:crypto';

import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';

import { givenAdmin, givenUser } from '../support/factories';
import { ProbeModule } from '../support/probe.module';
import { createTestApp, TestApp } from '../support/test-app';

describe('Cross-cutting behaviour (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT_BYTES: '4096' }, [ProbeModule]);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('error shape', () => {
    it('malformed JSON -> 400 INVALID_JSON', async () => {
      const response = await t.http
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"email": "a@b.c", ')
        .expect(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(String),
        code: 'INVALID_JSON',
        requestId: expect.any(String),
      });
    });

    it('a body over BODY_LIMIT_BYTES -> 413 PAYLOAD_TOO_LARGE', async () => {
      const response = await t.http
        .post('/api/v1/auth/register')
        .send({ name: 'x'.repeat(5000), email: 'a@b.c', password: 'long enough' })
        .expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    });

    it('a request line and headers over the parser limit -> 431 HEADERS_TOO_LARGE, in the same shape', async () => {
      // Found by the fuzzing: Node's parser refuses it before the app sees it.
      const response = await t.http.get('/api/v1/shops').query({ a: ' '.repeat(9000), b: ' '.repeat(9000) });
      expect(response.status).toBe(431);
      expect(response.body).toEqual({
        statusCode: 431,
        error: 'Request Header Fields Too Large',
        message: expect.any(String),
        code: 'HEADERS_TOO_LARGE',
      });
    });

    it('an unsupported content type -> 415', async () => {
      const response = await t.http
        .post('/api/v1/auth/login')
        .set('Content-Type', 'application/xml')
        .send('<login/>')
        .expect(415);
      expect(response.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('an unknown route -> 404 in the same shape', async () => {
      const response = await t.http.get('/api/v1/no-such-thing').expect(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'NOT_FOUND' });
    });

    it('an unexpected error -> a bare 500 without details or stack', async () => {
      const response = await t.http.get('/api/v1/probe/boom').expect(500);
      expect(response.body).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Internal server error',
        code: 'INTERNAL',
        requestId: expect.any(String),
      });
      expect(response.text).not.toMatch(/secret internals|db\.ts|at .*\(/);
    });

    it.each([
      ['a string', '" "'],
      ['a number', '42'],
      ['null', 'null'],
      ['an array', '[{"name":"x"}]'],
    ])('a body that is %s instead of an object -> 400', async (_label, raw) => {
      const response = await t.http
        .post('/api/v1/auth/refresh')
        .set('Content-Type', 'application/json')
        .send(raw)
        .expect(400);
      expect(response.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'The request body must be a JSON object',
      });
    });

    it('lists every validation problem in details', async () => {
      const response = await t.http
        .post('/api/v1/auth/register')
        .send({ email: 'nope', password: 'short', extra: true })
        .expect(400);
      expect(response.body.details).toEqual(
        expect.arrayContaining([
          expect.stringContaining('extra'),
          expect.stringContaining('email'),
          expect.stringContaining('password'),
          expect.stringContaining('name'),
        ]),
      );
    });
  });

  describe('roles guard', () => {
    it('lets the named roles through and refuses the others with 403', async () => {
      const [customer, owner, admin] = [
        await givenUser(t.http, 'customer'),
        await givenUser(t.http, 'shop_owner'),
        await givenAdmin(t),
      ];
      const get = (path: string, token: string) => t.http.get(path).set('Authorization', `Bearer ${token}`);

      expect((await get('/api/v1/probe/admin', admin.accessToken)).status).toBe(200);
      expect((await get('/api/v1/probe/admin', owner.accessToken)).status).toBe(403);
      expect((await get('/api/v1/probe/admin', customer.accessToken)).status).toBe(403);
      expect((await get('/api/v1/probe/staff', owner.accessToken)).status).toBe(200);
      expect((await get('/api/v1/probe/staff', admin.accessToken)).status).toBe(200);
      const refused = await get('/api/v1/probe/staff', customer.accessToken).expect(403);
      expect(refused.body).toMatchObject({ statusCode: 403, error: 'Forbidden', code: 'FORBIDDEN' });
    });

    it('answers 401, not 403, without a token', async () => {
      await t.http.get('/api/v1/probe/admin').expect(401);
    });
  });

  describe('request ids and headers', () => {
    it('gives every response an X-Request-Id, echoed in error bodies', async () => {
      const response = await t.http.get('/api/v1/no-such-thing');
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
      expect(response.body.requestId).toBe(response.headers['x-request-id']);
    });

    it("keeps a caller's well-formed X-Request-Id and replaces a malformed one", async () => {
      const kept = await t.http.get('/health').set('X-Request-Id', 'trace-1234-abcd');
      expect(kept.headers['x-request-id']).toBe('trace-1234-abcd');
      const replaced = await t.http.get('/health').set('X-Request-Id', 'bad id with spaces');
      expect(replaced.headers['x-request-id']).not.toBe('bad id with spaces');
    });

    it('sends security headers (helmet)', async () => {
      const response = await t.http.get('/health');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['strict-transport-security']).toBeDefined();
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      // Swagger UI must load on plain-HTTP hosts too: nothing may be upgraded to https.
      expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('GET /metrics', () => {
    it('exposes process metrics and the HTTP histogram by route template and status', async () => {
      await t.http
        .post('/api/v1/auth/login')
        .send({ email: 'nobody@example.test', password: 'x' })
        .expect(401);
      const response = await t.http.get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.text).toContain('process_cpu_user_seconds_total');
      expect(response.text).toMatch(
        /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/auth\/login",status_code="401"\} [1-9]/,
      );
    });

    it('reports the depth of every Bull queue by state', async () => {
      const settlements = t.app.get<Queue>(getQueueToken('settlements'), { strict: false });
      const job = await settlements.add('metrics-probe', {}, { delay: 3_600_000 });
      try {
        const response = await t.http.get('/metrics').expect(200);
        expect(response.text).toMatch(/queue_jobs\{queue="settlements",state="delayed"\} [1-9]/);
        for (const queue of ['payments', 'settlements', 'notifications']) {
          for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
            expect(response.text).toMatch(
              new RegExp(`queue_jobs\\{queue="${queue}",state="${state}"\\} \\d+`),
            );
          }
        }
      } finally {
        await job.remove();
      }
    });
  });

  describe('OpenAPI', () => {
    it('serves Swagger UI at /docs', async () => {
      const response = await t.http.get('/docs').redirects(1).expect(200);
      expect(response.text).toContain('swagger-ui');
    });

    it('describes every auth endpoint, bearer auth and the error shape at /docs-json', async () => {
      const { body } = await t.http.get('/docs-json').expect(200);
      expect(body.openapi).toMatch(/^3\./);
      for (const path of [
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/auth/me',
      ]) {
        expect(body.paths).toHaveProperty([path]);
      }
      expect(body.paths['/health']).toBeDefined();
      expect(body.paths['/metrics']).toBeDefined();
      expect(body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(body.components.schemas.ErrorResponseDto.required).toEqual(
        expect.arrayContaining(['statusCode', 'error', 'message', 'code']),
      );
      const register = body.paths['/api/v1/auth/register'].post;
      expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '400', '409', '429']));
      expect(body.components.schemas.RegisterDto.properties.role.enum).toEqual(['customer', 'shop_owner']);
      expect(body.paths['/api/v1/auth/me'].get.security).toEqual([{ bearer: [] }]);
      // Who may call what is part of the document.
      expect(body.paths['/api/v1/auth/me'].get['x-roles']).toEqual(['customer', 'shop_owner', 'admin']);
      expect(body.paths['/api/v1/shops/{id}/approve'].post['x-roles']).toEqual(['admin']);
      expect(body.paths['/api/v1/bookings'].post['x-roles']).toEqual(['customer']);
    });
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const token = randomBytes(32).toString('base64url');
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ METRICS_TOKEN: token });
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers 401 without the token, with a wrong one or another scheme, in the shared error shape', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${token}x`,
      `Bearer ${token.slice(1)}`,
      `Basic ${token}`,
      token,
    ]) {
      const request = t.http.get('/metrics');
      if (authorization) request.set('Authorization', authorization);
      const response = await request;
      expect({ authorization, status: response.status, code: response.body.code }).toEqual({
        authorization,
        status: 401,
        code: 'INVALID_METRICS_TOKEN',
      });
      expect(response.text).not.toContain('process_cpu_user_seconds_total');
    }
  });

  it('serves the metrics with Authorization: Bearer <METRICS_TOKEN>', async () => {
    const response = await t.http.get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(response.text).toContain('process_cpu_user_seconds_total');
  });

  it('leaves every other route as it was', async () => {
    await t.http.get('/health').expect(200);
  });
});

describe('OpenAPI switched off', () => {
  it('DOCS_ENABLED=false serves neither /docs nor /docs-json', async () => {
    const t = await createTestApp({ DOCS_ENABLED: 'false' });
    try {
      await t.http.get('/docs').expect(404);
      await t.http.get('/docs-json').expect(404);
    } finally {
      await t.close();
    }
  });
});

describe('CORS allow-list', () => {
  const preflight = (t: TestApp, origin: string) =>
    t.http
      .options('/api/v1/shops')
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');

  it('answers only the origins in CORS_ORIGINS', async () => {
    const t = await createTestApp({ CORS_ORIGINS: 'https://app.hairone.in, https://partners.hairone.in' });
    try {
      for (const origin of ['https://app.hairone.in', 'https://partners.hairone.in']) {
        const allowed = await preflight(t, origin).expect(204);
        expect(allowed.headers['access-control-allow-origin']).toBe(origin);
      }
      const refused = await preflight(t, 'https://evil.example');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      const simple = await t.http.get('/health').set('Origin', 'https://evil.example');
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('allows no cross-origin caller when CORS_ORIGINS is empty', async () => {
    const t = await createTestApp({ CORS_ORIGINS: '' });
    try {
      const response = await preflight(t, 'https://app.hairone.in');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe('Page-size caps', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    '/api/v1/shops?lat=12.97&lng=77.59&limit=',
    '/api/v1/bookings?limit=',
    '/api/v1/notifications?limit=',
  ])('%s accepts 100 and refuses 101 with 400', async (path) => {
    const customer = await givenUser(t.http, 'customer');
    const auth = { Authorization: `Bearer ${customer.accessToken}` };
    await t.http.get(`${path}100`).set(auth).expect(200);
    const refused = await t.http.get(`${path}101`).set(auth).expect(400);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(refused.body.message).toMatch(/limit/);
  });
});
