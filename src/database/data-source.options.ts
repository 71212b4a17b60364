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
    extra: {
      // Short OLTP queries: JIT compilation (triggered by PostGIS's high declared costs) only adds latency.
      options: '-c jit=off',
      max: config.database.poolSize,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
    },
  };
}
