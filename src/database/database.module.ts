import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { buildDataSourceOptions } from './data-source.options';

@Module({})
export class DatabaseModule {
  /** `applicationName` shows up in pg_stat_activity, so an operator can tell the API's connections from the worker's. */
  static forRoot(applicationName: string): DynamicModule {
    return {
      module: DatabaseModule,
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
