import { assertPaise } from '../money/money';

/**
 * HairOne's chart of accounts. Amounts on journal lines are signed paise: a debit is positive, a credit
 * negative, so every entry sums to zero and an account's balance is the sum of its lines.
 *
 * - `provider_cash` (asset): money held for the platform at the payment provider.
 * - `customer_funds` (liability): money customers paid for bookings that are not yet settleable.
 * - `shop_unsettled` (liability, per shop): what the platform owes a shop (or, negative, is owed) for settleable
 *   bookings that no settlement has taken yet.
 * - `shop_payable` (liability, per shop): settled and not yet paid out; negative is the shop's debt, carried forward.
 * - `commission_revenue` (income): the platform's commission.
 */
export const ACCOUNTS = [
  'provider_cash',
  'customer_funds',
  'shop_unsettled',
  'shop_payable',
  'commission_revenue',
] as const;
export type Account = (typeof ACCOUNTS)[number];

/** Accounts kept per shop; every line on them names the shop, and no other line does. */
export const SHOP_ACCOUNTS: ReadonlySet<Account> = new Set<Account>(['shop_unsettled', 'shop_payable']);

/** What an entry records, each at most once per referenced object (payment, booking, settlement or payout). */
export const ENTRY_KINDS = [
  'capture',
  'refund',
  'booking_settleable',
  'settlement',
  'payout',
  'payout_reversal',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export interface JournalLine {
  account: Account;
  shopId: string | null;
  /** Debit positive, credit negative; never zero. */
  amountPaise: number;
}

export interface JournalEntry {
  kind: EntryKind;
  /** The payment, booking, settlement or payout this entry records. */
  refId: string;
  /** The shop the entry concerns, if any (for listing a shop's entries). */
  shopId: string | null;
  lines: readonly JournalLine[];
}

export class UnbalancedEntryError extends Error {}

/**
 * The one way to make a journal entry: lines of zero are dropped, every amount must be whole paise, shop accounts
 * must name a shop and others must not, and the lines must sum to zero. Returns null when nothing is left to post
 * (every line was zero), so callers never write an empty entry.
 */
export function journalEntry(
  kind: EntryKind,
  refId: string,
  shopId: string | null,
  lines: readonly JournalLine[],
): JournalEntry | null {
  let total = 0n;
  const kept: JournalLine[] = [];
  for (const line of lines) {
    assertPaise(line.amountPaise, `${line.account} line`);
    if (!ACCOUNTS.includes(line.account)) throw new UnbalancedEntryError(`Unknown account ${line.account}`);
    if (SHOP_ACCOUNTS.has(line.account) !== (line.shopId !== null)) {
      throw new UnbalancedEntryError(
        `${line.account} ${SHOP_ACCOUNTS.has(line.account) ? 'needs' : 'must not have'} a shop`,
      );
    }
    total += BigInt(line.amountPaise);
    if (line.amountPaise !== 0) kept.push({ ...line });
  }
  if (total !== 0n) {
    throw new UnbalancedEntryError(`A ${kind} entry must balance; its lines sum to ${total} paise`);
  }
  if (kept.length === 0) return null;
  return Object.freeze({ kind, refId, shopId, lines: Object.freeze(kept) });
}

/** Balances by account (and shop, for shop accounts) of any set of lines. */
export function balances(lines: readonly JournalLine[]): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of lines) {
    const key = line.shopId === null ? line.account : `${line.account}:${line.shopId}`;
    result.set(key, (result.get(key) ?? 0) + line.amountPaise);
  }
  return result;
}
