/** Whether a booking's money has been settled with its shop (each booking exactly once). */
export const BOOKING_SETTLEMENT_STATUSES = ['unsettled', 'settled'] as const;
export type BookingSettlementStatus = (typeof BOOKING_SETTLEMENT_STATUSES)[number];

/** A settlement run: queued when created, running while its shop jobs are worked, then completed or failed. */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A shop's settlement in one run: pending until its payout is paid, or failed when the payout failed. */
export const SETTLEMENT_STATUSES = ['pending', 'paid', 'failed'] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/** A payout (one transfer of a shop's payable balance) is pending, then paid or failed; its settlement, if any, follows. */
export type PayoutStatus = SettlementStatus;

/** What started a settlement run: the nightly cron, or an admin. */
export const RUN_TRIGGERS = ['cron', 'admin'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
