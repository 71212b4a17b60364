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

/**
 * Creates an empty database on the test server and returns its URL. Refuses any name that does not say it is for
 * tests, so no set-up can ever touch a real database.
 */
export async function createTestDatabase(name: string): Promise<string> {
  if (!name.includes('test'))
    throw new Error(`Refusing to create ${name}: a test database's name must contain "test"`);
  await onServer((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropTestDatabase(name: string): Promise<void> {
  await onServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
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
  const url = await createTestDatabase(name);
  await runMigrations(testConfig({ DATABASE_URL: url }));
  return { url, drop: () => dropTestDatabase(name) };
}

/** A copy of a migrated database (nobody may be connected to it), for a suite that needs many fresh ones. */
export async function cloneTestDatabase(templateUrl: string): Promise<ScratchDatabase> {
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `${template}_c${randomBytes(3).toString('hex')}`;
  if (!name.includes('test')) throw new Error(`Refusing to create ${name}: not a test database`);
  await onServer((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropTestDatabase(name) };
}
