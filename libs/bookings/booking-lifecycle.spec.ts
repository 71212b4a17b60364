import fc from 'fast-check';

import { ACTORS, BOOKING_ACTIONS, BOOKING_STATUSES, decide, transition } from './booking-state';

const HOUR = 3_600_000;
const startsAt = Date.parse('2026-12-10T10:00:00+05:30');
const timing = (now: number, freeHours = 24) => ({
  now,
  startsAt,
  freeCancellationDeadline: startsAt - freeHours * HOUR,
});

describe('booking lifecycle: the time rules on top of the state machine', () => {
  it('completes and marks no-show only once the start has passed', () => {
    for (const action of ['complete', 'no_show'] as const) {
      for (const actor of ['shop_owner', 'admin'] as const) {
        expect(decide('upcoming', action, actor, timing(startsAt - 1))).toEqual({
          allowed: false,
          reason: 'not_started',
        });
        expect(decide('upcoming', action, actor, timing(startsAt - 7 * 24 * HOUR)).allowed).toBe(false);
        expect(decide('upcoming', action, actor, timing(startsAt))).toEqual({
          allowed: true,
          to: action === 'complete' ? 'completed' : 'no_show',
        });
        expect(decide('upcoming', action, actor, timing(startsAt + 5 * HOUR)).allowed).toBe(true);
      }
    }
  });

  it('lets a customer cancel only before the start; the shop and admins at any time', () => {
    expect(decide('upcoming', 'cancel', 'customer', timing(startsAt - 1))).toEqual({
      allowed: true,
      to: 'cancelled',
    });
    expect(decide('upcoming', 'cancel', 'customer', timing(startsAt))).toEqual({
      allowed: false,
      reason: 'cancellation_closed',
    });
    expect(decide('pending_payment', 'cancel', 'customer', timing(startsAt + HOUR)).allowed).toBe(false);
    for (const actor of ['shop_owner', 'admin'] as const) {
      expect(decide('upcoming', 'cancel', actor, timing(startsAt + HOUR)).allowed).toBe(true);
    }
  });

  it('lets a customer reschedule until the free-cancellation deadline, the shop and admins until the start', () => {
    const deadline = startsAt - 24 * HOUR;
    expect(decide('upcoming', 'reschedule', 'customer', timing(deadline))).toEqual({
      allowed: true,
      to: 'upcoming',
    });
    expect(decide('upcoming', 'reschedule', 'customer', timing(deadline + 1))).toEqual({
      allowed: false,
      reason: 'reschedule_closed',
    });
    expect(decide('pending_payment', 'reschedule', 'customer', timing(deadline - HOUR, 24))).toEqual({
      allowed: true,
      to: 'pending_payment',
    });
    for (const actor of ['shop_owner', 'admin'] as const) {
      expect(decide('upcoming', 'reschedule', actor, timing(startsAt - 1)).allowed).toBe(true);
      expect(decide('upcoming', 'reschedule', actor, timing(startsAt))).toEqual({
        allowed: false,
        reason: 'reschedule_closed',
      });
    }
    // With no free window a customer may reschedule until the start itself.
    expect(decide('upcoming', 'reschedule', 'customer', timing(startsAt - 1, 0)).allowed).toBe(true);
  });

  it('never allows what the state machine forbids, at any instant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...BOOKING_STATUSES),
        fc.constantFrom(...BOOKING_ACTIONS),
        fc.constantFrom(...ACTORS),
        fc.integer({ min: -30 * 24, max: 30 * 24 }),
        fc.integer({ min: 0, max: 168 }),
        (status, action, actor, hoursFromStart, freeHours) => {
          const result = decide(status, action, actor, timing(startsAt + hoursFromStart * HOUR, freeHours));
          const table = transition(status, action, actor);
          if (!table.allowed) expect(result).toEqual(table);
          if (result.allowed) expect(result).toEqual(table);
        },
      ),
    );
  });

  it('decides by time alone only for completing, no-shows, customer cancellations and reschedules', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('confirm_payment', 'expire', 'cancel') as fc.Arbitrary<
          'confirm_payment' | 'expire' | 'cancel'
        >,
        fc.constantFrom('system', 'shop_owner', 'admin') as fc.Arbitrary<'system' | 'shop_owner' | 'admin'>,
        fc.integer({ min: -1000, max: 1000 }),
        (action, actor, hoursFromStart) => {
          for (const status of BOOKING_STATUSES) {
            expect(decide(status, action, actor, timing(startsAt + hoursFromStart * HOUR))).toEqual(
              transition(status, action, actor),
            );
          }
        },
      ),
    );
  });
});
