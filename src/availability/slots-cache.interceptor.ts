import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

import { withTimeout } from '../common/async/with-timeout';
import { isUuid } from '../common/pagination/pagination';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { MetricsService } from '../metrics/metrics.service';
import { AvailabilityRepository } from './availability.repository';
import { SlotsResponseDto } from './dto/slots.dto';
import { SlotsService } from './slots.service';
import { SlotsCache } from './slots-cache';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The cache must never hold a request up: a Redis client that is reconnecting can leave a call pending (the
 * client waits for its connection), so every cache call is bounded and a slow one counts as unavailable.
 */
const CACHE_TIMEOUT_MS = 250;

/**
 * Caches slot answers in Redis under a key that carries the shop's configuration version and the day's read-model
 * version. Versions are read from the primary before the answer is computed, and the answer is never computed from
 * a replica's copy older than the primary's versions (`AvailabilityRepository.slotInputs`), so an entry can only
 * ever be as new as its key or newer, even with lagging replicas:
 * a booking, a cancellation or a change of hours, services or staff moves readers to a new key at once, and nothing
 * stale is ever served. A cache that is down is skipped: slots are then computed on every request.
 */
@Injectable()
export class SlotsCacheInterceptor implements NestInterceptor {
  private readonly logger = new Logger(SlotsCacheInterceptor.name);

  constructor(
    private readonly cache: SlotsCache,
    private readonly availability: AvailabilityRepository,
    private readonly slots: SlotsService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<SlotsResponseDto>): Observable<SlotsResponseDto> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const { id } = request.params as { id?: string };
    const { date, serviceId } = request.query as { date?: unknown; serviceId?: unknown };
    // Malformed requests go straight to the handler, whose validation answers them.
    if (!isUuid(id) || !isUuid(serviceId) || typeof date !== 'string' || !DATE.test(date))
      return next.handle();

    // A hit answers without the handler; a miss runs it and stores its answer. (A plain Observable: the same
    // flow as from/switchMap/tap, without their per-request operator chain.)
    return new Observable<SlotsResponseDto>((subscriber) => {
      let handled: { unsubscribe(): void } | undefined;
      let closed = false;
      this.lookup(id, date, serviceId)
        .then(({ key, cached }) => {
          if (closed) return;
          if (cached) {
            subscriber.next(this.slots.withoutStartsTooSoon(cached));
            subscriber.complete();
            return;
          }
          handled = next.handle().subscribe({
            next: (response) => {
              if (key) void this.store(key, response);
              subscriber.next(response);
            },
            error: (error: unknown) => subscriber.error(error),
            complete: () => subscriber.complete(),
          });
        })
        // The lookup's failure, or one while answering from the cache, is the request's error (as switchMap's).
        .catch((error: unknown) => subscriber.error(error));
      return () => {
        closed = true;
        handled?.unsubscribe();
      };
    });
  }

  private async lookup(shopId: string, date: string, serviceId: string) {
    const versions = await this.availability.versions(shopId, date);
    if (!versions) return { key: null, cached: undefined };
    const key = `${this.config.redis.keyPrefix}slots:${shopId}:${date}:${serviceId}:c${versions.config}:d${versions.day}`;
    try {
      const cached = (await withTimeout(this.cache.get(key), CACHE_TIMEOUT_MS)) ?? undefined;
      this.metrics.slotCacheLookups.inc({ result: cached ? 'hit' : 'miss' });
      return { key, cached };
    } catch (error) {
      this.metrics.slotCacheLookups.inc({ result: 'error' });
      this.logger.warn(`Slot cache unavailable: ${(error as Error).message}`);
      return { key, cached: undefined };
    }
  }

  private async store(key: string, response: SlotsResponseDto): Promise<void> {
    try {
      await withTimeout(
        this.cache.set(key, response, this.config.slots.cacheTtlSeconds * 1000),
        CACHE_TIMEOUT_MS,
      );
    } catch (error) {
      this.logger.warn(`Slot cache unavailable: ${(error as Error).message}`);
    }
  }
}
