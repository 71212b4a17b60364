import fc from 'fast-check';

import { compareKeys, SearchKey, SearchSort, tied } from './search-order';

const key = fc.record({
  rating: fc.option(
    fc.integer({ min: 10, max: 50 }).map((tenths) => tenths / 10),
    { nil: null },
  ),
  distance: fc.integer({ min: 0, max: 20 }).map((metres) => metres * 250.5),
  id: fc.uuid(),
});
const sort = fc.constantFrom<SearchSort>('distance', 'rating');

describe('search order', () => {
  it('distance: nearest first, then id', () => {
    const a = { rating: 5, distance: 10, id: 'b' };
    const b = { rating: 1, distance: 10, id: 'a' };
    const c = { rating: null, distance: 5, id: 'z' };
    expect([a, b, c].sort((x, y) => compareKeys('distance', x, y))).toEqual([c, b, a]);
  });

  it('rating: highest first, unrated last, then nearest, then id', () => {
    const keys: SearchKey[] = [
      { rating: null, distance: 1, id: 'a' },
      { rating: 4.5, distance: 9, id: 'b' },
      { rating: 5, distance: 50, id: 'c' },
      { rating: 4.5, distance: 2, id: 'd' },
      { rating: 4.5, distance: 2, id: 'c' },
    ];
    expect([...keys].sort((x, y) => compareKeys('rating', x, y)).map((k) => k.id)).toEqual([
      'c',
      'c',
      'd',
      'b',
      'a',
    ]);
  });

  it('is a total order: antisymmetric, transitive, zero only for the same key', () => {
    fc.assert(
      fc.property(sort, key, key, key, (s, a, b, c) => {
        expect(Math.sign(compareKeys(s, a, b))).toBe(-Math.sign(compareKeys(s, b, a)) || 0);
        if (compareKeys(s, a, b) <= 0 && compareKeys(s, b, c) <= 0)
          expect(compareKeys(s, a, c)).toBeLessThanOrEqual(0);
        expect(compareKeys(s, a, b) === 0).toBe(a.id === b.id && tied(s, a, b));
      }),
    );
  });

  it('ties only what the index cannot tell apart', () => {
    expect(tied('distance', { rating: 5, distance: 3, id: 'a' }, { rating: 1, distance: 3, id: 'b' })).toBe(
      true,
    );
    expect(tied('rating', { rating: 5, distance: 3, id: 'a' }, { rating: 1, distance: 3, id: 'b' })).toBe(
      false,
    );
    expect(
      tied('rating', { rating: null, distance: 3, id: 'a' }, { rating: null, distance: 3, id: 'b' }),
    ).toBe(true);
  });
});
