import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { ensureJob } from '../queues/ensure-job';
import { NOTIFICATIONS_QUEUE } from '../queues/queues.constants';
import { NotificationsRepository } from './notifications.repository';

export const SEND_NOTIFICATION = 'send';
const BATCH = 200;

/**
 * Worker only: moves outbox rows into the notifications queue, with the row id as the job id (so a relay that
 * repeats itself, or several relays in several workers, never make two jobs), delayed until the message is due.
 * A row is marked relayed in the same transaction that locked it, after Redis took its job; if Redis is down the
 * transaction rolls back and the rows wait for the next tick. Nothing is lost.
 */
@Injectable()
export class NotificationsRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationsRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private failing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(NOTIFICATIONS_QUEUE) private readonly queue: Queue,
    private readonly notifications: NotificationsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  /** The first thing to stop on shutdown, so that nothing new is queued while the worker drains. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.relayAll()
        .catch((error: unknown) => {
          if (!this.failing) this.logger.warn({ msg: 'Outbox relay failed; retrying', err: error });
          this.failing = true;
        })
        .finally(() => this.schedule());
    }, this.config.notifications.relayIntervalMs);
  }

  /** Relays until the outbox has nothing left to hand over. */
  async relayAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const relayed = await this.relayBatch();
      total += relayed;
      if (relayed < BATCH) break;
    }
    if (this.failing) this.logger.log('Outbox relay recovered');
    this.failing = false;
    return total;
  }

  private relayBatch(): Promise<number> {
    const { attempts, backoffMs } = this.config.notifications;
    return this.dataSource.transaction(async (manager) => {
      const messages = await this.notifications.lockUnrelayed(manager, BATCH);
      for (const message of messages) {
        await ensureJob(this.queue, SEND_NOTIFICATION, { notificationId: message.id }, message.id, {
          delay: Math.max(0, message.sendAfter.getTime() - Date.now()),
          attempts,
          backoff: { type: 'exponential', delay: backoffMs },
        });
      }
      await this.notifications.markRelayed(
        manager,
        messages.map((message) => message.id),
      );
      return messages.length;
    });
  }
}
