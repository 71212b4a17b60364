import { Module } from '@nestjs/common';

import { QueuesModule } from '../queues/queues.module';
import { SettlementsModule } from './settlements.module';
import { SettlementsProcessor } from './settlements.processor';

/** The settlements queue's processors: imported by the worker (and by e2e tests that run the worker in-process). */
@Module({
  imports: [SettlementsModule, QueuesModule],
  providers: [SettlementsProcessor],
})
export class SettlementsWorkerModule {}
