import { Module } from '@nestjs/common';

import { QueuesModule } from '../queues/queues.module';
import { EmailChannel } from './channels/email.channel';
import { SmsChannel } from './channels/sms.channel';
import { NotificationsProcessor } from './notifications.processor';
import { NotificationsRelay } from './notifications.relay';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsSender } from './notifications.sender';

/** The worker side: the outbox relay, the queue's processor and the channels. */
@Module({
  imports: [QueuesModule],
  providers: [
    NotificationsRelay,
    NotificationsProcessor,
    NotificationsSender,
    NotificationsRepository,
    EmailChannel,
    SmsChannel,
  ],
})
export class NotificationsWorkerModule {}
