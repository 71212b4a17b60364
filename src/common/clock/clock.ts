import { DynamicModule, Global, Module } from '@nestjs/common';

/**
 * Where the rules that depend on time ask for it. Production uses the system clock; tests and the demo seed give
 * their own, so that a rule can be tried at any instant (just before a start, past a cut-off, late at night).
 */
export const CLOCK = Symbol('CLOCK');

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = systemClock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] };
  }
}

/** A clock that stands where it is set: for the demo seed, which books its history as it would have happened. */
export class ManualClock implements Clock {
  constructor(private instant: number) {}

  now(): number {
    return this.instant;
  }

  set(instant: number): void {
    this.instant = instant;
  }
}
