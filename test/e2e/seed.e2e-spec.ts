import { DateTime } from 'luxon';
import { Client } from 'pg';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { candidateSlots } from '../../libs/slots/slot-engine';
import { runSeed } from '../../src/database/seed';
import { cloneTestDatabase, createScratchDatabase, ScratchDatabase } from '../support/database';
import { assertInvariantsAt } from '../support/invariants';
import { testConfig } from '../support/test-env';

interface SeededBooking {
  id: string;
  status: string;
  starts_at: Date;
  ends_at: Date;
  local_date: string;
  duration_minutes: number;
  timezone: string;
  opening_hours: OpeningInterval[];
  slot_interval_minutes: number;
}

const ZONE = 'Asia/Kolkata';

/**
 * `npm start` seeds demo data whenever it is run: the seed must follow the booking rules on every day of the week
 * and at any hour (it once failed on Tuesdays, booking history after a Sunday's closing, and completed bookings
 * before they started). Each case seeds a fresh copy of a migrated database with the seed's clock standing then.
 */
describe('Demo seed at any instant (e2e)', () => {
  let template: ScratchDatabase;
  const copies: ScratchDatabase[] = [];

  beforeAll(async () => {
    template = await createScratchDatabase();
  });

  afterAll(async () => {
    for (const copy of copies) await copy.drop();
    await template?.drop();
  });

  const monday = DateTime.now().setZone(ZONE).startOf('week');
  const instants = [
    ...[0, 1, 2, 3, 4, 5, 6].map((day) => monday.plus({ days: day, hours: 23, minutes: 50 })),
    monday.plus({ days: 1, minutes: 5 }),
    monday.plus({ days: 6, hours: 15, minutes: 59 }),
  ];

  it.each(instants.map((instant) => [instant.toFormat("cccc HH:mm 'local'"), instant.toMillis()]))(
    'seeds by the rules on %s',
    async (_label, now) => {
      const copy = await cloneTestDatabase(template.url);
      copies.push(copy);
      const config = testConfig({ DATABASE_URL: copy.url });
      const credentials = await runSeed(config, now);
      expect(credentials.join('\n')).toContain('customer@hairone.local');

      let seeded = 0;
      const client = new Client({ connectionString: copy.url });
      await client.connect();
      try {
        const { rows: bookings } = await client.query<SeededBooking>(
          `SELECT b.id, b.status, b.starts_at, b.ends_at, to_char(b.local_date, 'YYYY-MM-DD') AS local_date,
                  sv.duration_minutes, s.timezone, s.opening_hours, s.slot_interval_minutes
             FROM bookings b JOIN shops s ON s.id = b.shop_id JOIN services sv ON sv.id = b.service_id`,
        );
        const upcoming = bookings.filter((booking) => booking.status === 'upcoming');
        const completed = bookings.filter((booking) => booking.status === 'completed');
        expect(upcoming.length).toBe(6);
        expect(completed.length).toBeGreaterThanOrEqual(3);
        expect(upcoming.length + completed.length).toBe(bookings.length);
        seeded = bookings.length;
        for (const booking of bookings) {
          // On the shop's grid, inside its hours of that weekday, the whole service before closing.
          const schedule = {
            timezone: booking.timezone,
            openingHours: booking.opening_hours,
            slotIntervalMinutes: booking.slot_interval_minutes,
          };
          const starts = candidateSlots(booking.local_date, schedule, booking.duration_minutes).map(
            (slot) => slot.start,
          );
          expect(starts).toContain(booking.starts_at.getTime());
        }
        for (const booking of upcoming) expect(booking.starts_at.getTime()).toBeGreaterThan(now);
        // History happened: each completed booking had ended by the time the demo is made.
        for (const booking of completed) expect(booking.ends_at.getTime()).toBeLessThanOrEqual(now);

        const { rows: posted } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM journal_entries WHERE kind = 'booking_settleable'`,
        );
        expect(posted[0].n).toBe(completed.length);
      } finally {
        await client.end();
      }
      await assertInvariantsAt(copy.url);

      // Running it again changes nothing.
      await runSeed(config, now + 60_000);
      const again = new Client({ connectionString: copy.url });
      await again.connect();
      try {
        const { rows } = await again.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings');
        expect(rows[0].n).toBe(seeded);
      } finally {
        await again.end();
      }
    },
    60_000,
  );
});
