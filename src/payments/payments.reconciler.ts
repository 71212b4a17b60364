import { Inject, Injectable, Logger } from '@nestjs/common';

import { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/config.constants';
import { CapturesService } from './captures.service';
import { PaymentsQueue } from './payments.queue';
import { PaymentsRepository } from './payments.repository';
import { PAYMENT_PROVIDER, PaymentProvider } from './providers/payment-provider';
import { RefundsRepository } from './refunds.repository';
import { RefundsService } from './refunds.service';

const BATCH = 100;
/** A refund asked for more recently than this is left to its own job, which is probably still running. */
const STUCK_AFTER_SECONDS = 60;
/**
 * A stored webhook event still unprocessed after this long is enqueued again (its job was never queued, as when
 * Redis was away, or was lost). Enqueueing is keyed by the event id, so an event whose job is still waiting or
 * running is not queued twice, and a processed one is not selected: this can be short.
 */
const EVENT_REQUEUE_AFTER_SECONDS = 10;

export interface ReconcileReport {
  ordersChecked: number;
  capturesFound: number;
  refundsRetried: number;
  refundsUpdated: number;
  eventsRequeued: number;
}

/**
 * So that a lost webhook or a lost job never loses money: asks the provider about unpaid orders whose hold is
 * about to expire or expired recently and applies what it says; re-sends refunds the provider has not
 * accepted; follows pending refunds; re-enqueues stored events nobody processed.
 */
@Injectable()
export class PaymentsReconciler {
  private readonly logger = new Logger(PaymentsReconciler.name);

  constructor(
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    private readonly payments: PaymentsRepository,
    private readonly captures: CapturesService,
    private readonly refunds: RefundsService,
    private readonly refundRows: RefundsRepository,
    private readonly queue: PaymentsQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      ordersChecked: 0,
      capturesFound: 0,
      refundsRetried: 0,
      refundsUpdated: 0,
      eventsRequeued: 0,
    };
    if (!this.provider.enabled) return report;

    for (const payment of await this.payments.claimDueForReconcile(
      BATCH,
      this.config.payments.reconcileIntervalSeconds,
    )) {
      report.ordersChecked += 1;
      try {
        const captured = (await this.provider.paymentsOfOrder(payment.providerOrderId)).find(
          (candidate) => candidate.status === 'captured',
        );
        if (captured && captured.orderId === payment.providerOrderId) {
          report.capturesFound += 1;
          await this.captures.applyCapture(
            payment,
            { paymentId: captured.paymentId, amountPaise: captured.amountPaise, currency: captured.currency },
            'reconciliation',
          );
        }
      } catch (error) {
        this.logger.warn({
          msg: 'Could not reconcile an order; will ask again',
          orderId: payment.providerOrderId,
          err: error,
        });
      }
    }

    for (const refund of await this.refundRows.open(STUCK_AFTER_SECONDS, BATCH)) {
      try {
        if (refund.status === 'requested') {
          report.refundsRetried += 1;
          await this.queue.refund({ refundId: refund.id });
        } else if (refund.providerRefundId) {
          const answer = await this.provider.fetchRefund(refund.providerRefundId);
          if (answer.status !== 'pending') {
            report.refundsUpdated += 1;
            await this.refunds.apply(refund, answer);
          }
        }
      } catch (error) {
        this.logger.warn({
          msg: 'Could not follow up a refund; will try again',
          refundId: refund.id,
          err: error,
        });
      }
    }

    for (const event of await this.payments.stuckEvents(EVENT_REQUEUE_AFTER_SECONDS, BATCH)) {
      if (await this.queue.processEvent({ provider: event.provider, eventId: event.eventId })) {
        report.eventsRequeued += 1;
      }
    }
    if (report.capturesFound + report.refundsRetried + report.refundsUpdated + report.eventsRequeued > 0) {
      this.logger.log({ msg: 'Reconciliation applied changes', ...report });
    }
    return report;
  }
}
