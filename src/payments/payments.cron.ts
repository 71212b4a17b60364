import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { PaymentJob, PAYMENTS_QUEUE } from '../queues/queues.constants';

const REGISTER_RETRY_MS = 5000;

/**
 * Worker only: the payments crons are Bull repeatable jobs, so however many workers run, each tick runs once,
 * on whichever worker is free. Registering is idempotent; a schedule whose interval changed is replaced.
 */
@Injectable()
export class PaymentsCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaymentsCron.name);

  constructor(
    @InjectQueue(PAYMENTS_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private retry?: NodeJS.Timeout;

  onApplicationBootstrap(): Promise<void> {
    return this.register();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  private async register(): Promise<void> {
    const schedules = new Map<string, number>([
      [PaymentJob.ExpireHolds, this.config.bookings.holdSweepIntervalSeconds * 1000],
      [PaymentJob.Reconcile, this.config.payments.reconcileIntervalSeconds * 1000],
    ]);
    try {
      for (const repeatable of await this.queue.getRepeatableJobs()) {
        if (schedules.has(repeatable.name) && Number(repeatable.every) !== schedules.get(repeatable.name)) {
          await this.queue.removeRepeatableByKey(repeatable.key);
        }
      }
      for (const [name, every] of schedules) {
        await this.queue.add(
          name,
          {},
          { repeat: { every }, jobId: name, removeOnComplete: 100, removeOnFail: 100 },
        );
      }
    } catch (error) {
      // Redis may be down at start-up: keep trying, the schedules must exist for holds to expire.
      this.logger.error({ msg: 'Could not register the payments schedules; retrying in 5 s', err: error });
      this.retry = setTimeout(() => void this.register(), REGISTER_RETRY_MS);
    }
  }
}
