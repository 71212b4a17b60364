import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bull';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { DEFAULT_JOB_OPTIONS, SettlementJob, SETTLEMENTS_QUEUE } from '../queues/queues.constants';
import { PayoutsService, SendPayoutJob } from './payouts/payouts.service';
import { SettleShopJob } from './settlements.queue';
import { SettlementsService, SettleShopOutcome } from './settlements.service';

/** Unfinished runs older than this get their open shops enqueued again (jobs Redis lost). */
const RESUME_AFTER_SECONDS = 60;

/**
 * The settlements queue's processors, in the worker. Registered by hand rather than with `@Process` so that the
 * concurrency of shop jobs comes from SETTLEMENT_CONCURRENCY; any number of worker processes share the queue.
 */
@Injectable()
export class SettlementsProcessor implements OnModuleInit {
  private readonly logger = new Logger(SettlementsProcessor.name);

  constructor(
    @InjectQueue(SETTLEMENTS_QUEUE) private readonly queue: Queue,
    private readonly settlements: SettlementsService,
    private readonly payouts: PayoutsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    void this.queue.process(
      SettlementJob.SettleShop,
      this.config.settlements.concurrency,
      (job: Job<SettleShopJob>) => this.settleShop(job),
    );
    void this.queue.process(SettlementJob.StartRun, 1, async (job: Job) => {
      // The cron's tick time is the cutoff, so a retried job settles the same bookings.
      const run = await this.settlements.startRun(new Date(job.timestamp), 'cron');
      return { runId: run.id, shops: run.shopsTotal };
    });
    void this.queue.process(SettlementJob.SendPayout, 1, (job: Job<SendPayoutJob>) =>
      this.payouts.send(job.data.payoutId),
    );
    void this.queue.process(SettlementJob.ResumeRuns, 1, async () => ({
      reenqueued: await this.settlements.resumeRuns(RESUME_AFTER_SECONDS),
    }));
    this.queue.on('failed', (job: Job, error: Error) => {
      const attempts = job.opts.attempts ?? DEFAULT_JOB_OPTIONS.attempts ?? 1;
      this.logger.warn({
        msg: 'A settlements job failed; Bull retries it with backoff',
        job: job.id,
        attempt: job.attemptsMade,
        of: attempts,
        err: error,
      });
      if (job.name === SettlementJob.SettleShop && job.attemptsMade >= attempts) {
        void this.settlements
          .markRunFailed((job.data as SettleShopJob).runId, error)
          .catch((err: unknown) => this.logger.error({ msg: 'Could not mark the run failed', err }));
      }
    });
  }

  private async settleShop(job: Job<SettleShopJob>): Promise<SettleShopOutcome> {
    const { runId, shopId } = job.data;
    const outcome = await this.settlements.settleShop(runId, shopId);
    this.logger.debug({ msg: 'Shop settled', runId, shopId, outcome });
    return outcome;
  }
}
