import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Partitions exist this far beyond the booking horizon, so a missed day or two of this job changes nothing. */
const MARGIN = '2 months';

/**
 * Keeps the monthly partitions of `bookings` ahead of the booking horizon (the worker's job): at start-up and then
 * daily, it creates the missing ones up to BOOKING_HORIZON_DAYS plus two months. `ensure_booking_partitions` is
 * idempotent and serialised in the database, so any number of workers may run this at once. Creating a partition
 * takes a short exclusive lock on `bookings`, once a month.
 */
@Injectable()
export class BookingPartitions implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BookingPartitions.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.timer = setInterval(() => void this.ensureAhead(), DAY_MS);
    this.timer.unref();
    await this.ensureAhead();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Creates what is missing up to the horizon plus the margin; the number of partitions created. */
  async ensureAhead(): Promise<number> {
    try {
      const [{ created }] = await this.dataSource.query<Array<{ created: number }>>(
        `SELECT ensure_booking_partitions(current_date,
                  (current_date + make_interval(days => $1) + interval '${MARGIN}')::date) AS created`,
        [this.config.bookings.horizonDays],
      );
      if (created > 0) this.logger.log({ msg: 'Booking partitions created', created });
      return created;
    } catch (error) {
      // Tomorrow's run (or the next worker's start) tries again; the margin covers the gap.
      this.logger.error({ msg: 'Could not create booking partitions ahead', err: error });
      return 0;
    }
  }
}
