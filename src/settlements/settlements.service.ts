import { randomUUID } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { settlementPosting } from '../../libs/ledger/postings';
import { settlementTotals } from '../../libs/settlement/settlement-math';
import { RunTrigger } from '../../libs/settlement/settlement-status';
import { AuthenticatedUser } from '../common/decorators/auth.decorators';
import { NotFoundError } from '../common/errors/domain-error';
import { decodeCursor, isCreatedAtKey, Page, toKeyedPage } from '../common/pagination/pagination';
import { LedgerRepository } from '../ledger/ledger.repository';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsOutbox } from '../notifications/outbox';
import { PayoutStartedDto } from './dto/payout.dto';
import { ListSettlementsQueryDto, SettlementDto, SettlementRunDto } from './dto/settlement.dto';
import { ShopBalanceDto } from './dto/shop-balance.dto';
import { PayoutsService } from './payouts/payouts.service';
import { SettlementRun } from './settlement';
import { NothingToPayError, PayoutAccountMissingError, PayoutsDisabledError } from './settlements.errors';
import { SettlementsQueue } from './settlements.queue';
import { SettlementsRepository } from './settlements.repository';

export type SettleShopOutcome = 'settled' | 'nothing_to_settle' | 'already_done' | 'not_in_run';

@Injectable()
export class SettlementsService {
  private readonly logger = new Logger(SettlementsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settlements: SettlementsRepository,
    private readonly ledger: LedgerRepository,
    private readonly queue: SettlementsQueue,
    private readonly metrics: MetricsService,
    private readonly payouts: PayoutsService,
    private readonly outbox: NotificationsOutbox,
  ) {}

  /** Creates a run over everything settleable up to `cutoff` and enqueues one job per shop. */
  async startRun(cutoff: Date, trigger: RunTrigger): Promise<SettlementRun> {
    const run = await this.settlements.createRun(cutoff, trigger);
    this.metrics.settlementRuns.inc({ trigger });
    this.logger.log({ msg: 'Settlement run created', runId: run.id, shops: run.shopsTotal, trigger });
    if (run.shopsTotal > 0) await this.queue.enqueueShops(run.id, await this.settlements.openShops(run.id));
    return run;
  }

  /**
   * Enqueues again the unsettled shops of runs that are not finished (jobs Redis lost are ids it lacks), and the
   * pending payouts nobody touched for a while (a lost job, or a transfer whose webhook never came).
   */
  async resumeRuns(olderThanSeconds: number): Promise<number> {
    let shops = await this.payouts.resume(olderThanSeconds);
    for (const runId of await this.settlements.unfinishedRuns(olderThanSeconds)) {
      const open = await this.settlements.openShops(runId);
      if (open.length > 0 && (await this.queue.enqueueShops(runId, open))) shops += open.length;
    }
    return shops;
  }

  /**
   * One shop of one run, in one transaction: claim its settleable bookings, write the settlement and its ledger
   * entry, pay the shop's whole payable balance, mark the shop done and advance the run. The run-shop row lock makes a retried or duplicated job a
   * no-op; the claim makes concurrent runs take each booking once.
   */
  async settleShop(runId: string, shopId: string): Promise<SettleShopOutcome> {
    const started = process.hrtime.bigint();
    let payoutId: string | null = null;
    const outcome = await this.dataSource.transaction(async (manager): Promise<SettleShopOutcome> => {
      const runShop = await this.settlements.lockRunShop(manager, runId, shopId);
      if (!runShop) return 'not_in_run';
      if (runShop.done) return 'already_done';
      const shop = await this.settlements.lockShop(manager, shopId);
      const run = await this.settlements.getRun(runId, manager);
      const settlementId = randomUUID();
      const bookings = await this.settlements.claimSettleable(manager, shopId, run.cutoff, settlementId);
      let result: SettleShopOutcome = 'nothing_to_settle';
      if (bookings.length > 0) {
        const totals = settlementTotals(bookings);
        await this.settlements.insertSettlement(manager, {
          id: settlementId,
          runId,
          shopId,
          cutoff: run.cutoff,
          totals,
        });
        await this.ledger.post(manager, settlementPosting(settlementId, shopId, totals.netPayablePaise));
        await this.outbox.settlementMade(manager, settlementId);
        // The whole payable balance after this settlement: earlier failed payouts and nets from before the account
        // was linked included, a debt recovered first.
        const payout = await this.payouts.payBalance(
          manager,
          { id: shopId, accountId: shop?.payoutAccountId ?? null },
          { settlementId },
        );
        payoutId = payout?.payoutId ?? null;
        result = 'settled';
      }
      await this.settlements.finishShop(manager, runId, shopId);
      return result;
    });
    if (payoutId) await this.payouts.enqueue(payoutId);
    this.metrics.settlementShopSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  /**
   * An admin's payout of a shop's payable balance now: in one transaction under the shop's row lock (as a
   * settlement's payout), the transfer sent by the payout job after commit. The same Idempotency-Key for the same
   * shop returns the payout it made, whatever happened since.
   */
  async payShopNow(shopId: string, requestKey?: string): Promise<PayoutStartedDto> {
    const payout = await this.dataSource.transaction(async (manager) => {
      const shop = await this.settlements.lockShop(manager, shopId);
      if (!shop) throw new NotFoundError('Shop');
      if (requestKey !== undefined) {
        const made = await this.payouts.findByRequestKey(manager, shopId, requestKey);
        if (made) return { payoutId: made.id, amountPaise: made.amountPaise };
      }
      if (!this.payouts.enabled) throw new PayoutsDisabledError();
      if (!shop.payoutAccountId) throw new PayoutAccountMissingError();
      const made = await this.payouts.payBalance(
        manager,
        { id: shopId, accountId: shop.payoutAccountId },
        { requestKey },
      );
      if (!made) throw new NothingToPayError();
      return made;
    });
    await this.payouts.enqueue(payout.payoutId);
    this.logger.log({ msg: 'Payout of the balance requested', shopId, ...payout });
    return payout;
  }

  async markRunFailed(runId: string, error: unknown): Promise<void> {
    this.logger.error({
      msg: 'A settlement job failed for good; the run is marked failed',
      runId,
      err: error,
    });
    await this.settlements.markRunFailed(runId);
  }

  async getRun(id: string): Promise<SettlementRunDto> {
    return SettlementRunDto.from(await this.settlements.getRun(id));
  }

  async list(user: AuthenticatedUser, query: ListSettlementsQueryDto): Promise<Page<SettlementDto>> {
    const before = query.cursor ? decodeCursor(query.cursor, isCreatedAtKey) : undefined;
    const settlements = await this.settlements.list(
      {
        ownerId: user.role === 'shop_owner' ? user.id : undefined,
        shopId: query.shopId,
        runId: query.runId,
      },
      query.limit + 1,
      before,
    );
    return toKeyedPage(settlements, query.limit, SettlementDto.from);
  }

  /** A shop's balances from the ledger; its owner and admins only (others: 404, as if it did not exist). */
  async balance(user: AuthenticatedUser, shopId: string): Promise<ShopBalanceDto> {
    const owner = await this.settlements.shopOwner(shopId);
    if (owner === null || (user.role !== 'admin' && owner !== user.id)) throw new NotFoundError('Shop');
    const balances = await this.ledger.shopBalances(shopId);
    return {
      shopId,
      unsettledNetPaise: balances.unsettledPaise,
      settledNetPaise: balances.settledPaise,
      payablePaise: balances.payablePaise,
      paidOutPaise: balances.paidOutPaise,
    };
  }
}
