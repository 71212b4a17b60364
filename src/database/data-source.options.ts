import { DataSourceOptions } from 'typeorm';

import { AppConfig } from '../config/app.config';
import { MIGRATIONS } from './migrations';

/** The one description of the database connection, shared by the app, the worker and the migration CLI. */
export function buildDataSourceOptions(config: AppConfig, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.database.url,
    applicationName,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    // Extensions come from migrations (which need the privileges); the app never tries to create any.
    installExtensions: false,
    // No session settings here (jit = off comes from the database, see the database-settings migration): the
    // connection may go through PgBouncer in transaction mode.
    extra: {
      max: config.database.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    },
  };
}
