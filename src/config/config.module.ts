import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';

import { AppConfig } from './app.config';
import { APP_CONFIG } from './config.constants';
import { envSchema } from './env.schema';

/**
 * Registers @nestjs/config with the same Joi schema the entry points check before booting, and exposes the typed
 * configuration they built under APP_CONFIG. Nothing else in the code base reads process.env.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: true,
          validationSchema: envSchema,
          validationOptions: { abortEarly: false },
        }),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
