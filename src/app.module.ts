import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';

import { AuthModule } from './auth/auth.module';
import { AvailabilityModule } from './availability/availability.module';
import { BookingsModule } from './bookings/bookings.module';
import { Clock, ClockModule, systemClock } from './common/clock/clock';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { AppConfig } from './config/app.config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ReadScopeInterceptor } from './database/replicas/read-scope.interceptor';
import { DiscoveryModule } from './discovery/discovery.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PaymentsModule } from './payments/payments.module';
import { QueueDashboardModule } from './queues/dashboard/queue-dashboard.module';
import { RedisModule } from './redis/redis.module';
import { ReviewsModule } from './reviews/reviews.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { SettlementsModule } from './settlements/settlements.module';
import { ShopsModule } from './shops/shops.module';
import { UsersModule } from './users/users.module';

/** The HTTP API: it writes and enqueues; it never sends messages or settles (that is the worker's job). */
@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    extraImports: ModuleMetadata['imports'] = [],
    clock: Clock = systemClock,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ClockModule.forRoot(clock),
        DatabaseModule.forRoot('hairone-api', { readReplicas: true }),
        RedisModule,
        MetricsModule,
        // Guards run in registration order: rate limiting before authentication.
        RateLimitModule,
        AuthModule,
        UsersModule,
        ShopsModule,
        DiscoveryModule,
        ReviewsModule,
        AvailabilityModule,
        BookingsModule,
        SchedulingModule,
        PaymentsModule,
        SettlementsModule,
        NotificationsModule,
        QueueDashboardModule,
        HealthModule.register({ http: true }),
        ...extraImports,
      ],
      // Read scopes matter only where reads may go to replicas; without any, no interceptor runs at all (Nest then
      // skips its interceptor chain for every route that has none of its own).
      providers:
        config.database.replicaUrls.length > 0
          ? [{ provide: APP_INTERCEPTOR, useClass: ReadScopeInterceptor }]
          : [],
    };
  }
}
