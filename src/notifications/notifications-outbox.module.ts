import { Module } from '@nestjs/common';

import { NotificationsOutbox } from './outbox';

/** Only the outbox writer: bookings, payments and settlements import it to write messages in their transactions. */
@Module({ providers: [NotificationsOutbox], exports: [NotificationsOutbox] })
export class NotificationsOutboxModule {}
