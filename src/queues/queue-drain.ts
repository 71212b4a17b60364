import { getQueueToken } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';

import { QUEUE_NAMES } from './queues.constants';

/**
 * The worker's drain on SIGTERM: its queues stop taking jobs and wait for the active ones to finish, before the
 * shutdown hooks close what those jobs use (the database, Redis, the SMTP pool). A job still running when the
 * shutdown timeout ends is not lost: its lock expires and another worker retries it, with exactly-once effects.
 */
@Injectable()
export class QueueDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueDrain.name);

  constructor(private readonly moduleRef: ModuleRef) {}

  async beforeApplicationShutdown(): Promise<void> {
    const queues = QUEUE_NAMES.map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
    const active = await Promise.all(queues.map((queue) => queue.getActiveCount().catch(() => 0)));
    this.logger.log({ msg: 'Draining queues', activeJobs: active.reduce((sum, count) => sum + count, 0) });
    // Bull's close waits for this process's active jobs, then disconnects; QueuesModule's later close is a no-op.
    await Promise.all(queues.map((queue) => queue.close()));
    this.logger.log('Queues drained');
  }
}
