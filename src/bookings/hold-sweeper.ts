import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { BookingsRepository } from './bookings.repository';
import { HoldsService } from './holds.service';

const SWEEP = 'hold-sweeper';

/**
 * Worker only: every HOLD_SWEEP_INTERVAL_SECONDS, expires unpaid holds whose time is up, so their slots come back
 * even if no one tries to book that shop-day (booking does the same lazily for its own shop-day). Once an hour it
 * also forgets idempotency keys older than a day.
 */
@Injectable()
export class HoldSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HoldSweeper.name);
  private running: Promise<unknown> = Promise.resolve();
  private lastKeyCleanup = 0;

  constructor(
    private readonly holds: HoldsService,
    private readonly bookings: BookingsRepository,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const timer = setInterval(() => this.tick(), this.config.bookings.holdSweepIntervalSeconds * 1000);
    this.scheduler.addInterval(SWEEP, timer);
  }

  /** Lets a sweep in progress finish before the process exits. */
  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', SWEEP)) this.scheduler.deleteInterval(SWEEP);
    await this.running;
  }

  tick(): Promise<unknown> {
    this.running = this.running.then(() => this.sweep());
    return this.running;
  }

  private async sweep(): Promise<void> {
    try {
      await this.holds.expireDue();
      if (Date.now() - this.lastKeyCleanup > 3_600_000) {
        this.lastKeyCleanup = Date.now();
        const removed = await this.bookings.deleteExpiredIdempotencyKeys();
        if (removed > 0) this.logger.log(`Forgot ${removed} idempotency keys older than 24 hours`);
      }
    } catch (error) {
      this.logger.error({ msg: 'Hold sweep failed; retrying at the next tick', err: error });
    }
  }
}
