import { DateTime } from 'luxon';

import { OpeningInterval } from '../../libs/schedule/opening-hours';
import { candidateSlots } from '../../libs/slots/slot-engine';
import { BookingLifecycleService } from '../bookings/booking-lifecycle.service';
import { BookingsService } from '../bookings/bookings.service';
import { ManualClock } from '../common/clock/clock';
import { CatalogRepository } from '../shops/catalog.repository';
import { Shop } from '../shops/shop.entity';
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

/** Who books and who runs the shops in the demo, and the clock the demo's bookings are made by. */
export interface DemoBookingContext {
  customerId: string;
  ownerId: string;
  shops: ShopsRepository;
  catalog: CatalogRepository;
  bookings: BookingsService;
  lifecycle: BookingLifecycleService;
  clock: ManualClock;
}

/** Up to `count` starts spread over the day where the service fits inside the shop's hours (none when closed). */
function startsOn(shop: Shop, date: string, durationMinutes: number, count: number): number[] {
  const starts = candidateSlots(date, shop, durationMinutes).map((slot) => slot.start);
  if (starts.length <= count) return starts;
  return Array.from({ length: count }, (_, i) => starts[Math.floor(((i + 0.5) * starts.length) / count)]);
}

const DAY_MS = 24 * 3_600_000;

/**
 * A few upcoming pay-at-shop bookings for the demo customer at the demo owner's first shops, made through the real
 * booking transaction at times the shops are open, so slots and bookings in Swagger show real data.
 */
export async function seedDemoBookings(demo: DemoBookingContext, now: number): Promise<number> {
  let created = 0;
  for (const [i, shop] of (await activeShops(demo)).entries()) {
    const [{ item: service }] = await demo.catalog.listServices(shop.id, 1);
    // Two bookings on the shop's first open day from tomorrow on (shop-local), each shop a day after the one before.
    let starts: number[] = [];
    for (let ahead = i + 1; ahead <= i + 8 && starts.length === 0; ahead++) {
      const date = DateTime.fromMillis(now, { zone: shop.timezone })
        .plus({ days: ahead })
        .toISODate() as string;
      starts = startsOn(shop, date, service.durationMinutes, 2);
    }
    demo.clock.set(now);
    for (const startsAt of starts) {
      await demo.bookings.create(
        { id: demo.customerId, role: 'customer' },
        {
          shopId: shop.id,
          serviceId: service.id,
          startsAt: new Date(startsAt).toISOString(),
          paymentMethod: 'PAY_AT_SHOP',
        },
      );
      created++;
    }
  }
  return created;
}

/**
 * Completed bookings from the last open days before today at the demo owner's first shops, so a new user can run
 * a settlement (POST /settlements/runs) at once. Each is booked a day ahead and completed after it ended, with the
 * clock standing then, through the real services (so the read model and the ledger have them): the rules hold for
 * the history as they do today.
 */
export async function seedDemoHistory(demo: DemoBookingContext, now: number): Promise<number> {
  let created = 0;
  for (const shop of await activeShops(demo)) {
    const [{ item: service }] = await demo.catalog.listServices(shop.id, 1);
    let seeded = 0;
    for (let back = 1; back <= 7 && seeded === 0; back++) {
      const date = DateTime.fromMillis(now, { zone: shop.timezone })
        .minus({ days: back })
        .toISODate() as string;
      for (const startsAt of startsOn(shop, date, service.durationMinutes, 3)) {
        demo.clock.set(startsAt - DAY_MS);
        const booking = await demo.bookings.create(
          { id: demo.customerId, role: 'customer' },
          {
            shopId: shop.id,
            serviceId: service.id,
            startsAt: new Date(startsAt).toISOString(),
            paymentMethod: 'PAY_AT_SHOP',
          },
        );
        demo.clock.set(Date.parse(booking.endsAt) + 60_000);
        await demo.lifecycle.complete({ id: demo.ownerId, role: 'shop_owner' }, booking.id);
        seeded++;
      }
    }
    created += seeded;
  }
  demo.clock.set(now);
  return created;
}

async function activeShops(demo: DemoBookingContext): Promise<Shop[]> {
  return (await demo.shops.list({ ownerId: demo.ownerId, status: 'active' }, 3))
    .map(({ item }) => item)
    .filter((shop) => shop.status === 'active');
}
