import { isIP } from 'node:net';

import { parseExpression } from 'cron-parser';
import * as Joi from 'joi';
import { IANAZone } from 'luxon';

import { fitsBcrypt, PASSWORD_MAX_BYTES } from '../../libs/auth/password';
import { weakSecretReason } from './secret-strength';

const postgresUrl = Joi.string().uri({ scheme: ['postgres', 'postgresql'] });
const redisUrl = Joi.string().uri({ scheme: ['redis', 'rediss'] });
const metricsToken = Joi.string()
  .max(256)
  .pattern(/^[\x21-\x7e]+$/)
  .custom((value: string, helpers) => {
    const reason = weakSecretReason(value);
    return reason ? helpers.message({ custom: `"METRICS_TOKEN" ${reason}` }) : value;
  })
  .messages({ 'string.pattern.base': '"METRICS_TOKEN" must be printable ASCII without spaces' });

/** proxy-addr's names for address ranges, accepted in a TRUST_PROXY list. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_PROXY_HOPS = 10;

/** An address, a CIDR or a range name of proxy-addr. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Why a TRUST_PROXY value is refused, or null. `true` is refused: it believes any client's X-Forwarded-For. */
function trustProxyProblem(value: string): string | null {
  if (/^(true|yes|on)$/i.test(value))
    return (
      'no longer accepts "true", which trusts any client-supplied X-Forwarded-For (every rate limit could be ' +
      'bypassed): set the number of proxies in front of the API (e.g. 1 behind one load balancer) or their ' +
      'addresses/CIDRs (e.g. 10.0.0.0/8), or false'
    );
  if (/^(false|no|off)$/i.test(value) || /^\d+$/.test(value)) {
    return /^\d+$/.test(value) && Number(value) > MAX_PROXY_HOPS
      ? `must be at most ${MAX_PROXY_HOPS} proxies`
      : null;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !isProxyAddress(entry));
  return bad === undefined
    ? null
    : `holds "${bad}", which is not a proxy count, an IP address, a CIDR or loopback/linklocal/uniquelocal`;
}

/** What Fastify's `trustProxy` gets from a valid TRUST_PROXY: false, a hop count, or a list of addresses. */
export function trustProxy(value: string): false | number | string[] {
  if (/^(false|no|off)$/i.test(value)) return false;
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return value.split(',').map((entry) => entry.trim());
}

const perMinute = (fallback: number) => Joi.number().integer().min(1).max(1_000_000).default(fallback);

/**
 * The one schema for every environment variable HairOne reads. The API, the worker, the migration CLI and the
 * seed all validate against it before they touch anything else.
 */
export const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  HOST: Joi.string().default('0.0.0.0'),
  PORT: Joi.number().port().default(3000),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  // Which proxies' X-Forwarded-For to believe: `false` (none), a hop count, or their addresses/CIDRs (trustProxy()).
  TRUST_PROXY: Joi.string()
    .trim()
    .custom((value: string, helpers) => {
      const problem = trustProxyProblem(value);
      return problem ? helpers.message({ custom: `"TRUST_PROXY" ${problem}` }) : value;
    })
    .default('false'),
  BODY_LIMIT_BYTES: Joi.number()
    .integer()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(100 * 1024),
  CORS_ORIGINS: Joi.string().allow('').default(''),
  DOCS_ENABLED: Joi.boolean().default(true),
  // Bearer token /metrics requires when set; production must set it, since a scrape runs database and Redis queries.
  METRICS_TOKEN: Joi.when('NODE_ENV', {
    is: 'production',
    then: metricsToken.required().messages({
      'any.required':
        '"METRICS_TOKEN" is required in production (GET /metrics then answers only that bearer token)',
    }),
    otherwise: metricsToken,
  }),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(1000).max(300_000).default(15_000),

  DATABASE_URL: postgresUrl.required(),
  DATABASE_POOL_SIZE: Joi.number().integer().min(1).max(200).default(10),
  DATABASE_REPLICA_URLS: Joi.string()
    .allow('')
    .custom((value: string, helpers) => {
      for (const url of value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)) {
        if (postgresUrl.validate(url).error) {
          return helpers.message({
            custom: `"DATABASE_REPLICA_URLS" holds "${url}", which is not a postgres URL`,
          });
        }
      }
      return value;
    })
    .default(''),
  DATABASE_REPLICA_MAX_LAG_MS: Joi.number().integer().min(0).max(600_000).default(2000),
  REDIS_URL: redisUrl.required(),
  // No braces: keys carry their own Redis Cluster hash tags (src/redis/redis-keys.ts).
  REDIS_KEY_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9:_-]+$/)
    .default('hairone:'),

  JWT_SECRET: Joi.string()
    .required()
    .custom((value: string, helpers) => {
      const reason = weakSecretReason(value);
      return reason ? helpers.message({ custom: `"JWT_SECRET" ${reason}` }) : value;
    }),
  JWT_ISSUER: Joi.string().default('hairone-api'),
  JWT_AUDIENCE: Joi.string().default('hairone-clients'),
  JWT_ACCESS_TTL_SECONDS: Joi.number().integer().min(30).max(86_400).default(900),
  JWT_REFRESH_TTL_SECONDS: Joi.number()
    .integer()
    .min(300)
    .max(90 * 86_400)
    .default(30 * 86_400),
  BCRYPT_COST: Joi.number().integer().min(4).max(15).default(12),

  BOOTSTRAP_ADMIN_EMAIL: Joi.string().email({ tlds: false }),
  BOOTSTRAP_ADMIN_PASSWORD: Joi.string()
    .min(12)
    .custom((value: string, helpers) =>
      !fitsBcrypt(value)
        ? helpers.message({
            custom: `"BOOTSTRAP_ADMIN_PASSWORD" must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt reads no more)`,
          })
        : value,
    ),

  RATE_LIMIT_AUTH_PER_MINUTE: perMinute(10),
  RATE_LIMIT_BOOKINGS_PER_MINUTE: perMinute(30),
  RATE_LIMIT_SEARCH_PER_MINUTE: perMinute(300),
  RATE_LIMIT_DEFAULT_PER_MINUTE: perMinute(600),
  // Failed logins per e-mail address, whatever addresses they come from, in one window.
  LOGIN_FAILURES_PER_ACCOUNT: Joi.number().integer().min(1).max(1_000_000).default(10),
  LOGIN_FAILURE_WINDOW_SECONDS: Joi.number().integer().min(1).max(86_400).default(900),

  PAYMENT_PENDING_TTL_SECONDS: Joi.number().integer().min(60).max(86_400).default(900),
  DEFAULT_COMMISSION_BPS: Joi.number().integer().min(0).max(10_000).default(1000),
  // Plain http only outside production: the local stand-in and tests.
  RAZORPAY_API_BASE_URL: Joi.when('NODE_ENV', {
    is: 'production',
    then: Joi.string()
      .uri({ scheme: ['https'] })
      .messages({
        'string.uriCustomScheme': '"RAZORPAY_API_BASE_URL" must be an https URL in production',
      }),
    otherwise: Joi.string().uri({ scheme: ['http', 'https'] }),
  }).default('https://api.razorpay.com'),
  RAZORPAY_KEY_ID: Joi.string()
    .max(100)
    .pattern(/^[A-Za-z0-9_]+$/),
  RAZORPAY_KEY_SECRET: Joi.string().min(8),
  RAZORPAY_WEBHOOK_SECRET: Joi.string().min(8),
  RAZORPAY_WEBHOOK_SECRET_PREVIOUS: Joi.string().min(8),
  RAZORPAY_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(10_000),
  PAYMENT_RECONCILE_INTERVAL_SECONDS: Joi.number().integer().min(1).max(3600).default(30),
  SLOTS_CACHE_TTL_SECONDS: Joi.number().integer().min(1).max(3600).default(300),
  CACHE_REDIS_URL: redisUrl,
  BOOKING_MIN_NOTICE_MINUTES: Joi.number()
    .integer()
    .min(0)
    .max(7 * 24 * 60)
    .default(30),
  BOOKING_HORIZON_DAYS: Joi.number().integer().min(1).max(365).default(60),
  HOLD_SWEEP_INTERVAL_SECONDS: Joi.number().integer().min(1).max(3600).default(15),
  SETTLEMENT_CRON: Joi.string()
    .max(100)
    .custom((value: string, helpers) => {
      try {
        parseExpression(value);
        return value;
      } catch {
        return helpers.message({
          custom: '"SETTLEMENT_CRON" must be a cron expression such as "30 0 * * *"',
        });
      }
    })
    .default('30 0 * * *'),
  SETTLEMENT_TIMEZONE: Joi.string()
    .custom((value: string, helpers) =>
      IANAZone.isValidZone(value)
        ? value
        : helpers.message({ custom: '"SETTLEMENT_TIMEZONE" must be an IANA time zone such as Asia/Kolkata' }),
    )
    .default('Asia/Kolkata'),
  SETTLEMENT_CONCURRENCY: Joi.number().integer().min(1).max(64).default(4),
  QUEUE_LOCK_DURATION_MS: Joi.number().integer().min(1000).max(600_000).default(30_000),
  SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }),
  NOTIFY_FROM: Joi.string().max(200).default('HairOne <no-reply@hairone.local>'),
  SMS_API_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  SMS_API_KEY: Joi.string().min(8),
  REMINDER_LEAD_MINUTES: Joi.number()
    .integer()
    .min(1)
    .max(7 * 24 * 60)
    .default(120),
  NOTIFY_ATTEMPTS: Joi.number().integer().min(1).max(20).default(6),
  NOTIFY_BACKOFF_MS: Joi.number().integer().min(100).max(3_600_000).default(5000),
  NOTIFY_TIMEOUT_MS: Joi.number().integer().min(100).max(120_000).default(10_000),
  NOTIFY_RELAY_INTERVAL_MS: Joi.number().integer().min(50).max(60_000).default(500),
})
  .and('BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD')
  .and('RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET')
  .with('RAZORPAY_KEY_ID', 'RAZORPAY_WEBHOOK_SECRET')
  .and('SMS_API_BASE_URL', 'SMS_API_KEY')
  .with('RAZORPAY_WEBHOOK_SECRET_PREVIOUS', 'RAZORPAY_WEBHOOK_SECRET')
  .unknown(true);
