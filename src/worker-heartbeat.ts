import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult } from '@nestjs/terminus';

import { HealthService } from './health/health.service';

const HEARTBEAT_INTERVAL_MS = 60_000;

/** The worker has no HTTP port, so it reports the health of its dependencies in its log instead. */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private timer?: NodeJS.Timeout;

  constructor(private readonly health: HealthService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.report();
    this.timer = setInterval(() => void this.report(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async report(): Promise<void> {
    try {
      const result = await this.health.check();
      this.logger.log({ msg: 'worker healthy', health: result.details });
    } catch (error) {
      const details =
        error instanceof ServiceUnavailableException
          ? (error.getResponse() as HealthCheckResult).details
          : undefined;
      this.logger.warn({ msg: 'worker unhealthy', health: details ?? (error as Error).message });
    }
  }
}
