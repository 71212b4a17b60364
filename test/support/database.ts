import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { runMigrations } from '../../src/database/migrate';
import { testConfig } from './test-env';

function serverUrl(): string {
  return process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A migrated database for one suite alone, for tests whose subject is the whole database (e.g. "no admin exists
 * yet") and that would otherwise race with the suites sharing this run's database.
 */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `${process.env.HAIRONE_TEST_DATABASE}_s${randomBytes(3).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  await runMigrations(testConfig({ DATABASE_URL: url.toString() }));
  return {
    url: url.toString(),
    drop: () =>
      onServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
