import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { redisClientOptions } from '../redis/redis.module';
import { SlotsResponseDto } from './dto/slots.dto';

/**
 * The namespace under which entries are stored, and their value `{"value": ..., "expires": <epoch ms>}`: the layout
 * the cache had through keyv and @keyv/redis, kept so that instances of either version share entries during a
 * rolling deploy.
 */
const NAMESPACE = 'keyv::';

/**
 * The slot cache in Redis, over ioredis: one GET or one SET with a TTL per call, the value plain JSON. It shares
 * the process's Redis connection when CACHE_REDIS_URL is REDIS_URL (so its GETs are pipelined with the rate limiter's
 * calls of the same tick), and has a connection of its own otherwise. Like the keyv store it replaces, a cache that
 * is down or failing answers every lookup with a miss (`undefined`) and every store with nothing, without throwing,
 * and says so in the log at most every 30 seconds; the client keeps reconnecting in the background.
 */
@Injectable()
export class SlotsCache implements OnApplicationShutdown {
  private readonly logger = new Logger('SlotCache');
  private readonly redis: Redis;
  private readonly own: boolean;
  private lastWarning = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(REDIS_CLIENT) shared: Redis) {
    this.own = config.slots.cacheRedisUrl !== config.redis.url;
    this.redis = this.own ? new Redis(config.slots.cacheRedisUrl, redisClientOptions()) : shared;
    if (this.own) this.redis.on('error', (error: Error) => this.warn(error));
  }

  async get(key: string): Promise<SlotsResponseDto | undefined> {
    let stored: string | null;
    try {
      stored = await this.redis.get(NAMESPACE + key);
    } catch (error) {
      this.warn(error as Error);
      return undefined;
    }
    if (stored === null) return undefined;
    const entry = JSON.parse(stored) as { value?: SlotsResponseDto; expires?: number | null };
    if (typeof entry.expires === 'number' && entry.expires < Date.now()) return undefined;
    return entry.value ?? undefined;
  }

  async set(key: string, value: SlotsResponseDto, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(
        NAMESPACE + key,
        JSON.stringify({ value, expires: Date.now() + ttlMs }),
        'PX',
        ttlMs,
      );
    } catch (error) {
      this.warn(error as Error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.own) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private warn(error: Error): void {
    if (Date.now() - this.lastWarning < 30_000) return;
    this.lastWarning = Date.now();
    this.logger.warn(`Slot cache unavailable, computing slots without it: ${error.message}`);
  }
}
