/**
 * The Redis key layout, ready for Redis Cluster. A Lua script or a MULTI may only touch keys of one hash slot, and a
 * key's slot is decided by the part between its first `{` and the next `}` (the hash tag) when it has one. Keys used
 * together carry the same tag; keys that are not carry different ones, so the load spreads over the nodes.
 * REDIS_KEY_PREFIX therefore holds no tag of its own (it would put every key in one slot).
 *
 * - Bull: every key of one queue shares the queue's tag (its scripts touch several at once); each queue has its own.
 * - Rate limiting: a client's counter and block flag share a tag (one script updates both).
 * - Slot cache, own-write positions and failed logins per account: single-key commands only; no tag needed.
 */
export const hashTag = (value: string): string => `{${value}}`;

/** Bull's key prefix for one queue: `<prefix>bull:{<queue>}`, then Bull's own `:<queue>:<suffix>`. */
export function bullPrefix(keyPrefix: string, queue: string): string {
  return `${keyPrefix}bull:${hashTag(queue)}`;
}

/** The counter and the block flag of one client's budget in one throttler. */
export function rateLimitKeys(keyPrefix: string, throttler: string, client: string): [string, string] {
  const base = `${keyPrefix}ratelimit:${hashTag(`${throttler}:${client}`)}`;
  return [base, `${base}:blocked`];
}

/** The failed-login counter of one account (a hash of its normalised e-mail: no address is written to Redis). */
export function loginFailuresKey(keyPrefix: string, accountHash: string): string {
  return `${keyPrefix}login-failures:${accountHash}`;
}
