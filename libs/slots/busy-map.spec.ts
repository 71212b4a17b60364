import * as fc from 'fast-check';

import { BusyMap, toIntervals, withBooking, withoutBookings } from './busy-map';

describe('busy map', () => {
  it('adds bookings in start order and replaces a booking added twice', () => {
    let busy: BusyMap = {};
    busy = withBooking(busy, 'a', 'b2', { start: 200, end: 300 });
    busy = withBooking(busy, 'a', 'b1', { start: 100, end: 150 });
    busy = withBooking(busy, 'a', 'b1', { start: 100, end: 150 });
    expect(busy).toEqual({
      a: [
        { b: 'b1', s: 100, e: 150 },
        { b: 'b2', s: 200, e: 300 },
      ],
    });
    expect(toIntervals(busy)).toEqual({
      a: [
        { start: 100, end: 150 },
        { start: 200, end: 300 },
      ],
    });
  });

  it('removes bookings and drops staff left with nothing', () => {
    const busy: BusyMap = {
      a: [{ b: 'x', s: 1, e: 2 }],
      c: [
        { b: 'y', s: 1, e: 2 },
        { b: 'z', s: 3, e: 4 },
      ],
    };
    expect(withoutBookings(busy, ['x', 'y'])).toEqual({ c: [{ b: 'z', s: 3, e: 4 }] });
  });

  it('adding then removing a booking leaves the map as it was', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('a', 'b'), fc.uuid(), fc.nat(1000), fc.integer({ min: 1, max: 100 })),
          {
            maxLength: 10,
          },
        ),
        fc.constantFrom('a', 'b'),
        fc.nat(1000),
        (entries, staff, start) => {
          let busy: BusyMap = {};
          for (const [s, id, from, length] of entries)
            busy = withBooking(busy, s, id, { start: from, end: from + length });
          const added = withBooking(busy, staff, 'new-booking', { start, end: start + 30 });
          expect(withoutBookings(added, ['new-booking'])).toEqual(withoutBookings(busy, []));
        },
      ),
    );
  });
});
