import { Process, Processor } from '@nestjs/bull';
import { Logger } from '@nestjs/common';
import type { Job } from 'bull';

import { BookingsRepository } from '../bookings/bookings.repository';
import { HoldsService } from '../bookings/holds.service';
import { PaymentJob, PAYMENTS_QUEUE } from '../queues/queues.constants';
import { ProcessEventJob, RefundJob } from './payments.queue';
import { PaymentsReconciler, ReconcileReport } from './payments.reconciler';
import { RefundsService } from './refunds.service';
import { WebhookEventsService } from './webhook-events.service';

/**
 * Worker only. Transient failures (database, provider unreachable) are rethrown so Bull retries them with
 * backoff; what can never succeed is recorded by the services and the job completes.
 */
@Processor(PAYMENTS_QUEUE)
export class PaymentsProcessor {
  private readonly logger = new Logger(PaymentsProcessor.name);

  constructor(
    private readonly webhookEvents: WebhookEventsService,
    private readonly refunds: RefundsService,
    private readonly reconciler: PaymentsReconciler,
    private readonly holds: HoldsService,
    private readonly bookings: BookingsRepository,
  ) {}

  @Process({ name: PaymentJob.ProcessEvent, concurrency: 4 })
  processEvent(job: Job<ProcessEventJob>): Promise<string | null> {
    return this.webhookEvents.process(job.data.provider, job.data.eventId);
  }

  @Process({ name: PaymentJob.Refund, concurrency: 2 })
  refund(job: Job<RefundJob>): Promise<void> {
    return this.refunds.send(job.data.refundId ?? (job.data.paymentId as string));
  }

  /** Safe in any number of workers at once: each shop-day is handled under its read-model row lock. */
  @Process(PaymentJob.ExpireHolds)
  async expireHolds(): Promise<{ expired: number; keysForgotten: number }> {
    const expired = await this.holds.expireDue();
    const keysForgotten = await this.bookings.deleteExpiredIdempotencyKeys();
    if (keysForgotten > 0) this.logger.log(`Forgot ${keysForgotten} idempotency keys older than 24 hours`);
    return { expired, keysForgotten };
  }

  @Process(PaymentJob.Reconcile)
  reconcile(): Promise<ReconcileReport> {
    return this.reconciler.reconcile();
  }
}
