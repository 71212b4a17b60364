import { Module } from '@nestjs/common';

import { LedgerController } from './ledger.controller';
import { LedgerRepository } from './ledger.repository';

/** The double-entry ledger: payments, bookings and settlements post to it in their own transactions. */
@Module({ controllers: [LedgerController], providers: [LedgerRepository], exports: [LedgerRepository] })
export class LedgerModule {}
