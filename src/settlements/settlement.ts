import { RunStatus, RunTrigger, SettlementStatus } from '../../libs/settlement/settlement-status';

/** A settlement run as the services see it, in camelCase. */
export interface SettlementRun {
  id: string;
  status: RunStatus;
  /** Bookings that ended at or before this instant are settled by the run. */
  cutoff: Date;
  trigger: RunTrigger;
  /** Shops with something to settle when the run was created, and those settled so far. */
  shopsTotal: number;
  shopsDone: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** One shop's settlement in one run. Amounts are paise; sums per shop are well within a safe integer. */
export interface Settlement {
  id: string;
  runId: string;
  shopId: string;
  cutoff: Date;
  bookingCount: number;
  onlineCollectedPaise: number;
  commissionPaise: number;
  /** onlineCollectedPaise - commissionPaise: positive, owed to the shop; negative, owed by it. */
  netPayablePaise: number;
  status: SettlementStatus;
  createdAt: Date;
}
