import { BullModule, getQueueToken } from '@nestjs/bull';
import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';

import { withTimeout } from '../common/async/with-timeout';
import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { bullPrefix } from '../redis/redis-keys';
import { BullConnections } from './bull-connections';
import { DEFAULT_JOB_OPTIONS, QUEUE_NAMES } from './queues.constants';

@Module({ providers: [BullConnections], exports: [BullConnections] })
class BullConnectionsModule {}

/** Bull on the shared Redis, under this deployment's key prefix; every queue of the system is registered here. */
@Module({
  imports: [
    BullConnectionsModule,
    BullModule.forRootAsync({
      imports: [BullConnectionsModule],
      inject: [APP_CONFIG, BullConnections],
      useFactory: (config: AppConfig, connections: BullConnections) => ({
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        // A worker renews its job's lock every half of this; a job whose worker died is found stalled and retried
        // within about twice this.
        settings: {
          lockDuration: config.queues.lockDurationMs,
          stalledInterval: config.queues.lockDurationMs,
        },
        createClient: (type) => connections.create(config.redis.url, type),
      }),
    }),
    // Each queue under a hash tag of its own (see redis-keys.ts): ready for Redis Cluster.
    BullModule.registerQueueAsync(
      ...QUEUE_NAMES.map((name) => ({
        name,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({ prefix: bullPrefix(config.redis.keyPrefix, name) }),
      })),
    ),
  ],
  exports: [BullModule],
})
export class QueuesModule implements OnApplicationShutdown {
  private readonly logger = new Logger(QueuesModule.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly connections: BullConnections,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Closes every queue (waiting for active jobs; `close` is idempotent), then the connections Bull leaves open. A
   * close that cannot finish (a Redis command stuck on a connection that is reconnecting) is given up after
   * SHUTDOWN_TIMEOUT_MS: disconnecting then fails what is pending, and an unfinished job is retried elsewhere.
   */
  async onApplicationShutdown(): Promise<void> {
    await withTimeout(
      Promise.all(
        QUEUE_NAMES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }).close()),
      ),
      this.config.shutdownTimeoutMs,
    ).catch((error: Error) => this.logger.warn({ msg: 'Queues did not close in time', err: error }));
    this.connections.disconnectAll();
  }
}
