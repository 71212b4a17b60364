import Redis from 'ioredis';
import { Client } from 'pg';

/** Drops this run's database and Redis keys, unless KEEP_TEST_DATABASE=1 asks to keep them for a post-mortem. */
export default async function globalTeardown(): Promise<void> {
  const database = process.env.HAIRONE_TEST_DATABASE;
  if (!database || process.env.KEEP_TEST_DATABASE === '1') return;

  const admin = new Client({
    connectionString: process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }

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
