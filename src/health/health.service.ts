import { Injectable } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1500;

/** Used by GET /health and by the worker's periodic health log line. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** Throws ServiceUnavailableException (503) carrying the details when a dependency is down. */
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () => this.redis.pingCheck('redis'),
    ]);
  }
}
