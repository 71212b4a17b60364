import { Module } from '@nestjs/common';

import { LedgerRepository } from './ledger.repository';

/** The double-entry ledger: payments, bookings and settlements post to it in their own transactions. */
@Module({ providers: [LedgerRepository], exports: [LedgerRepository] })
export class LedgerModule {}
