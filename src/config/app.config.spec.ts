import * as fc from 'fast-check';

import { buildAppConfig, ConfigValidationError } from './app.config';
import { MIN_SECRET_LENGTH, weakSecretReason } from './secret-strength';

const STRONG_SECRET = 'vX9#qL2!mR7$tB4^wN8&kP3*zH6(cJ1)';
const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hairone',
  REDIS_URL: 'redis://127.0.0.1:6379/0',
  JWT_SECRET: STRONG_SECRET,
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    buildAppConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  return [];
}

describe('buildAppConfig', () => {
  it('builds a typed configuration with the documented defaults', () => {
    const config = buildAppConfig(valid);
    expect(config.http.port).toBe(3000);
    expect(config.payments.pendingTtlSeconds).toBe(900);
    expect(config.payments.defaultCommissionBps).toBe(1000);
    expect(config.payments.razorpay.apiBaseUrl).toBe('https://api.razorpay.com');
    expect(config.slots.cacheTtlSeconds).toBe(300);
    expect(config.rateLimits).toEqual({
      authPerMinute: 10,
      bookingsPerMinute: 30,
      searchPerMinute: 300,
      defaultPerMinute: 600,
      loginFailuresPerAccount: 10,
      loginFailureWindowSeconds: 900,
    });
    expect(config.http.trustProxy).toBe(false);
    expect(config.jwt).toMatchObject({ secret: STRONG_SECRET, accessTtlSeconds: 900 });
    expect(config.bootstrapAdmin).toBeNull();
    expect(config.settlements).toEqual({ cron: '30 0 * * *', timezone: 'Asia/Kolkata', concurrency: 4 });
    expect(config.queues.lockDurationMs).toBe(30_000);
    expect(config.notifications).toMatchObject({
      smtpUrl: undefined,
      sms: null,
      reminderLeadMinutes: 120,
      attempts: 6,
    });
  });

  it('converts numbers and booleans from their string form', () => {
    const config = buildAppConfig({
      ...valid,
      PORT: '8080',
      DOCS_ENABLED: 'false',
      RATE_LIMIT_AUTH_PER_MINUTE: '3',
    });
    expect(config.http.port).toBe(8080);
    expect(config.http.docsEnabled).toBe(false);
    expect(config.rateLimits.authPerMinute).toBe(3);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['shorter than 32 characters', 'a-short-but-random-Secret-1'],
    ['"secret"', 'secret'],
    ['"changeme"', 'changeme'],
    ['"secret" repeated to length', 'secretsecretsecretsecretsecretsecret'],
    ['"changeme" repeated with separators', 'changeme-changeme-changeme-changeme'],
    ['a single repeated character', 'a'.repeat(64)],
  ])('refuses a JWT_SECRET that is %s, naming the variable', (_label, secret) => {
    const problems = problemsOf({ ...valid, JWT_SECRET: secret });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain('JWT_SECRET');
  });

  it.each(['DATABASE_URL', 'REDIS_URL'])('refuses a missing %s, naming it', (name) => {
    const problems = problemsOf({ ...valid, [name]: undefined });
    expect(problems.join('\n')).toContain(name);
  });

  it.each([
    ['DATABASE_URL', 'mysql://root@localhost/db'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['PORT', '70000'],
    ['DEFAULT_COMMISSION_BPS', '10001'],
    ['RAZORPAY_API_BASE_URL', 'ftp://example.com'],
    ['SETTLEMENT_CRON', 'every night at half past midnight'],
    ['SETTLEMENT_TIMEZONE', 'Mars/Olympus_Mons'],
    ['SETTLEMENT_CONCURRENCY', '0'],
    ['QUEUE_LOCK_DURATION_MS', '10'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['SMS_API_BASE_URL', 'ftp://sms.example.com'],
    ['REMINDER_LEAD_MINUTES', '0'],
    ['NOTIFY_ATTEMPTS', '0'],
  ])('refuses an invalid %s (%s)', (name, value) => {
    expect(problemsOf({ ...valid, [name]: value }).join('\n')).toContain(name);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.0/24,fd00::/8', ['10.0.0.0/8', '192.168.1.0/24', 'fd00::/8']],
    ['loopback,uniquelocal', ['loopback', 'uniquelocal']],
  ])('takes TRUST_PROXY=%s as a hop count or a list of proxies', (value, expected) => {
    expect(buildAppConfig({ ...valid, TRUST_PROXY: value }).http.trustProxy).toEqual(expected);
  });

  it.each(['true', 'TRUE', 'yes', '11', '10.0.0.0/33', '300.1.1.1', 'proxy.example.com', '10.0.0.1,', '-1'])(
    'refuses TRUST_PROXY=%s, naming the variable',
    (value) => {
      expect(problemsOf({ ...valid, TRUST_PROXY: value }).join('\n')).toContain('TRUST_PROXY');
    },
  );

  it('says why TRUST_PROXY=true is refused and what to set instead', () => {
    const [problem] = problemsOf({ ...valid, TRUST_PROXY: 'true' });
    expect(problem).toContain('X-Forwarded-For');
    expect(problem).toMatch(/number of proxies/);
  });

  it('requires a strong METRICS_TOKEN in production, and leaves /metrics open without one elsewhere', () => {
    const production = { ...valid, NODE_ENV: 'production', DOCS_ENABLED: 'false' };
    expect(problemsOf(production)).toEqual([
      expect.stringContaining('"METRICS_TOKEN" is required in production'),
    ]);
    expect(problemsOf({ ...production, METRICS_TOKEN: 'changeme' })).toEqual([
      expect.stringContaining('"METRICS_TOKEN" must be at least'),
    ]);
    expect(problemsOf({ ...valid, METRICS_TOKEN: `${STRONG_SECRET} with spaces` })).toEqual([
      expect.stringContaining('"METRICS_TOKEN" must be printable ASCII without spaces'),
    ]);
    expect(buildAppConfig({ ...production, METRICS_TOKEN: STRONG_SECRET }).metrics.token).toBe(STRONG_SECRET);
    expect(buildAppConfig(valid).metrics.token).toBeUndefined();
  });

  it('refuses a BOOTSTRAP_ADMIN_PASSWORD over 72 bytes, however few characters it has', () => {
    const admin = { ...valid, BOOTSTRAP_ADMIN_EMAIL: 'root@example.test' };
    expect(problemsOf({ ...admin, BOOTSTRAP_ADMIN_PASSWORD: '€'.repeat(30) })).toEqual([
      expect.stringContaining('"BOOTSTRAP_ADMIN_PASSWORD" must be at most 72 bytes in UTF-8'),
    ]);
    expect(problemsOf({ ...admin, BOOTSTRAP_ADMIN_PASSWORD: '€'.repeat(24) })).toEqual([]);
    expect(problemsOf({ ...admin, BOOTSTRAP_ADMIN_PASSWORD: 'x'.repeat(73) })).toHaveLength(1);
  });

  it('refuses a Razorpay API base URL that is not https in production, and accepts one that is', () => {
    const production = {
      ...valid,
      NODE_ENV: 'production',
      DOCS_ENABLED: 'false',
      METRICS_TOKEN: STRONG_SECRET,
    };
    const problems = problemsOf({ ...production, RAZORPAY_API_BASE_URL: 'http://127.0.0.1:4010' });
    expect(problems.join('\n')).toContain('RAZORPAY_API_BASE_URL');
    expect(problems.join('\n')).toContain('https');
    expect(problemsOf({ ...production, RAZORPAY_API_BASE_URL: 'https://api.razorpay.com' })).toEqual([]);
    expect(problemsOf({ ...valid, RAZORPAY_API_BASE_URL: 'http://127.0.0.1:4010' })).toEqual([]);
  });

  it('takes the Razorpay key id, key secret and webhook secret only together', () => {
    expect(buildAppConfig(valid).payments.razorpay.keyId).toBeUndefined();
    const keys = { RAZORPAY_KEY_ID: 'rzp_test_abc123', RAZORPAY_KEY_SECRET: 'key-secret-1' };
    expect(problemsOf({ ...valid, ...keys }).join('\n')).toContain('RAZORPAY_WEBHOOK_SECRET');
    expect(problemsOf({ ...valid, RAZORPAY_KEY_ID: 'rzp_test_abc123' }).join('\n')).toContain(
      'RAZORPAY_KEY_SECRET',
    );
    const config = buildAppConfig({ ...valid, ...keys, RAZORPAY_WEBHOOK_SECRET: 'webhook-secret-1' });
    expect(config.payments.razorpay).toMatchObject({
      keyId: 'rzp_test_abc123',
      keySecret: 'key-secret-1',
      webhookSecret: 'webhook-secret-1',
      timeoutMs: 10_000,
    });
    expect(config.payments.reconcileIntervalSeconds).toBe(30);
  });

  it('takes the SMS provider URL and key only together', () => {
    expect(problemsOf({ ...valid, SMS_API_BASE_URL: 'https://sms.example.com' }).join()).toContain(
      'SMS_API_KEY',
    );
    const config = buildAppConfig({
      ...valid,
      SMS_API_BASE_URL: 'https://sms.example.com',
      SMS_API_KEY: 'sms-key-123',
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
    });
    expect(config.notifications.sms).toEqual({ baseUrl: 'https://sms.example.com', apiKey: 'sms-key-123' });
    expect(config.notifications.smtpUrl).toBe('smtps://user:pass@mail.example.com:465');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({});
    expect(problems.join('\n')).toEqual(expect.stringContaining('DATABASE_URL'));
    expect(problems.join('\n')).toEqual(expect.stringContaining('REDIS_URL'));
    expect(problems.join('\n')).toEqual(expect.stringContaining('JWT_SECRET'));
  });

  it('requires the bootstrap admin e-mail and password together', () => {
    expect(problemsOf({ ...valid, BOOTSTRAP_ADMIN_EMAIL: 'root@example.com' }).join()).toContain(
      'BOOTSTRAP_ADMIN_PASSWORD',
    );
    const config = buildAppConfig({
      ...valid,
      BOOTSTRAP_ADMIN_EMAIL: 'Root@Example.com',
      BOOTSTRAP_ADMIN_PASSWORD: 'a-long-admin-password',
    });
    expect(config.bootstrapAdmin).toEqual({ email: 'root@example.com', password: 'a-long-admin-password' });
  });

  it('parses the CORS allow-list', () => {
    const config = buildAppConfig({ ...valid, CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.http.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});

describe('weakSecretReason', () => {
  it('accepts any long secret drawn from a large alphabet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 96 }), (bytes) => {
        const secret = Buffer.from(bytes).toString('base64url');
        fc.pre(secret.length >= MIN_SECRET_LENGTH && new Set(secret).size >= 10);
        expect(weakSecretReason(secret)).toBeNull();
      }),
    );
  });

  it('refuses every secret shorter than the minimum', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: MIN_SECRET_LENGTH - 1 }), (secret) => {
        expect(weakSecretReason(secret)).not.toBeNull();
      }),
    );
  });

  it('refuses a weak word repeated, in any case, with any separators', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('secret', 'changeme', 'password', 'jwt_secret'),
        fc.constantFrom('', '-', '_', '.', ' '),
        fc.boolean(),
        (word, separator, upper) => {
          const secret = Array(12)
            .fill(upper ? word.toUpperCase() : word)
            .join(separator);
          expect(weakSecretReason(secret)).not.toBeNull();
        },
      ),
    );
  });
});
