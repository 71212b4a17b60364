import { randomBytes } from 'node:crypto';

import { RazorpayStandIn } from '../../dev/razorpay-stand-in/razorpay-stand-in';
import { runMigrations } from '../../src/database/migrate';
import { createTestDatabase } from './database';
import { testConfig } from './test-env';

/**
 * Gives this test run a database of its own (created, then migrated with the real migrations) and its own Redis
 * key prefix, and refuses to run against a database whose name does not say it is for tests.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `hairone_test_${runId}`;
  const databaseUrl = await createTestDatabase(database);

  // One Razorpay stand-in for the run (suites that inject faults start their own). It lives in this process
  // until the global teardown; suites reach its control API over HTTP.
  const razorpay = {
    keyId: 'rzp_test_hairone',
    keySecret: randomBytes(24).toString('hex'),
    webhookSecret: randomBytes(24).toString('hex'),
  };
  const standIn = new RazorpayStandIn(razorpay);
  (globalThis as { razorpayStandIn?: RazorpayStandIn }).razorpayStandIn = standIn;

  Object.assign(process.env, {
    NODE_ENV: 'test',
    HAIRONE_TEST_DATABASE: database,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    REDIS_KEY_PREFIX: `hairone-test-${runId}:`,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    BCRYPT_COST: '4',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    RATE_LIMIT_BOOKINGS_PER_MINUTE: '100000',
    RATE_LIMIT_SEARCH_PER_MINUTE: '100000',
    RATE_LIMIT_DEFAULT_PER_MINUTE: '100000',
    LOGIN_FAILURES_PER_ACCOUNT: '100000',
    RAZORPAY_API_BASE_URL: await standIn.listen(),
    RAZORPAY_KEY_ID: razorpay.keyId,
    RAZORPAY_KEY_SECRET: razorpay.keySecret,
    RAZORPAY_WEBHOOK_SECRET: razorpay.webhookSecret,
  });

  await runMigrations(testConfig());
}
