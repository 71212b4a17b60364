import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { buildDataSourceOptions } from './data-source.options';
import { DatabaseReader, READS_FROM_REPLICAS } from './replicas/database-reader';

@Module({})
export class DatabaseModule {
  /**
   * The primary through TypeORM, and the {@link DatabaseReader} for reads that replicas may answer (the API's; the
   * worker's reads feed its writes, so they stay on the primary).
   * `applicationName` shows up in pg_stat_activity, so an operator can tell the API's connections from the worker's. */
  static forRoot(applicationName: string, options: { readReplicas: boolean }): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [DatabaseReader, { provide: READS_FROM_REPLICAS, useValue: options.readReplicas }],
      exports: [DatabaseReader],
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            ...buildDataSourceOptions(config, applicationName),
            autoLoadEntities: true,
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
    };
  }
}
