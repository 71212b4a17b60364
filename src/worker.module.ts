import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { BookingPartitions } from './bookings/booking-partitions';
import { BookingsModule } from './bookings/bookings.module';
import { ClockModule } from './common/clock/clock';
import { AppConfig } from './config/app.config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module';
import { PaymentsCron } from './payments/payments.cron';
import { PaymentsWorkerModule } from './payments/payments-worker.module';
import { QueueDrain } from './queues/queue-drain';
import { QueuesModule } from './queues/queues.module';
import { RedisModule } from './redis/redis.module';
import { SettlementsCron } from './settlements/settlements.cron';
import { SettlementsWorkerModule } from './settlements/settlements-worker.module';
import { WorkerHeartbeat } from './worker-heartbeat';

/** The worker process: queue processors, crons and the outbox relay live here, never in the API. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        ClockModule.forRoot(),
        DatabaseModule.forRoot('hairone-worker', { readReplicas: false }),
        RedisModule,
        HealthModule.register({ http: false }),
        ScheduleModule.forRoot(),
        MetricsModule,
        BookingsModule,
        QueuesModule,
        PaymentsWorkerModule,
        SettlementsWorkerModule,
        NotificationsWorkerModule,
      ],
      providers: [WorkerHeartbeat, PaymentsCron, SettlementsCron, QueueDrain, BookingPartitions],
    };
  }
}
