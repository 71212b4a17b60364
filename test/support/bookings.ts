import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';

import { TestClock } from './clock';
import { GivenUser } from './factories';
import { GivenShop, givenShop } from './shops';
import { TestAgent, TestApp } from './test-app';

export const ALL_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: '00:00', closes: '24:00' }));

/** A shop-local date `days` ahead of today in Asia/Kolkata. */
export function localDate(days: number, zone = 'Asia/Kolkata'): string {
  return DateTime.now().setZone(zone).plus({ days }).toISODate() as string;
}

/** A shop-local wall-clock time on that date as ISO 8601 with offset. */
export function at(date: string, time: string, zone = 'Asia/Kolkata'): string {
  return DateTime.fromISO(`${date}T${time}`, { zone }).toISO({ suppressMilliseconds: true }) as string;
}

/** An approved shop open around the clock, so tests never depend on the time of day they run. */
export function givenBookableShop(
  http: TestAgent,
  owner: GivenUser,
  admin: GivenUser,
  options: { staff?: number; services?: number; overrides?: Record<string, unknown> } = {},
): Promise<GivenShop> {
  return givenShop(http, owner, admin, {
    staff: options.staff ?? 1,
    services: options.services ?? 1,
    overrides: { openingHours: ALL_DAY, slotIntervalMinutes: 15, ...options.overrides },
  });
}

export function book(
  http: TestAgent,
  customer: GivenUser,
  body: Record<string, unknown>,
  idempotencyKey?: string,
) {
  const request = http.post('/api/v1/bookings').set('Authorization', `Bearer ${customer.accessToken}`);
  if (idempotencyKey) request.set('Idempotency-Key', idempotencyKey);
  return request.send({ paymentMethod: 'PAY_AT_SHOP', ...body });
}

/** Moves an unpaid hold's expiry into the past, as if its time had run out. */
export async function expireHoldNow(testApp: TestApp, bookingId: string): Promise<void> {
  await testApp.app
    .get(DataSource)
    .query(`UPDATE bookings SET expires_at = now() - interval '1 second' WHERE id = $1`, [bookingId]);
}

/**
 * Runs `request` with the app's clock standing just after the booking's end: the lifecycle completes or marks a
 * no-show only once a booking has started, and the tests book days ahead.
 */
export async function afterItEnds<T>(
  testApp: TestApp,
  clock: TestClock,
  bookingId: string,
  request: () => PromiseLike<T>,
): Promise<T> {
  const [{ ends_at: endsAt }]: Array<{ ends_at: Date }> = await testApp.app
    .get(DataSource)
    .query('SELECT ends_at FROM bookings WHERE id = $1', [bookingId]);
  clock.freeze(endsAt.getTime() + 60_000);
  try {
    return await request();
  } finally {
    clock.reset();
  }
}

/**
 * Hands out a fresh slot for every booking a suite makes, so its tests never compete for one: `step`-minute starts
 * from 01:00 shop-local, `perDay` a day, from `firstDay` days ahead on.
 */
export function slotSequence(options: { firstDay: number; perDay?: number; step?: number }): () => string {
  const perDay = options.perDay ?? 40;
  const step = options.step ?? 30;
  let n = 0;
  return () => {
    const i = n++;
    const start = 60 + step * (i % perDay);
    const time = `${String(Math.floor(start / 60)).padStart(2, '0')}:${String(start % 60).padStart(2, '0')}`;
    return at(localDate(options.firstDay + Math.floor(i / perDay)), time);
  };
}
