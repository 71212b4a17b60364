import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bull';
import { DataSource, EntityManager } from 'typeorm';

import { payoutPosting, payoutReversalPosting } from '../../../libs/ledger/postings';
import { PLATFORM_CURRENCY } from '../../../libs/money/money';
import { payoutAmountPaise } from '../../../libs/settlement/settlement-math';
import { LedgerRepository } from '../../ledger/ledger.repository';
import { MetricsService } from '../../metrics/metrics.service';
import {
  ProviderAnswerUnreadableError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../../payments/providers/payment-provider';
import { PAYOUT_PROVIDER, PayoutProvider, ProviderTransfer } from '../../payments/providers/payout-provider';
import { ensureJob } from '../../queues/ensure-job';
import { SettlementJob, SETTLEMENTS_QUEUE } from '../../queues/queues.constants';
import { Payout } from './payout';
import { PayoutsRepository } from './payouts.repository';

export interface SendPayoutJob {
  payoutId: string;
}

/** The transfer for a payout is not recorded yet (its webhook overtook the provider's answer): try again later. */
export class PayoutNotYetKnownError extends Error {}

/** The review a payout goes to when the provider's answer about its transfer could not be read. */
export const PAYOUT_ANSWER_UNREADABLE = 'payout_answer_unreadable';

/**
 * Payouts of a shop's whole payable balance to its linked account. A payout is written, with its ledger entry (which
 * takes its amount out of `shop_payable`), in a transaction holding the shop's row lock: a settlement's, or an
 * admin's request. The transfer is sent afterwards by a job, under the payout's idempotency key and with the same
 * body on every retry, so a crash or a lost answer never pays twice. Only a clear refusal of the transfer fails a
 * payout (and reverses its entry, so the money is payable again); an answer that cannot be read leaves it pending,
 * for review, until the provider's own record (a webhook, or the resume job asking again) says what happened.
 */
@Injectable()
export class PayoutsService {
  private readonly logger = new Logger(PayoutsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(PAYOUT_PROVIDER) private readonly provider: PayoutProvider,
    @InjectQueue(SETTLEMENTS_QUEUE) private readonly queue: Queue,
    private readonly payouts: PayoutsRepository,
    private readonly ledger: LedgerRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** False when the provider's credentials are not configured: nothing is paid out. */
  get enabled(): boolean {
    return this.provider.enabled;
  }

  /**
   * In a transaction that holds the shop's row lock (a settlement's, or an admin's payout): pays the shop's whole
   * payable balance, as it is in this transaction. Every pending payout has already taken its amount out of that
   * balance, and the lock keeps any other payout of the shop from being made meanwhile, so no paise is paid twice.
   * Returns the payout, or null when nothing is paid (no linked account, payouts not configured, a debt or nothing
   * payable).
   */
  async payBalance(
    manager: EntityManager,
    shop: { id: string; accountId: string | null },
    origin: { settlementId: string } | { requestKey?: string },
  ): Promise<{ payoutId: string; amountPaise: number } | null> {
    if (!shop.accountId || !this.provider.enabled) return null;
    const { payablePaise } = await this.ledger.shopBalances(shop.id, manager);
    const amount = payoutAmountPaise(payablePaise);
    if (amount <= 0) return null;
    const payoutId = await this.payouts.create(manager, {
      settlementId: 'settlementId' in origin ? origin.settlementId : null,
      requestKey: 'requestKey' in origin ? origin.requestKey : undefined,
      shopId: shop.id,
      provider: this.provider.name,
      accountId: shop.accountId,
      amountPaise: amount,
    });
    await this.ledger.post(manager, payoutPosting(payoutId, shop.id, amount));
    return { payoutId, amountPaise: amount };
  }

  /** The payout an admin's request with this Idempotency-Key made for the shop (in the caller's transaction). */
  findByRequestKey(manager: EntityManager, shopId: string, requestKey: string): Promise<Payout | null> {
    return this.payouts.findByRequestKey(manager, shopId, requestKey);
  }

  async enqueue(payoutId: string): Promise<boolean> {
    try {
      await ensureJob(
        this.queue,
        SettlementJob.SendPayout,
        { payoutId } satisfies SendPayoutJob,
        `payout:${payoutId}`,
      );
      return true;
    } catch (error) {
      this.logger.warn({ msg: 'Payout job not enqueued; the resume job will', payoutId, err: error });
      return false;
    }
  }

  /** Enqueues pending payouts untouched for a while (a lost job, or a transfer whose webhook never came). */
  async resume(olderThanSeconds: number): Promise<number> {
    const stale = await this.payouts.stale(olderThanSeconds, 500);
    for (const payoutId of stale) await this.enqueue(payoutId);
    return stale.length;
  }

  /**
   * The payout job: send the transfer, or ask about the one already sent. Unavailable provider: throws, retried.
   * Only a refusal of the transfer request itself fails the payout; an answer that cannot be read (or a refusal to
   * tell about a transfer already recorded) sends it to review and leaves it pending: the transfer may exist.
   */
  async send(payoutId: string): Promise<string> {
    const payout = await this.payouts.findById(payoutId);
    if (!payout || payout.status !== 'pending') return 'done';
    // Credentials removed while a payout is pending: wait for them (an earlier attempt may have paid it).
    if (!this.provider.enabled) throw new ProviderUnavailableError('Payouts are not configured');
    let transfer: ProviderTransfer;
    try {
      transfer = payout.providerTransferId
        ? await this.provider.fetchTransfer(payout.providerTransferId)
        : await this.provider.transfer({
            accountId: payout.accountId,
            amountPaise: payout.amountPaise,
            currency: PLATFORM_CURRENCY,
            idempotencyKey: payout.idempotencyKey,
            payoutId: payout.id,
            settlementId: payout.settlementId,
            shopId: payout.shopId,
          });
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
      if (error instanceof ProviderAnswerUnreadableError || payout.providerTransferId) {
        await this.review(payout, error);
        return 'review';
      }
      this.logger.error({ msg: 'The provider refused a payout; it is marked failed', payoutId, err: error });
      await this.apply(payout, null, error.message);
      return 'rejected';
    }
    await this.apply(payout, transfer);
    return transfer.status;
  }

  /** A `transfer.processed` or `transfer.failed` webhook. */
  async applyTransferEvent(transferId: string, status: 'processed' | 'failed'): Promise<string> {
    const payout = await this.payouts.findByTransfer(this.provider.name, transferId);
    const transfer = await this.provider.fetchTransfer(transferId).catch(() => null);
    // The provider's own record wins over the event when it can be read; the event is signed, so it is trusted too.
    if (payout) {
      await this.apply(
        payout,
        transfer ?? {
          transferId,
          status,
          amountPaise: payout.amountPaise,
          accountId: payout.accountId,
        },
      );
      return `transfer_${status}`;
    }
    // A transfer whose answer never reached the payout (lost or unreadable): found by its notes, believed only when
    // the provider's record of it is the payout's account and amount.
    const unmatched = transfer?.reference
      ? await this.payouts.findUnmatched(this.provider.name, transfer.reference)
      : null;
    if (!transfer || !unmatched) throw new PayoutNotYetKnownError(`No payout has transfer ${transferId} yet`);
    if (transfer.accountId !== unmatched.accountId || transfer.amountPaise !== unmatched.amountPaise) {
      await this.review(unmatched, new Error(`Transfer ${transferId} names this payout but differs from it`));
      return 'review';
    }
    await this.apply(unmatched, transfer);
    return `transfer_${status}`;
  }

  /** A payout whose outcome the provider's answer does not tell: kept pending, and recorded for review once. */
  private async review(payout: Payout, error: Error): Promise<void> {
    const recorded = await this.dataSource.transaction(async (manager) => {
      const current = await this.payouts.lock(manager, payout.id);
      if (current.status !== 'pending') return false;
      return this.payouts.recordReview(manager, current, PAYOUT_ANSWER_UNREADABLE, { error: error.message });
    });
    if (recorded) this.metrics.paymentReviews.inc({ reason: PAYOUT_ANSWER_UNREADABLE });
    this.logger.error({
      msg: 'The provider answer about a payout could not be read; it stays pending, for review',
      payoutId: payout.id,
      err: error,
    });
  }

  /**
   * Records what the provider said: the transfer id, then paid (the settlement is paid) or failed (the settlement
   * is failed and the payout's ledger entry is reversed, so the money is payable again). `transfer` null: refused.
   */
  private async apply(payout: Payout, transfer: ProviderTransfer | null, reason?: string): Promise<void> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const current = await this.payouts.lock(manager, payout.id);
      if (current.status !== 'pending') return null;
      if (transfer) await this.payouts.recordTransfer(manager, payout.id, transfer.transferId);
      const status =
        transfer === null
          ? 'failed'
          : transfer.status === 'processed'
            ? 'paid'
            : transfer.status === 'failed'
              ? 'failed'
              : null;
      if (status === null) return null;
      await this.payouts.finish(manager, payout.id, status, reason);
      if (status === 'failed') {
        await this.ledger.post(manager, payoutReversalPosting(payout.id, payout.shopId, payout.amountPaise));
      }
      return status;
    });
    if (outcome) {
      this.metrics.payouts.inc({ status: outcome });
      this.logger.log({ msg: `Payout ${outcome}`, payoutId: payout.id, settlementId: payout.settlementId });
    }
  }
}
