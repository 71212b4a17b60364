import { Module } from '@nestjs/common';

import { AuthModule } from '../../auth/auth.module';
import { QueueMetrics } from '../queue-metrics';
import { QueuesModule } from '../queues.module';
import { QueueDashboardController } from './queue-dashboard.controller';

/**
 * What the API shows operators of the queues: the dashboard's sign-in pages (the dashboard itself is mounted by
 * `mountQueueDashboard`) and the `queue_jobs` gauge on /metrics.
 */
@Module({
  imports: [AuthModule, QueuesModule],
  controllers: [QueueDashboardController],
  providers: [QueueMetrics],
})
export class QueueDashboardModule {}
