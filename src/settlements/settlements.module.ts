import { Module } from '@nestjs/common';

import { LedgerModule } from '../ledger/ledger.module';
import { QueuesModule } from '../queues/queues.module';
import { SettlementsController } from './settlements.controller';
import { SettlementsQueue } from './settlements.queue';
import { SettlementsRepository } from './settlements.repository';
import { SettlementsService } from './settlements.service';

/** Settlement runs, settlements and shop balances; the API creates runs, the worker settles shops. */
@Module({
  imports: [LedgerModule, QueuesModule],
  controllers: [SettlementsController],
  providers: [SettlementsService, SettlementsRepository, SettlementsQueue],
  exports: [SettlementsService],
})
export class SettlementsModule {}
