import * as fc from 'fast-check';

import { freshReplicas, PrimaryPositions } from './replica-selection';

describe('PrimaryPositions', () => {
  it('answers the newest sample not after the time asked, the oldest for earlier times, null before any', () => {
    const positions = new PrimaryPositions(10_000);
    expect(positions.at(0)).toBeNull();
    positions.record(1000, 10n);
    positions.record(2000, 20n);
    positions.record(3000, 30n);
    expect(positions.at(999)).toBe(10n);
    expect(positions.at(1000)).toBe(10n);
    expect(positions.at(2500)).toBe(20n);
    expect(positions.at(9999)).toBe(30n);
  });

  it('forgets samples older than its window but keeps the one in force at its start', () => {
    const positions = new PrimaryPositions(1000);
    for (let at = 0; at <= 10_000; at += 100) positions.record(at, BigInt(at));
    expect(positions.at(9000)).toBe(9000n);
    expect(positions.at(8999)).toBe(9000n);
  });

  it('agrees with a brute-force search over every sample', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 100, max: 5000 }),
        (gaps, probe, keep) => {
          const positions = new PrimaryPositions(keep);
          const all: Array<[number, bigint]> = [];
          let at = 0;
          for (const [i, gap] of gaps.entries()) {
            at += gap;
            positions.record(at, BigInt(i));
            all.push([at, BigInt(i)]);
          }
          // Only questions inside the window are promised an answer.
          const asked = Math.max(probe, at - keep);
          const expected = all.filter(([time]) => time <= asked).at(-1)?.[1] ?? all[0][1];
          expect(positions.at(asked)).toBe(expected);
        },
      ),
    );
  });
});

describe('freshReplicas', () => {
  const primary = new PrimaryPositions(60_000);
  primary.record(0, 100n);
  primary.record(1000, 200n);
  primary.record(2000, 300n);

  it('takes replicas that replayed what the primary had written maxLag ago', () => {
    const replicas = [{ replayed: 150n }, { replayed: 200n }, { replayed: 300n }, { replayed: null }];
    expect(freshReplicas(replicas, primary, 2000, 1000)).toEqual([1, 2]);
    expect(freshReplicas(replicas, primary, 2000, 0)).toEqual([2]);
    expect(freshReplicas(replicas, primary, 2000, 2000)).toEqual([0, 1, 2]);
  });

  it("also requires the reader's own last write", () => {
    const replicas = [{ replayed: 250n }, { replayed: 300n }];
    expect(freshReplicas(replicas, primary, 2000, 2000, 280n)).toEqual([1]);
    expect(freshReplicas(replicas, primary, 2000, 2000, 301n)).toEqual([]);
    // An old write of the reader's does not loosen the lag bound.
    expect(freshReplicas(replicas, primary, 2000, 0, 1n)).toEqual([1]);
  });

  it('sends everything to the primary before its first sample, then holds replicas to the oldest one', () => {
    const fresh = new PrimaryPositions(60_000);
    expect(freshReplicas([{ replayed: 10n }], fresh, 5000, 1000)).toEqual([]);
    fresh.record(5000, 10n);
    expect(freshReplicas([{ replayed: 9n }, { replayed: 10n }], fresh, 5500, 1000)).toEqual([1]);
  });

  it('never picks a replica that misses the lag bound or the own write', () => {
    const lsn = fc.bigInt({ min: 0n, max: 1000n });
    fc.assert(
      fc.property(
        fc.array(fc.option(lsn), { maxLength: 6 }),
        fc.option(lsn),
        fc.integer({ min: 0, max: 3000 }),
        (replayed, own, lag) => {
          const replicas = replayed.map((value) => ({ replayed: value }));
          const bound = primary.at(2000 - lag);
          for (const index of freshReplicas(replicas, primary, 2000, lag, own)) {
            const position = replicas[index].replayed as bigint;
            expect(bound).not.toBeNull();
            expect(position >= (bound as bigint)).toBe(true);
            if (own !== null) expect(position >= own).toBe(true);
          }
        },
      ),
    );
  });
});
