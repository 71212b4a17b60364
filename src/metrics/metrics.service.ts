import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process; features add their own counters and gauges to it. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly transactionRetries = new Counter({
    name: 'db_transaction_retries_total',
    help: 'SERIALIZABLE transactions retried after a serialization failure, deadlock or exclusion violation',
    labelNames: ['operation', 'sqlstate'] as const,
    registers: [this.registry],
  });

  readonly bookingsCreated = new Counter({
    name: 'bookings_created_total',
    help: 'Bookings created, by payment method',
    labelNames: ['payment_method'] as const,
    registers: [this.registry],
  });

  readonly settlementShopSeconds = new Histogram({
    name: 'settlement_shop_duration_seconds',
    help: 'Time to settle one shop of a run (one transaction), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly payouts = new Counter({
    name: 'payouts_total',
    help: 'Payouts to shops that ended, by status (paid or failed)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly notificationsSent = new Counter({
    name: 'notifications_sent_total',
    help: 'Messages delivered, by channel and template',
    labelNames: ['channel', 'template'] as const,
    registers: [this.registry],
  });

  readonly notificationsFailed = new Counter({
    name: 'notifications_failed_total',
    help: 'Messages that failed for good after every retry, by channel and template',
    labelNames: ['channel', 'template'] as const,
    registers: [this.registry],
  });

  readonly settlementRuns = new Counter({
    name: 'settlement_runs_total',
    help: 'Settlement runs created, by trigger (cron or admin)',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });

  readonly bookingConflicts = new Counter({
    name: 'booking_conflicts_total',
    help: 'Booking requests answered 409 SLOT_UNAVAILABLE',
    registers: [this.registry],
  });

  readonly slotCacheLookups = new Counter({
    name: 'slot_cache_lookups_total',
    help: 'Slot cache lookups by result: hit, miss (a cache that is down answers every lookup with a miss), error',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly paymentCaptures = new Counter({
    name: 'payment_captures_total',
    help: 'Captured payments applied to bookings, by source (checkout, webhook, reconciliation) and decision',
    labelNames: ['source', 'decision'] as const,
    registers: [this.registry],
  });

  readonly paymentSignatureRejections = new Counter({
    name: 'payment_signature_rejections_total',
    help: 'Checkout verifications and webhooks refused for an invalid signature',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly paymentEvents = new Counter({
    name: 'payment_webhook_events_total',
    help: 'Webhook events by type and outcome (received, duplicate, then what processing did)',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly paymentReviews = new Counter({
    name: 'payment_reviews_total',
    help: 'Payments recorded for review instead of applied (amount or currency mismatch, unknown order, ...)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly paymentRefunds = new Counter({
    name: 'payment_refunds_total',
    help: 'Refund state changes recorded, by status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly dbReads = new Counter({
    name: 'db_reads_total',
    help: 'Reads that may be served by a replica, by where they were served',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Counts a transaction retried after `error`, by its SQLSTATE (a domain error that stands for a constraint
   * violation carries the constraint's).
   */
  countRetry(operation: string, error: unknown): void {
    const { sqlstate, driverError } = error as { sqlstate?: string; driverError?: { code?: string } };
    this.transactionRetries.inc({ operation, sqlstate: sqlstate ?? driverError?.code ?? 'unknown' });
  }

  /**
   * Exports each replica's replay lag in WAL bytes (-1 while it takes no reads), asking `lags` on every scrape.
   * The first reader of the process to call this is the one exported.
   */
  watchReplicaLag(lags: () => readonly number[]): void {
    if (this.registry.getSingleMetric('db_replica_lag_bytes')) return;
    new Gauge({
      name: 'db_replica_lag_bytes',
      help: 'WAL bytes the replica has still to replay (-1 while it takes no reads)',
      labelNames: ['replica'] as const,
      registers: [this.registry],
      collect() {
        lags().forEach((lag, index) => this.set({ replica: String(index) }, lag));
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
