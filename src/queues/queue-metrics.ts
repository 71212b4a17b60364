import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobCounts, Queue } from 'bull';
import { Gauge } from 'prom-client';

import { withTimeout } from '../common/async/with-timeout';
import { MetricsService } from '../metrics/metrics.service';
import { QUEUE_NAMES } from './queues.constants';

const STATES: ReadonlyArray<keyof JobCounts> = ['waiting', 'active', 'delayed', 'failed', 'completed'];
/** A scrape must not hang on a Redis that does not answer; the gauge is then left out of that scrape. */
const COUNT_TIMEOUT_MS = 1000;

/** `queue_jobs{queue,state}`: the depth of every Bull queue, read from Redis when Prometheus scrapes. */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  private readonly logger = new Logger(QueueMetrics.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    if (this.metrics.registry.getSingleMetric('queue_jobs')) return;
    const queues = QUEUE_NAMES.map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
    const logger = this.logger;
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs in each Bull queue, by state',
      labelNames: ['queue', 'state'] as const,
      registers: [this.metrics.registry],
      async collect() {
        this.reset();
        try {
          const counts = await withTimeout(
            Promise.all(queues.map((queue) => queue.getJobCounts())),
            COUNT_TIMEOUT_MS,
          );
          counts.forEach((count, index) => {
            for (const state of STATES) this.set({ queue: queues[index].name, state }, count[state]);
          });
        } catch (error) {
          logger.warn({ msg: 'Queue depths unavailable for this scrape', err: error });
        }
      },
    });
  }
}
