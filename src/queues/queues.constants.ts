import type { JobOptions } from 'bull';

/** Every queue and job name in one place (the API enqueues, the worker processes). */
export const PAYMENTS_QUEUE = 'payments';

export const SETTLEMENTS_QUEUE = 'settlements';

export const NOTIFICATIONS_QUEUE = 'notifications';

export const QUEUE_NAMES = [PAYMENTS_QUEUE, SETTLEMENTS_QUEUE, NOTIFICATIONS_QUEUE] as const;

export const PaymentJob = {
  /** Apply one stored webhook event (job id `event:<provider>:<eventId>`). */
  ProcessEvent: 'process-event',
  /** Ask the provider for one refund (job id `refund:<refundId>`). */
  Refund: 'refund',
  /** Repeatable: expire unpaid holds whose time is up. */
  ExpireHolds: 'expire-holds',
  /** Repeatable: ask the provider about unpaid orders near or past expiry, open refunds and stuck events. */
  Reconcile: 'reconcile',
} as const;

export const SettlementJob = {
  /** Create a settlement run (the nightly cron, or an admin) and enqueue its shops. */
  StartRun: 'start-run',
  /** Settle one shop for one run (job id `settlement:<runId>:<shopId>`). */
  SettleShop: 'settle-shop',
  /** Send one payout to the provider, or ask about one already sent (job id `payout:<payoutId>`). */
  SendPayout: 'send-payout',
  /** Repeatable: re-enqueue shops of unfinished runs and pending payouts whose jobs Redis lost. */
  ResumeRuns: 'resume-runs',
} as const;

export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
};

/** How long the API waits for Redis to accept a job before leaving it to the worker's database sweep. */
export const ENQUEUE_TIMEOUT_MS = 2000;
