import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { SettlementJob, SETTLEMENTS_QUEUE } from '../queues/queues.constants';

const REGISTER_RETRY_MS = 5000;
const RESUME_EVERY_MS = 60_000;

/**
 * Worker only: the nightly settlement (SETTLEMENT_CRON in SETTLEMENT_TIMEZONE) and the resume job are Bull
 * repeatable jobs, so each tick runs once however many workers run. A changed schedule replaces the old one.
 */
@Injectable()
export class SettlementsCron implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SettlementsCron.name);
  private retry?: NodeJS.Timeout;

  constructor(
    @InjectQueue(SETTLEMENTS_QUEUE) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.register();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  private async register(): Promise<void> {
    const { cron, timezone } = this.config.settlements;
    try {
      for (const repeatable of await this.queue.getRepeatableJobs()) {
        const stale =
          (repeatable.name === SettlementJob.StartRun &&
            (repeatable.cron !== cron || repeatable.tz !== timezone)) ||
          (repeatable.name === SettlementJob.ResumeRuns && Number(repeatable.every) !== RESUME_EVERY_MS);
        if (stale) await this.queue.removeRepeatableByKey(repeatable.key);
      }
      await this.queue.add(
        SettlementJob.StartRun,
        {},
        {
          repeat: { cron, tz: timezone },
          jobId: SettlementJob.StartRun,
          removeOnComplete: 100,
          removeOnFail: 100,
        },
      );
      await this.queue.add(
        SettlementJob.ResumeRuns,
        {},
        {
          repeat: { every: RESUME_EVERY_MS },
          jobId: SettlementJob.ResumeRuns,
          removeOnComplete: 100,
          removeOnFail: 100,
        },
      );
      this.logger.log({ msg: 'Settlement schedule registered', cron, timezone });
    } catch (error) {
      this.logger.error({ msg: 'Could not register the settlement schedule; retrying in 5 s', err: error });
      this.retry = setTimeout(() => void this.register(), REGISTER_RETRY_MS);
    }
  }
}
