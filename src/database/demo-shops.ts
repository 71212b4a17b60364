import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { BookingsService } from '../bookings/bookings.service';
import { CatalogRepository } from '../shops/catalog.repository';
import { ShopsRepository } from '../shops/shops.repository';

/** City centres the demo shops (and the geo benchmark) cluster around. */
export const CITIES = [
  { name: 'Bengaluru', lat: 12.9716, lng: 77.5946 },
  { name: 'Mumbai', lat: 19.076, lng: 72.8777 },
  { name: 'Delhi', lat: 28.6139, lng: 77.209 },
  { name: 'Hyderabad', lat: 17.385, lng: 78.4867 },
  { name: 'Chennai', lat: 13.0827, lng: 80.2707 },
  { name: 'Pune', lat: 18.5204, lng: 73.8567 },
  { name: 'Kolkata', lat: 22.5726, lng: 88.3639 },
  { name: 'Ahmedabad', lat: 23.0225, lng: 72.5714 },
] as const;

const NAMES = ['Sharp Cuts', 'The Grooming Room', 'Kesh Kala', 'Fade Street', 'Style Studio', 'Barber Bros'];
const AREAS = ['Central', 'North', 'South', 'East', 'West', 'Old Town'];
const SERVICES = [
  { name: 'Haircut', durationMinutes: 30, pricePaise: 30_000 },
  { name: 'Beard trim', durationMinutes: 15, pricePaise: 15_000 },
  { name: 'Haircut and beard', durationMinutes: 45, pricePaise: 40_000 },
  { name: 'Hair colour', durationMinutes: 90, pricePaise: 150_000 },
  { name: 'Head massage', durationMinutes: 20, pricePaise: 20_000 },
];
const STAFF = ['Ravi', 'Anil', 'Sana', 'Imran', 'Meena', 'Kiran', 'Farhan', 'Divya'];

/** Mon-Sat 10:00-14:00 and 15:00-21:00, Sunday 10:00-16:00: a lunch break and a short Sunday, as real shops have. */
const HOURS: OpeningInterval[] = [
  ...[1, 2, 3, 4, 5, 6].flatMap((weekday) => [
    { weekday, opens: '10:00', closes: '14:00' },
    { weekday, opens: '15:00', closes: '21:00' },
  ]),
  { weekday: 7, opens: '10:00', closes: '16:00' },
];

/** Deterministic, so the demo looks the same on every machine. */
function pseudoRandom(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
}

/** Six shops around each city (the last of each city left pending, for the approval flow), with services and staff. */
export async function seedDemoShops(
  ownerId: string,
  commissionBps: number,
  shops: ShopsRepository,
  catalog: CatalogRepository,
): Promise<number> {
  const random = pseudoRandom(42);
  let created = 0;
  for (const city of CITIES) {
    for (let i = 0; i < 6; i++) {
      const shop = await shops.create({
        ownerId,
        name: `${NAMES[i]} ${city.name} ${AREAS[i]}`,
        address: `${10 + i * 7} ${AREAS[i]} Main Road, ${city.name}`,
        location: { lat: city.lat + (random() - 0.5) * 0.12, lng: city.lng + (random() - 0.5) * 0.12 },
        timezone: 'Asia/Kolkata',
        openingHours: HOURS,
        slotIntervalMinutes: i % 2 === 0 ? 15 : 30,
        commissionBps,
      });
      for (const service of SERVICES.slice(0, 3 + (i % 3))) await catalog.addService(shop.id, service);
      for (const name of STAFF.slice(0, 2 + (i % 3))) await catalog.addStaff(shop.id, { name });
      if (i < 5) await shops.setStatus(shop.id, 'active');
      created++;
    }
  }
  return created;
}

/**
 * A few upcoming pay-at-shop bookings for the demo customer at the demo owner's first shops, made through the real
 * booking transaction, so slots and bookings in Swagger show real data.
 */
/**
 * Completed bookings from the past two days at the demo owner's first shops, so a new user can run a settlement
 * (POST /settlements/runs) at once. They are booked and completed through the service (so the ledger has them),
 * then moved into the past: the API only books the future, and a completed booking no longer holds its slot.
 */
export async function seedDemoHistory(
  customerId: string,
  ownerId: string,
  shops: ShopsRepository,
  catalog: CatalogRepository,
  bookings: BookingsService,
  dataSource: DataSource,
): Promise<number> {
  const active = (await shops.list({ ownerId, status: 'active' }, 3)).filter(
    (shop) => shop.status === 'active',
  );
  const ids: string[] = [];
  for (const shop of active) {
    const [service] = await catalog.listServices(shop.id, 1);
    const day = DateTime.now().setZone(shop.timezone).plus({ days: 5 }).toISODate();
    for (const time of ['12:00', '13:00', '17:00']) {
      const startsAt = DateTime.fromISO(`${day}T${time}`, { zone: shop.timezone }).toISO() as string;
      const booking = await bookings.create(
        { id: customerId, role: 'customer' },
        { shopId: shop.id, serviceId: service.id, startsAt, paymentMethod: 'PAY_AT_SHOP' },
      );
      await bookings.complete({ id: ownerId, role: 'shop_owner' }, booking.id);
      ids.push(booking.id);
    }
  }
  await dataSource.query(
    `UPDATE bookings SET starts_at = starts_at - interval '7 days', ends_at = ends_at - interval '7 days',
                         local_date = local_date - 7
      WHERE id = ANY($1)`,
    [ids],
  );
  return ids.length;
}

export async function seedDemoBookings(
  customerId: string,
  ownerId: string,
  shops: ShopsRepository,
  catalog: CatalogRepository,
  bookings: BookingsService,
): Promise<number> {
  const active = (await shops.list({ ownerId, status: 'active' }, 3)).filter(
    (shop) => shop.status === 'active',
  );
  let created = 0;
  for (const [i, shop] of active.entries()) {
    const [service] = await catalog.listServices(shop.id, 1);
    const day = DateTime.now()
      .setZone(shop.timezone)
      .plus({ days: i + 1 })
      .toISODate();
    for (const time of ['11:00', '15:30']) {
      const startsAt = DateTime.fromISO(`${day}T${time}`, { zone: shop.timezone }).toISO() as string;
      await bookings.create(
        { id: customerId, role: 'customer' },
        { shopId: shop.id, serviceId: service.id, startsAt, paymentMethod: 'PAY_AT_SHOP' },
      );
      created++;
    }
  }
  return created;
}
