/**
 * Which replica may answer a read. A replica is fresh enough when it has replayed everything the primary had
 * written `maxLagMs` ago, and everything the reader itself wrote (read-your-writes). Positions of the primary are
 * sampled over time; the one in force `maxLagMs` ago is the newest sample at least that old.
 */
export interface ReplicaState {
  /** Replay position at the last successful check; null when it failed or never ran. */
  replayed: bigint | null;
}

export class PrimaryPositions {
  private samples: Array<{ at: number; lsn: bigint }> = [];

  constructor(private readonly keepMs: number) {}

  record(at: number, lsn: bigint): void {
    this.samples.push({ at, lsn });
    // Keep one sample older than the window, so "the position in force keepMs ago" is always known.
    const cutoff = at - this.keepMs;
    let firstKept = 0;
    while (firstKept + 1 < this.samples.length && this.samples[firstKept + 1].at <= cutoff) firstKept++;
    if (firstKept > 0) this.samples = this.samples.slice(firstKept);
  }

  /**
   * A position the primary had reached by `at`, as late as is known: the newest sample not after it. When every
   * sample is later (the process has just started), the oldest one: a stricter bound, never a looser one. Null
   * before the first sample.
   */
  at(at: number): bigint | null {
    let found: bigint | null = this.samples[0]?.lsn ?? null;
    for (const sample of this.samples) {
      if (sample.at > at) break;
      found = sample.lsn;
    }
    return found;
  }
}

/**
 * The indexes of the replicas that may answer now: up, caught up with the primary as it was `maxLagMs` ago and with
 * `mustHave` (the reader's own last write). Empty until the primary has been sampled once: until then nobody knows
 * how far behind the replicas are, and the primary answers.
 */
export function freshReplicas(
  replicas: readonly ReplicaState[],
  primary: PrimaryPositions,
  now: number,
  maxLagMs: number,
  mustHave: bigint | null = null,
): number[] {
  const lagBound = primary.at(now - maxLagMs);
  if (lagBound === null) return [];
  const required = mustHave !== null && mustHave > lagBound ? mustHave : lagBound;
  return replicas.flatMap((replica, index) =>
    replica.replayed !== null && replica.replayed >= required ? [index] : [],
  );
}
