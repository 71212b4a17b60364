import { Module } from '@nestjs/common';

import { LedgerModule } from '../ledger/ledger.module';
import { NotificationsOutboxModule } from '../notifications/notifications-outbox.module';
import { PaymentGatewayModule } from '../payments/payment-gateway.module';
import { QueuesModule } from '../queues/queues.module';
import { PayoutsRepository } from './payouts/payouts.repository';
import { PayoutsService } from './payouts/payouts.service';
import { SettlementsController } from './settlements.controller';
import { SettlementsQueue } from './settlements.queue';
import { SettlementsRepository } from './settlements.repository';
import { SettlementsService } from './settlements.service';

/** Settlement runs, settlements and shop balances; the API creates runs, the worker settles shops. */
@Module({
  imports: [LedgerModule, QueuesModule, PaymentGatewayModule, NotificationsOutboxModule],
  controllers: [SettlementsController],
  providers: [SettlementsService, SettlementsRepository, SettlementsQueue, PayoutsService, PayoutsRepository],
  exports: [SettlementsService, PayoutsService],
})
export class SettlementsModule {}
