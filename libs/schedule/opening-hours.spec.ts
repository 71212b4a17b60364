import * as fc from 'fast-check';

import {
  formatTimeOfDay,
  normalizeOpeningHours,
  openingHoursProblems,
  OpeningInterval,
  parseTimeOfDay,
} from './opening-hours';

describe('parseTimeOfDay / formatTimeOfDay', () => {
  it('round-trips every minute of the day', () => {
    for (let minute = 0; minute < 24 * 60; minute++) {
      expect(parseTimeOfDay(formatTimeOfDay(minute))).toBe(minute);
    }
  });

  it.each(['24:00', '9:00', '09:60', '25:00', '0900', '09:00:00', '', 'noon', ' 09:00'])(
    'refuses %p as an opening time',
    (value) => {
      expect(parseTimeOfDay(value)).toBeNull();
    },
  );

  it('accepts 24:00 only as a closing time', () => {
    expect(parseTimeOfDay('24:00', true)).toBe(1440);
  });
});

describe('openingHoursProblems', () => {
  const day = (weekday: number, opens: string, closes: string): OpeningInterval => ({
    weekday,
    opens,
    closes,
  });

  it('accepts a normal week with a lunch break and a closed Sunday', () => {
    const week = [1, 2, 3, 4, 5, 6].flatMap((weekday) => [
      day(weekday, '09:00', '13:00'),
      day(weekday, '14:00', '20:00'),
    ]);
    expect(openingHoursProblems(week)).toEqual([]);
  });

  it('accepts no hours at all (closed every day) and a shop open until midnight', () => {
    expect(openingHoursProblems([])).toEqual([]);
    expect(openingHoursProblems([day(5, '18:00', '24:00')])).toEqual([]);
  });

  it('accepts back-to-back intervals that touch', () => {
    expect(openingHoursProblems([day(1, '09:00', '12:00'), day(1, '12:00', '15:00')])).toEqual([]);
  });

  it.each([
    [[day(0, '09:00', '17:00')], 'weekday'],
    [[day(8, '09:00', '17:00')], 'weekday'],
    [[day(1.5, '09:00', '17:00')], 'weekday'],
    [[day(1, '9:00', '17:00')], 'opens'],
    [[day(1, '09:00', '24:01')], 'closes'],
    [[day(1, '17:00', '09:00')], 'open before it closes'],
    [[day(1, '09:00', '09:00')], 'open before it closes'],
    [[day(1, '09:00', '13:00'), day(1, '12:00', '18:00')], 'overlap'],
  ])('refuses %j (%s)', (hours, expected) => {
    const problems = openingHoursProblems(hours);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(expected);
  });

  it('accepts any set of disjoint well-formed intervals, in any order', () => {
    const intervalsOfOneDay = fc
      .uniqueArray(fc.integer({ min: 0, max: 1440 }), { minLength: 0, maxLength: 8 })
      .map((points) => points.sort((a, b) => a - b))
      .map((points) => {
        const intervals: Array<[number, number]> = [];
        for (let i = 0; i + 1 < points.length; i += 2) intervals.push([points[i], points[i + 1]]);
        return intervals;
      });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 7 }), intervalsOfOneDay), { maxLength: 7 }),
        (days) => {
          const seen = new Set<number>();
          const hours = days
            .filter(([weekday]) => !seen.has(weekday) && seen.add(weekday))
            .flatMap(([weekday, intervals]) =>
              intervals
                .filter(([opens]) => opens < 1440)
                .map(([opens, closes]) =>
                  day(weekday, formatTimeOfDay(opens), closes === 1440 ? '24:00' : formatTimeOfDay(closes)),
                ),
            );
          expect(openingHoursProblems(hours)).toEqual([]);
          expect(openingHoursProblems([...hours].reverse())).toEqual([]);
        },
      ),
    );
  });

  it('finds the overlap of any two intervals that share a minute', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1438 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 600 }),
        (start, length, offset) => {
          const firstEnd = Math.min(start + length, 1440);
          const secondStart = Math.min(start + Math.min(offset, firstEnd - start - 1), 1439);
          const hours = [
            day(3, formatTimeOfDay(start), firstEnd === 1440 ? '24:00' : formatTimeOfDay(firstEnd)),
            day(3, formatTimeOfDay(secondStart), '24:00'),
          ];
          expect(openingHoursProblems(hours).join()).toContain('overlap');
        },
      ),
    );
  });
});

describe('normalizeOpeningHours', () => {
  it('orders by weekday then opening time and drops unknown properties', () => {
    const messy = [
      { weekday: 2, opens: '14:00', closes: '18:00', extra: true },
      { weekday: 1, opens: '09:00', closes: '12:00' },
      { weekday: 2, opens: '09:00', closes: '12:00' },
    ] as OpeningInterval[];
    expect(normalizeOpeningHours(messy)).toEqual([
      { weekday: 1, opens: '09:00', closes: '12:00' },
      { weekday: 2, opens: '09:00', closes: '12:00' },
      { weekday: 2, opens: '14:00', closes: '18:00' },
    ]);
  });
});
