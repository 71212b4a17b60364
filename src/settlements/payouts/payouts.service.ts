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
import { ProviderRejectedError } from '../../payments/providers/payment-provider';
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

/**
 * Payouts of positive settlement nets to the shop's linked account. A payout is written, with its ledger entry, in
 * the settlement's own transaction; the transfer is sent afterwards by a job, with the settlement id as the
 * idempotency key and the same body on every retry, so a crash or a lost answer never pays twice.
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

  /**
   * In the settlement's transaction (the shop row is locked): pays what the settlement owes the shop, less any debt
   * carried from earlier settlements. Returns the payout id, or null when nothing is paid (no linked account, the
   * provider is not configured, or nothing is owed).
   */
  async createForSettlement(
    manager: EntityManager,
    settlement: { id: string; shopId: string; netPaise: number; payableBeforePaise: number },
    accountId: string | null,
  ): Promise<string | null> {
    const amount = payoutAmountPaise(settlement.netPaise, settlement.payableBeforePaise);
    if (amount <= 0 || !accountId || !this.provider.enabled) return null;
    const payoutId = await this.payouts.create(manager, {
      settlementId: settlement.id,
      shopId: settlement.shopId,
      provider: this.provider.name,
      accountId,
      amountPaise: amount,
    });
    await this.ledger.post(manager, payoutPosting(payoutId, settlement.shopId, amount));
    return payoutId;
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

  /** The payout job: send the transfer, or ask about the one already sent. Unavailable provider: throws, retried. */
  async send(payoutId: string): Promise<string> {
    const payout = await this.payouts.findById(payoutId);
    if (!payout || payout.status !== 'pending') return 'done';
    let transfer: ProviderTransfer;
    try {
      transfer = payout.providerTransferId
        ? await this.provider.fetchTransfer(payout.providerTransferId)
        : await this.provider.transfer({
            accountId: payout.accountId,
            amountPaise: payout.amountPaise,
            currency: PLATFORM_CURRENCY,
            idempotencyKey: payout.idempotencyKey,
            settlementId: payout.settlementId,
            shopId: payout.shopId,
          });
    } catch (error) {
      if (!(error instanceof ProviderRejectedError)) throw error;
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
    if (!payout) throw new PayoutNotYetKnownError(`No payout has transfer ${transferId} yet`);
    const transfer = await this.provider.fetchTransfer(transferId).catch(() => null);
    // The provider's own record wins over the event when it can be read; the event is signed, so it is trusted too.
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
