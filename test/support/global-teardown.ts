import Redis from 'ioredis';

import { RazorpayStandIn } from '../../dev/razorpay-stand-in/razorpay-stand-in';
import { dropTestDatabase } from './database';

/** Drops this run's database and Redis keys, unless KEEP_TEST_DATABASE=1 asks to keep them for a post-mortem. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { razorpayStandIn?: RazorpayStandIn }).razorpayStandIn?.close();
  const database = process.env.HAIRONE_TEST_DATABASE;
  if (!database || process.env.KEEP_TEST_DATABASE === '1') return;

  await dropTestDatabase(database);

  const redis = new Redis(process.env.REDIS_URL as string);
  try {
    const prefix = process.env.REDIS_KEY_PREFIX as string;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
