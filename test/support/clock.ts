import { Clock } from '../../src/common/clock/clock';

/**
 * A clock a test can move: it follows the system clock plus an offset (so time still passes between requests),
 * or stands still at a set instant.
 */
export class TestClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  /** Moves the clock forward (or back, with a negative amount) and keeps it running. */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Stands the clock at `instant` until `reset()`. */
  freeze(instant: number | string): void {
    this.frozenAt = typeof instant === 'string' ? Date.parse(instant) : instant;
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }
}
