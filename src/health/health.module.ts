import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { RedisHealthIndicator } from './redis.health';

@Module({})
export class HealthModule {
  /** The API serves GET /health; the worker only uses HealthService for its log line. */
  static register(options: { http: boolean }): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: options.http ? [HealthController] : [],
      providers: [HealthService, RedisHealthIndicator],
      exports: [HealthService],
    };
  }
}
