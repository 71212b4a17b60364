import * as bcrypt from 'bcrypt';
import { DataSource } from 'typeorm';

import { givenUser, uniqueEmail } from '../support/factories';
import { decodeJwt, forgeJwt } from '../support/jwt';
import { createTestApp, TestApp } from '../support/test-app';

describe('Auth (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /auth/register', () => {
    it('creates a customer by default and returns the user with a token pair', async () => {
      const email = uniqueEmail();
      const response = await t.http
        .post('/api/v1/auth/register')
        .send({ name: 'Asha Rao', email, password: 'correct horse', phone: '+919876543210' })
        .expect(201);

      expect(response.body).toEqual({
        user: expect.objectContaining({ id: expect.any(String), name: 'Asha Rao', email, role: 'customer' }),
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresIn: 900,
      });
      expect(JSON.stringify(response.body)).not.toMatch(/password/i);
    });

    it('registers a shop owner when asked', async () => {
      const owner = await givenUser(t.http, 'shop_owner');
      const me = await t.http.get('/api/v1/auth/me').auth(owner.accessToken, { type: 'bearer' }).expect(200);
      expect(me.body.role).toBe('shop_owner');
    });

    it('stores a bcrypt hash, never the password', async () => {
      const user = await givenUser(t.http);
      const [row] = await t.app
        .get(DataSource)
        .query('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      expect(row.password_hash).toMatch(/^\$2[aby]\$/);
      expect(row.password_hash).not.toContain(user.password);
    });

    it('refuses a second account with the same e-mail, whatever its case: 409 EMAIL_TAKEN', async () => {
      const user = await givenUser(t.http);
      const response = await t.http
        .post('/api/v1/auth/register')
        .send({ name: 'Copy', email: user.email.toUpperCase(), password: 'another password' })
        .expect(409);
      expect(response.body).toMatchObject({ statusCode: 409, error: 'Conflict', code: 'EMAIL_TAKEN' });
    });

    it('lets exactly one of two concurrent registrations with one e-mail succeed', async () => {
      const email = uniqueEmail();
      const body = { name: 'Race', email, password: 'racing password' };
      const statuses = await Promise.all([
        t.http.post('/api/v1/auth/register').send(body),
        t.http.post('/api/v1/auth/register').send(body),
      ]).then((responses) => responses.map((response) => response.status).sort());
      expect(statuses).toEqual([201, 409]);
    });

    it.each([
      ['role admin', { role: 'admin' }],
      ['an unknown role', { role: 'superuser' }],
      ['a password shorter than 8', { password: 'short' }],
      ['a password longer than 72', { password: 'x'.repeat(73) }],
      ['an invalid e-mail', { email: 'not-an-email' }],
      ['an empty name', { name: '   ' }],
      ['an invalid phone', { phone: '12345' }],
      ['a server-owned property', { id: '00000000-0000-0000-0000-000000000000' }],
      ['a password hash', { passwordHash: 'x' }],
      ['a non-string name', { name: 42 }],
    ])('refuses %s with 400', async (_label, patch) => {
      const response = await t.http
        .post('/api/v1/auth/register')
        .send({ name: 'Valid Name', email: uniqueEmail(), password: 'valid password', ...patch })
        .expect(400);
      expect(response.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        code: 'VALIDATION_FAILED',
      });
      expect(typeof response.body.message).toBe('string');
    });

    it('refuses a missing body with 400', async () => {
      await t.http.post('/api/v1/auth/register').expect(400);
    });

    it('refuses a password over 72 bytes in UTF-8 though it has fewer characters (bcrypt would drop the rest)', async () => {
      const password = '€'.repeat(30); // 30 characters, 90 bytes
      const response = await t.http
        .post('/api/v1/auth/register')
        .send({ name: 'Euro Fan', email: uniqueEmail(), password })
        .expect(400);
      expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(response.body.message).toBe(
        'password must be at most 72 bytes in UTF-8, which is 72 plain letters and digits but fewer accented ' +
          'letters, symbols or emoji (it has 90)',
      );
    });

    it('accepts 72 bytes of multi-byte characters, and every one of them counts at login', async () => {
      const email = uniqueEmail();
      const password = '€'.repeat(24); // 72 bytes
      await t.http.post('/api/v1/auth/register').send({ name: 'Euro Fan', email, password }).expect(201);
      await t.http.post('/api/v1/auth/login').send({ email, password }).expect(200);
      await t.http
        .post('/api/v1/auth/login')
        .send({ email, password: `${'€'.repeat(23)}$$$` })
        .expect(401);
    });
  });

  describe('POST /auth/login', () => {
    it('signs in with the right password', async () => {
      const user = await givenUser(t.http);
      const response = await t.http
        .post('/api/v1/auth/login')
        .send({ email: user.email.toUpperCase(), password: user.password })
        .expect(200);
      expect(response.body.user).toMatchObject({ id: user.id, email: user.email, role: 'customer' });
      expect(response.body.accessToken).toEqual(expect.any(String));
      expect(response.body.refreshToken).toEqual(expect.any(String));
    });

    it('answers a wrong password and an unknown e-mail with the same 401', async () => {
      const user = await givenUser(t.http);
      const wrongPassword = await t.http
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: 'not the password' })
        .expect(401);
      const unknownEmail = await t.http
        .post('/api/v1/auth/login')
        .send({ email: uniqueEmail('nobody'), password: 'not the password' })
        .expect(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(wrongPassword.body)).toEqual(strip(unknownEmail.body));
      expect(wrongPassword.body).toMatchObject({
        code: 'INVALID_CREDENTIALS',
        message: 'Invalid e-mail or password',
      });
    });
  });

  describe('POST /auth/login with an over-long password', () => {
    it('answers 401 like any wrong password, not 400, whatever its length', async () => {
      const user = await givenUser(t.http);
      for (const password of ['€'.repeat(30), 'x'.repeat(73), `${user.password}${'x'.repeat(500)}`]) {
        const response = await t.http.post('/api/v1/auth/login').send({ email: user.email, password });
        expect({ length: password.length, status: response.status, code: response.body.code }).toEqual({
          length: password.length,
          status: 401,
          code: 'INVALID_CREDENTIALS',
        });
      }
    });

    it('still signs in an account whose password was set over 72 bytes before the limit', async () => {
      // Registration took up to 72 characters then; bcrypt hashed the first 72 bytes, and compares the same way.
      const user = await givenUser(t.http);
      const legacy = '€'.repeat(30);
      await t.app
        .get(DataSource)
        .query('UPDATE users SET password_hash = $2 WHERE id = $1', [user.id, await bcrypt.hash(legacy, 4)]);
      await t.http.post('/api/v1/auth/login').send({ email: user.email, password: legacy }).expect(200);
    });
  });

  describe('access tokens', () => {
    it('are HS256 with issuer, audience, subject and a short expiry', async () => {
      const user = await givenUser(t.http);
      const { header, payload } = decodeJwt(user.accessToken);
      expect(header.alg).toBe('HS256');
      expect(payload).toMatchObject({
        sub: user.id,
        role: 'customer',
        iss: 'hairone-api',
        aud: 'hairone-clients',
      });
      expect((payload.exp as number) - (payload.iat as number)).toBe(t.config.jwt.accessTtlSeconds);
    });

    it('GET /auth/me needs one', async () => {
      const response = await t.http.get('/api/v1/auth/me').expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, code: 'INVALID_TOKEN' });
    });

    describe('forged or stale tokens are refused with 401', () => {
      let user: Awaited<ReturnType<typeof givenUser>>;
      let claims: Record<string, unknown>;

      beforeAll(async () => {
        user = await givenUser(t.http);
        claims = decodeJwt(user.accessToken).payload;
      });

      const cases: Array<[string, () => string]> = [
        ['alg none', () => forgeJwt({ ...claims, role: 'admin' }, { alg: 'none' })],
        [
          'alg none with the signature kept',
          () => forgeJwt(claims, { alg: 'none' }) + user.accessToken.split('.')[2],
        ],
        [
          'a tampered payload',
          () => {
            const [head, , signature] = user.accessToken.split('.');
            const payload = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
            return `${head}.${payload}.${signature}`;
          },
        ],
        [
          'a foreign secret',
          () => forgeJwt(claims, { secret: 'another-secret-that-is-long-enough-1234567' }),
        ],
        [
          'an expired token',
          () => {
            const now = Math.floor(Date.now() / 1000);
            return forgeJwt({ ...claims, iat: now - 3600, exp: now - 60 }, { secret: t.config.jwt.secret });
          },
        ],
        [
          'a wrong issuer',
          () => forgeJwt({ ...claims, iss: 'someone-else' }, { secret: t.config.jwt.secret }),
        ],
        [
          'a wrong audience',
          () => forgeJwt({ ...claims, aud: 'someone-else' }, { secret: t.config.jwt.secret }),
        ],
        ['another HMAC algorithm', () => forgeJwt(claims, { alg: 'HS512', secret: t.config.jwt.secret })],
        ['an unknown role', () => forgeJwt({ ...claims, role: 'root' }, { secret: t.config.jwt.secret })],
        ['garbage', () => 'not.a.jwt'],
      ];

      it.each(cases)('%s', async (_label, token) => {
        const response = await t.http
          .get('/api/v1/auth/me')
          .set('Authorization', `Bearer ${token()}`)
          .expect(401);
        expect(response.body).toMatchObject({
          statusCode: 401,
          error: 'Unauthorized',
          code: 'INVALID_TOKEN',
        });
      });

      it('while a token signed correctly is accepted (the cases above differ only in what they name)', async () => {
        const token = forgeJwt(claims, { secret: t.config.jwt.secret });
        const response = await t.http
          .get('/api/v1/auth/me')
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
        expect(response.body.id).toBe(user.id);
      });
    });

    it('a non-bearer scheme is refused', async () => {
      const user = await givenUser(t.http);
      await t.http.get('/api/v1/auth/me').set('Authorization', `Basic ${user.accessToken}`).expect(401);
    });
  });

  describe('POST /auth/refresh', () => {
    it('returns a new pair and revokes the used refresh token', async () => {
      const user = await givenUser(t.http);
      const first = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      expect(first.body.user).toMatchObject({ id: user.id });
      expect(first.body.refreshToken).not.toBe(user.refreshToken);
      await t.http.get('/api/v1/auth/me').auth(first.body.accessToken, { type: 'bearer' }).expect(200);

      const reuse = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(401);
      expect(reuse.body.code).toBe('INVALID_REFRESH_TOKEN');
    });

    it('revokes the whole family when a used token comes back (theft detection)', async () => {
      const user = await givenUser(t.http);
      const rotated = await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      // The legitimate holder's newer token dies with the family.
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);
    });

    it('lets exactly one of two concurrent refreshes with one token succeed', async () => {
      const user = await givenUser(t.http);
      const statuses = await Promise.all([
        t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
        t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }),
      ]).then((responses) => responses.map((response) => response.status).sort());
      expect(statuses).toEqual([200, 401]);
    });

    it('keeps other sessions of the same user alive', async () => {
      const user = await givenUser(t.http);
      const otherSession = await t.http
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: user.password })
        .expect(200);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: otherSession.body.refreshToken })
        .expect(200);
    });

    it('refuses an expired refresh token', async () => {
      const user = await givenUser(t.http);
      const [id] = user.refreshToken.split('.');
      await t.app
        .get(DataSource)
        .query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    });

    it.each([
      ['a made-up token', '00000000-0000-0000-0000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['a malformed token', 'nonsense'],
      ['an access token', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
    ])('refuses %s with 401', async (_label, refreshToken) => {
      const response = await t.http.post('/api/v1/auth/refresh').send({ refreshToken }).expect(401);
      expect(response.body.code).toBe('INVALID_REFRESH_TOKEN');
    });

    it('refuses a right id with a wrong secret', async () => {
      const user = await givenUser(t.http);
      const [id] = user.refreshToken.split('.');
      await t.http
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: `${id}.${'B'.repeat(43)}` })
        .expect(401);
      // A guess must not burn the real token.
      await t.http.post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(200);
    });
  });
});
