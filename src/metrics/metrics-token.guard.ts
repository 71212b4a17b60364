import { createHash, timingSafeEqual } from 'node:crypto';

import { CanActivate, ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';

export class InvalidMetricsTokenError extends DomainError {
  constructor() {
    super(
      HttpStatus.UNAUTHORIZED,
      'INVALID_METRICS_TOKEN',
      'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>',
    );
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * With METRICS_TOKEN set (production requires it), /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`
 * and everything else is 401 before a single metric is collected (a scrape queries PostgreSQL and Redis).
 * Without it (development, tests) /metrics is open. The comparison takes the same time whatever was sent.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.metrics.token ? digest(config.metrics.token) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const presented = typeof header === 'string' ? /^Bearer (.+)$/i.exec(header)?.[1] : undefined;
    if (presented === undefined || !timingSafeEqual(digest(presented), this.expected)) {
      throw new InvalidMetricsTokenError();
    }
    return true;
  }
}
