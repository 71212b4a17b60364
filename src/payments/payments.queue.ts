import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';

import { ensureJob } from '../queues/ensure-job';
import { PaymentJob, PAYMENTS_QUEUE } from '../queues/queues.constants';

export interface ProcessEventJob {
  provider: string;
  eventId: string;
}

export interface RefundJob {
  refundId: string;
  /** Jobs queued before refunds had ids of their own named the payment, whose id their refund took over. */
  paymentId?: string;
}

/**
 * The producer of the payments queue. Job ids are deterministic, so enqueueing twice is harmless. The database
 * row is always written first: when Redis cannot take the job, the worker's reconciler finds the row and
 * enqueues it later, so nothing is lost.
 */
@Injectable()
export class PaymentsQueue {
  private readonly logger = new Logger(PaymentsQueue.name);

  constructor(@InjectQueue(PAYMENTS_QUEUE) private readonly queue: Queue) {}

  processEvent(job: ProcessEventJob): Promise<boolean> {
    return this.ensure(PaymentJob.ProcessEvent, job, `event:${job.provider}:${job.eventId}`);
  }

  refund(job: RefundJob): Promise<boolean> {
    return this.ensure(PaymentJob.Refund, job, `refund:${job.refundId}`);
  }

  private async ensure(name: string, data: object, jobId: string): Promise<boolean> {
    try {
      await ensureJob(this.queue, name, data, jobId);
      return true;
    } catch (error) {
      this.logger.warn({ msg: 'Job not enqueued; the reconciler will enqueue it', jobId, err: error });
      return false;
    }
  }
}
