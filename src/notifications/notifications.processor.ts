import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';

import { NOTIFICATIONS_QUEUE } from '../queues/queues.constants';
import { SEND_NOTIFICATION } from './notifications.relay';
import { NotificationsSender } from './notifications.sender';

const CONCURRENCY = 4;

/** Worker only: sends queued messages; a failure is retried with exponential backoff, the last one marks it failed. */
@Injectable()
export class NotificationsProcessor implements OnModuleInit {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue,
    private readonly sender: NotificationsSender,
  ) {}

  onModuleInit(): void {
    void this.queue.process(SEND_NOTIFICATION, CONCURRENCY, (job: Job<{ notificationId: string }>) =>
      this.sender.send(job.data.notificationId),
    );
    this.queue.on('failed', (job: Job<{ notificationId: string }>, error: Error) => {
      const final = job.attemptsMade >= (job.opts.attempts ?? 1);
      void this.sender
        .failed(job.data.notificationId, error, final)
        .catch((err: unknown) => this.logger.error({ msg: 'Could not record a failed send', err }));
    });
  }
}
