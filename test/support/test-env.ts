import { AppConfig, buildAppConfig } from '../../src/config/app.config';

/** The variables the global set-up prepared for this run (its own database, Redis key prefix and secret). */
const TEST_VARIABLES = [
  'NODE_ENV',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'JWT_SECRET',
  'LOG_LEVEL',
  'BCRYPT_COST',
  'RATE_LIMIT_AUTH_PER_MINUTE',
  'RATE_LIMIT_BOOKINGS_PER_MINUTE',
  'RATE_LIMIT_SEARCH_PER_MINUTE',
  'RATE_LIMIT_DEFAULT_PER_MINUTE',
  'LOGIN_FAILURES_PER_ACCOUNT',
  'BOOKING_MIN_NOTICE_MINUTES',
  'RAZORPAY_API_BASE_URL',
  'RAZORPAY_KEY_ID',
  'RAZORPAY_KEY_SECRET',
  'RAZORPAY_WEBHOOK_SECRET',
] as const;

export function testEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of TEST_VARIABLES) env[name] = process.env[name];
  return { ...env, ...overrides };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  return buildAppConfig(testEnv(overrides));
}
