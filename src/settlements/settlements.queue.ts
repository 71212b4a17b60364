import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';

import { withTimeout } from '../common/async/with-timeout';
import { ENQUEUE_TIMEOUT_MS, SettlementJob, SETTLEMENTS_QUEUE } from '../queues/queues.constants';

export interface SettleShopJob {
  runId: string;
  shopId: string;
}

const BATCH = 1000;

/**
 * The producer of the settlements queue. One job per (run, shop) with a deterministic id, so enqueueing a run's
 * shops again (after a Redis outage, or by the worker's resume job) never makes a second job for a shop.
 */
@Injectable()
export class SettlementsQueue {
  private readonly logger = new Logger(SettlementsQueue.name);

  constructor(@InjectQueue(SETTLEMENTS_QUEUE) private readonly queue: Queue) {}

  static jobId(runId: string, shopId: string): string {
    return `settlement:${runId}:${shopId}`;
  }

  /** Enqueues the shops of a run; false if Redis did not take them (the worker's resume job will). */
  async enqueueShops(runId: string, shopIds: readonly string[]): Promise<boolean> {
    try {
      for (let start = 0; start < shopIds.length; start += BATCH) {
        const jobs = shopIds.slice(start, start + BATCH).map((shopId) => ({
          name: SettlementJob.SettleShop,
          data: { runId, shopId } satisfies SettleShopJob,
          opts: { jobId: SettlementsQueue.jobId(runId, shopId) },
        }));
        await withTimeout(
          this.queue.addBulk(jobs),
          ENQUEUE_TIMEOUT_MS,
          `Redis did not accept the jobs in ${ENQUEUE_TIMEOUT_MS} ms`,
        );
      }
      return true;
    } catch (error) {
      this.logger.warn({
        msg: 'Settlement jobs not enqueued; the worker will enqueue them',
        runId,
        err: error,
      });
      return false;
    }
  }
}
